"""Permission predicates for the whole product, in one place.

Views check these through ``user.has_perm(...)`` / ``@permission_required`` —
never by testing roles inline — so a rule changes here and nowhere else.
"""

import rules

from .models import SEPARATED_ROLES, Role
from .selectors import is_evaluator_of


def _has_role(role: str):
    @rules.predicate(name=f"has_role_{role}")
    def predicate(user) -> bool:
        return bool(user and user.is_authenticated and user.has_role(role))

    return predicate


is_staff_member = _has_role(Role.STAFF)
is_department_head = _has_role(Role.DEPARTMENT_HEAD)
is_supervising_leader = _has_role(Role.SUPERVISING_LEADER)
is_agency_head = _has_role(Role.AGENCY_HEAD)
is_hr_admin = _has_role(Role.HR_ADMIN)
is_inspector = _has_role(Role.INSPECTOR)
is_auditor = _has_role(Role.AUDITOR)
is_sysadmin = _has_role(Role.SYSADMIN)


@rules.predicate
def takes_part_in_appraisal(user) -> bool:
    """Holds any role other than the separated ones (三员分立: sysadmin and auditor see no grades)."""
    return bool(user and user.is_authenticated and (user.roles - SEPARATED_ROLES))


@rules.predicate
def same_organisation(user, obj) -> bool:
    organisation_id = getattr(obj, "organisation_id", None)
    return bool(organisation_id and user.organisation_id == organisation_id)


@rules.predicate
def is_reviewer(user, document) -> bool:
    """Reviews this handed-in document (target set, monthly summary): the owner's evaluator today,
    the department head, or for a head the supervising leader. Nobody reviews their own.

    Expects ``owner__department`` loaded, so the check costs no query.
    """
    return (
        document is not None and document.owner_id != user.pk and is_evaluator_of(evaluator=user, person=document.owner)
    )


# Organisation administration. HR keeps the staff register; the system
# administrator keeps accounts (activation, passwords, roles) but not appraisal content.
rules.add_perm("accounts.manage_staff", is_hr_admin | is_sysadmin)
rules.add_perm("accounts.manage_departments", is_hr_admin | is_sysadmin)
rules.add_perm("accounts.import_staff", is_hr_admin)
rules.add_perm("accounts.manage_roles", is_sysadmin)
rules.add_perm("accounts.edit_policy", is_hr_admin)
rules.add_perm("accounts.view_policy", is_hr_admin | is_agency_head | is_sysadmin)
# The working-day calendar (holidays, 调休) decides publication windows: HR keeps it.
rules.add_perm("accounts.manage_calendar", is_hr_admin)
rules.add_perm("accounts.view_audit_log", is_auditor)
# Object-level: an administrator acts only on people of their own organisation.
rules.add_perm("accounts.change_person", (is_hr_admin | is_sysadmin) & same_organisation)
rules.add_perm("accounts.change_department", (is_hr_admin | is_sysadmin) & same_organisation)
rules.add_perm("accounts.change_working_day_override", is_hr_admin & same_organisation)
# Appraisal content (targets, summaries, grades) is closed to the separated roles.
rules.add_perm("accounts.see_appraisal_content", takes_part_in_appraisal)
