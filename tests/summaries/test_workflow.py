"""Submit, approve, return, resubmit — and every refusal."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from accounts.workflow import ReviewStatus
from summaries import services
from summaries.models import MonthlySummary
from tests.factories import UserFactory
from tests.support.forms import refused_return

from .helpers import CHINA, submit_written, text_of


def test_the_owner_submits_a_draft(summary, staff, october_now):
    done = submit_written(summary=summary, actor=staff, now=october_now)
    assert done.status == ReviewStatus.SUBMITTED
    assert done.submitted_at == october_now
    assert not done.is_late


def test_it_refuses_a_submission_by_someone_else(summary, colleague, head):
    with pytest.raises(PermissionDenied):
        submit_written(summary=summary, actor=colleague)
    with pytest.raises(PermissionDenied):
        submit_written(summary=summary, actor=head)


def test_it_refuses_to_submit_twice(submitted, staff):
    with pytest.raises(ValidationError):
        submit_written(summary=submitted, actor=staff)


def test_it_refuses_a_submission_when_nobody_reviews(summary, staff, department):
    department.head = None
    department.save()
    staff.refresh_from_db()
    with pytest.raises(ValidationError, match="审核人"):
        submit_written(summary=summary, actor=staff)


def test_the_head_approves_and_the_summary_becomes_read_only(submitted, head, staff):
    approved = services.summary_approve(summary=submitted, actor=head)
    assert approved.status == ReviewStatus.APPROVED
    assert approved.reviewer == head
    with pytest.raises(services.SummaryConflict):
        services.summary_autosave(
            summary=approved, actor=staff, based_on_version=approved.version, text=text_of(approved, problems="改")
        )
    approved.refresh_from_db()
    assert approved.problems == ""
    with pytest.raises(ValidationError):
        submit_written(summary=approved, actor=staff)


def test_the_head_returns_with_a_reason_and_the_owner_resubmits(submitted, head, staff):
    returned = services.summary_return(summary=submitted, actor=head, reason="请补充预算编制进度")
    assert returned.status == ReviewStatus.RETURNED
    assert returned.return_reason == "请补充预算编制进度"
    edited = services.summary_autosave(
        summary=returned, actor=staff, based_on_version=returned.version, text=text_of(returned, problems="已补充")
    )
    again = submit_written(summary=edited, actor=staff)
    assert again.status == ReviewStatus.SUBMITTED
    assert again.problems == "已补充"


def test_a_return_needs_a_reason(submitted, head):
    with pytest.raises(ValidationError, match="退回原因"):
        services.summary_return(summary=submitted, actor=head, reason="   ")
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.SUBMITTED


def test_only_submitted_summaries_are_reviewed(summary, head):
    with pytest.raises(ValidationError):
        services.summary_approve(summary=summary, actor=head)
    with pytest.raises(ValidationError):
        services.summary_return(summary=summary, actor=head, reason="x")


def test_an_approved_summary_cannot_be_returned(submitted, head):
    approved = services.summary_approve(summary=submitted, actor=head)
    with pytest.raises(ValidationError):
        services.summary_return(summary=approved, actor=head, reason="再改改")


@pytest.mark.parametrize("persona", ["staff", "colleague", "leader", "hr", "other_head"])
def test_only_the_owners_evaluator_reviews(request, submitted, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.summary_approve(summary=submitted, actor=actor)
    with pytest.raises(PermissionDenied):
        services.summary_return(summary=submitted, actor=actor, reason="不行")


def test_a_heads_summary_is_reviewed_by_the_supervising_leader(head, leader, october_now):
    own = services.summary_get_or_create(owner=head, year=2026, month=10, now=october_now)
    own = submit_written(summary=own, actor=head, now=october_now)
    with pytest.raises(PermissionDenied):
        services.summary_approve(summary=own, actor=head)
    assert services.summary_approve(summary=own, actor=leader).status == ReviewStatus.APPROVED


def test_a_returned_decision_is_audited_with_its_reason(submitted, head):
    from accounts.models import AuditEntry

    services.summary_return(summary=submitted, actor=head, reason="内容太简略")
    entry = AuditEntry.objects.filter(object_pk=str(submitted.pk), reason="内容太简略").first()
    assert entry is not None
    assert entry.organisation_id == submitted.organisation_id


# --- Lateness ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (datetime(2026, 11, 5, 23, 59, tzinfo=CHINA), False),
        (datetime(2026, 11, 6, 0, 1, tzinfo=CHINA), True),
        # 16:30 UTC on the 5th is already 00:30 on the 6th in Beijing.
        (datetime(2026, 11, 5, 16, 30, tzinfo=UTC), True),
        (datetime(2026, 11, 5, 15, 59, tzinfo=UTC), False),
    ],
)
def test_a_summary_submitted_after_day_five_of_the_next_month_is_late(summary, staff, moment, late):
    assert submit_written(summary=summary, actor=staff, now=moment).is_late is late


def test_lateness_follows_the_policy_deadline_day(summary, staff, organisation):
    organisation.policy.summary_deadline_day = 10
    organisation.policy.save()
    done = submit_written(summary=summary, actor=staff, now=datetime(2026, 11, 8, 9, tzinfo=CHINA))
    assert not done.is_late


def test_december_is_due_in_january_of_the_next_year(staff):
    december = services.summary_get_or_create(owner=staff, year=2025, month=12, now=datetime(2026, 1, 2, tzinfo=CHINA))
    on_time = submit_written(summary=december, actor=staff, now=datetime(2026, 1, 5, 12, tzinfo=CHINA))
    assert not on_time.is_late


def test_a_late_summary_is_still_accepted_and_a_resubmission_keeps_the_first_verdict(summary, staff, head):
    late = submit_written(summary=summary, actor=staff, now=datetime(2026, 12, 20, tzinfo=CHINA))
    assert late.status == ReviewStatus.SUBMITTED and late.is_late
    returned = services.summary_return(summary=late, actor=head, reason="补充")
    again = submit_written(summary=returned, actor=staff, now=datetime(2026, 12, 21, tzinfo=CHINA))
    assert again.is_late


def test_on_time_then_returned_then_resubmitted_after_the_deadline_stays_on_time(submitted, staff, head):
    returned = services.summary_return(summary=submitted, actor=head, reason="补充")
    again = submit_written(summary=returned, actor=staff, now=datetime(2026, 11, 20, tzinfo=CHINA))
    assert not again.is_late


def test_lateness_is_recorded_through_the_page_using_the_clock(client_for, summary, staff, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 11, 6, 9, tzinfo=CHINA))
    from .helpers import form_data

    response = client_for(staff).post(
        reverse("summaries:detail", args=[summary.pk]),
        {**form_data(summary, other_work="十月工作"), "action": "submit"},
    )
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.status == ReviewStatus.SUBMITTED and summary.is_late


# --- Creating ------------------------------------------------------------------------


def test_one_summary_per_person_per_month(staff, october_now):
    first = services.summary_get_or_create(owner=staff, year=2026, month=10, now=october_now)
    second = services.summary_get_or_create(owner=staff, year=2026, month=10, now=october_now)
    assert first.pk == second.pk
    assert MonthlySummary.objects.filter(owner=staff).count() == 1


def test_it_refuses_a_summary_for_a_future_month(staff, october_now):
    with pytest.raises(ValidationError):
        services.summary_get_or_create(owner=staff, year=2026, month=11, now=october_now)


@pytest.mark.parametrize("persona", ["sysadmin", "auditor", "hr"])
def test_people_outside_a_department_or_separated_roles_write_no_summary(request, persona, october_now):
    with pytest.raises(PermissionDenied):
        services.summary_get_or_create(owner=request.getfixturevalue(persona), year=2026, month=10, now=october_now)


def test_the_list_page_starts_this_months_summary(client_for, staff, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 10, 20, 9, tzinfo=CHINA))
    client = client_for(staff)
    response = client.post(reverse("summaries:start"))
    created = MonthlySummary.objects.get(owner=staff)
    assert (created.year, created.month) == (2026, 10)
    assert response["Location"] == reverse("summaries:detail", args=[created.pk])
    client.post(reverse("summaries:start"))
    assert MonthlySummary.objects.filter(owner=staff).count() == 1


def test_the_reviewer_approves_and_returns_from_the_page(client_for, submitted, head):
    client = client_for(head)
    url = reverse("summaries:review", args=[submitted.pk])
    # Refused on the page, under the reason's box and tied to it, as a target set's return is.
    page = refused_return(client, url)
    assert 'aria-invalid="true" aria-describedby="id_reason_error" id="id_reason"' in page
    assert '<div id="id_reason_error" class="invalid-feedback">' in page and "退回时请填写退回原因。" in page
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.SUBMITTED
    client.post(url, {"action": "approve"})
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.APPROVED


def test_a_return_refused_because_the_summary_was_approved_meanwhile_gives_the_reason_back(client_for, submitted, head):
    """A second tab's 退回 after the first tab's 审核通过: refused, and the typed reason said back."""
    client = client_for(head)
    url = reverse("summaries:review", args=[submitted.pk])
    client.post(url, {"action": "approve"})
    response = client.post(url, {"action": "return", "reason": "请补充数据"}, follow=True)
    said = [str(message) for message in response.context["messages"]]
    assert "您填写的退回原因未保存：请补充数据" in said, said
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.APPROVED


def test_a_reason_typed_on_several_lines_is_stored_as_typed_once(client_for, submitted, head):
    url = reverse("summaries:review", args=[submitted.pk])
    response = client_for(head).post(url, {"action": "return", "reason": "第一条\r\n第二条"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.RETURNED and submitted.return_reason == "第一条\n第二条"


def test_the_head_of_another_department_cannot_review(client_for, submitted, other_head):
    response = client_for(other_head).post(reverse("summaries:review", args=[submitted.pk]), {"action": "approve"})
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.SUBMITTED


def test_holding_the_head_role_without_heading_the_department_reviews_nothing(department, staff, head):
    # A second person with the department-head role but not the department's head reviews nothing.
    pretender = UserFactory(department=department, roles=[Role.STAFF, Role.DEPARTMENT_HEAD])
    own = services.summary_get_or_create(owner=staff, year=2026, month=10, now=datetime(2026, 10, 2, tzinfo=CHINA))
    own = submit_written(summary=own, actor=staff)
    with pytest.raises(PermissionDenied):
        services.summary_approve(summary=own, actor=pretender)


def test_a_resubmitted_summary_shows_why_and_by_whom_it_was_returned(client_for, submitted, head, staff):
    """The head opening the resubmitted summary reads the earlier return and its reason; so does
    the owner, and the audit trail is the record (no second history to drift)."""
    from accounts.audit import acting_as

    decided = datetime(2026, 11, 3, 2, 30, tzinfo=UTC)  # 10:30 in China
    with acting_as(head):
        returned = services.summary_return(summary=submitted, actor=head, reason="请补充预算编制进度", now=decided)
    edited = services.summary_autosave(
        summary=returned, actor=staff, based_on_version=returned.version, text=text_of(returned, problems="已补充")
    )
    with acting_as(staff):
        submit_written(summary=edited, actor=staff)
    for reader in (head, staff):
        body = client_for(reader).get(reverse("summaries:detail", args=[submitted.pk])).content.decode()
        history = body.split('data-testid="review-history"', 1)[1].split("</ol>", 1)[0]
        assert history.count("<li") == 3  # handed in, returned, handed in again
        assert "请补充预算编制进度" in history and head.get_full_name() in history
        assert history.index("已退回") < history.rindex("已提交")
        assert "2026-11-03 10:30" in history  # when the head returned it, as the document records it


def test_the_return_reason_is_marked_required_as_on_the_targets_page(client_for, submitted, head):
    body = client_for(head).get(reverse("summaries:detail", args=[submitted.pk])).content.decode()
    assert '退回原因<span class="asteriskField">*</span>' in body


# --- Handing in before the month is over --------------------------------------------------


@pytest.mark.parametrize(
    ("today", "asks"), [(date(2026, 10, 12), True), (date(2026, 10, 31), True), (date(2026, 11, 1), False)]
)
def test_handing_in_before_the_month_is_over_asks_first(client_for, summary, staff, settings, today, asks):
    """A user test: October's summary was handed in on the 12th without a word, and the head had to
    return it. The 提交 button asks while the month lasts; 保存 never does."""
    settings.APPRAISAL_TODAY = today
    page = client_for(staff).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    question = 'data-confirm="10月尚未结束，月小结通常在月末后提交。确定现在提交？"'
    assert (question in page) is asks
    assert page.count("data-confirm=") == (1 if asks else 0)


def test_a_summary_handed_in_before_the_month_is_over_is_still_accepted(client_for, summary, staff, settings):
    settings.APPRAISAL_TODAY = date(2026, 10, 12)
    from .helpers import form_data

    response = client_for(staff).post(
        reverse("summaries:detail", args=[summary.pk]),
        {**form_data(summary, other_work="十月上旬工作"), "action": "submit"},
    )
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.status == ReviewStatus.SUBMITTED
