"""The score bands' one binding rule (DOMAIN.md §4): a composite score below the policy's
``band_average`` must be graded 较差 (不确定等次 aside, which is no grade of the score). The services
refuse any other grade — the evaluator's, the leader's change and the leader's confirmation as it
stands, and the regrade after an objection; a grade the scores contradict afterwards blocks the
quarter's approval and is shown on the grading pages. The 好 and 较好 bands stay suggestions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.grading.services import grading, locking
from evaluations.grading.services.scores import (
    department_score_save,
    indicator_scores_save,
    indicators_for,
)
from evaluations.models import Grade, GradeState, IndicatorSource, QuarterState, UncertainReason
from tests.evaluations.helpers import give
from tests.factories import hand_in_quarter_inputs, save_fields

GRADING = reverse("evaluations:grading")
BELOW_THE_LINE = "的综合得分为50.00分，低于“一般”分数线（60分），须评为“较差”"


@pytest.fixture
def policy(score_model_on):
    return score_model_on


def score(row, actor, value):
    """Every manual indicator of the row's person scored ``value``: personal = composite = value."""
    scores = {
        indicator.pk: Decimal(str(value))
        for indicator in indicators_for(grade_row=row)
        if indicator.source == IndicatorSource.MANUAL
    }
    return indicator_scores_save(grade_row=row, actor=actor, scores=scores)


# --- The evaluator ------------------------------------------------------------------------------


@pytest.mark.parametrize("grade", [Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE])
def test_a_head_cannot_grade_a_composite_of_50_above_poor(quarter, head, staff, grade_of, policy, grade):
    score(grade_of(staff), head, 50)
    with pytest.raises(ValidationError) as refused:
        give(grade_of(staff), head, grade)
    [message] = refused.value.message_dict["grade"]
    assert f"{staff.full_name}{BELOW_THE_LINE}，不能评为“{Grade(grade).label}”。" == message
    assert grade_of(staff).grade == ""


@pytest.mark.parametrize("grade", [Grade.POOR, Grade.UNCERTAIN])
def test_a_composite_below_the_line_takes_poor_or_uncertain(quarter, head, staff, grade_of, policy, grade):
    score(grade_of(staff), head, 50)
    assert give(grade_of(staff), head, grade).grade == grade


def test_the_line_is_the_policys_and_a_score_on_it_is_not_below(quarter, head, staff, colleague, grade_of, policy):
    score(grade_of(staff), head, 60)
    assert give(grade_of(staff), head, Grade.AVERAGE).grade == Grade.AVERAGE
    policy.band_average, policy.band_fairly_good, policy.band_good = 70, 85, 95
    policy.save()
    score(grade_of(colleague), head, 65)
    with pytest.raises(ValidationError, match="低于“一般”分数线（70分）"):
        give(grade_of(colleague), head, Grade.AVERAGE)


@pytest.mark.parametrize(
    ("value", "grade"),
    [(95, Grade.FAIRLY_GOOD), (95, Grade.AVERAGE), (85, Grade.GOOD), (70, Grade.GOOD), (62, Grade.FAIRLY_GOOD)],
)
def test_the_good_and_fairly_good_bands_are_only_suggestions(quarter, head, staff, grade_of, policy, value, grade):
    score(grade_of(staff), head, value)
    assert give(grade_of(staff), head, grade).grade == grade


def test_without_the_score_model_a_stored_composite_binds_nothing(quarter, head, staff, grade_of, policy):
    score(grade_of(staff), head, 50)
    policy.score_model_enabled = False
    policy.save()
    assert give(grade_of(staff), head, Grade.FAIRLY_GOOD).grade == Grade.FAIRLY_GOOD


def test_the_grading_page_refuses_it_at_the_grade_with_the_typed_comment_kept(
    client_for, quarter, head, staff, grade_of, policy
):
    row = score(grade_of(staff), head, 50)
    prefix = f"g{row.pk}"
    response = client_for(head).post(
        reverse("evaluations:grade_detail", args=[row.pk]),
        {f"{prefix}-grade": Grade.FAIRLY_GOOD, f"{prefix}-comment": "表现尚可", f"{prefix}-version": row.version},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"{staff.full_name}{BELOW_THE_LINE}，不能评为“较好”。" in html and "表现尚可" in html
    assert grade_of(staff).grade == ""


# --- The supervising leader ------------------------------------------------------------------------


def test_the_leader_cannot_change_a_poor_below_the_line_to_average(quarter, head, leader, staff, grade_of, policy):
    score(grade_of(staff), head, 50)
    give(grade_of(staff), head, Grade.POOR)
    with pytest.raises(ValidationError) as refused:
        grading.grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.AVERAGE, reason="酌情")
    assert BELOW_THE_LINE in refused.value.message_dict["new_grade"][0]
    row = grade_of(staff)
    assert (row.grade, row.state) == (Grade.POOR, GradeState.GRADED)


def test_the_leader_cannot_confirm_as_it_stands_a_grade_scored_below_the_line_after_it(
    quarter, head, leader, staff, colleague, grade_of, policy
):
    give(grade_of(staff), head, Grade.FAIRLY_GOOD)
    give(grade_of(colleague), head, Grade.FAIRLY_GOOD)
    score(grade_of(staff), head, 50)  # entered after the grade
    with pytest.raises(ValidationError, match=f"{staff.full_name}{BELOW_THE_LINE}，不能评为“较好”"):
        grading.grade_confirm(grade_row=grade_of(staff), actor=leader)
    assert grade_of(staff).state == GradeState.GRADED
    # Confirming all at once is refused the same way, naming the person; nothing is confirmed.
    with pytest.raises(ValidationError, match=staff.full_name):
        grading.grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    assert grade_of(colleague).state == GradeState.GRADED
    # Changed to 较差 with a reason, it is confirmed.
    grading.grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.POOR, reason="得分不足60分")
    assert (grade_of(staff).grade, grade_of(staff).state) == (Grade.POOR, GradeState.CONFIRMED)


def test_the_leaders_confirm_all_confirms_the_others_and_names_the_one_below_the_line(
    client_for, quarter, head, leader, staff, colleague, grade_of, policy, settings
):
    """A user test: one grade scored below the line refused the leader's whole 全部确认."""
    give(grade_of(staff), head, Grade.FAIRLY_GOOD)
    give(grade_of(colleague), head, Grade.FAIRLY_GOOD)
    score(grade_of(staff), head, 50)  # entered after the grade

    response = client_for(leader).post(reverse("evaluations:grades_confirm_all"), follow=True)

    page = response.content.decode()
    assert "已确认1人的等次。" in page
    assert f"以下1人的等次未确认，请逐一调整后确认：{staff.full_name}{BELOW_THE_LINE}" in page
    assert (grade_of(staff).state, grade_of(colleague).state) == (GradeState.GRADED, GradeState.CONFIRMED)


def test_the_leader_grading_a_head_is_held_to_the_line_too(quarter, leader, head, grade_of, policy):
    score(grade_of(head), leader, 50)
    with pytest.raises(ValidationError, match=BELOW_THE_LINE):
        give(grade_of(head), leader, Grade.AVERAGE)
    assert give(grade_of(head), leader, Grade.POOR).state == GradeState.CONFIRMED


# --- The regrade after an objection ------------------------------------------------------------------


@pytest.fixture
def sent_back(quarter, head, leader, hr, staff, grade_of, policy):
    """staff scored 50 and graded 较差, confirmed, the quarter approved; then sent back after an objection."""
    score(grade_of(staff), head, 50)
    give(grade_of(staff), head, Grade.POOR)
    grading.grade_confirm(grade_row=grade_of(staff), actor=leader)
    save_fields([quarter], state=QuarterState.APPROVED)
    locking.grade_reopen_for_regrading(grade=grade_of(staff), actor=hr, reason="异议属实")
    return grade_of(staff)


def test_the_regrade_after_an_objection_is_held_to_the_line(sent_back, head, leader, staff, grade_of):
    with pytest.raises(ValidationError, match=BELOW_THE_LINE):
        give(sent_back, head, Grade.AVERAGE, comment="重评")
    give(grade_of(staff), head, Grade.POOR, comment="重评")
    with pytest.raises(ValidationError, match=BELOW_THE_LINE):
        grading.grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.AVERAGE, reason="酌情")
    grading.grade_confirm(grade_row=grade_of(staff), actor=leader)
    assert (grade_of(staff).grade, grade_of(staff).reopened_at) == (Grade.POOR, None)


# --- Approval and the pages ---------------------------------------------------------------------------


def _graded_and_confirmed(quarter, head, leader, team, grade_of):
    hand_in_quarter_inputs(quarter)
    for person in team:
        give(grade_of(person), head, Grade.FAIRLY_GOOD)
        grading.grade_confirm(grade_row=grade_of(person), actor=leader)
    give(grade_of(head), leader, Grade.FAIRLY_GOOD)


def test_scores_entered_after_the_grades_block_the_approval_naming_the_people(
    client_for, quarter, head, leader, hr, chief, team, grade_of, policy, department
):
    policy.linkage_enabled, policy.linkage_coefficient = True, Decimal("0.30")
    policy.save()
    score(grade_of(team[0]), head, 70)  # suggests 一般; graded 较好, as the evaluator may
    _graded_and_confirmed(quarter, head, leader, team, grade_of)
    assert grading.approval_blockers(appraisal_quarter=quarter) == []
    # The leader scores the head 50 after confirming 较好 (the leader may, as the head's evaluator),
    # and HR's department score then pulls a staff member's composite below the line:
    # 70 × 0.7 + 30 × 0.3 = 58.
    score(grade_of(head), leader, 50)
    department_score_save(department=department, year=2026, quarter=4, party_building_score=30, work_score=30, actor=hr)
    assert grade_of(team[0]).composite_score == Decimal("58.00")
    blockers = grading.approval_blockers(appraisal_quarter=quarter)
    [band] = [b for b in blockers if "综合得分" in b]
    assert band == "还有2人的等次与综合得分不符：综合得分低于“一般”分数线（60分）的，须评为“较差”。"
    assert {name for _pk, name in band.people} == {head.full_name, team[0].full_name}
    with pytest.raises(ValidationError, match="等次与综合得分不符"):
        grading.appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    assert quarter.grades.first().appraisal_quarter.state == QuarterState.OPEN
    # The approval page names them.
    page = client_for(chief).get(reverse("evaluations:quarter_approve", args=[quarter.pk])).content.decode()
    assert "等次与综合得分不符" in page and team[0].full_name in page


def test_the_band_blocker_is_one_query_however_many_it_names(quarter, head, leader, team, grade_of, policy):
    _graded_and_confirmed(quarter, head, leader, team, grade_of)
    save_fields(list(quarter.grades.filter(person=team[0])), composite_score=Decimal("50.00"))
    with CaptureQueriesContext(connection) as one:
        assert len(grading.approval_blockers(appraisal_quarter=quarter)) == 1
    save_fields(list(quarter.grades.filter(person__in=team)), composite_score=Decimal("50.00"))
    with CaptureQueriesContext(connection) as seven:
        [blocker] = grading.approval_blockers(appraisal_quarter=quarter)
    assert len(blocker.people) == 7
    assert len(seven.captured_queries) == len(one.captured_queries)


def test_poor_and_uncertain_below_the_line_do_not_block(quarter, head, leader, team, grade_of, policy):
    _graded_and_confirmed(quarter, head, leader, team, grade_of)
    save_fields(list(quarter.grades.filter(person__in=team[:2])), composite_score=Decimal("50.00"))
    save_fields(list(quarter.grades.filter(person=team[0])), grade=Grade.POOR, reason="差")
    save_fields(
        list(quarter.grades.filter(person=team[1])), grade=Grade.UNCERTAIN, uncertain_reason=UncertainReason.OTHER
    )
    assert not [b for b in grading.approval_blockers(appraisal_quarter=quarter) if "综合得分" in b]


def test_the_grading_pages_show_the_contradiction_next_to_the_person(
    client_for, quarter, head, leader, staff, colleague, grade_of, policy
):
    give(grade_of(staff), head, Grade.FAIRLY_GOOD)
    score(grade_of(staff), head, 50)
    score(grade_of(colleague), head, 50)  # not graded yet: the rule is said before grading
    conflict = f"{staff.full_name}{BELOW_THE_LINE}，不能评为“较好”。"
    head_page = client_for(head).get(GRADING).content.decode()
    card = _card(head_page, grade_of(staff).pk)
    assert 'data-testid="band-conflict"' in card and conflict in card
    colleague_card = _card(head_page, grade_of(colleague).pk)
    assert 'data-testid="band-rule"' in colleague_card and "须评为“较差”" in colleague_card
    assert "band-conflict" not in colleague_card
    leader_page = client_for(leader).get(GRADING).content.decode()
    assert conflict in _card(leader_page, grade_of(staff).pk, testid="confirm-row")
    detail = client_for(leader).get(reverse("evaluations:grade_detail", args=[grade_of(staff).pk])).content.decode()
    assert conflict in detail


def _card(html, pk, testid="grade-row"):
    start = html.index(f'id="grade-{pk}" data-testid="{testid}"')
    end = html.find('class="card mb-2"', start)
    return html[start : end if end != -1 else len(html)]


def test_the_grading_page_queries_do_not_grow_with_contradictions(
    client_for, quarter, head, team, grade_of, policy, django_assert_num_queries
):
    for person in team:
        give(grade_of(person), head, Grade.FAIRLY_GOOD)
    client = client_for(head)
    save_fields(list(quarter.grades.filter(person=team[0])), composite_score=Decimal("50.00"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(GRADING).content.decode().count('data-testid="band-conflict"') == 1
    save_fields(list(quarter.grades.filter(person__in=team)), composite_score=Decimal("50.00"))
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(GRADING).content.decode()
    assert html.count('data-testid="band-conflict"') == len(team)


def test_hrs_review_of_a_locked_grade_keeps_to_the_line_too(approved_quarter, confirmed, hr, policy):
    """The recorded review after the quarter is closed (复核) is a change of grade like any other."""
    save_fields([confirmed], composite_score=Decimal("50.00"))
    locking.grades_lock(appraisal_quarter=approved_quarter)
    confirmed.refresh_from_db()
    with pytest.raises(ValidationError, match="低于“一般”分数线"):
        locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.GOOD, reason="复核认定")
    confirmed.refresh_from_db()
    assert confirmed.grade != Grade.GOOD
    review = locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.POOR, reason="复核认定")
    assert review.new_grade == Grade.POOR
