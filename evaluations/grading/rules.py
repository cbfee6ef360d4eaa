"""Who may grade, confirm, approve, give the discipline opinion, enter inputs and run roll-ups.
Views and services use ``has_perm``.

Permission names keep the ``evaluations.`` prefix: they name the app, not the room.
"""

import rules

from accounts.rules import (
    is_agency_head,
    is_department_head,
    is_hr_admin,
    is_inspector,
    is_supervising_leader,
    same_organisation,
    supervises_documents_department,
    takes_part_in_appraisal,
)

from .selectors import grade_evaluator_id


@rules.predicate
def is_evaluator(user, grade_row) -> bool:
    """谁管理谁认定: the person's evaluator (head for staff, supervising leader for a head, and for
    whoever headed the department in the quarter: selectors.grade_evaluator_id)."""
    if grade_row is None or grade_row.person_id == user.pk:
        return False
    return grade_evaluator_id(grade_row) == user.pk


# The grade row's department's supervising leader: the same test as a handed-in document's.
supervises_the_department = supervises_documents_department


@rules.predicate
def grade_in_my_organisation(user, grade_row) -> bool:
    return grade_row is not None and grade_row.department.organisation_id == user.organisation_id


# Pages
rules.add_perm("evaluations.grading_work", takes_part_in_appraisal & (is_department_head | is_supervising_leader))
# Inspectors see the quarters page to give the discipline opinion there (纪委意见, when the policy asks).
rules.add_perm("evaluations.view_quarters", is_hr_admin | is_agency_head | is_supervising_leader | is_inspector)
rules.add_perm("evaluations.approve_quarter", is_agency_head)
rules.add_perm("evaluations.open_quarter", is_hr_admin)
rules.add_perm("evaluations.manage_inputs", is_hr_admin)
rules.add_perm("evaluations.manage_scores", is_hr_admin)
rules.add_perm("evaluations.run_rollup", is_hr_admin)
# Objects (an AppraisalQuarter)
rules.add_perm("evaluations.give_discipline_opinion", is_inspector & same_organisation)
# Objects (a QuarterGrade row, with person and department loaded)
rules.add_perm("evaluations.grade_person", takes_part_in_appraisal & is_evaluator)
rules.add_perm("evaluations.confirm_grade", takes_part_in_appraisal & supervises_the_department & ~is_evaluator)
rules.add_perm(
    "evaluations.view_grade",
    grade_in_my_organisation & (is_evaluator | supervises_the_department | is_hr_admin | is_agency_head),
)
# Before approval: the agency head sends a confirmed grade back to its graders (a grade they do not agree with).
rules.add_perm("evaluations.return_grade", is_agency_head & grade_in_my_organisation)
# After approval (publicity's objections, 定等): HR sends a grade back, or records the review of a locked one.
rules.add_perm("evaluations.reopen_grade", is_hr_admin & grade_in_my_organisation)
rules.add_perm("evaluations.review_locked_grade", is_hr_admin & grade_in_my_organisation)
rules.add_perm("evaluations.view_grade_reviews", is_hr_admin)
