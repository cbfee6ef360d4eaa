"""Reminders: who gets one, when, and never twice for the same deadline."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts import workflow
from accounts.models import Job, Notification
from accounts.services import notifications_send_digests, staff_move
from accounts.workflow import ReviewStatus
from summaries import reminders
from summaries.tasks import send_deadline_reminders as send_deadline_reminders_task
from tests.factories import MonthlySummaryFactory, TargetSetFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _messages(person):
    return list(Notification.objects.filter(recipient=person).values_list("message", flat=True))


def _targets_handed_in(*people):
    """The fourth quarter's targets handed in: a test of the summaries' reminders in November hears
    nothing of targets overdue since 10 October (reminded weekly since)."""
    for person in people:
        TargetSetFactory(owner=person, year=2026, quarter=4, status=ReviewStatus.SUBMITTED)


def test_people_who_have_not_submitted_are_reminded_three_days_before(organisation, staff, colleague, head):
    _targets_handed_in(staff, colleague, head)
    MonthlySummaryFactory(owner=colleague, status=ReviewStatus.SUBMITTED)
    run = reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))
    assert run.summaries == 2  # staff and the head; the colleague has submitted
    assert any("10月工作小结" in m for m in _messages(staff))
    assert _messages(colleague) == []


def test_no_reminder_before_the_window_or_after_the_deadline(organisation, staff):
    """No "hand it in by …" outside its window; after the deadline the weekly overdue reminder
    takes over (below)."""
    _targets_handed_in(staff)
    assert reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 1)).summaries == 0
    assert _messages(staff) == []
    assert reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 6)).summaries == 0
    assert not [message for message in _messages(staff) if message.startswith("请在")]


def test_what_is_still_owed_after_the_deadline_is_asked_for_once_a_week(organisation, staff, colleague, head):
    """A user test: quarter targets overdue since 10 October, and nobody told again. From the day
    after the deadline, once a week, to whoever has not handed it in (a returned one included), not
    to one who has, nor to one seconded out for the period."""
    from accounts.models import StaffStatusKind
    from tests.factories import StaffStatusFactory

    MonthlySummaryFactory(owner=colleague, year=2026, month=10, submitted=True)
    MonthlySummaryFactory(owner=head, year=2026, month=10, status=ReviewStatus.RETURNED)
    TargetSetFactory(owner=colleague, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    seconded = UserFactory(department=staff.department)
    StaffStatusFactory(user=seconded, kind=StaffStatusKind.SECONDED, start_date=date(2026, 9, 1))
    send = reminders.send_deadline_reminders
    # (summaries, targets) told each day: October's summaries were due on 5 November, the fourth
    # quarter's targets on 10 October; each is asked for again every seventh day from the day after.
    told = {
        day: (run.summaries_overdue, run.targets_overdue)
        for day in (5, 6, 7, 8, 12, 13)
        for run in [send(organisation=organisation, today=date(2026, 11, day))]
    }
    assert told == {5: (0, 2), 6: (2, 0), 7: (0, 0), 8: (0, 2), 12: (0, 0), 13: (2, 0)}  # staff and the head
    assert sorted(set(_messages(staff))) == [
        "您的2026年10月工作小结已过截止日期（11月5日），请尽快提交。",
        "您的2026年第4季度目标已过截止日期（10月10日），请尽快提交。",
        "请在11月5日前提交10月工作小结。",  # on the day itself, the reminder of the deadline
    ]
    assert _messages(colleague) == [] and _messages(seconded) == []
    assert len(_messages(staff)) == 5


def test_no_reminder_for_a_month_before_the_organisation_began_in_the_system(organisation, staff):
    """Gone live on 1 November: October's summary, due on 5 November, was never asked for."""
    from accounts.models import Policy

    Policy.objects.filter(organisation=organisation).update(started_on=date(2026, 11, 1))
    assert reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2)).summaries == 0
    assert _messages(staff) == []


def test_no_reminder_to_a_newcomer_for_a_month_before_they_began(organisation, staff, colleague, head):
    newcomer = UserFactory(department=staff.department, appraisal_start=date(2026, 11, 1))

    run = reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))

    assert run.summaries == 3  # staff, the colleague and the head
    assert _messages(newcomer) == []


def test_no_reminder_to_someone_on_long_leave_that_day(organisation, staff, colleague, head):
    """A user test: a person on 长期休假 since November was told to hand in December's summary."""
    from accounts.models import StaffStatusKind
    from tests.factories import StaffStatusFactory

    StaffStatusFactory(user=staff, kind=StaffStatusKind.LONG_LEAVE, start_date=date(2026, 10, 15))
    # Back by the reminder's day: reminded as anyone.
    StaffStatusFactory(
        user=colleague, kind=StaffStatusKind.LONG_LEAVE, start_date=date(2026, 10, 1), end_date=date(2026, 11, 1)
    )
    run = reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))
    assert run.summaries == 2  # the colleague and the head
    assert _messages(staff) == []
    assert any("10月工作小结" in m for m in _messages(colleague))


def test_a_reminder_is_sent_once_per_person_per_deadline_even_if_the_task_runs_twice(organisation, staff):
    reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))
    again = reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))
    next_day = reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 3))
    assert again.summaries == 0 and next_day.summaries == 0
    assert len([m for m in _messages(staff) if "小结" in m]) == 1


def test_targets_are_reminded_before_day_ten_of_the_quarter(organisation, staff, colleague, head):
    TargetSetFactory(owner=colleague, status=ReviewStatus.APPROVED)
    run = reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 10, 8))
    assert run.targets == 2
    assert any("第4季度目标" in m for m in _messages(staff))
    assert not any("季度目标" in m for m in _messages(colleague))


def test_staff_types_outside_the_policy_are_not_reminded(organisation, staff):
    staff.staff_type = "public_welfare"
    staff.save()
    reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))
    assert _messages(staff) == []


def test_separated_roles_are_not_reminded(organisation, staff, sysadmin, auditor):
    reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))
    assert _messages(sysadmin) == [] and _messages(auditor) == []


def test_reviewers_hear_of_items_waiting_too_long_once_a_day(organisation, staff, colleague, head, leader):
    old = datetime(2026, 11, 1, 9, tzinfo=SHANGHAI)
    MonthlySummaryFactory(owner=staff, status=ReviewStatus.SUBMITTED, submitted_at=old)
    MonthlySummaryFactory(owner=colleague, status=ReviewStatus.SUBMITTED, submitted_at=old + timedelta(days=4))
    MonthlySummaryFactory(owner=head, status=ReviewStatus.SUBMITTED, submitted_at=old)
    run = reminders.send_review_reminders(organisation=organisation, today=date(2026, 11, 6))
    assert run.reviewers == 2
    assert _messages(head) == ["您有1项材料（目标、小结或公益性岗位述职）待审核已超过3天。"]
    assert _messages(leader) == ["您有1项材料（目标、小结或公益性岗位述职）待审核已超过3天。"]
    assert reminders.send_review_reminders(organisation=organisation, today=date(2026, 11, 6)).reviewers == 0


def test_an_item_of_someone_who_moved_reminds_the_head_whose_inbox_it_waits_in(
    client_for, organisation, staff, head, other_department, other_head
):
    """The inbox shows a moved person's waiting summary to their new head; the reminder goes there
    too, not to the head of the department it was written in (who no longer sees it)."""
    old = datetime(2026, 11, 1, 9, tzinfo=SHANGHAI)
    summary = MonthlySummaryFactory(owner=staff, status=ReviewStatus.SUBMITTED, submitted_at=old)
    staff_move(user=staff, department=other_department, on_date=date(2026, 11, 3))
    assert client_for(other_head).get(reverse("review")).context["page"].paginator.count == 1
    assert client_for(head).get(reverse("review")).context["page"].paginator.count == 0
    summary.refresh_from_db()
    assert summary.department == head.department  # written there
    reminders.send_review_reminders(organisation=organisation, today=date(2026, 11, 6))
    # Told of the move's summary when it was made, then reminded of it.
    told = _messages(other_head)
    assert [m for m in told if "已超过" in m] == ["您有1项材料（目标、小结或公益性岗位述职）待审核已超过3天。"]
    assert len(told) == 2 and any("转由您审核" in m for m in told)
    assert _messages(head) == []


@pytest.mark.django_db
def test_the_commands_run_the_tasks_without_a_broker(capsys):
    call_command("send_deadline_reminders")
    call_command("send_review_reminders")
    out = capsys.readouterr().out
    assert "Reminded" in out


def test_the_nightly_task_reminds_each_organisation_as_a_job_and_a_failing_one_stops_no_other(
    organisation, other_organisation, staff, outsider, monkeypatch
):
    """Each organisation's reminders run as a recorded job for the task's day; one whose run raises
    (injected: real data cannot make it) is left for the sweeper's retry and the next is reminded."""
    assert other_organisation.code < organisation.code  # the failing one is taken first
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 11, 2))
    real = reminders.send_deadline_reminders

    def failing_for_the_other(*, organisation, today):
        if organisation.pk == other_organisation.pk:
            raise RuntimeError("mail queue full")
        return real(organisation=organisation, today=today)

    monkeypatch.setattr(reminders, "send_deadline_reminders", failing_for_the_other)
    _targets_handed_in(staff, staff.department.head)
    result = send_deadline_reminders_task.apply().get()
    assert result == {
        "targets": 0,
        "summaries": 2,  # staff and the head
        "targets_overdue": 0,
        "summaries_overdue": 0,
        "failed": [other_organisation.pk],
    }
    assert _messages(staff) and not _messages(outsider)
    jobs = {job.organisation_id: job for job in Job.objects.filter(kind=reminders.DEADLINE_REMINDERS)}
    assert jobs[organisation.pk].state == Job.State.DONE and jobs[organisation.pk].params == {"today": "2026-11-02"}
    assert (
        jobs[other_organisation.pk].state == Job.State.PENDING
        and "mail queue full" in jobs[other_organisation.pk].error
    )


def test_the_reminder_query_count_does_not_depend_on_the_number_of_people(
    organisation, department, head, django_assert_max_num_queries
):
    for _ in range(40):
        UserFactory(department=department)
    with django_assert_max_num_queries(10):
        reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))


def test_reminders_are_e_mailed_once_through_the_one_notification_path(
    organisation, staff, colleague, head, mail_to, mailoutbox, django_capture_on_commit_callbacks
):
    mail_to(staff, head)
    _targets_handed_in(staff, colleague, head)
    assert not colleague.email  # the colleague has no address
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 3))
    # Everyone without a summary is on the bell; only those with an address get mail, once.
    assert sorted(m.to[0] for m in mailoutbox) == ["head@example.gov.cn", "staff@example.gov.cn"]
    assert all("10月工作小结" in m.body for m in mailoutbox)


def test_a_reviewer_gets_one_daily_digest_with_the_waiting_reminder_in_it_not_two_messages(
    organisation, staff, colleague, head, monkeypatch, mail_to, mailoutbox, django_capture_on_commit_callbacks
):
    day = date(2026, 11, 6)
    monkeypatch.setattr("accounts.periods.today", lambda now=None: day)
    mail_to(head)
    MonthlySummaryFactory(
        owner=staff, status=ReviewStatus.SUBMITTED, submitted_at=datetime(2026, 11, 1, 9, tzinfo=SHANGHAI)
    )
    with django_capture_on_commit_callbacks(execute=True):
        # A new item handed in today: an entry of the head's digest.
        workflow.submit(
            TargetSetFactory(owner=colleague, year=2026, quarter=4), colleague, is_late=lambda doc, now: False
        )
        reminders.send_review_reminders(organisation=organisation, today=day)
    assert not Notification.objects.filter(recipient=head, digest_day__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_send_digests(day=day) == 1
    notices = list(Notification.objects.filter(recipient=head, digest_day__isnull=True))
    assert len(notices) == 1
    assert notices[0].entries.count() == 2
    assert any("待审核已超过3天" in entry.message for entry in notices[0].entries.all())
    assert [m.to for m in mailoutbox] == [["head@example.gov.cn"]]


def test_a_newcomer_whose_targets_are_due_later_is_not_told_the_organisations_deadline(organisation, staff):
    """Entered in advance, beginning on 12 October: their targets are due ten days after that
    (periods.person_policy), not on the 10th; one who began on the 8th is held to the 10th."""
    arriving = UserFactory(department=staff.department, appraisal_start=date(2026, 10, 12))
    arrived = UserFactory(department=staff.department, appraisal_start=date(2026, 10, 8))

    reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 10, 8))

    assert _messages(arriving) == []
    assert _messages(arrived) == ["请在10月10日前提交2026年第4季度目标。"]


def test_a_reminder_writes_the_day_as_the_home_page_does_without_a_leading_zero(organisation, staff):
    """A user test read "请在11月05日前" in the reminder beside "11月5日截止" on the home page."""
    _targets_handed_in(staff)
    reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 11, 2))
    assert _messages(staff) == ["请在11月5日前提交10月工作小结。"]
