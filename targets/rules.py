"""Who may see, write, review and annotate quarterly targets and department goals.

Object predicates expect a ``TargetSet`` loaded with ``owner__department`` and
``department`` (``selectors.target_set_for_detail``), so checking costs no query.
"""

import rules

from accounts.rules import (
    document_is_editable,
    has_a_department,
    is_agency_head,
    is_department_head,
    is_reviewer,
    is_welfare_worker,
    owns_document,
    reads_document,
    same_organisation,
    supervises_documents_department,
    takes_part_in_appraisal,
)


@rules.predicate
def heads_goal_department(user, goal) -> bool:
    return goal is not None and goal.department.head_id == user.pk


in_scope = takes_part_in_appraisal & same_organisation

rules.add_perm("targets.view_targetset", in_scope & reads_document)
# Only the owner writes, and only a draft or a returned set; everything else goes through review.
rules.add_perm("targets.change_targetset", in_scope & owns_document & document_is_editable)
rules.add_perm("targets.review_targetset", in_scope & is_reviewer)
# 领导交办: the reviewer, the department's supervising leader, or the agency head (the leader of all).
rules.add_perm(
    "targets.assign_item",
    in_scope & (is_reviewer | supervises_documents_department | is_agency_head) & ~owns_document,
)
rules.add_perm("targets.record_completion", in_scope & owns_document)
# A public-welfare worker in a 科室 writes a 述职 once a year instead (evaluations.welfare).
rules.add_perm("targets.write_targets", takes_part_in_appraisal & has_a_department & ~is_welfare_worker)
rules.add_perm("targets.manage_goals", takes_part_in_appraisal & is_department_head)
rules.add_perm("targets.change_goal", takes_part_in_appraisal & heads_goal_department)
