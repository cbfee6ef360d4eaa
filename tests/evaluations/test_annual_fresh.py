"""The year's suggestions are never decided on stale: a quarter approved, a serious finding, a sanction
or a veto flag raised or lifted after the last computation makes the committee wait for the
recomputation (a job each of those asks for on commit) or press 重新计算."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import jobs
from accounts.models import Job, StaffStatus, StaffStatusKind
from accounts.services import staff_status_add
from evaluations.annual import services as annual
from evaluations.discipline.services import veto
from evaluations.discipline.services.sanctions import sanction_save
from evaluations.models import AnnualGrade, AnnualResult, AppraisalQuarter, SanctionKind
from tests.evaluations.test_annual import record, rollup
from tests.factories import FindingFactory, SanctionFactory
from tests.support.cards import card_labels

STALE = "重新计算"


@pytest.fixture
def computed(organisation, staff, department, head):
    record(staff, "较好/较好/较好/较好", score="85")
    rollup(organisation)
    return AnnualResult.objects.get(person=staff)


def later():
    return timezone.now() + timedelta(minutes=1)


def test_fresh_suggestions_can_be_decided(computed, chief):
    assert not annual.suggestions_freshness(organisation=computed.organisation, year=2026).stale
    annual.annual_decide(result=computed, actor=chief, grade=AnnualGrade.COMPETENT, reason="")
    computed.refresh_from_db()
    assert computed.decided_grade == AnnualGrade.COMPETENT


def test_it_refuses_a_decision_after_a_quarter_was_approved_since_the_computation(organisation, computed, chief):
    AppraisalQuarter.objects.filter(organisation=organisation, quarter=4).update(approved_at=later())
    with pytest.raises(ValidationError, match=STALE):
        annual.annual_decide(result=computed, actor=chief, grade=AnnualGrade.COMPETENT, reason="")
    with pytest.raises(ValidationError, match=STALE):
        annual.annual_adopt_suggestions(organisation=organisation, year=2026, actor=chief)
    assert not AnnualResult.objects.exclude(decided_grade="").exists()


def test_after_the_recomputation_the_decision_is_taken(organisation, computed, chief):
    AppraisalQuarter.objects.filter(organisation=organisation, quarter=4).update(approved_at=timezone.now())
    rollup(organisation)
    assert annual.annual_adopt_suggestions(organisation=organisation, year=2026, actor=chief) == 1


def test_it_refuses_a_decision_after_a_serious_finding_or_a_sanction(organisation, computed, chief, inspector, staff):
    FindingFactory(inspection__inspector=inspector, person=staff)
    with pytest.raises(ValidationError, match=STALE):
        annual.annual_decide(result=computed, actor=chief, grade=AnnualGrade.COMPETENT, reason="")
    rollup(organisation)
    SanctionFactory(person=staff, kind=SanctionKind.WARNING)
    with pytest.raises(ValidationError, match=STALE):
        annual.annual_decide(result=computed, actor=chief, grade=AnnualGrade.COMPETENT, reason="")


def test_lifting_a_flag_makes_the_suggestions_stale_and_asks_for_the_recomputation(
    organisation, computed, chief, inspector, staff, django_capture_on_commit_callbacks
):
    flag = veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=staff).pk)
    rollup(organisation)
    with django_capture_on_commit_callbacks(execute=False):
        veto.veto_lift(flag=flag, actor=inspector, reason="经复核，系误报")
    job = Job.objects.get(kind="evaluations.rollup_year")
    assert (job.params, job.requested_by) == ({"year": 2026}, inspector)
    with pytest.raises(ValidationError, match=STALE):
        annual.annual_decide(result=computed, actor=chief, grade=AnnualGrade.COMPETENT, reason="")


def test_a_new_sanction_recomputes_the_year_once_its_flags_are_raised(
    organisation, computed, hr, chief, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sanction_save(sanction=SanctionFactory.build(person=staff, kind=SanctionKind.WARNING), actor=hr)
    assert list(Job.objects.order_by("pk").values_list("kind", "state")) == [
        ("evaluations.veto_for_sanction", Job.State.DONE),
        ("evaluations.rollup_year", Job.State.DONE),
    ]
    assert not annual.suggestions_freshness(organisation=organisation, year=2026).stale
    computed.refresh_from_db()
    assert any("警告" in reason for reason in computed.suggestion_reasons)
    annual.annual_decide(result=computed, actor=chief, grade=AnnualGrade.COMPETENT, reason="")


def test_recording_an_investigation_on_the_person_recomputes_the_year_and_holds_decisions_till_then(
    organisation, computed, hr, chief, staff, django_capture_on_commit_callbacks
):
    """立案审查 recorded by HR as the person's special status changes the year's suggestion: the
    committee waits for the recomputation it asks for, which then suggests 不定等次."""
    status = StaffStatus(user=staff, kind=StaffStatusKind.UNDER_INVESTIGATION, start_date=date(2026, 12, 1))
    with django_capture_on_commit_callbacks(execute=False):
        staff_status_add(status=status)
    job = Job.objects.get(kind="evaluations.rollup_year")
    assert job.params == {"year": 2026}
    with pytest.raises(ValidationError, match=STALE):
        annual.annual_decide(result=computed, actor=chief, grade=AnnualGrade.COMPETENT, reason="")
    assert jobs.job_run(job.pk).state == Job.State.DONE
    computed.refresh_from_db()
    assert computed.suggested_grade == AnnualGrade.NOT_GRADED
    assert not annual.suggestions_freshness(organisation=organisation, year=2026).stale
    # Another kind of status (挂职) is not read by the year: nothing to recompute.
    with django_capture_on_commit_callbacks(execute=False):
        staff_status_add(status=StaffStatus(user=staff, kind=StaffStatusKind.SECONDED, start_date=date(2026, 5, 1)))
    assert Job.objects.filter(kind="evaluations.rollup_year").count() == 1


def test_an_older_recomputation_still_waiting_does_not_hide_a_newer_change(
    organisation, computed, chief, staff, django_capture_on_commit_callbacks
):
    """A user test: with a recomputation from before the last computation still queued (the broker
    slow or down), recording 立案审查 left the page calling the suggestions current."""
    old = jobs.job_request(
        kind="evaluations.rollup_year", organisation=organisation, params={"year": 2026}, requested_by=None
    )
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1), enqueued_at=timezone.now())
    rollup(organisation)
    assert not annual.suggestions_freshness(organisation=organisation, year=2026).stale
    with django_capture_on_commit_callbacks(execute=False):
        staff_status_add(
            status=StaffStatus(user=staff, kind=StaffStatusKind.UNDER_INVESTIGATION, start_date=date(2026, 11, 10))
        )
    assert Job.objects.filter(kind="evaluations.rollup_year", state=Job.State.PENDING).count() == 2
    assert annual.suggestions_freshness(organisation=organisation, year=2026).stale
    with pytest.raises(ValidationError, match="立案审查"):
        annual.annual_decide(result=computed, actor=chief, grade=AnnualGrade.COMPETENT, reason="")


def test_the_decide_page_says_the_suggestions_are_stale_and_offers_no_form(client_for, organisation, computed, chief):
    url = reverse("evaluations:annual_decide", args=[2026, computed.pk])
    assert 'data-testid="decide-submit"' in client_for(chief).get(url).content.decode()
    AppraisalQuarter.objects.filter(organisation=organisation, quarter=4).update(approved_at=later())
    html = client_for(chief).get(url).content.decode()
    assert 'data-testid="stale"' in html and 'data-testid="decide-submit"' not in html


def test_the_committee_page_shows_when_suggestions_were_computed_and_hides_decisions_while_stale(
    client_for, organisation, computed, chief
):
    html = client_for(chief).get(reverse("evaluations:annual", args=[2026])).content.decode()
    assert 'data-testid="computed-at"' in html and 'data-testid="stale"' not in html
    assert 'data-testid="decide"' in html
    AppraisalQuarter.objects.filter(organisation=organisation, quarter=4).update(approved_at=later())
    html = client_for(chief).get(reverse("evaluations:annual", args=[2026])).content.decode()
    assert 'data-testid="stale"' in html and 'data-testid="decide"' not in html
    response = client_for(chief).post(
        reverse("evaluations:annual_decide", args=[2026, computed.pk]), {"grade": AnnualGrade.COMPETENT, "reason": ""}
    )
    assert STALE in response.content.decode()
    computed.refresh_from_db()
    assert computed.decided_grade == ""


def test_each_cell_of_the_committee_list_carries_its_column_label_for_the_phone_cards(client_for, computed, chief):
    """On a phone each person's year is a labelled card (static/css/app.css .table-cards): nine
    columns squeezed into 390 px put one character of a department per line."""
    html = client_for(chief).get(reverse("evaluations:annual", args=[2026])).content.decode()
    labels = card_labels(html, r'<tr data-testid="annual-row"[^>]*>')
    assert labels == [
        *("科室", "姓名", "季度等次", "平均综合得分", "优秀排序"),
        *("建议等次", "建议理由", "确定等次", "操作"),
    ]


def test_closing_a_ballot_makes_the_suggestions_stale_until_recomputed(organisation, computed, chief, hr, staff, head):
    from evaluations.ballots import services as ballots

    ballot = ballots.ballot_open(
        actor=hr, organisation=organisation, title="2026年度民主测评", year=2026, subjects=[staff], raters=[head]
    )
    assert not annual.suggestions_freshness(organisation=organisation, year=2026).stale
    ballots.ballot_close(actor=hr, ballot=ballot)
    with pytest.raises(ValidationError, match="民主测评"):
        annual.annual_decide(result=computed, actor=chief, grade=AnnualGrade.COMPETENT, reason="")
    rollup(organisation)
    assert not annual.suggestions_freshness(organisation=organisation, year=2026).stale
