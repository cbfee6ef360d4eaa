"""Grading on the server: who grades whom, what a grade needs, the quota, confirmation, approval."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection

from accounts.models import AuditEntry
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    appraisal_quarter_open,
    grade_confirm,
    grades_confirm_all,
)
from evaluations.models import Grade, GradeState, QuarterGrade, QuarterState
from tests.evaluations.helpers import give
from tests.factories import AppraisalQuarterFactory, hand_in_quarter_inputs


def test_opening_a_quarter_creates_one_pending_row_per_participant_and_is_repeatable(
    organisation, quarter, team, head, sysadmin
):
    assert quarter.grades.count() == 8  # 7 staff and the head; sysadmin has no staff role
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert quarter.grades.count() == 8
    assert set(quarter.grades.values_list("state", flat=True)) == {GradeState.PENDING}


def test_the_head_grades_staff_and_the_leader_grades_the_head(quarter, head, leader, staff, grade_of):
    assert give(grade_of(staff), head).state == GradeState.GRADED
    assert give(grade_of(head), leader).state == GradeState.CONFIRMED


@pytest.mark.parametrize("who", ["colleague", "leader", "outsider", "hr", "chief"])
def test_nobody_else_grades_a_staff_member(request, quarter, staff, grade_of, who):
    with pytest.raises(PermissionDenied):
        give(grade_of(staff), request.getfixturevalue(who))
    assert grade_of(staff).grade == ""


def test_a_head_cannot_grade_themselves(quarter, head, grade_of):
    with pytest.raises(PermissionDenied):
        give(grade_of(head), head, Grade.GOOD)


def test_a_head_cannot_grade_the_head_of_another_department(quarter, head, second_head, organisation):
    row = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4).grades.get(person=second_head)
    with pytest.raises(PermissionDenied):
        give(row, head)


def test_a_grade_needs_a_comment_and_average_or_poor_a_reason(quarter, head, staff, grade_of):
    with pytest.raises(ValidationError, match="评语"):
        give(grade_of(staff), head, comment=" ")
    with pytest.raises(ValidationError, match="理由"):
        give(grade_of(staff), head, Grade.AVERAGE, reason="")
    with pytest.raises(ValidationError, match="原因"):
        give(grade_of(staff), head, Grade.UNCERTAIN, uncertain_reason="")
    give(grade_of(staff), head, Grade.POOR, reason="多次迟交")
    assert grade_of(staff).grade == Grade.POOR


def test_it_refuses_a_third_good_grade_when_the_quota_is_two(quarter, head, team, grade_of):
    # 8 participants → 40 % → 3 places; the leader gives the head nothing yet.
    for person in team[:3]:
        give(grade_of(person), head, Grade.GOOD)
    with pytest.raises(ValidationError, match="名额已满"):
        give(grade_of(team[3]), head, Grade.GOOD)
    assert QuarterGrade.objects.filter(appraisal_quarter=quarter, grade=Grade.GOOD).count() == 3


def test_a_pool_over_its_quota_after_the_share_was_lowered_can_be_brought_back_within_it(
    quarter, head, team, grade_of, organisation
):
    """A user test: HR lowered the 好 share while the quarter was open; every change of a 好 to 较好
    was refused as long as the pool stayed over, so no step led back within it."""
    from accounts.models import Policy
    from evaluations.grading.services.quota import quota_status

    for person in team[:3]:
        give(grade_of(person), head, Grade.GOOD)
    policy = Policy.objects.get(organisation=organisation)
    policy.good_quota_percent = 15  # 8 participants → 1 place
    policy.save()
    give(grade_of(team[0]), head, Grade.FAIRLY_GOOD)
    give(grade_of(team[1]), head, Grade.FAIRLY_GOOD)
    assert not any(pool.over for pool in quota_status(appraisal_quarter=quarter, policy=policy))
    # A change that widens the overrun is still refused, and so is any new 好 in a full pool.
    with pytest.raises(ValidationError, match="名额已满"):
        give(grade_of(team[0]), head, Grade.GOOD)


def test_regrading_a_good_person_good_again_does_not_count_twice(quarter, head, team, grade_of):
    for person in team[:3]:
        give(grade_of(person), head, Grade.GOOD)
    give(grade_of(team[0]), head, Grade.GOOD, comment="再次确认")
    assert grade_of(team[0]).comment == "再次确认"


def test_uncertain_grades_shrink_the_pool_and_cannot_push_it_over(quarter, head, team, grade_of):
    for person in team[:3]:
        give(grade_of(person), head, Grade.GOOD)
    # 8 → 7 participants would leave 2 places for 3 好.
    with pytest.raises(ValidationError, match="超出名额") as refused:
        give(grade_of(team[4]), head, Grade.UNCERTAIN)
    # The way out, said with the refusal (a user test found it a dead end).
    assert "须先将同一名额内一名已评“好”的人员" in refused.value.messages[0]


def test_the_leader_confirms_and_a_change_needs_a_reason(quarter, head, leader, staff, grade_of):
    give(grade_of(staff), head, Grade.FAIRLY_GOOD)
    with pytest.raises(ValidationError, match="理由"):
        grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.GOOD)
    row = grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.GOOD, reason="年中专项任务突出")
    assert (row.grade, row.state, row.confirmed_by) == (Grade.GOOD, GradeState.CONFIRMED, leader)
    entry = AuditEntry.objects.filter(content_type__model="quartergrade").latest()
    assert entry.reason == "年中专项任务突出"
    assert entry.changes_dict["grade"] == ["fairly_good", "good"]


def test_only_the_supervising_leader_confirms(quarter, head, staff, chief, grade_of):
    give(grade_of(staff), head)
    for actor in (head, chief):
        with pytest.raises(PermissionDenied):
            grade_confirm(grade_row=grade_of(staff), actor=actor)


def test_the_head_cannot_change_a_confirmed_grade(quarter, head, leader, staff, grade_of):
    give(grade_of(staff), head)
    grade_confirm(grade_row=grade_of(staff), actor=leader)
    with pytest.raises(ValidationError, match="已确认"):
        give(grade_of(staff), head, Grade.GOOD)


def test_approval_waits_for_every_grade_and_then_freezes_them(quarter, head, leader, chief, team, grade_of):
    hand_in_quarter_inputs(quarter)
    with pytest.raises(ValidationError, match="未评鉴"):
        appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    for person in team:
        give(grade_of(person), head)
    give(grade_of(head), leader)
    with pytest.raises(ValidationError, match="未经分管领导确认"):
        appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    assert grades_confirm_all(appraisal_quarter=quarter, actor=leader) == 7
    with pytest.raises(PermissionDenied):
        appraisal_quarter_approve(appraisal_quarter=quarter, actor=leader)
    approved = appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    assert approved.state == QuarterState.APPROVED
    with pytest.raises(ValidationError, match="已审批"):
        give(grade_of(team[0]), head, Grade.GOOD)


def test_an_approved_quarter_keeps_the_good_quota_it_was_graded_under(
    client_for, quarter, organisation, head, leader, chief, hr, team, grade_of
):
    from django.urls import reverse

    from accounts.selectors import policy_for_organisation
    from accounts.services import policy_update
    from evaluations.grading.services import quota

    hand_in_quarter_inputs(quarter)
    for person in team[:3]:
        give(grade_of(person), head, Grade.GOOD)
    for person in team[3:]:
        give(grade_of(person), head)
    give(grade_of(head), leader)
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    approved = appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    participants = quarter.grades.count()
    capacity = participants * 40 // 100
    assert (approved.good_quota_percent, approved.good_quota_separate_pools, capacity) == (40, False, 3)

    # HR lowers the share for the quarters to come, and counts leader positions apart.
    policy = policy_for_organisation(organisation_id=organisation.pk)
    policy.good_quota_percent = 5
    policy.good_quota_separate_pools = True
    policy_update(policy=policy, reason="下季度起收紧")
    policy = policy_for_organisation(organisation_id=organisation.pk)
    approved.refresh_from_db()
    [pool] = quota.quota_status(appraisal_quarter=approved, policy=policy)
    assert (pool.capacity, pool.used, pool.over) == (capacity, 3, False)
    page = client_for(hr).get(reverse("evaluations:quarters"), {"q": approved.pk}).content.decode()
    assert f"<td>{participants}</td><td>{capacity}</td><td>3</td>" in page and "table-danger" not in page
    # The civil-service bureau's figures count the same places (no agency over a quota it kept).
    from appraisal_site.oversight.selectors import organisation_figures

    [figures] = organisation_figures(organisations=[organisation], year=quarter.year, today=quarter.period.last_day)
    assert figures.good_quota == capacity
    # A quarter opened after the change is held to the new share.
    later = AppraisalQuarterFactory(organisation=organisation, year=quarter.year + 1, quarter=1)
    assert quota.quota_percent(later, policy) == 5


def test_a_stale_version_is_refused(quarter, head, staff, grade_of):
    row = grade_of(staff)
    give(row, head, version=row.version)
    with pytest.raises(ValidationError, match="已被他人修改"):
        give(row, head, Grade.GOOD, version=row.version)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_evaluators_racing_for_the_last_good_place_cannot_both_get_it(
    organisation, head, second_head, leader, department, team
):
    """Two heads grade 好 at the same moment with one place left in the organisation's pool."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE instead")
    from tests.factories import UserFactory

    second_staff = [UserFactory(department=second_head.department) for _ in range(2)]
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    # 7 + 1 head + 2 + 1 head = 11 participants → 4 places; take 3 now.
    for person in team[:3]:
        give(quarter.grades.get(person=person), head, Grade.GOOD)
    rows = [quarter.grades.get(person=team[3]), quarter.grades.get(person=second_staff[0])]
    actors = [head, second_head]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def grade(i):
        try:
            barrier.wait(timeout=10)
            give(rows[i], actors[i], Grade.GOOD)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # noqa: BLE001 — reported in the assertion below
            outcomes.append(repr(exc))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=grade, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok", "refused"]
    assert QuarterGrade.objects.filter(appraisal_quarter=quarter, grade=Grade.GOOD).count() == 4
