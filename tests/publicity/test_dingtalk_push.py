"""DingTalk push against a real local HTTP server standing in for the robot: the signature the
server checks, a 500 retried then sent, a timeout handled, a refusal failed at once, and the
caller never held up or failed by DingTalk."""

import time
import urllib.parse
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import jobs
from accounts.models import Job, Notification
from accounts.selectors import policy_for_organisation
from publicity.dingtalk import services as dingtalk
from publicity.dingtalk.models import DingTalkKind, DingTalkMessage

# Decided in Python, the same on every database: make test-postgres skips it (pyproject.toml).
pytestmark = pytest.mark.engine_neutral


@pytest.fixture
def push(django_capture_on_commit_callbacks):
    """Push as a service would inside its transaction; the job runs on commit (no broker: in-process)."""

    def run(organisation, **kwargs):
        kwargs = {"title": "每周工作进展", "markdown_text": "### 每周工作进展\n\n> 完成", **kwargs}
        with django_capture_on_commit_callbacks(execute=True):
            message = dingtalk.dingtalk_push(organisation_id=organisation.pk, **kwargs)
        if message is not None:
            message.refresh_from_db()
        return message

    return run


def _sweep_after(minutes: int) -> None:
    jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=minutes), inline=True)


# --- signing ------------------------------------------------------------------------------------


def test_the_signature_follows_dingtalks_recipe():
    # HMAC-SHA256 of "timestamp\nsecret" keyed with the secret, base64, then URL-encoded.
    import base64
    import hashlib
    import hmac

    expected = base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest())
    sign = dingtalk.dingtalk_sign(secret="SECabc", timestamp_ms=1700000000000)
    assert urllib.parse.unquote_plus(sign) == expected.decode()
    url = dingtalk.dingtalk_signed_url(
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=t", secret="SECabc", timestamp_ms=1700000000000
    )
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000&sign={sign}"


def test_a_webhook_without_a_secret_is_posted_unsigned():
    url = "https://oapi.dingtalk.com/robot/send?access_token=t"
    assert dingtalk.dingtalk_signed_url(webhook_url=url, secret="") == url


# --- sending to the local robot -----------------------------------------------------------------


def test_a_push_is_signed_as_the_robot_checks_and_recorded_sent(organisation, robot, dingtalk_configured, push):
    message = push(organisation, kind=DingTalkKind.WEEKLY_DIGEST)
    assert (message.state, message.attempts, message.last_error) == (DingTalkMessage.State.SENT, 1, "")
    assert message.sent_at is not None
    [request] = robot.received
    assert request["signed"] is True
    assert request["query"]["access_token"] == ["test-token"]
    assert request["body"] == {
        "msgtype": "markdown",
        "markdown": {"title": "每周工作进展", "text": "### 每周工作进展\n\n> 完成"},
    }
    assert message.job.state == Job.State.DONE


def test_a_wrong_secret_is_refused_by_the_robot_and_fails_at_once_with_its_error(
    organisation, robot, dingtalk_configured, push, hr, staff
):
    from accounts import services as account_services

    account_services.policy_update(policy=dingtalk_configured, dingtalk_secret="SECwrong")
    message = push(organisation)
    assert robot.received[0]["signed"] is False
    assert message.state == DingTalkMessage.State.FAILED
    assert "310000" in message.last_error
    # HR keeps the robot's settings: the failure is on their bell, and on nobody else's.
    [notice] = Notification.objects.filter(message__contains="发送失败")
    assert notice.recipient == hr and "310000" in notice.message and notice.url == "/publicity/dingtalk/"
    # A refusal is not retried: HR must fix the settings.
    _sweep_after(5)
    message.refresh_from_db()
    assert (message.attempts, len(robot.received)) == (1, 1)


def test_a_server_error_is_retried_with_a_pause_then_sent(organisation, robot, dingtalk_configured, push):
    robot.expect(500, "ok")
    message = push(organisation)
    assert (message.state, message.attempts) == (DingTalkMessage.State.PENDING, 1)
    assert "HTTP 500" in message.last_error
    job = message.job
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.PENDING, 1)
    # Not inside the caller's request: the retry waits for the sweeper (no broker) …
    assert jobs.jobs_sweep(inline=True)["pending"] == 0
    assert len(robot.received) == 1
    # … and goes out once the pause has passed.
    _sweep_after(2)
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (DingTalkMessage.State.SENT, 2, "")
    assert [r["signed"] for r in robot.received] == [True, True]


def test_a_robot_down_every_time_ends_failed_after_the_last_attempt(organisation, robot, dingtalk_configured, push):
    robot.expect(500, 502, 503)
    message = push(organisation)
    for minutes in (2, 4):
        _sweep_after(minutes)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DingTalkMessage.State.FAILED, jobs.MAX_ATTEMPTS)
    assert "HTTP 503" in message.last_error
    message.job.refresh_from_db()
    assert message.job.state == Job.State.FAILED


def test_a_robot_that_does_not_answer_in_time_is_a_timeout_retried_later(
    organisation, robot, dingtalk_configured, push
):
    robot.hang_seconds = 2
    robot.expect("hang", "ok")
    started = time.monotonic()
    message = push(organisation)
    assert time.monotonic() - started < 1.8  # the 0.5 s client timeout, not the robot's 2 s
    assert message.state == DingTalkMessage.State.PENDING
    assert "超时" in message.last_error
    _sweep_after(2)
    message.refresh_from_db()
    assert message.state == DingTalkMessage.State.SENT


def test_an_unreachable_robot_is_recorded_and_never_raises_into_the_caller(
    organisation, dingtalk_configured, push, settings
):
    from accounts import services as account_services

    # A port nobody listens on (named in the installation's list): connection refused.
    settings.DINGTALK_WEBHOOK_PREFIXES = [*settings.DINGTALK_WEBHOOK_PREFIXES, "http://127.0.0.1:9/"]
    dingtalk_configured.dingtalk_webhook_url = "http://127.0.0.1:9/robot/send?access_token=x"
    account_services.policy_update(policy=dingtalk_configured)
    message = push(organisation)
    assert message.state == DingTalkMessage.State.PENDING
    # In the page's words, not the operating system's ("[Errno 111] Connection refused", a user test).
    assert message.last_error == "无法连接钉钉：对方拒绝连接，请检查机器人地址或网络策略。"


def test_the_same_event_pushed_twice_is_recorded_and_sent_once(organisation, robot, dingtalk_configured, push):
    first = push(organisation, key="weekly:2026-W48")
    assert push(organisation, key="weekly:2026-W48") is None
    assert DingTalkMessage.objects.count() == 1 and len(robot.received) == 1
    assert first.state == DingTalkMessage.State.SENT


def test_the_send_job_delivered_twice_sends_the_message_once(organisation, robot, dingtalk_configured, push):
    message = push(organisation)
    job = jobs.job_request(
        kind=dingtalk.DINGTALK_SEND, organisation=organisation, params={"message_id": message.pk}, requested_by=None
    )
    jobs.job_run(job.pk)
    assert len(robot.received) == 1


def test_nothing_is_recorded_or_sent_where_no_robot_is_configured(organisation, robot, push):
    assert push(organisation) is None
    assert DingTalkMessage.objects.count() == 0 and robot.received == []


def test_with_a_broker_the_retry_is_a_task_sent_with_the_pause_as_countdown(
    organisation, robot, dingtalk_configured, monkeypatch
):
    # The broker itself is not part of this test: its apply_async records what it was given.
    sent = []
    monkeypatch.setattr(jobs, "runs_inline", lambda: False)
    monkeypatch.setattr(jobs.run_job, "apply_async", lambda args, **kwargs: sent.append((args, kwargs)))
    robot.expect(500)
    message = dingtalk.dingtalk_push(organisation_id=organisation.pk, title="t", markdown_text="x")
    jobs.job_run(message.job_id)
    assert sent == [([message.job_id], {"countdown": dingtalk.RETRY_COUNTDOWNS[0]})]
    job = Job.objects.get(pk=message.job_id)
    assert job.state == Job.State.PENDING and job.enqueued_at is not None
    # Every pause is far below the broker's visibility timeout and below the sweeper's re-send.
    assert (
        max(dingtalk.RETRY_COUNTDOWNS) < jobs.MAX_RETRY_COUNTDOWN.total_seconds() < jobs.REQUEUE_AFTER.total_seconds()
    )


# --- HR sees the failures -----------------------------------------------------------------------


def test_hr_sees_a_failed_push_with_its_error_and_sends_it_again(
    organisation, robot, dingtalk_configured, push, hr, client_for, django_capture_on_commit_callbacks
):
    robot.expect("refuse")
    message = push(organisation)
    client = client_for(hr)
    html = client.get("/publicity/dingtalk/").content.decode()
    assert "发送失败" in html and "300001" in html
    weekly = client.get("/publicity/weekly/").content.decode()
    assert 'data-testid="dingtalk-failures"' in weekly and "300001" in weekly
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/publicity/dingtalk/{message.pk}/resend/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DingTalkMessage.State.SENT, 2)


def test_a_message_that_was_sent_is_not_sent_again_on_request(
    organisation, robot, dingtalk_configured, push, hr, client_for
):
    message = push(organisation)
    response = client_for(hr).post(f"/publicity/dingtalk/{message.pk}/resend/", follow=True)
    assert "只有发送失败的消息可以重新发送" in response.content.decode()
    assert len(robot.received) == 1


def test_staff_and_other_organisations_do_not_see_the_push_records(
    organisation, dingtalk_configured, robot, push, staff, outsider, client_for
):
    robot.expect("refuse")
    message = push(organisation)
    assert client_for(staff).get("/publicity/dingtalk/").status_code == 403
    other_hr = outsider
    from accounts.models import Role
    from tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=other_hr, role=Role.HR_ADMIN)
    client = client_for(other_hr)
    assert "300001" not in client.get("/publicity/dingtalk/").content.decode()
    assert client.post(f"/publicity/dingtalk/{message.pk}/resend/").status_code == 404


# --- the publication room's entry point ---------------------------------------------------------


def test_a_publication_event_is_pushed_with_its_window_and_once_per_key(
    organisation, robot, dingtalk_configured, django_capture_on_commit_callbacks, settings
):
    from datetime import date

    settings.SITE_URL = "https://kaohe.example.gov.cn"
    with django_capture_on_commit_callbacks(execute=True):
        message = dingtalk.dingtalk_publication_event(
            organisation_id=organisation.pk,
            kind=DingTalkKind.PUBLICATION_OPENED,
            subject="2026年第3季度平时考核结果",
            window_start=date(2026, 10, 9),
            window_end=date(2026, 10, 15),
            key="publication:1:opened",
            path="/publicity/1/",
        )
        again = dingtalk.dingtalk_publication_event(
            organisation_id=organisation.pk,
            kind=DingTalkKind.PUBLICATION_OPENED,
            subject="2026年第3季度平时考核结果",
            key="publication:1:opened",
        )
    assert again is None
    text = robot.received[0]["body"]["markdown"]["text"]
    assert "2026-10-09 至 2026-10-15" in text and "异议" in text
    assert "(https://kaohe.example.gov.cn/publicity/1/)" in text
    assert message.kind == DingTalkKind.PUBLICATION_OPENED
    with pytest.raises(ValueError):
        dingtalk.dingtalk_publication_event(organisation_id=organisation.pk, kind=DingTalkKind.OTHER, subject="x")


def test_a_webhook_outside_the_installations_robot_addresses_is_refused_and_never_posted_to(
    client_for, organisation, hr, robot, dingtalk_configured, push, settings
):
    """A security test saved this server's own /healthz (and a closed port) as the webhook: the server
    posted to it, and the messages page told HR what answered — a scan of the office's network. The
    address must be one of the installation's robot addresses, when saved and when sent."""
    from accounts import services as account_services

    page = client_for(hr).get(reverse("accounts:policy"))
    data = {**page.context["form"].initial, "dingtalk_webhook_url": "http://127.0.0.1:8000/healthz?x=1"}
    data = {key: value for key, value in data.items() if value is not None}
    response = client_for(hr).post(reverse("accounts:policy"), data)
    assert response.status_code == 200
    assert "Webhook地址须为钉钉群机器人的地址（以https://oapi.dingtalk.com/robot/send?" in response.content.decode()
    assert policy_for_organisation(organisation_id=organisation.pk).dingtalk_webhook_url == robot.url
    with pytest.raises(ValidationError):
        dingtalk_configured.dingtalk_webhook_url = "http://10.0.0.5/robot/send?access_token=x"
        account_services.policy_update(policy=dingtalk_configured)
    # An address stored before the rule (or a list narrowed since) is not posted to either.
    settings.DINGTALK_WEBHOOK_PREFIXES = ["https://oapi.dingtalk.com/robot/send?"]
    message = push(organisation)
    assert message.state == DingTalkMessage.State.FAILED and "须为钉钉群机器人的地址" in message.last_error
    assert robot.received == []
