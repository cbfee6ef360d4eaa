"""Who may see, write, review and annotate quarterly targets and department goals.

Object predicates expect a ``TargetSet`` loaded with ``owner__department`` and
``department`` (``selectors.target_set_for_detail``), so checking costs no query.
"""

import rules

from accounts.rules import (
    is_agency_head,
    is_department_head,
    is_hr_admin,
    is_reviewer,
    same_organisation,
    takes_part_in_appraisal,
)


@rules.predicate
def is_owner(user, target_set) -> bool:
    return target_set is not None and target_set.owner_id == user.pk


@rules.predicate
def heads_the_department(user, target_set) -> bool:
    return target_set is not None and target_set.department.head_id == user.pk


@rules.predicate
def supervises_the_department(user, target_set) -> bool:
    return target_set is not None and target_set.department.supervising_leader_id == user.pk


@rules.predicate
def is_editable(user, target_set) -> bool:
    return target_set is not None and target_set.is_editable


@rules.predicate
def has_a_department(user) -> bool:
    return bool(user.is_authenticated and user.department_id)


@rules.predicate
def heads_goal_department(user, goal) -> bool:
    return goal is not None and goal.department.head_id == user.pk


in_scope = takes_part_in_appraisal & same_organisation

rules.add_perm(
    "targets.view_targetset",
    # The agency head reads every set of the organisation (approving the quarter); reading only.
    in_scope
    & (is_owner | heads_the_department | supervises_the_department | is_reviewer | is_hr_admin | is_agency_head),
)
# Only the owner writes, and only a draft or a returned set; everything else goes through review.
rules.add_perm("targets.change_targetset", in_scope & is_owner & is_editable)
rules.add_perm("targets.review_targetset", in_scope & is_reviewer)
rules.add_perm("targets.assign_item", in_scope & (is_reviewer | supervises_the_department) & ~is_owner)
rules.add_perm("targets.record_completion", in_scope & is_owner)
rules.add_perm("targets.write_targets", takes_part_in_appraisal & has_a_department)
rules.add_perm("targets.manage_goals", takes_part_in_appraisal & is_department_head)
rules.add_perm("targets.change_goal", takes_part_in_appraisal & heads_goal_department)
