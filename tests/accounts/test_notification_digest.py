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
def mail_configured(mail_to, head):
    mail_to(head)


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
    # The bell counts; the entries are listed on the notifications page and in the mail.
    assert digest.message == "今日有2项待您审核，请到通知页查看。"
    assert digest.url == reverse("accounts:notification_list")
    [message] = mail.outbox
    assert "科员甲提交了" in message.body and "科员乙提交了" in message.body
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


def digest_of(person) -> Notification:
    return Notification.objects.get(recipient=person, digest_day__isnull=True)


def listed(client) -> list[str]:
    """The digest's entries as the notifications page lists them."""
    page = client.get(reverse("accounts:notification_list")).content.decode()
    return [item.split(">", 1)[1].split("</li>", 1)[0] for item in page.split('data-testid="digest-entry"')[1:]]


def test_a_request_to_review_what_the_head_already_approved_that_day_is_left_out(
    client_for, head, staff, colleague, mail_configured, django_capture_on_commit_callbacks
):
    target_set = hand_in(TargetSetFactory(owner=staff, year=2026, quarter=4), staff)
    hand_in(MonthlySummaryFactory(owner=colleague, year=2026, month=11), colleague)
    workflow.approve(target_set, head)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_send_digests(day=DAY) == 1
    digest = digest_of(head)
    assert digest.message == "今日通知：科员乙提交了2026年11月工作小结，待您审核。"
    assert [entry for entry in listed(client_for(head)) if "科员甲" in entry] == []
    [message] = mail.outbox
    assert "科员甲" not in message.body and "科员乙提交了2026年11月工作小结" in message.body
    assert not Notification.objects.filter(recipient=head, digest__isnull=True, digest_day__isnull=False).exists()


def test_a_request_still_waiting_stays_and_a_returned_one_goes(head, staff, colleague):
    target_set = hand_in(TargetSetFactory(owner=staff, year=2026, quarter=4), staff)
    hand_in(MonthlySummaryFactory(owner=colleague, year=2026, month=11), colleague)
    workflow.return_(target_set, head, "目标不具体")
    services.notifications_send_digests(day=DAY)
    assert [entry.message for entry in digest_of(head).entries.all()] == ["科员乙提交了2026年11月工作小结，待您审核。"]


def test_nobody_gets_a_digest_when_every_request_was_dealt_with(client_for, head, staff):
    target_set = hand_in(TargetSetFactory(owner=staff, year=2026, quarter=4), staff)
    workflow.approve(target_set, head)
    assert services.notifications_send_digests(day=DAY) == 0
    assert bell(client_for(head)) == 0
    assert not Notification.objects.filter(recipient=head).exists()


def test_an_item_handed_in_twice_is_listed_once_with_its_count(client_for, head, staff, colleague):
    summary = hand_in(MonthlySummaryFactory(owner=staff, year=2026, month=11), staff)
    workflow.return_(summary, head, "请补充数据")
    hand_in(summary, staff)
    hand_in(MonthlySummaryFactory(owner=colleague, year=2026, month=11), colleague)
    services.notifications_send_digests(day=DAY)
    assert [entry.split(">", 1)[1].removesuffix("</a>") for entry in listed(client_for(head))] == [
        "科员甲提交了2026年11月工作小结，待您审核。（共2次）",
        "科员乙提交了2026年11月工作小结，待您审核。",
    ]
    assert digest_of(head).message == "今日有2项待您审核，请到通知页查看。"


def test_the_bell_counts_what_waits_for_review_apart_and_the_mail_lists_one_entry_a_line(
    head, staff, colleague, mail_configured, django_capture_on_commit_callbacks
):
    hand_in(TargetSetFactory(owner=staff, year=2026, quarter=4), staff)
    hand_in(MonthlySummaryFactory(owner=colleague, year=2026, month=11), colleague)
    services.notify(recipient=head, message="2026年第3季度评鉴结果已由局长审批。", url="/evaluations/", digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_send_digests(day=DAY)
    assert digest_of(head).message == "今日有2项待您审核、1条其他通知，请到通知页查看。"
    [message] = mail.outbox
    assert "。；" not in message.body
    lines = message.body.splitlines()
    assert lines[0] == "今日有2项待您审核、1条其他通知，请到通知页查看。"
    assert [line for line in lines if line.startswith("· ")] == [
        "· 科员甲提交了2026年第4季度目标，待您审核。",
        "· 科员乙提交了2026年11月工作小结，待您审核。",
        "· 2026年第3季度评鉴结果已由局长审批。",
    ]
    assert "待您审核（2项）：" in lines and "其他通知（1条）：" in lines


def test_a_long_digest_is_short_on_the_bell_and_mails_the_first_thirty(
    client_for, settings, head, mail_configured, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://kaohe.example.gov.cn"
    for n in range(1, 113):
        services.notify(recipient=head, message=f"第{n}条通知", url=f"/n/{n}/", digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_send_digests(day=DAY) == 1
    digest = digest_of(head)
    assert digest.message == "今日有112条通知，请到通知页查看。"
    assert digest.url == reverse("accounts:notification_list")
    assert len(listed(client_for(head))) == 112
    [message] = mail.outbox
    assert message.body.count("· ") == 30
    assert "第30条通知" in message.body and "第31条通知" not in message.body
    assert "https://kaohe.example.gov.cn/n/1/" in message.body
    assert "……等112条，请登录查看。" in message.body
    assert message.body.rstrip().endswith("https://kaohe.example.gov.cn" + reverse("accounts:notification_list"))


def test_a_digest_of_one_entry_mails_it_once_under_a_subject_that_says_what_it_is(
    settings, head, staff, mail_configured, django_capture_on_commit_callbacks
):
    """A user test: a one-entry digest's mail read the entry, then the entry again under 待您审核
    with its link, then the link once more; and every mail's subject was 平时考核系统提醒."""
    settings.SITE_URL = "https://kaohe.example.gov.cn"
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=4)
    hand_in(target_set, staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_send_digests(day=DAY)
    [message] = mail.outbox
    link = "https://kaohe.example.gov.cn" + target_set.get_absolute_url()
    assert message.body == f"今日通知：科员甲提交了2026年第4季度目标，待您审核。\n{link}"
    assert message.subject == "平时考核系统：今日通知：科员甲提交了2026年第4季度目标，待您审核。"


def test_a_long_notice_s_subject_is_its_first_words():
    long = "甲" * 60
    assert services._mail_subject(long) == "甲" * 39 + "…"
    assert services._mail_subject("第一行\n第二行") == "第一行"


def test_the_review_reminder_counts_as_waiting_for_review_in_the_digest(
    head, staff, mail_configured, django_capture_on_commit_callbacks
):
    """A user test read the review reminder (linking to the inbox) under 其他通知."""
    services.notify(recipient=head, message="您有3项材料待审核已超过3天。", url=reverse("review"), digest=True)
    services.notify(recipient=head, message="2026年第3季度评鉴结果已由局长审批。", url="/evaluations/", digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_send_digests(day=DAY)
    assert digest_of(head).message == "今日有1项待您审核、1条其他通知，请到通知页查看。"
    lines = mail.outbox[0].body.splitlines()
    assert lines[lines.index("待您审核（1项）：") + 1] == "· 您有3项材料待审核已超过3天。"
