"""Permission predicates for the whole product, in one place.

Views check these through ``user.has_perm(...)`` / ``@permission_required`` —
never by testing roles inline — so a rule changes here and nowhere else.
"""

import rules

from .models import ADMIN_ROLES, SEPARATED_ROLES, Role, StaffType
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
is_security_admin = _has_role(Role.SECURITY_ADMIN)
is_oversight = _has_role(Role.OVERSIGHT)


@rules.predicate
def takes_part_in_appraisal(user) -> bool:
    """Holds any role other than the separated ones (三员分立: sysadmin and auditor see no grades)."""
    return bool(user and user.is_authenticated and (user.roles - SEPARATED_ROLES))


@rules.predicate
def is_welfare_worker(user) -> bool:
    """Holds a public-welfare post (公益性岗位, DOMAIN §8): assessed once a year on a 述职, with no
    quarterly targets or monthly summaries."""
    return bool(user and user.is_authenticated and user.staff_type == StaffType.PUBLIC_WELFARE)


@rules.predicate
def same_organisation(user, obj) -> bool:
    organisation_id = getattr(obj, "organisation_id", None)
    return bool(organisation_id and user.organisation_id == organisation_id)


@rules.predicate
def is_self(user, person) -> bool:
    return person is not None and person.pk == user.pk


@rules.predicate
def is_another_administrator(user, person) -> bool:
    """The person holds an administrator role and is not the actor: nobody changes an
    administrator's account alone (a withdrawal of the role, confirmed by a second person, comes first)."""
    return person is not None and person.pk != user.pk and bool(person.roles & ADMIN_ROLES)


@rules.predicate
def is_reviewer(user, document) -> bool:
    """Reviews this handed-in document (target set, monthly summary): the owner's evaluator today,
    the department head, or for a head the supervising leader. Nobody reviews their own.

    Expects ``owner__department`` loaded, so the check costs no query.
    """
    return (
        document is not None and document.owner_id != user.pk and is_evaluator_of(evaluator=user, person=document.owner)
    )


# The other sides of a handed-in document (accounts.workflow: a target set, a monthly summary), for
# the rules of each kind; they expect the document's ``department`` loaded.


@rules.predicate
def owns_document(user, document) -> bool:
    return document is not None and document.owner_id == user.pk


@rules.predicate
def heads_documents_department(user, document) -> bool:
    return document is not None and document.department.head_id == user.pk


@rules.predicate
def supervises_documents_department(user, document) -> bool:
    return document is not None and document.department.supervising_leader_id == user.pk


@rules.predicate
def document_is_editable(user, document) -> bool:
    return document is not None and document.is_editable


@rules.predicate
def supervises_owners_department(user, document) -> bool:
    """Supervises the department the owner is in now: after a move, the new department's leader
    confirms the quarter's grade and reads what the grade rests on, written in the former one (a
    user test met a 404 there). Expects ``owner__department`` loaded."""
    department = document.owner.department if document is not None else None
    return department is not None and department.supervising_leader_id == user.pk


# Who reads a reviewed document (accounts.workflow: target sets, monthly summaries): its owner,
# its department's head and supervising leader, its reviewer (the owner's head now), the leader
# of the owner's department now, and HR and the agency head of its organisation — the agency head
# approving the quarter opens each person's page; reading only.
reads_document = (
    owns_document
    | heads_documents_department
    | supervises_documents_department
    | is_reviewer
    | supervises_owners_department
    | ((is_hr_admin | is_agency_head) & same_organisation)
)


@rules.predicate
def has_a_department(user) -> bool:
    """Belongs to a department, so writes targets and monthly summaries."""
    return bool(user.is_authenticated and user.department_id)


# Organisation administration (三员分立). HR keeps the staff register and the organisation's
# structure; the system administrator keeps accounts (create, deactivate, reset passwords) but
# grants no role and sees no appraisal content; the security administrator grants and withdraws
# roles and keeps the security settings; the auditor reads the trail.
rules.add_perm("accounts.manage_staff", is_hr_admin | is_sysadmin)
# 公务员主管部门: the bureau's aggregates of the organisations it oversees (appraisal_site.oversight).
rules.add_perm("accounts.view_oversight", is_oversight)
rules.add_perm("accounts.view_staff", is_hr_admin | is_sysadmin | is_security_admin)
# Heads and supervising leaders follow the departments' posts, so the structure is HR's alone.
rules.add_perm("accounts.manage_departments", is_hr_admin)
rules.add_perm("accounts.import_staff", is_hr_admin)
# Special statuses (long leave, under investigation …) decide who is graded: appraisal input, HR's alone.
rules.add_perm("accounts.manage_statuses", is_hr_admin)
# Likewise whether a person takes part (staff_type), their quota pool (is_leader_position) and
# indicator set (position_category): the system administrator creates and edits the account only.
rules.add_perm("accounts.edit_appraisal_attributes", is_hr_admin)
rules.add_perm("accounts.manage_roles", is_security_admin)
# A grant or withdrawal of a two-person role is confirmed by the other side (HR or the security administrator).
rules.add_perm("accounts.confirm_role_changes", is_security_admin | is_hr_admin)
# A reset of an administrator's or HR's password is confirmed by a second administrator.
rules.add_perm("accounts.confirm_password_resets", is_sysadmin | is_security_admin)
rules.add_perm("accounts.view_pending_changes", is_sysadmin | is_security_admin | is_hr_admin)
rules.add_perm("accounts.edit_policy", is_hr_admin)
rules.add_perm("accounts.view_policy", is_hr_admin | is_agency_head)
rules.add_perm("accounts.edit_security_settings", is_security_admin)
# The working-day calendar (holidays, 调休) decides publication windows: HR keeps it.
rules.add_perm("accounts.manage_calendar", is_hr_admin)
rules.add_perm("accounts.view_audit_log", is_auditor)
# The person pickers' server-side search: those who record inputs about people (HR: scores, praise,
# sanctions; the inspectors: findings) and the agency head, who may propose a 创新突破 for anyone
# of the agency (a supervising leader's picker lists their own departments' people instead).
rules.add_perm("accounts.search_people", is_hr_admin | is_inspector | is_agency_head)
# Object-level: an administrator acts only on people of their own organisation.
rules.add_perm("accounts.change_person", (is_hr_admin | is_sysadmin) & same_organisation & ~is_another_administrator)
rules.add_perm("accounts.view_person", (is_hr_admin | is_sysadmin | is_security_admin) & same_organisation)
# A reset of another administrator's password is asked for here and confirmed by a second one.
rules.add_perm("accounts.reset_password", (is_hr_admin | is_sysadmin) & same_organisation & ~is_self)
rules.add_perm("accounts.change_roles", is_security_admin & same_organisation & ~is_self)
# Unlocking a locked-out account is the security administrator's (a lost phone likewise): the
# owner's own path — another address, or waiting out the cool-off — stays.
rules.add_perm("accounts.unlock_account", is_security_admin & same_organisation & ~is_self)
rules.add_perm("accounts.change_department", is_hr_admin & same_organisation)
rules.add_perm("accounts.change_working_day_override", is_hr_admin & same_organisation)
# Appraisal content (targets, summaries, grades) is closed to the separated roles.
rules.add_perm("accounts.see_appraisal_content", takes_part_in_appraisal)
