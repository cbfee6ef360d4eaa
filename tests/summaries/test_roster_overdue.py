"""A user test: the roster page put 逾期 on 15 people, its 迟交/逾期 filter listed 3 and the workbook's
逾期 column said 是 for 3. One rule now (accounts.periods.past_deadline: not handed in, past the
person's own deadline; handed in after it: 迟交), read by the rows, the filter and the workbook."""

from datetime import date

import pytest
from django.urls import reverse

from accounts import periods
from accounts.models import Policy, User
from accounts.workflow import ReviewStatus
from summaries import review
from tests.factories import MonthlySummaryFactory, TargetSetFactory, UserFactory

NOVEMBER = periods.Month(2026, 11)
STARTS = (None, date(2026, 1, 1), date(2026, 10, 8), date(2026, 10, 20), date(2026, 11, 28), date(2027, 1, 4))
TODAYS = (date(2026, 10, 9), date(2026, 10, 25), date(2026, 11, 20), date(2026, 12, 6), date(2027, 1, 10))


@pytest.mark.parametrize("organisation_start", [None, date(2026, 10, 15)])
@pytest.mark.parametrize("period", [NOVEMBER, NOVEMBER.quarter])
def test_the_calendar_finds_past_their_deadline_the_people_it_says_are(department, organisation_start, period):
    policy = Policy.objects.get(organisation=department.organisation)
    policy.started_on = organisation_start
    people = [UserFactory(department=department, appraisal_start=start) for start in STARTS]
    ids = [p.pk for p in people]
    for today in TODAYS:
        found = set(User.objects.filter(periods.past_deadline_people(policy, period, today), pk__in=ids))
        said = {p for p in people if periods.past_deadline(policy, period, p.appraisal_start, today)}
        assert found == said, (today, organisation_start, period)


def test_the_late_filter_lists_exactly_the_rows_with_a_badge(hr, department, head, staff, colleague, settings):
    settings.APPRAISAL_TODAY = date(2026, 12, 8)  # November's summaries were due on 5 December
    MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True, is_late=True)  # 迟交
    MonthlySummaryFactory(owner=colleague, year=2026, month=11, status=ReviewStatus.RETURNED)  # 逾期
    TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    TargetSetFactory(owner=colleague, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    TargetSetFactory(owner=head, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    MonthlySummaryFactory(owner=head, year=2026, month=11, submitted=True)  # on time: no badge
    UserFactory(department=department, full_name="新来的", appraisal_start=date(2026, 12, 1))  # owes neither

    rows = review.roster(viewer=hr, year=2026, month=11)
    badged = {
        row.person.full_name
        for row in rows
        if row.summary_late or row.summary_overdue or row.targets_late or row.targets_overdue
    }
    listed = {row.person.full_name for row in review.roster(viewer=hr, year=2026, month=11, show="late")}
    assert badged == listed == {staff.full_name, colleague.full_name}


def test_a_document_handed_in_on_time_and_returned_after_the_deadline_is_not_overdue(
    client_for, hr, department, head, staff, colleague, settings
):
    """A user test: targets handed in on 8 October, two days before the deadline, returned by the
    head on 8 December, read 已退回 逾期 at once: the review round's time is not the owner's delay.
    Still not handed in (已退回, listed by 月小结未提交 and asked for by 催交), but no 逾期 on the page,
    the 迟交/逾期 filter, the workbook or the weekly overdue reminder."""
    from io import BytesIO

    from openpyxl import load_workbook

    from accounts.models import Notification
    from summaries import exports, reminders

    settings.APPRAISAL_TODAY = date(2026, 12, 8)
    returned = {"year": 2026, "quarter": 4, "submitted": True, "status": ReviewStatus.RETURNED}
    TargetSetFactory(owner=staff, **returned, is_late=False)
    TargetSetFactory(owner=colleague, **returned, is_late=True)
    for person in (staff, colleague, head):
        MonthlySummaryFactory(owner=person, year=2026, month=11, submitted=True)
    TargetSetFactory(owner=head, year=2026, quarter=4, status=ReviewStatus.APPROVED)

    rows = {row.person.pk: row for row in review.roster(viewer=hr, year=2026, month=11)}
    assert (rows[staff.pk].targets_overdue, rows[colleague.pk].targets_overdue) == (False, True)
    assert rows[staff.pk].targets_label == "已退回"
    late = {row.person.pk for row in review.roster(viewer=hr, year=2026, month=11, show="late")}
    assert late == {colleague.pk}
    page = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 11}).content.decode()
    # The colleague's reads 迟交 (its first hand-in was late), the staff's no badge.
    assert 'data-testid="targets-overdue"' not in page
    workbook = exports.roster_file(viewer=hr, year=2026, month=11, department_id=None, show="")
    values = [list(row) for row in load_workbook(BytesIO(workbook.content.read())).active.values]
    by_name = {row[2]: row for row in values[1:]}
    assert "逾期" not in by_name[staff.full_name] and "迟交" in by_name[colleague.full_name]
    reminders.send_deadline_reminders(organisation=staff.organisation, today=date(2026, 12, 8))
    overdue = Notification.objects.filter(message__contains="季度目标已过截止日期")
    assert set(overdue.values_list("recipient_id", flat=True)) == {colleague.pk}
