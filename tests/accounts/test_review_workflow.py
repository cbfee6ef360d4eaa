"""The one review workflow, run for both kinds of handed-in document: a quarter's targets and a
month's summary. Each decision reaches the owner on the bell and by e-mail; each refusal
leaves the document as it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.audit import acting_as
from accounts.models import Notification
from accounts.workflow import HANDED_IN_STATUSES, ReviewStatus, StaleVersion, handed_in
from summaries import services as summary_services
from summaries.models import MonthlySummary
from summaries.review import ROSTER_NOT_SUBMITTED, roster
from targets import services as target_services
from tests.factories import TargetItemFactory
from tests.summaries.helpers import submit_written

CHINA = ZoneInfo("Asia/Shanghai")
OCTOBER = datetime(2026, 10, 20, 10, 0, tzinfo=CHINA)


@dataclass(frozen=True)
class Kind:
    """How each app names the same steps (the public services views and tests call)."""

    submit: Callable
    approve: Callable
    return_: Callable


def _submitted_targets(owner):
    target_set = target_services.target_set_start(owner=owner, year=2026, quarter=4)
    TargetItemFactory(target_set=target_set, sort_order=1, content="完成年度预算编制")
    return target_services.target_set_submit(target_set=target_set, actor=owner, version=target_set.version)


def _submitted_summary(owner):
    summary = summary_services.summary_get_or_create(owner=owner, year=2026, month=10, now=OCTOBER)
    return submit_written(summary=summary, actor=owner, now=OCTOBER)


KINDS = {
    "targets": Kind(
        submit=_submitted_targets,
        approve=lambda doc, actor, **kw: target_services.target_set_approve(target_set=doc, actor=actor, **kw),
        return_=lambda doc, actor, reason, **kw: target_services.target_set_return(
            target_set=doc, actor=actor, reason=reason, **kw
        ),
    ),
    "summaries": Kind(
        submit=_submitted_summary,
        approve=lambda doc, actor, **kw: summary_services.summary_approve(summary=doc, actor=actor, **kw),
        return_=lambda doc, actor, reason, **kw: summary_services.summary_return(
            summary=doc, actor=actor, reason=reason, **kw
        ),
    ),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request) -> Kind:
    return KINDS[request.param]


@pytest.fixture
def mail_on(mail_to, staff):
    mail_to(staff)


@pytest.fixture
def document(kind, staff):
    return kind.submit(staff)


def test_approval_notifies_the_owner_on_the_bell_and_by_email(
    kind, document, staff, head, mail_on, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approved = kind.approve(document, head)
    assert (approved.status, approved.reviewer) == (ReviewStatus.APPROVED, head)
    note = Notification.objects.get(recipient=staff)
    assert "已通过审核" in note.message
    assert note.url == document.get_absolute_url()
    assert [m.to for m in mailoutbox] == [["staff@example.gov.cn"]]
    assert note.message in mailoutbox[0].body


def test_a_return_notifies_the_owner_with_the_reason_on_the_bell_and_by_email(
    kind, document, staff, head, mail_on, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        returned = kind.return_(document, head, "  请补充完成时限  ")
    assert (returned.status, returned.return_reason) == (ReviewStatus.RETURNED, "请补充完成时限")
    note = Notification.objects.get(recipient=staff)
    assert "被退回" in note.message and "请补充完成时限" in note.message
    assert len(mailoutbox) == 1 and "请补充完成时限" in mailoutbox[0].body


def test_a_long_reason_is_trimmed_on_the_bell_but_kept_whole_on_the_document(kind, document, staff, head):
    reason = "请补充" * 200
    returned = kind.return_(document, head, reason)
    assert returned.return_reason == reason
    assert len(Notification.objects.get(recipient=staff).message) == 300


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_return_without_a_reason_is_refused(kind, document, staff, head, reason):
    with pytest.raises(ValidationError, match="退回原因"):
        kind.return_(document, head, reason)
    document.refresh_from_db()
    assert document.status == ReviewStatus.SUBMITTED
    assert not Notification.objects.filter(recipient=staff).exists()


@pytest.mark.parametrize("persona", ["staff", "colleague", "leader", "hr", "chief"])
def test_someone_other_than_the_owners_reviewer_is_refused(request, kind, document, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        kind.approve(document, actor)
    with pytest.raises(PermissionDenied):
        kind.return_(document, actor, "不行")
    document.refresh_from_db()
    assert (document.status, document.reviewer) == (ReviewStatus.SUBMITTED, None)


def test_a_decision_based_on_a_stale_version_is_refused(kind, document, head):
    stale = document.version - 1
    with pytest.raises(StaleVersion, match="可能在另一个窗口"):
        kind.approve(document, head, version=stale)
    with pytest.raises(StaleVersion):
        kind.return_(document, head, "请补充", version=stale)
    assert kind.approve(document, head, version=document.version).status == ReviewStatus.APPROVED


NOUNS = {"targets": "季度目标", "summaries": "月小结"}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_stale_page_is_told_who_changed_the_document_and_when_not_its_version_numbers(name, staff, head):
    """A user test: "当前为第5版，您的页面为第4版" meant nothing to the person reading it."""
    kind = KINDS[name]
    with acting_as(staff):
        document = kind.submit(staff)
    with pytest.raises(StaleVersion) as refused:
        kind.approve(document, head, version=document.version - 1)
    when = timezone.localtime(type(document).objects.get(pk=document.pk).updated_at).strftime("%m-%d %H:%M")
    # Handed in meanwhile: said so (a second tab was told 修改 of a set approved in the first).
    assert refused.value.messages == [
        f"这份{NOUNS[name]}已于{when}由科员甲提交审核（可能在另一个窗口）。请查看当前内容后再操作。"
    ]


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_second_tab_is_told_the_document_was_approved_in_the_first(name, staff, head):
    """A user test: tab A approved, tab B's 退回 was told the set had been 修改ed and that what was
    typed was kept — on a page with no form left to keep it in."""
    kind = KINDS[name]
    with acting_as(staff):
        document = kind.submit(staff)
    page_version = type(document).objects.get(pk=document.pk).version
    with acting_as(head):
        kind.approve(document, head, version=page_version)
    with pytest.raises(StaleVersion) as refused:
        kind.return_(document, head, "请补充", version=page_version)
    when = timezone.localtime(type(document).objects.get(pk=document.pk).updated_at).strftime("%m-%d %H:%M")
    assert refused.value.messages == [
        f"这份{NOUNS[name]}已于{when}由{head}审核通过（可能在另一个窗口）。请查看当前内容后再操作。"
    ]


def test_a_change_the_audit_trail_names_nobody_for_is_told_by_its_time(staff, head):
    document = KINDS["targets"].submit(staff)  # outside a request: a script
    with pytest.raises(StaleVersion) as refused:
        KINDS["targets"].approve(document, head, version=document.version - 1)
    assert refused.value.messages[0].startswith("这份季度目标已于")
    assert "被修改（可能在另一个窗口）" in refused.value.messages[0] and "版" not in refused.value.messages[0]


def test_a_document_is_decided_only_once(kind, document, head):
    kind.approve(document, head)
    # Said as what became of it (a user test's bulk approval from a stale page was told only 只有已提交…).
    with pytest.raises(ValidationError, match=f"由{head}审核通过（可能在另一个窗口）"):
        kind.return_(document, head, "再改改")


# --- Handed in ------------------------------------------------------------------------------


def test_a_returned_document_is_not_handed_in(staff, head):
    summary = summary_services.summary_return(summary=_submitted_summary(staff), actor=head, reason="请补充")
    assert summary.status not in HANDED_IN_STATUSES
    assert not MonthlySummary.objects.filter(handed_in(), pk=summary.pk).exists()
    summary = submit_written(summary=summary, actor=staff, now=OCTOBER)
    assert MonthlySummary.objects.filter(handed_in(), pk=summary.pk).exists()


def test_the_roster_counts_a_returned_summary_as_not_handed_in(staff, colleague, head):
    summary_services.summary_return(summary=_submitted_summary(staff), actor=head, reason="请补充")
    _submitted_summary(colleague)
    rows = {row.person: row for row in roster(viewer=head, year=2026, month=10)}
    assert (rows[staff].summary_label, rows[staff].summary_handed_in) == ("已退回", False)
    assert rows[colleague].summary_handed_in
    missing = {row.person for row in roster(viewer=head, year=2026, month=10, show=ROSTER_NOT_SUBMITTED)}
    assert staff in missing and colleague not in missing
    returned = {row.person for row in roster(viewer=head, year=2026, month=10, show="returned")}
    assert returned == {staff}


def test_the_roster_counts_a_returned_target_set_as_not_handed_in(staff, head):
    target_services.target_set_return(target_set=_submitted_targets(staff), actor=head, reason="请细化措施")
    row = next(row for row in roster(viewer=head, year=2026, month=10) if row.person == staff)
    assert (row.targets_label, row.targets_handed_in) == ("已退回", False)


def test_a_change_the_trail_has_no_entry_for_names_nobody_rather_than_an_earlier_author(staff, head):
    """A save that writes no entry of the document (a summary's notes alone) is not put to whoever
    changed it last before: only the trail's entry of this change names its author."""
    with acting_as(staff):
        document = KINDS["targets"].submit(staff)
    type(document).objects.filter(pk=document.pk).update(
        updated_at=timezone.now() + timedelta(minutes=10), version=document.version + 1
    )
    document.refresh_from_db()
    with pytest.raises(StaleVersion) as refused:
        KINDS["targets"].approve(document, head, version=document.version - 1)
    assert "被修改（可能在另一个窗口）" in refused.value.messages[0] and "科员甲" not in refused.value.messages[0]
