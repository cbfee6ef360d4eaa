"""Each grade row knows whether its person's quarterly targets are approved and which months'
summaries are handed in (evaluations.grading.services.documents), so the approval blockers count
only the people who lack something. The flags follow every change of a document, and the blockers
they give are the ones the documents themselves give."""

import random
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.workflow import HANDED_IN_STATUSES, ReviewStatus
from evaluations.grading.services import counts
from evaluations.grading.services.documents import grade_documents_refresh
from evaluations.grading.services.grading import appraisal_quarter_open, approval_blockers
from evaluations.models import Grade, QuarterGrade, UncertainReason
from summaries.models import MonthlySummary
from summaries.services import summary_approve, summary_return
from targets.models import TargetSet
from targets.services import target_set_approve, target_set_return
from tests.factories import MonthlySummaryFactory, QuarterGradeFactory, TargetSetFactory, UserFactory, save_fields

pytestmark = pytest.mark.django_db


def flags(row: QuarterGrade) -> tuple[bool, int]:
    row.refresh_from_db()
    return row.targets_approved, row.summary_months


def test_a_new_row_learns_the_documents_its_person_already_has(organisation, department, staff):
    TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    MonthlySummaryFactory(owner=staff, year=2026, month=10, submitted=True)
    MonthlySummaryFactory(owner=staff, year=2026, month=12, submitted=True)
    MonthlySummaryFactory(owner=staff, year=2026, month=11)  # a draft is not handed in
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert flags(quarter.grades.get(person=staff)) == (True, 0b101)


def test_rows_made_inside_a_deferred_block_learn_their_documents_once_at_its_end(
    organisation, department, staff, colleague
):
    TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    MonthlySummaryFactory(owner=colleague, year=2026, month=11, submitted=True)
    with counts.deferred():
        rows = [
            QuarterGradeFactory(
                person=person,
                appraisal_quarter__organisation=organisation,
                appraisal_quarter__year=2026,
                appraisal_quarter__quarter=4,
            )
            for person in (staff, colleague)
        ]
        assert [flags(row) for row in rows] == [(False, 0), (False, 0)]  # not yet: at the block's end
        with CaptureQueriesContext(connection) as inside:
            QuarterGradeFactory(person=UserFactory(department=department), appraisal_quarter=rows[0].appraisal_quarter)
    assert not [q for q in inside.captured_queries if q["sql"].startswith("UPDATE") and "targets_approved" in q["sql"]]
    assert [flags(row) for row in rows] == [(True, 0), (False, 0b010)]


def test_the_flags_follow_the_review_of_targets_and_summaries(quarter, head, staff, grade_of):
    row = grade_of(staff)
    assert flags(row) == (False, 0)
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=4, submitted=True)
    summary = MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    assert flags(row) == (False, 0b010)
    target_set_approve(target_set=target_set, actor=head)
    assert flags(row) == (True, 0b010)
    summary_return(summary=summary, actor=head, reason="请补充")
    assert flags(row) == (True, 0)
    target_set.refresh_from_db()
    save_fields([target_set], status=ReviewStatus.SUBMITTED)
    assert flags(row) == (False, 0)
    target_set_return(target_set=target_set, actor=head, reason="目标不具体")
    summary.refresh_from_db()
    save_fields([summary], status=ReviewStatus.SUBMITTED)
    summary_approve(summary=summary, actor=head)
    assert flags(row) == (False, 0b010)
    summary.delete()
    assert flags(row) == (False, 0)


def _document_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "targets_approved" in q["sql"]]


def test_documents_changed_inside_a_deferred_block_reach_the_rows_once_at_its_end(
    quarter, head, staff, colleague, grade_of
):
    with CaptureQueriesContext(connection) as queries, counts.deferred():
        target_set = TargetSetFactory(owner=staff, year=2026, quarter=4, submitted=True)
        target_set_approve(target_set=target_set, actor=head)
        summary = MonthlySummaryFactory(owner=colleague, year=2026, month=10, submitted=True)
        summary_approve(summary=summary, actor=head)
        assert [flags(grade_of(p)) for p in (staff, colleague)] == [(False, 0), (False, 0)]  # not yet
    # One UPDATE for both people's rows of the quarter, not one per save.
    assert len(_document_updates(queries.captured_queries)) == 1
    assert [flags(grade_of(p)) for p in (staff, colleague)] == [(True, 0), (False, 0b001)]


def test_documents_of_a_quarter_not_yet_open_write_no_grade_rows(organisation, department, staff):
    with CaptureQueriesContext(connection) as queries:
        MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
        TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    assert _document_updates(queries.captured_queries) == []
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert flags(quarter.grades.get(person=staff)) == (True, 0b010)


def test_a_save_of_other_fields_does_not_refresh_the_row(quarter, staff, grade_of):
    summary = MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    with CaptureQueriesContext(connection) as queries:
        summary.return_reason = "无"
        summary.save(update_fields=["return_reason"])
    assert _document_updates(queries.captured_queries) == []
    with CaptureQueriesContext(connection) as queries:
        summary.status = ReviewStatus.RETURNED
        summary.save(update_fields=["status"])
    assert len(_document_updates(queries.captured_queries)) == 1
    assert flags(grade_of(staff)) == (False, 0)


def test_a_row_read_before_its_targets_were_approved_does_not_write_the_old_flag_back(quarter, head, staff, grade_of):
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=4, submitted=True)
    stale = grade_of(staff)
    target_set_approve(target_set=target_set, actor=head)
    stale.comment = "认真"
    stale.save()
    assert flags(grade_of(staff)) == (True, 0)


def test_another_quarters_documents_do_not_touch_the_row(quarter, staff, grade_of):
    TargetSetFactory(owner=staff, year=2026, quarter=3, status=ReviewStatus.APPROVED)
    MonthlySummaryFactory(owner=staff, year=2026, month=9, submitted=True)
    MonthlySummaryFactory(owner=staff, year=2027, month=1, submitted=True)
    assert flags(grade_of(staff)) == (False, 0)


def test_the_blockers_from_the_flags_are_the_blockers_the_documents_give(organisation, department, head, leader):
    """A varied quarter built straight from documents; the flags, once refreshed, name exactly the
    people a direct reading of the documents names."""
    rng = random.Random(4)
    people = [UserFactory(department=department, full_name=f"人员{i:02d}") for i in range(30)]
    statuses = [ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.APPROVED, ReviewStatus.RETURNED, None]
    for person in people:
        status = rng.choice(statuses)
        if status:
            TargetSetFactory(owner=person, year=2026, quarter=4, status=status)
        for month in (10, 11, 12):
            status = rng.choice(statuses)
            if status:
                MonthlySummaryFactory(owner=person, year=2026, month=month, status=status)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    uncertain = people[0]
    save_fields(quarter.grades.filter(person=uncertain), grade=Grade.UNCERTAIN, uncertain_reason=UncertainReason.OTHER)
    counted = QuarterGrade.objects.filter(appraisal_quarter=quarter).exclude(person=uncertain)
    approved = set(
        TargetSet.objects.filter(year=2026, quarter=4, status=ReviewStatus.APPROVED).values_list("owner_id", flat=True)
    )
    handed = {}
    for owner, month in MonthlySummary.objects.filter(year=2026, status__in=HANDED_IN_STATUSES).values_list(
        "owner_id", "month"
    ):
        handed.setdefault(owner, set()).add(month)
    lacking_targets = {r.person_id for r in counted if r.person_id not in approved}
    lacking_summary = {r.person_id for r in counted if handed.get(r.person_id, set()) != {10, 11, 12}}
    assert lacking_targets and lacking_summary  # the draw gives both kinds

    # Whatever the flags held before (a bulk loader's zeros, say), a refresh sets them right.
    QuarterGrade.objects.update(targets_approved=True, summary_months=0)
    rows = QuarterGrade.objects.filter(appraisal_quarter=quarter)
    assert grade_documents_refresh(rows=rows) == rows.count()
    blockers = approval_blockers(appraisal_quarter=quarter)
    targets_blocker = next(b for b in blockers if "季度目标" in b)
    summaries_blocker = next(b for b in blockers if "月度小结" in b)
    assert targets_blocker == f"还有{len(lacking_targets)}人的季度目标未审核通过。"
    assert summaries_blocker == f"还有{len(lacking_summary)}人的月度小结未提交。"
    named = {QuarterGrade.objects.get(pk=pk).person_id for pk, _name in targets_blocker.people}
    assert named <= lacking_targets and len(named) == min(10, len(lacking_targets))


def test_a_month_not_yet_begun_is_not_missing(organisation, department, head, staff, settings):
    settings.APPRAISAL_TODAY = date(2026, 11, 20)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4, today=date(2027, 1, 4))
    MonthlySummaryFactory(owner=staff, year=2026, month=10, submitted=True)
    MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    row = quarter.grades.get(person=staff)
    summaries_blocker = next(b for b in approval_blockers(appraisal_quarter=quarter) if "月度小结" in b)
    assert (row.pk, staff.full_name) not in summaries_blocker.people  # December has not begun
    assert flags(quarter.grades.get(person=staff)) == (False, 0b011)


def test_a_month_before_the_organisation_went_live_is_not_asked_for_at_approval(
    organisation, department, staff, settings, client_for, head
):
    """Gone live on 15 November (Policy.started_on, mid-quarter): October is owed by nobody (the
    summaries page offers no form for it and the service refuses one), so approval does not wait
    for it either; November and December are asked for as ever."""
    from tests.factories import policy_with

    settings.APPRAISAL_TODAY = date(2027, 1, 8)
    policy_with(organisation, started_on=date(2026, 11, 15))
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    people = [row.person for row in quarter.grades.select_related("person")]
    for person in people:
        MonthlySummaryFactory(owner=person, year=2026, month=11, submitted=True)
    [summaries] = [b for b in approval_blockers(appraisal_quarter=quarter) if "月度小结" in b]
    assert summaries == f"还有{len(people)}人的月度小结未提交。"
    # Each name says which month is missing: December, not October (owed by nobody).
    assert {name for _pk, name in summaries.people} == {f"{person.full_name}（12月）" for person in people}
    for person in people:
        MonthlySummaryFactory(owner=person, year=2026, month=12, submitted=True)
    assert [b for b in approval_blockers(appraisal_quarter=quarter) if "月度小结" in b] == []
    # The grading page says the same of October: 无需填报 on the card, not 未交.
    page = client_for(head).get(reverse("evaluations:grading")).content.decode()
    card = page.split(staff.full_name, 1)[1].split('data-testid="grade-row"', 1)[0]
    assert card.count("无需填报") == 1 and "未交" not in card


def test_a_newcomer_with_approved_targets_owes_no_month_before_their_start(organisation, department, staff):
    """A user test: a person who began on 1 November, her targets approved and November and December
    handed in, was still asked for October when the quarter opened (approval refused) — the
    newcomers' UPDATE chose the new rows by ``targets_approved=False``, which the first UPDATE had
    just set for her."""
    newcomer = UserFactory(department=department, full_name="何丹", appraisal_start=date(2026, 11, 1))
    TargetSetFactory(owner=newcomer, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    for month in (11, 12):
        MonthlySummaryFactory(owner=newcomer, year=2026, month=month, submitted=True)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert flags(quarter.grades.get(person=newcomer)) == (True, 0b111)
    inputs = [
        blocker for blocker in approval_blockers(appraisal_quarter=quarter) if "目标" in blocker or "小结" in blocker
    ]
    assert inputs and all("何丹" not in name for blocker in inputs for _pk, name in blocker.people)


def test_someone_seconded_in_the_quarter_owes_the_home_agency_no_targets_or_summaries_at_approval(
    organisation, department, staff, colleague, settings
):
    """A user test: a person seconded (挂职) for the whole quarter — appraised by the host
    organisation (DOMAIN §2) — blocked the agency's approval for want of home targets and summaries;
    a colleague who owes them is still named."""
    from accounts.models import StaffStatus, StaffStatusKind

    settings.APPRAISAL_TODAY = date(2027, 1, 8)
    StaffStatus.objects.create(
        user=staff, kind=StaffStatusKind.SECONDED, start_date=date(2026, 10, 1), end_date=date(2026, 12, 31)
    )
    # Two days away excuse nothing (the review).
    StaffStatus.objects.create(
        user=colleague, kind=StaffStatusKind.SECONDED, start_date=date(2026, 12, 30), end_date=date(2026, 12, 31)
    )
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    inputs = [
        blocker for blocker in approval_blockers(appraisal_quarter=quarter) if "目标" in blocker or "小结" in blocker
    ]
    named = {name.split("（", 1)[0] for blocker in inputs for _pk, name in blocker.people}
    assert colleague.full_name in named and staff.full_name not in named


def test_a_secondment_sets_the_months_away_as_not_owed_on_the_grade_row_the_grading_page_and_the_roll_up(
    client_for, organisation, department, staff, colleague, head, settings
):
    """The review of the secondment change: the grade rows' documents columns, which the roll-up's
    summary counts and the grading page read, still counted a person seconded all quarter as owing
    three summaries and the targets (the roster and the approval said nothing was owed). Recorded
    after the quarter opened, the rows follow; removed, they owe again."""
    from accounts.models import StaffStatus, StaffStatusKind
    from evaluations.grading.services.rollup import rollup_quarter
    from evaluations.models import QuarterResult

    settings.APPRAISAL_TODAY = date(2027, 1, 8)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert flags(quarter.grades.get(person=staff)) == (False, 0)
    away = StaffStatus.objects.create(
        user=staff, kind=StaffStatusKind.SECONDED, start_date=date(2026, 10, 1), end_date=date(2027, 3, 31)
    )
    # November alone: October and December owed.
    StaffStatus.objects.create(
        user=colleague, kind=StaffStatusKind.SECONDED, start_date=date(2026, 11, 1), end_date=date(2026, 11, 30)
    )
    assert flags(quarter.grades.get(person=staff)) == (True, 0b111)
    assert flags(quarter.grades.get(person=colleague)) == (False, 0b010)
    # The approval asks the colleague for October and December, not November (a re-test read
    # （10、12月） beside the roster's 无需填报 for a December away).
    [summaries] = [b for b in approval_blockers(appraisal_quarter=quarter) if "月度小结" in b]
    named = {name.split("（", 1)[0]: name for _pk, name in summaries.people}
    assert staff.full_name not in named and named[colleague.full_name] == f"{colleague.full_name}（10、12月）"

    page = client_for(head).get(reverse("evaluations:grading")).content.decode()
    card = page.split(staff.full_name, 1)[1].split('data-testid="grade-row"', 1)[0]
    assert card.count("无需填报") == 3 and "未交" not in card
    card = page.split(colleague.full_name, 1)[1].split('data-testid="grade-row"', 1)[0]
    assert card.count("无需填报") == 1 and card.count("未交") == 2

    rollup_quarter(appraisal_quarter=quarter)
    result = QuarterResult.objects.get(appraisal_quarter=quarter, person=staff)
    assert result.summaries_missing == 0 and "no_targets" not in result.flags
    assert QuarterResult.objects.get(appraisal_quarter=quarter, person=colleague).summaries_missing == 2

    away.delete()
    assert flags(quarter.grades.get(person=staff)) == (False, 0)
