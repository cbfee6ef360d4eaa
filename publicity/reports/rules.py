"""Who exports the year and who prints which record forms (DOMAIN.md §7).

HR exports the year's workbook and prints every form of its organisation. A person prints their
own forms; a department's head and its supervising leader print the forms of the department (and
of its people); the agency head prints every department's results summary table (结果汇总表).
Nobody sees another organisation's forms: every object rule starts with ``same_organisation``.
"""

import rules

from accounts.rules import (
    is_agency_head,
    is_hr_admin,
    is_self,
    is_supervising_leader,
    same_organisation,
    takes_part_in_appraisal,
)


@rules.predicate
def leads_the_department(user, department) -> bool:
    return department is not None and user.pk in (department.head_id, department.supervising_leader_id)


@rules.predicate
def leads_the_persons_department(user, person) -> bool:
    """Heads or supervises the person's department (``person.department`` loaded by the caller)."""
    department = getattr(person, "department", None) if person is not None else None
    return department is not None and user.pk in (department.head_id, department.supervising_leader_id)


rules.add_perm("publicity.export_year", is_hr_admin)
# Follow and download a department's batch of forms that someone else asked for: HR only.
rules.add_perm("publicity.view_every_form", is_hr_admin)
# The forms pages: anyone who takes part (each sees only what the object rules below allow).
rules.add_perm("publicity.view_forms", takes_part_in_appraisal)
rules.add_perm(
    "publicity.view_person_forms",
    takes_part_in_appraisal & same_organisation & (is_hr_admin | is_self | leads_the_persons_department),
)
rules.add_perm(
    "publicity.view_department_forms",
    takes_part_in_appraisal & same_organisation & (is_hr_admin | leads_the_department),
)
# A department's 结果汇总表: those who print its forms, and the agency head, who approves the whole
# organisation's results (DOMAIN §2), for every department of it. His print stops at the table:
# the people's own forms stay as above. The first right lists every department on /reports/forms/.
rules.add_perm("publicity.view_every_department_summary", is_hr_admin | is_agency_head)
rules.add_perm(
    "publicity.view_department_summary",
    takes_part_in_appraisal & same_organisation & (is_hr_admin | is_agency_head | leads_the_department),
)

# The dashboards (/reports/dashboard/): HR and the agency head see the whole organisation, a
# supervising leader the departments they supervise (scoped in appraisal_site.dashboards).
rules.add_perm("publicity.view_dashboard", is_hr_admin | is_agency_head | is_supervising_leader)
rules.add_perm("publicity.view_organisation_dashboard", is_hr_admin | is_agency_head)
# The 轮流坐庄 check names people: it goes to HR and the agency head.
rules.add_perm("publicity.view_rotation_check", is_hr_admin | is_agency_head)
