"""A 续签 extends the post agreement, and HR is reminded of agreements ending within the policy's
notice period or ended without renewal (DOMAIN.md §8): the home page's to-do and the posts list."""

from datetime import date

from django.urls import reverse

from accounts.models import AuditEntry
from appraisal_site.todos import todos_for
from evaluations.welfare import services
from tests.evaluations.test_welfare import _publish_and_close, _walk_to_decision
from tests.factories import WelfareAssessmentFactory, WelfarePostFactory


def _agreement_todo(hr, day):
    return next((t for t in todos_for(hr, today=day) if t.key == "welfare-agreements-ending"), None)


def test_a_final_renewal_extends_the_agreement_by_a_year_and_the_trail_says_so(today, hr, head, worker, organisation):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    _walk_to_decision(assessment, worker=worker, head=head, hr=hr, renew=True)
    post = worker.welfare_post
    post.refresh_from_db()
    assert post.agreement_end == date(2026, 12, 31)  # decided, not yet final: corrected until published
    _publish_and_close(hr, organisation)
    post.refresh_from_db()
    assert post.agreement_end == date(2027, 12, 31)
    entry = AuditEntry.objects.get(content_type__model="welfarepost", object_pk=str(post.pk), action=1)
    assert entry.changes_dict["agreement_end"] == ["2026-12-31", "2027-12-31"]
    assert "续签" in entry.reason
    # Renewed, it is no longer a to-do.
    assert _agreement_todo(hr, today) is None


def test_no_renewal_leaves_the_agreement_as_it_was(today, hr, head, worker, organisation):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    _walk_to_decision(assessment, worker=worker, head=head, hr=hr, renew=False)
    _publish_and_close(hr, organisation)
    worker.welfare_post.refresh_from_db()
    assert worker.welfare_post.agreement_end == date(2026, 12, 31)


def test_an_agreement_extended_by_hand_past_next_year_is_kept():
    assert services.renewed_agreement_end(end=date(2028, 6, 30), year=2026) == date(2028, 6, 30)
    # Extended by hand to the end of the next year already: not a second year on top.
    assert services.renewed_agreement_end(end=date(2027, 12, 31), year=2026) == date(2027, 12, 31)
    assert services.renewed_agreement_end(end=date(2028, 2, 29), year=2027) == date(2029, 2, 28)


def test_hr_is_reminded_of_an_agreement_ending_within_the_notice_period(today, client_for, hr, worker, department):
    WelfarePostFactory(person__department=department, person__full_name="远期者", agreement_end=date(2027, 6, 30))
    todo = _agreement_todo(hr, today)
    assert todo is not None and todo.count == 1 and todo.label == "公益性岗位上岗协议即将到期或已到期"
    page = client_for(hr).get(todo.url).content.decode()
    assert "保洁员甲" in page and "远期者" not in page and 'data-testid="agreement-ending"' in page
    everyone = client_for(hr).get(reverse("evaluations:welfare_posts")).content.decode()
    assert "远期者" in everyone and everyone.count('data-testid="agreement-ending"') == 1


def test_the_notice_period_is_the_policys(today, hr, worker, organisation):
    organisation.policy.welfare_agreement_notice_days = 20
    organisation.policy.save()
    assert _agreement_todo(hr, today) is None  # ends 2026-12-31, 30 days ahead
    assert _agreement_todo(hr, date(2026, 12, 11)).count == 1


def test_an_ended_agreement_not_renewed_is_flagged_until_its_no_renewal_is_carried_out(
    client_for, hr, head, worker, organisation, monkeypatch
):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2027, 1, 25))
    post = worker.welfare_post
    assessment = WelfareAssessmentFactory(post=post, year=2026, stage="final", grade="unqualified", renew=False)
    page = client_for(hr).get(reverse("evaluations:welfare_posts")).content.decode()
    assert 'data-testid="agreement-ended"' in page and "已到期，未续签" in page
    assert _agreement_todo(hr, date(2027, 1, 25)).count == 1
    consequence = assessment.consequences.create(organisation=organisation, kind="no_renewal", due_on=date(2027, 2, 1))
    services.welfare_consequence_complete(actor=hr, consequence=consequence, note="协议到期不再续签")
    assert _agreement_todo(hr, date(2027, 1, 25)) is None
    page = client_for(hr).get(reverse("evaluations:welfare_posts")).content.decode()
    assert 'data-testid="agreement-ended"' not in page
