"""Who reads the boards, posts a department's week and compiles it.

Everyone who takes part in appraisal reads the boards of their own organisation (the separated
roles see no appraisal content); a department head posts for the departments they head; HR (the
office, 组织人事/综合科) compiles and publishes. Whether the weekly board is switched on is the
policy's, checked by the services.
"""

import rules

from accounts.rules import is_department_head, is_hr_admin, same_organisation, takes_part_in_appraisal


@rules.predicate
def heads_the_department(user, department) -> bool:
    return department is not None and department.head_id == user.pk


@rules.predicate
def is_published(user, digest) -> bool:
    return digest is not None and digest.is_published


rules.add_perm("publicity.view_boards", takes_part_in_appraisal)
rules.add_perm("publicity.post_weekly_progress", takes_part_in_appraisal & is_department_head)
rules.add_perm(
    "publicity.post_weekly_progress_for",
    takes_part_in_appraisal & is_department_head & same_organisation & heads_the_department,
)
rules.add_perm("publicity.compile_weekly", is_hr_admin)
rules.add_perm("publicity.change_weekly_digest", is_hr_admin & same_organisation)
# A draft is the office's; a published week is everyone's in the organisation.
rules.add_perm(
    "publicity.view_weekly_digest",
    same_organisation & ((takes_part_in_appraisal & is_published) | is_hr_admin),
)
