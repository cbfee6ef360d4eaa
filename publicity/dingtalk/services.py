"""Pushing messages to the organisation's DingTalk work group (钉钉自定义机器人).

The flow, like every slow thing here (accounts.jobs): :func:`dingtalk_push` writes a
:class:`DingTalkMessage` and a pending job in the caller's transaction; after commit the job runs
:func:`run_dingtalk_send_job`, which signs and posts the message. A robot that answers 5xx, times
out or cannot be reached is tried again with a growing pause (:data:`RETRY_COUNTDOWNS`, minutes,
far below the broker's visibility timeout); a refusal (wrong signature, a keyword missing) fails at
once. Either way the outcome is on the message row, where HR reads it; the caller never waits for
DingTalk and never sees its errors.

Signing follows DingTalk's robot documentation (安全设置 → 加签): ``timestamp`` in milliseconds,
``string_to_sign = timestamp + "\\n" + secret``, HMAC-SHA256 keyed with the secret, base64, then
URL-encoded, appended as ``&timestamp=…&sign=…``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jobs
from accounts.encryption import DecryptionError
from accounts.models import Job, Notification
from accounts.selectors import hr_admin_roles, policy_for_organisation
from accounts.services import dingtalk_webhook_refusal, notify_many
from accounts.text import in_site_language
from accounts.textlimits import LONG

from .models import DingTalkKind, DingTalkMessage

logger = logging.getLogger(__name__)

DINGTALK_SEND = "publicity.dingtalk_send"
# Pause before the 2nd and the 3rd attempt (accounts.jobs.MAX_ATTEMPTS runs in all).
RETRY_COUNTDOWNS = (30, 120)


# --- Signing and sending -------------------------------------------------------------------


def dingtalk_sign(*, secret: str, timestamp_ms: int) -> str:
    """The ``sign`` parameter for ``timestamp_ms``, already URL-encoded (DingTalk's recipe)."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_signed_url(*, webhook_url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook with ``timestamp`` and ``sign`` appended (unchanged when there is no secret)."""
    if not secret:
        return webhook_url
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    joiner = "&" if urllib.parse.urlsplit(webhook_url).query else "?"
    return (
        f"{webhook_url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret=secret, timestamp_ms=timestamp_ms)}"
    )


@dataclass(frozen=True)
class SendOutcome:
    ok: bool
    # A passing failure (5xx, a timeout, no connection) is worth another try; a refusal is not.
    retry: bool
    error: str = ""


def _connection_words(reason) -> str:
    """Why the robot could not be reached, in the page's language where the kind is known (the
    operating system's words, "[Errno 111] Connection refused", read as English on a Chinese page);
    the system's own words otherwise."""
    if isinstance(reason, ConnectionRefusedError):
        return _("对方拒绝连接，请检查机器人地址或网络策略。")
    if isinstance(reason, socket.gaierror):
        return _("无法解析机器人地址的域名，请检查地址或本机的域名解析。")
    if isinstance(reason, ssl.SSLError):
        return _("安全连接（TLS）失败，请检查服务器证书设置。")
    if isinstance(reason, (ConnectionResetError, ConnectionAbortedError)):
        return _("连接被中断，稍后将重试。")
    return str(reason)


def _post(url: str, payload: dict) -> SendOutcome:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    timeout = float(getattr(settings, "DINGTALK_TIMEOUT_SECONDS", 5))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (HR's configured URL)
            answer = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        retry = exc.code >= 500 or exc.code == 429
        return SendOutcome(ok=False, retry=retry, error=_("钉钉服务器返回HTTP %(code)s。") % {"code": exc.code})
    except TimeoutError:
        return SendOutcome(ok=False, retry=True, error=_("连接钉钉超时（%(seconds)s秒）。") % {"seconds": timeout})
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            return SendOutcome(ok=False, retry=True, error=_("连接钉钉超时（%(seconds)s秒）。") % {"seconds": timeout})
        return SendOutcome(
            ok=False, retry=True, error=_("无法连接钉钉：%(reason)s") % {"reason": _connection_words(reason)}
        )
    try:
        data = json.loads(answer.decode("utf-8"))
    except (UnicodeError, ValueError):
        return SendOutcome(ok=False, retry=True, error=_("钉钉返回了无法识别的应答。"))
    if data.get("errcode") == 0:
        return SendOutcome(ok=True, retry=False)
    # errcode 310000 is a wrong signature or a keyword the robot's settings require: HR must fix it.
    return SendOutcome(
        ok=False,
        retry=False,
        error=_("钉钉拒绝了消息（错误码%(code)s：%(message)s）。")
        % {"code": data.get("errcode"), "message": str(data.get("errmsg", ""))[:200]},
    )


@jobs.kind(
    DINGTALK_SEND, gettext_lazy("钉钉消息推送"), "publicity.view_dingtalk_messages", "publicity:dingtalk_messages"
)
def run_dingtalk_send_job(job: Job, report: jobs.Report) -> dict:
    """The job runner: send one message. Safe to run twice: a sent message is not sent again."""
    message = DingTalkMessage.objects.get(pk=job.params["message_id"], organisation_id=job.organisation_id)
    if message.state == DingTalkMessage.State.SENT:
        return {"message_id": message.pk, "state": message.state}
    policy = policy_for_organisation(organisation_id=job.organisation_id)
    if not policy.dingtalk_webhook_url:
        _record(message, state=DingTalkMessage.State.FAILED, error=_("未设置钉钉机器人Webhook地址。"))
        raise jobs.JobError(_("未设置钉钉机器人Webhook地址。"))
    if refusal := dingtalk_webhook_refusal(policy.dingtalk_webhook_url):
        # Saved before the rule, or the installation's list changed since: never posted to.
        _record(message, state=DingTalkMessage.State.FAILED, error=refusal)
        raise jobs.JobError(refusal)
    try:
        secret = policy.dingtalk_secret()
    except DecryptionError:
        error = _("钉钉加签密钥无法解密（系统密钥已更换），请在考核政策中重新设置。")
        _record(message, state=DingTalkMessage.State.FAILED, error=error)
        raise jobs.JobError(error) from None
    DingTalkMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
    url = dingtalk_signed_url(webhook_url=policy.dingtalk_webhook_url, secret=secret)
    outcome = _post(url, {"msgtype": "markdown", "markdown": {"title": message.title, "text": message.text}})
    if outcome.ok:
        DingTalkMessage.objects.filter(pk=message.pk).update(
            state=DingTalkMessage.State.SENT, sent_at=timezone.now(), last_error=""
        )
        return {"message_id": message.pk, "state": DingTalkMessage.State.SENT}
    last_attempt = job.attempts >= jobs.MAX_ATTEMPTS
    if outcome.retry and not last_attempt:
        _record(message, state=DingTalkMessage.State.PENDING, error=outcome.error)
        raise jobs.JobRetry(outcome.error, countdown=RETRY_COUNTDOWNS[min(job.attempts, len(RETRY_COUNTDOWNS)) - 1])
    _record(message, state=DingTalkMessage.State.FAILED, error=outcome.error)
    raise jobs.JobError(outcome.error)


def _record(message: DingTalkMessage, *, state: str, error: str) -> None:
    changed = (
        DingTalkMessage.objects.filter(pk=message.pk)
        .exclude(state=DingTalkMessage.State.SENT)
        .update(state=state, last_error=error)
    )
    if changed and state == DingTalkMessage.State.FAILED:
        _tell_hr(message, error)


def _tell_hr(message: DingTalkMessage, error: str) -> None:
    """A push that has given up is put on HR's bell too: they keep the robot's settings."""
    hr = hr_admin_roles(message.organisation_id).values_list("user_id", flat=True)
    with in_site_language():
        text = _("钉钉消息“%(title)s”发送失败：%(error)s") % {"title": message.title, "error": error}
        url = reverse("publicity:dingtalk_messages")
        notify_many(
            [Notification(recipient_id=pk, message=text, url=url) for pk in hr],
            # Once per message and attempt count: a resend that fails again tells HR again.
            dedupe_key=f"dingtalk-failed:{message.pk}:{message.attempts}",
        )


# --- Pushing ----------------------------------------------------------------------------------


def dingtalk_configured(*, organisation_id: int) -> bool:
    return bool(policy_for_organisation(organisation_id=organisation_id).dingtalk_webhook_url)


@transaction.atomic
def dingtalk_push(
    *, organisation_id: int, title: str, markdown_text: str, kind: str = DingTalkKind.OTHER, key: str = ""
) -> DingTalkMessage | None:
    """Record a message for the organisation's work group and send it in the background after commit.

    Returns None when the organisation has no robot configured (DingTalk is optional), or when a
    message with the same ``key`` was already recorded (the same event pushed twice). Never raises
    because of DingTalk: sending happens after the caller's transaction, and its failures are
    recorded on the message (HR's list on /publicity/dingtalk/), not raised.
    """
    if not dingtalk_configured(organisation_id=organisation_id):
        return None
    if key and DingTalkMessage.objects.filter(organisation_id=organisation_id, key=key).exists():
        return None
    message = DingTalkMessage(
        organisation_id=organisation_id,
        kind=kind,
        key=key[:100],
        title=title[:200],
        text=markdown_text[:LONG],
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # a concurrent push of the same key won
        return None
    return _send_in_background(message)


def _send_in_background(message: DingTalkMessage) -> DingTalkMessage:
    job = jobs.job_request(
        kind=DINGTALK_SEND,
        organisation=message.organisation,
        params={"message_id": message.pk},
        requested_by=None,
    )
    DingTalkMessage.objects.filter(pk=message.pk).update(job=job)
    message.job = job
    return message


@transaction.atomic
def dingtalk_message_resend(*, actor, message: DingTalkMessage) -> DingTalkMessage:
    """HR sends a failed message again (after fixing the webhook or the secret): a new job, the
    attempts counted on. Refused for a message that was sent or is still being tried."""
    if not actor.has_perm("publicity.manage_dingtalk", message):
        raise PermissionDenied
    claimed = DingTalkMessage.objects.filter(pk=message.pk, state=DingTalkMessage.State.FAILED).update(
        state=DingTalkMessage.State.PENDING
    )
    if not claimed:
        raise ValidationError(_("只有发送失败的消息可以重新发送。"))
    message.refresh_from_db()
    return _send_in_background(message)


# --- What the other rooms push -----------------------------------------------------------------


def _link(path: str) -> str:
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if not (base and path):
        return ""
    label = _("在考核系统中查看")
    return f"\n\n[{label}]({base}{path})"


def dingtalk_publication_event(
    *,
    organisation_id: int,
    kind: str,
    subject: str,
    window_start: date | None = None,
    window_end: date | None = None,
    key: str = "",
    path: str = "",
) -> DingTalkMessage | None:
    """Post a publication's opening, closing or a reminder of its window to the work group.

    For the publication room, which calls it inside the service that changes the publication
    (``transaction.on_commit`` is not needed: the push itself sends after commit)::

        from publicity.dingtalk.models import DingTalkKind
        from publicity.dingtalk.services import dingtalk_publication_event

        dingtalk_publication_event(
            organisation_id=publication.organisation_id,
            kind=DingTalkKind.PUBLICATION_OPENED,  # or PUBLICATION_CLOSED / WINDOW_REMINDER
            subject=publication.title,             # "2026年第3季度平时考核结果"
            window_start=publication.starts_on, window_end=publication.ends_on,
            key=f"publication:{publication.pk}:opened",   # once per event
            path=publication.get_absolute_url(),
        )

    The names and grades are not sent: the message points to the board, where only the
    organisation's staff can read them.
    """
    window = ""
    if window_start and window_end:
        window = _("公示期：%(start)s 至 %(end)s。") % {
            "start": window_start.isoformat(),
            "end": window_end.isoformat(),
        }
    texts = {
        DingTalkKind.PUBLICATION_OPENED: _(
            "%(subject)s已在考核系统公示。%(window)s如有异议，请在公示期内通过系统提出。"
        ),
        DingTalkKind.PUBLICATION_CLOSED: _("%(subject)s公示期已结束。%(window)s"),
        DingTalkKind.WINDOW_REMINDER: _("%(subject)s正在公示，请留意公示截止时间。%(window)s"),
    }
    if kind not in texts:
        raise ValueError(f"not a publication event: {kind!r}")
    title = str(DingTalkKind(kind).label) + "：" + subject
    body = texts[kind] % {"subject": subject, "window": window}
    return dingtalk_push(
        organisation_id=organisation_id,
        title=title,
        markdown_text=f"### {title}\n\n{body}{_link(path)}",
        kind=kind,
        key=key,
    )


def weekly_digest_markdown(*, title: str, sections: list[tuple[str, str]], path: str = "") -> str:
    """The weekly progress digest as DingTalk markdown: a heading, then each department's text."""
    parts = [f"### {title}"]
    for department, text in sections:
        lines = "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())
        parts.append(f"**{department}**\n\n{lines}")
    return "\n\n".join(parts) + _link(path)
