"""Who records a feedback talk, who reads it and who confirms it.

The talker of a locked grade is the person's supervising leader — or, when the policy says so, the
head of their department (and for the head, the supervising leader): 谁管理谁反馈. Only the person
confirms their talk and their annual result; nobody else reads them but the talker (and, for the
printable annual result, HR, who files it). The separated roles see no appraisal content.
"""

import rules

from accounts.rules import (
    is_department_head,
    is_hr_admin,
    is_self,
    is_supervising_leader,
    same_organisation,
    takes_part_in_appraisal,
)
from evaluations.grading.rules import grade_in_my_organisation

from .selectors import talker_id_of_grade


@rules.predicate
def talks_about_grade(user, grade) -> bool:
    return grade is not None and talker_id_of_grade(grade=grade) == user.pk


@rules.predicate
def is_talk_person(user, talk) -> bool:
    return talk is not None and talk.person_id == user.pk


@rules.predicate
def is_talker_of_talk(user, talk) -> bool:
    # Whoever recorded it, and whoever would record it today (a new leader inherits the talk).
    return talk is not None and (
        talk.recorded_by_id == user.pk or talker_id_of_grade(grade=talk.quarter_grade) == user.pk
    )


@rules.predicate
def owns_result(user, annual_result) -> bool:
    return annual_result is not None and is_self(user, annual_result.person)


# The supervisor's list of talks to record: leaders, and heads (who talk when the policy says so).
rules.add_perm("publicity.record_feedback", takes_part_in_appraisal & (is_supervising_leader | is_department_head))
rules.add_perm("publicity.record_feedback_for", takes_part_in_appraisal & grade_in_my_organisation & talks_about_grade)
rules.add_perm("publicity.view_own_feedback", takes_part_in_appraisal)
rules.add_perm(
    "publicity.view_feedback_talk",
    takes_part_in_appraisal & same_organisation & (is_talk_person | is_talker_of_talk),
)
rules.add_perm("publicity.confirm_feedback_talk", takes_part_in_appraisal & same_organisation & is_talk_person)
rules.add_perm("publicity.confirm_annual_result", takes_part_in_appraisal & same_organisation & owns_result)
rules.add_perm(
    "publicity.print_annual_result",
    same_organisation & ((takes_part_in_appraisal & owns_result) | is_hr_admin),
)
# HR's overview of the talks, per department of their organisation (counts only, no content).
rules.add_perm("publicity.view_feedback_overview", is_hr_admin)
