"""The one-vote veto: raised by serious findings and sanctions, heaviest effect wins, reconciled."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts import jobs
from accounts.models import Job, Role
from accounts.tasks import run_job
from evaluations.discipline import selectors
from evaluations.discipline.services import veto
from evaluations.discipline.services.sanctions import sanction_save
from evaluations.discipline.tasks import reconcile_veto_flags
from evaluations.models import (
    Sanction,
    SanctionEffect,
    SanctionKind,
    Severity,
    VetoFlag,
)
from evaluations.year_rollup import ROLLUP_YEAR
from tests.evaluations.helpers import reconciliation_failing_for, record_inspection
from tests.factories import (
    DepartmentFactory,
    FindingFactory,
    InspectionFactory,
    SanctionFactory,
    SanctionRuleFactory,
    UserFactory,
    VetoFlagFactory,
)


def test_a_serious_finding_raises_a_flag_on_commit(organisation, inspector, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        finding = FindingFactory(inspection__inspector=inspector, person=staff)
        veto.finding_recorded(finding=finding)
    flag = VetoFlag.objects.get(person=staff)
    assert flag.year == 2026 and "严重问题" in flag.reason


@pytest.mark.parametrize("severity", [Severity.MINOR, Severity.MODERATE])
def test_lesser_findings_raise_no_flag(organisation, inspector, staff, severity, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        veto.finding_recorded(finding=FindingFactory(inspection__inspector=inspector, person=staff, severity=severity))
    assert not VetoFlag.objects.exists()


@pytest.mark.parametrize(
    "kind, effect, years",
    [
        (SanctionKind.WARNING, SanctionEffect.NO_EXCELLENT, [2026]),
        (SanctionKind.DEMERIT, SanctionEffect.NOT_GRADED, [2026]),
        (SanctionKind.DEMOTION, SanctionEffect.NOT_GRADED, [2026]),
        (SanctionKind.MAJOR_DEMERIT, SanctionEffect.NOT_GRADED_TWO_YEARS, [2026, 2027]),
        (SanctionKind.DEMOTION_IN_GRADE, SanctionEffect.NOT_GRADED_TWO_YEARS, [2026, 2027]),
        (SanctionKind.DISMISSAL_FROM_POST, SanctionEffect.NOT_GRADED_TWO_YEARS, [2026, 2027]),
        (SanctionKind.REMOVAL, SanctionEffect.NO_EXCELLENT, [2026]),
        (SanctionKind.ORGANISATIONAL, SanctionEffect.NO_EXCELLENT, [2026]),
    ],
)
def test_each_sanction_kind_flags_the_years_it_affects(organisation, staff, kind, effect, years):
    sanction = SanctionFactory(person=staff, kind=kind)
    veto.veto_flags_for_sanction(sanction_id=sanction.pk)
    assert sorted(VetoFlag.objects.filter(person=staff).values_list("year", flat=True)) == years
    assert selectors.sanction_effects(organisation=organisation, year=2026)[staff.pk].effect == effect


def test_an_investigation_affects_every_year_while_it_is_open_and_none_once_closed(organisation, staff, colleague):
    """立案审查: not graded until closed (DOMAIN.md §5). One still open holds every year since it
    began; one closed in April 2026 holds none, not even 2025, whose end found it open: that year
    is graded once the case is closed (补定等次; a review found a case closed on 10 January left the
    year before 不定等次 for good, refused to the committee and to HR's review alike)."""
    SanctionFactory(
        person=staff, kind=SanctionKind.INVESTIGATION, decided_on=date(2025, 10, 1), closed_on=date(2026, 4, 1)
    )
    SanctionFactory(person=colleague, kind=SanctionKind.INVESTIGATION, decided_on=date(2025, 6, 1))
    for year in (2025, 2026):
        effects = selectors.sanction_effects(organisation=organisation, year=year)
        assert staff.pk not in effects and effects[colleague.pk].effect == "until_closed"
    # Read for one person (the committee's page of one person): theirs only.
    assert set(selectors.sanction_effects(organisation=organisation, year=2025, person_id=colleague.pk)) == {
        colleague.pk
    }
    assert selectors.sanction_effects(organisation=organisation, year=2025, person_id=staff.pk) == {}


def test_an_investigation_closed_by_the_years_end_leaves_the_year_to_be_graded(organisation, staff):
    SanctionFactory(
        person=staff, kind=SanctionKind.INVESTIGATION, decided_on=date(2026, 3, 2), closed_on=date(2026, 12, 31)
    )
    assert staff.pk not in selectors.sanction_effects(organisation=organisation, year=2026)


def test_the_heaviest_effect_wins(organisation, staff):
    SanctionFactory(person=staff, kind=SanctionKind.WARNING, decided_on=date(2026, 2, 1))
    SanctionFactory(person=staff, kind=SanctionKind.MAJOR_DEMERIT, decided_on=date(2026, 6, 1))
    SanctionFactory(person=staff, kind=SanctionKind.DEMERIT, decided_on=date(2026, 9, 1))
    impact = selectors.sanction_effects(organisation=organisation, year=2026)[staff.pk]
    assert impact.effect == SanctionEffect.NOT_GRADED_TWO_YEARS
    assert "记大过" in impact.reason


def test_the_policy_table_overrides_a_default(organisation, staff):
    SanctionRuleFactory(organisation=organisation, kind=SanctionKind.WARNING, effect=SanctionEffect.NOT_GRADED)
    SanctionFactory(person=staff, kind=SanctionKind.WARNING)
    assert (
        selectors.sanction_effects(organisation=organisation, year=2026)[staff.pk].effect == SanctionEffect.NOT_GRADED
    )


def test_reconciliation_repairs_a_deliberately_corrupted_flag_set(organisation, inspector, staff, colleague):
    finding = FindingFactory(inspection__inspector=inspector, person=staff)
    veto.veto_flags_for_finding(finding_id=finding.pk)
    # Corrupt: delete the real flag and invent one with no cause.
    VetoFlag.objects.all().delete()
    minor = FindingFactory(inspection__inspector=inspector, person=colleague, severity=Severity.MINOR)
    VetoFlagFactory(person=colleague, finding=minor, reason="伪造")
    result = veto.veto_reconcile(organisation=organisation)
    assert (result.raised, result.removed) == (1, 1)
    assert list(VetoFlag.objects.values_list("person_id", flat=True)) == [staff.pk]
    assert veto.veto_reconcile(organisation=organisation).raised == 0


def test_reconciliation_keeps_a_lifted_flag_lifted(organisation, inspector, staff):
    flag = veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=staff).pk)
    veto.veto_lift(flag=flag, actor=inspector, reason="经复核，系误报")
    veto.veto_reconcile(organisation=organisation)
    assert VetoFlag.objects.get().lifted_at is not None
    assert selectors.active_veto_reasons(organisation=organisation, year=2026) == {}


def _moved(person, organisation):
    """``person`` moves to a department of ``organisation`` (their flags stay theirs)."""
    person.organisation = organisation
    person.department = DepartmentFactory(organisation=organisation, code="X009", name="调入科室")
    person.save()


def test_a_moved_persons_flags_stay_through_every_organisations_nightly_reconciliation(
    organisation, other_organisation, inspector, staff
):
    """A serious finding and a sanction of the former organisation still veto the person's year after
    the move: the nightly reconciliation of every organisation neither removes the flags (the new
    organisation has no finding or sanction behind them) nor raises them a second time (the former
    organisation no longer counts the person among its people), and it runs to the end."""
    SanctionRuleFactory(organisation=organisation, kind=SanctionKind.WARNING, effect=SanctionEffect.NO_EXCELLENT)
    finding = FindingFactory(inspection__inspector=inspector, person=staff)
    veto.veto_flags_for_finding(finding_id=finding.pk)
    sanction = SanctionFactory(person=staff, organisation=organisation, kind=SanctionKind.WARNING)
    veto.veto_flags_for_sanction(sanction_id=sanction.pk)
    flags = set(VetoFlag.objects.values_list("pk", "finding_id", "sanction_id"))
    assert len(flags) == 2
    _moved(staff, other_organisation)

    for _night in range(2):
        assert reconcile_veto_flags() == {"raised": 0, "removed": 0, "failed": []}
        assert set(VetoFlag.objects.values_list("pk", "finding_id", "sanction_id")) == flags
    assert len(selectors.active_veto_reasons(organisation=other_organisation, year=2026)[staff.pk]) == 2
    # Each organisation's own reconciliation (the veto page's 核对 button) leaves them too.
    for each in (other_organisation, organisation):
        assert (veto.veto_reconcile(organisation=each).raised, veto.veto_reconcile(organisation=each).removed) == (0, 0)
    assert set(VetoFlag.objects.values_list("pk", "finding_id", "sanction_id")) == flags


def test_one_organisations_failed_reconciliation_stops_no_other_and_is_shown(
    organisation, other_organisation, inspector, staff, outsider, monkeypatch
):
    """The nightly run reconciles each organisation as a job of its own: one that fails (a fault we
    cannot cause with real data, so it is injected) is left for the sweeper's retry with its error
    on its job row, and the organisations after it are still reconciled."""
    assert other_organisation.code < organisation.code  # the night takes the failing one first
    their_inspection = InspectionFactory(organisation=other_organisation, inspector__organisation=other_organisation)
    FindingFactory(inspection=their_inspection, person=outsider)
    FindingFactory(inspection__inspector=inspector, person=staff)
    reconciliation_failing_for(monkeypatch, other_organisation)
    assert reconcile_veto_flags() == {"raised": 1, "removed": 0, "failed": [other_organisation.pk]}
    assert list(VetoFlag.objects.values_list("person_id", flat=True)) == [staff.pk]
    failed = Job.objects.get(kind=veto.VETO_RECONCILE, organisation=other_organisation)
    assert failed.state == Job.State.PENDING and "disk full" in failed.error
    assert Job.objects.get(kind=veto.VETO_RECONCILE, organisation=organisation).state == Job.State.DONE


def test_a_moved_persons_flag_lifted_in_the_new_organisation_stays_lifted(
    organisation, other_organisation, inspector, staff
):
    flag = veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=staff).pk)
    _moved(staff, other_organisation)
    their_inspector = UserFactory(
        username="otherinspector", organisation=other_organisation, department=None, roles=[Role.INSPECTOR]
    )
    veto.veto_lift(flag=VetoFlag.objects.get(pk=flag.pk), actor=their_inspector, reason="经复核，系误报")
    assert reconcile_veto_flags() == {"raised": 0, "removed": 0, "failed": []}
    assert VetoFlag.objects.get().lifted_at is not None
    assert selectors.active_veto_reasons(organisation=other_organisation, year=2026) == {}


def test_a_moved_persons_flag_whose_finding_is_downgraded_is_removed_by_the_former_organisation(
    organisation, other_organisation, inspector, staff
):
    finding = FindingFactory(inspection__inspector=inspector, person=staff)
    veto.veto_flags_for_finding(finding_id=finding.pk)
    _moved(staff, other_organisation)
    finding.severity = Severity.MINOR
    finding.save()
    assert veto.veto_reconcile(organisation=other_organisation).removed == 0
    assert veto.veto_reconcile(organisation=organisation).removed == 1
    assert not VetoFlag.objects.exists()
    # The person's year is the new organisation's now: its suggestions are recomputed.
    recomputed = Job.objects.filter(kind=ROLLUP_YEAR, params={"year": 2026})
    assert set(recomputed.values_list("organisation_id", flat=True)) >= {other_organisation.pk}


def test_only_an_inspector_lifts_a_flag_and_only_with_a_reason(organisation, inspector, head, hr, staff):
    flag = veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=staff).pk)
    for actor in (head, hr):
        with pytest.raises(PermissionDenied):
            veto.veto_lift(flag=flag, actor=actor, reason="x")
    with pytest.raises(ValidationError):
        veto.veto_lift(flag=flag, actor=inspector, reason=" ")
    assert VetoFlag.objects.get().is_active


# --- Raised by a background job: nothing lost when the broker is down ---------------------------


@pytest.fixture
def broker_down(monkeypatch):
    """Every enqueue fails as it does when Redis refuses connections."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_job, "apply_async", refuse)


def _sweep_a_few_minutes_later():
    """The sweeper's run once the grace minute for an enqueue in progress has passed."""
    return jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=5), inline=True)


def test_a_serious_finding_saved_while_the_broker_is_down_raises_its_flag_when_swept(
    organisation, inspector, department, staff, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inspection = record_inspection(
            organisation,
            inspector,
            department,
            on=date(2026, 5, 12),
            findings=[{"person": staff, "severity": Severity.SERIOUS, "description": "上班时间饮酒"}],
        )
    job = Job.objects.get()
    assert (job.kind, job.state, job.enqueued_at) == (veto.VETO_FOR_FINDING, Job.State.PENDING, None)
    assert (job.params, job.requested_by) == ({"finding": inspection.findings.get().pk}, inspector)
    assert not VetoFlag.objects.exists()

    assert _sweep_a_few_minutes_later()["pending"] == 1
    job.refresh_from_db()
    assert (job.state, job.summary) == (Job.State.DONE, {"flags": 1})
    assert VetoFlag.objects.get(person=staff).finding == inspection.findings.get()
    # The raised flag asked for the year's suggestions; with the broker down that waits too.
    assert _sweep_a_few_minutes_later()["pending"] == 1
    assert Job.objects.get(kind="evaluations.rollup_year").state == Job.State.DONE
    assert _sweep_a_few_minutes_later()["pending"] == 0  # done once, not again


def test_a_sanction_saved_while_the_broker_is_down_raises_its_flags_when_swept(
    organisation, hr, staff, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sanction = sanction_save(
            sanction=Sanction(person=staff, kind=SanctionKind.MAJOR_DEMERIT, decided_on=date(2026, 3, 1)), actor=hr
        )
    job = Job.objects.get()
    assert (job.kind, job.state, job.params) == (veto.VETO_FOR_SANCTION, Job.State.PENDING, {"sanction": sanction.pk})
    assert not VetoFlag.objects.exists()
    _sweep_a_few_minutes_later()
    assert sorted(VetoFlag.objects.filter(sanction=sanction).values_list("year", flat=True)) == [2026, 2027]


def test_the_veto_job_is_followed_by_those_who_see_veto_flags_only(
    organisation, inspector, hr, staff, outsider, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        veto.finding_recorded(finding=FindingFactory(inspection__inspector=inspector, person=staff))
    job = Job.objects.get(kind=veto.VETO_FOR_FINDING)
    url = reverse("accounts:job_status", args=[job.pk])
    assert client_for(hr).get(url).json()["state"] == "done"
    assert client_for(staff).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


def test_a_veto_reconciliation_records_the_flags_it_raised(organisation, inspector, staff):
    from accounts.models import AuditEntry

    finding = FindingFactory(inspection__inspector=inspector, person=staff)
    veto.veto_flags_for_finding(finding_id=finding.pk)
    VetoFlag.objects.all().delete()  # lost: the reconciliation raises it again
    veto.veto_reconcile(organisation=organisation)
    entry = AuditEntry.objects.filter(event="job_run").get()
    assert entry.organisation == organisation and entry.changes_dict["raised"][1] == "1"
    assert f"{staff.pk}/" in entry.changes_dict["flags_raised"][1]
    veto.veto_reconcile(organisation=organisation)  # nothing changed: nothing to record
    assert AuditEntry.objects.filter(event="job_run").count() == 1
