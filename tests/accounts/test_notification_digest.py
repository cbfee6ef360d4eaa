"""Notifications grouped so nobody is spammed: one digest per person and day, on the bell and by
e-mail, for new items waiting for review, a grade changed by the leader, and a quarter approved."""

from datetime import date

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts import services, workflow
from accounts.models import Notification
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    appraisal_quarter_open,
    grade_assign,
    grade_confirm,
    grades_confirm_all,
)
from evaluations.models import Grade
from tests.factories import MonthlySummaryFactory, TargetSetFactory, hand_in_quarter_inputs

DAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: DAY)


@pytest.fixture
def mail_configured(mail_server, head):
    head.email = "head@example.gov.cn"
    head.save()


@pytest.fixture
def team(staff, colleague):
    return [staff, colleague]


def hand_in(document, actor):
    return workflow.submit(document, actor, is_late=lambda doc, now: False)


def bell(client):
    html = client.get("/").content.decode()
    if 'data-testid="bell-count">' not in html:
        return 0
    return int(html.split('data-testid="bell-count">', 1)[1].split("<", 1)[0])


def test_items_handed_in_wait_off_the_bell_for_the_days_digest(
    client_for, head, staff, colleague, mail_configured, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hand_in(TargetSetFactory(owner=staff, year=2026, quarter=4), staff)
        hand_in(MonthlySummaryFactory(owner=colleague, year=2026, month=11), colleague)
    assert Notification.objects.filter(recipient=head, digest_day=DAY).count() == 2
    assert bell(client_for(head)) == 0
    assert not mail.outbox  # nothing mailed one by one

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_send_digests(day=DAY) == 1
    assert bell(client_for(head)) == 1
    digest = Notification.objects.get(recipient=head, digest_day__isnull=True)
    assert digest.message.startswith("今日通知2条")
    assert "科员甲提交了" in digest.message and "科员乙提交了" in digest.message
    [message] = mail.outbox
    assert message.to == [head.email]
    assert message.body.count("· ") == 2
    page = client_for(head).get(reverse("accounts:notification_list")).content.decode()
    assert page.count('data-testid="notification"') == 1
    assert page.count('data-testid="digest-entry"') == 2


def test_sending_twice_sends_one_digest_and_later_items_wait_for_the_next_day(head, staff, colleague):
    hand_in(TargetSetFactory(owner=staff, year=2026, quarter=4), staff)
    assert services.notifications_send_digests(day=DAY) == 1
    assert services.notifications_send_digests(day=DAY) == 0
    hand_in(MonthlySummaryFactory(owner=colleague, year=2026, month=11), colleague)
    assert services.notifications_send_digests(day=DAY) == 0  # today's went out already
    assert Notification.objects.filter(recipient=head, digest_day__isnull=True).count() == 1
    assert services.notifications_send_digests(day=date(2026, 12, 2)) == 1
    assert Notification.objects.filter(recipient=head, digest_day__isnull=True).count() == 2
    assert not Notification.objects.filter(digest_day__isnull=False, digest__isnull=True).exists()


def test_nothing_pending_sends_nothing(head):
    services.notify(recipient=head, message="直接通知")
    assert services.notifications_send_digests(day=DAY) == 0


def test_a_leaders_change_goes_into_the_heads_digest_with_the_reason(organisation, head, leader, staff, team):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    row = quarter.grades.get(person=staff)
    grade_assign(grade_row=row, actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_confirm(grade_row=row, actor=leader, new_grade=Grade.GOOD, reason="专项任务突出")
    [entry] = Notification.objects.filter(recipient=head, digest_day=DAY)
    assert "由“较好”调整为“好”" in entry.message and "专项任务突出" in entry.message
    assert entry.url == reverse("evaluations:grade_detail", args=[row.pk])


def test_confirming_unchanged_tells_nobody(organisation, head, leader, staff, team):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    row = quarter.grades.get(person=staff)
    grade_assign(grade_row=row, actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_confirm(grade_row=row, actor=leader)
    assert not Notification.objects.filter(recipient=head).exists()


def test_an_approved_quarter_goes_into_the_digest_of_graders_and_hr(organisation, head, leader, chief, hr, staff, team):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    hand_in_quarter_inputs(quarter)
    for person in team:
        grade_assign(grade_row=quarter.grades.get(person=person), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_assign(grade_row=quarter.grades.get(person=head), actor=leader, grade=Grade.FAIRLY_GOOD, comment="认真")
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    Notification.objects.all().delete()
    appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    told = set(Notification.objects.filter(digest_day=DAY).values_list("recipient__username", flat=True))
    assert told == {"head", "leader", "hr"}
    assert not Notification.objects.filter(digest_day__isnull=True).exists()


def test_the_command_and_the_beat_schedule_send_the_digests(head, staff, capsys):
    hand_in(TargetSetFactory(owner=staff, year=2026, quarter=4), staff)
    call_command("send_notification_digests", "--date", "2026-12-01")
    assert "digests sent: 1" in capsys.readouterr().out
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accounts.tasks.send_notification_digests" in schedule
