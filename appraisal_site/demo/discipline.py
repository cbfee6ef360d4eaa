"""Discipline inspections, the one-vote veto and the year-end for the demo organisation, after
:func:`appraisal_site.demo.appraisals.build_demo_appraisals`. DOMAIN.md §5 and §7.

- Every past month of the demo year has about two inspections by demo_inspector (varied kinds and
  departments, notes as inspectors write them); one month has one fewer than the policy asks, and
  the monthly check (:func:`~evaluations.discipline.services.inspections.discipline_check`) is run for each
  past month, so exactly that month shows a compliance alert.
- A few findings (一般/较重) and exactly one 严重 finding, about a person whose quarters would
  otherwise make them 优秀 (never demo_staff), whose veto flag is raised directly.
- One 警告 recorded by demo_hr for another person, with its veto flag.
- Decided annual results for the two previous years (优秀 within the quota, at least one person
  优秀 in both years and suggested 优秀 this year, one 基本称职 and one 不称职 in year − 1), so the
  result-use lists (三等功, 诫勉谈话, 不称职) have people in them.
- Finally the year's annual roll-up, so the year-end page shows suggestions with their reasons.

The inspections, findings and sanction are a handful of rows whatever the number of staff, the
people they concern are picked from a bounded sample, and the previous years' results are given to
at most :data:`HISTORY_PEOPLE` people (bulk inserts). Only the year's roll-up — the service HR's
“重新计算” runs — grows with the staff (about 20 s for ``--staff 100000``).
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from auditlog.context import disable_auditlog
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from accounts import periods
from accounts.models import Department, Organisation, StaffStatus, StaffStatusKind, User
from accounts.selectors import participants_of, policy_for_organisation
from evaluations.annual.models import AnnualGrade, AnnualResult
from evaluations.annual.services import GRADED, excellent_quota, rollup_year
from evaluations.discipline.models import (
    ComplianceAlert,
    Finding,
    Inspection,
    InspectionKind,
    Sanction,
    SanctionKind,
    Severity,
    VetoFlag,
)
from evaluations.discipline.services import veto
from evaluations.discipline.services.inspections import discipline_check
from evaluations.grading.models import Grade, QuarterGrade

from . import load
from .year import demo_as_of

BATCH = 5000
# People looked at when picking whom the findings and the sanction concern: bounded, so the
# demo's discipline part does not grow with --staff.
SAMPLE = 400
# People given previous years' results: like the full-detail people of demo.year, the first
# ones (by id) and whoever the result-use lists need, so this does not grow with --staff either.
HISTORY_PEOPLE = 2000
# Shares in the previous years (优秀 then fills the quota).
NOT_GRADED_SHARE, BASIC_SHARE, INCOMPETENT_SHARE = 0.005, 0.012, 0.002

_TEXT = load("discipline")
NOTES = {kind: tuple(texts) for kind, texts in _TEXT["notes"].items()}
NOTE_CLEAN = _TEXT["note_clean"]
NOTE_FOUND = _TEXT["note_found"]
# (description, evidence)
PERSON_FINDINGS = {severity: tuple(map(tuple, rows)) for severity, rows in _TEXT["person_findings"].items()}
DEPARTMENT_FINDINGS = {severity: tuple(map(tuple, rows)) for severity, rows in _TEXT["department_findings"].items()}
SERIOUS_FINDING = tuple(_TEXT["serious_finding"])
MINOR_FINDINGS = 5
SANCTION_NOTE = _TEXT["sanction_note"]
HISTORY_REASON = _TEXT["history_reason"]


@dataclass
class DemoDisciplineReport:
    year: int
    inspections: int = 0
    findings: int = 0
    short_months: list[int] = field(default_factory=list)
    veto_person: str = ""
    sanctioned_person: str = ""
    history: dict[int, dict[str, int]] = field(default_factory=dict)
    suggested_excellent: int = 0
    annual_people: int = 0

    def describe(self) -> str:
        alerts = "、".join(f"{m}月" for m in self.short_months) or "none"
        history = "; ".join(
            f"{year}: " + ", ".join(f"{str(AnnualGrade(g).label)} {n}" for g, n in counts.items())
            for year, counts in sorted(self.history.items())
        )
        return (
            f"Discipline: {self.inspections} inspections, {self.findings} findings, short months {alerts}; "
            f"veto on {self.veto_person or '—'} (严重), 警告 for {self.sanctioned_person or '—'}. "
            f"Annual results {history}; {self.year}: {self.annual_people} suggestions, "
            f"{self.suggested_excellent} 优秀."
        )


@dataclass
class _Record:
    """A person's quarters in the demo year, as the annual roll-up will read them."""

    person_id: int
    department_id: int
    employee_number: str
    graded: int
    good: int
    below: int
    score: float | None

    @property
    def eligible(self) -> bool:
        return self.graded > 0 and self.good * 2 > self.graded and self.below == 0

    @property
    def ranking_key(self) -> tuple:
        return (-self.good, -(self.score if self.score is not None else -1), self.employee_number, self.person_id)


class _DisciplineBuilder:
    def __init__(self, organisation: Organisation, *, year: int, seed: int, as_of: date):
        self.organisation = organisation
        self.year = year
        self.as_of = as_of
        self.rng = random.Random(seed + 5)
        self.tz = timezone.get_default_timezone()
        self.policy = policy_for_organisation(organisation_id=organisation.pk)
        in_year = as_of.year == year
        self.past_months = list(range(1, (as_of.month - 1 if in_year else 12) + 1))
        self.departments = list(
            Department.objects.filter(organisation=organisation, is_active=True).order_by("sort_order", "code")
        )
        accounts = {
            u.username: u
            for u in User.objects.filter(
                organisation=organisation, username__in=["demo_inspector", "demo_hr", "demo_chief"]
            )
        }
        self.inspector = accounts.get("demo_inspector")
        self.hr = accounts.get("demo_hr")
        self.chief = accounts.get("demo_chief")
        self.report = DemoDisciplineReport(year=year)

    # --- time -------------------------------------------------------------------------

    def _at(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour, self.rng.randint(0, 59)), tzinfo=self.tz)

    def _workdays(self, month: int) -> list[date]:
        last = calendar.monthrange(self.year, month)[1]
        days = [date(self.year, month, d) for d in range(1, last + 1)]
        return [d for d in days if d.weekday() < 5 and d < self.as_of]

    # --- whom it concerns ---------------------------------------------------------------

    def records(self) -> list[_Record]:
        """The quarters of a bounded sample of ordinary staff (no demo account, no special status)."""
        special = StaffStatus.objects.filter(user__organisation=self.organisation).values("user_id")
        sample = list(
            participants_of(organisation=self.organisation)
            .exclude(username__startswith="demo_")
            .exclude(pk__in=special)
            .order_by("pk")
            .values_list("pk", flat=True)[:SAMPLE]
        )
        rows = (
            QuarterGrade.objects.filter(
                appraisal_quarter__organisation=self.organisation,
                appraisal_quarter__year=self.year,
                person_id__in=sample,
            )
            .values("person_id", "person__department_id", "person__employee_number")
            .annotate(
                graded=Count("pk", filter=Q(grade__in=GRADED)),
                good=Count("pk", filter=Q(grade=Grade.GOOD)),
                below=Count("pk", filter=Q(grade__in=[Grade.AVERAGE, Grade.POOR])),
                score=Avg("composite_score", filter=Q(grade__in=GRADED)),
            )
            .order_by("person_id")
        )
        return [
            _Record(
                person_id=row["person_id"],
                department_id=row["person__department_id"],
                employee_number=row["person__employee_number"] or "",
                graded=row["graded"],
                good=row["good"],
                below=row["below"],
                score=float(row["score"]) if row["score"] is not None else None,
            )
            for row in rows
        ]

    def _staff_of(self, department_id: int, exclude: set[int]) -> int | None:
        people = [
            pk
            for pk in User.objects.filter(organisation=self.organisation, department_id=department_id, is_active=True)
            .exclude(username__startswith="demo_")
            .order_by("pk")
            .values_list("pk", flat=True)[:30]
            if pk not in exclude
        ]
        return self.rng.choice(people) if people else None

    # --- inspections ----------------------------------------------------------------------

    def inspections(self, *, serious_person: _Record | None, spared: set[int]) -> None:
        if self.inspector is None or not self.departments or not self.past_months:
            return
        rng, required = self.rng, self.policy.inspections_per_month
        short_month = rng.choice(self.past_months)
        busy_month = rng.choice([m for m in self.past_months if m != short_month] or [short_month])
        plan: list[date] = []
        for month in self.past_months:
            wanted = required - 1 if month == short_month else required + (month == busy_month != short_month)
            days = self._workdays(month)
            plan += sorted(rng.sample(days, min(max(wanted, 0), len(days))))
        if not plan:
            return
        kinds = list(InspectionKind.values)
        # The serious finding: in an inspection of a month that met the policy, when there is one.
        serious_at = rng.choice([i for i, day in enumerate(plan) if day.month != short_month] or list(range(len(plan))))
        finding_at = set(rng.sample(range(len(plan)), min(MINOR_FINDINGS, len(plan))))
        created: list[tuple[Inspection, date]] = []
        flagged: list[tuple[Finding, date]] = []
        for index, day in enumerate(plan):
            kind = kinds[index % len(kinds)] if index % 3 else rng.choice(kinds)
            departments = rng.sample(self.departments, min(rng.randint(1, 3), len(self.departments)))
            if index == serious_at and serious_person is not None:
                kind = InspectionKind.DISCIPLINE
                home = next(d for d in self.departments if d.pk == serious_person.department_id)
                departments = [home, *(d for d in departments if d.pk != home.pk)][:3]
            findings: list[Finding] = []
            if index in finding_at:
                severity = rng.choice([Severity.MINOR, Severity.MINOR, Severity.MODERATE])
                department = rng.choice(departments)
                person_id = self._staff_of(department.pk, spared) if rng.random() < 0.6 else None
                if person_id is not None:
                    text, evidence = rng.choice(PERSON_FINDINGS[severity])
                    findings.append(
                        Finding(person_id=person_id, severity=severity, description=text, evidence=evidence)
                    )
                else:
                    text, evidence = rng.choice(DEPARTMENT_FINDINGS[severity])
                    findings.append(
                        Finding(department=department, severity=severity, description=text, evidence=evidence)
                    )
            if index == serious_at and serious_person is not None:
                text, evidence = SERIOUS_FINDING
                findings.append(
                    Finding(
                        person_id=serious_person.person_id,
                        severity=Severity.SERIOUS,
                        description=text,
                        evidence=evidence,
                    )
                )
            names = "、".join(d.name for d in departments)
            note = rng.choice(NOTES[kind]).format(departments=names)
            note += NOTE_FOUND.format(count=len(findings)) if findings else NOTE_CLEAN
            inspection = Inspection.objects.create(
                organisation=self.organisation, date=day, kind=kind, note=note, inspector=self.inspector
            )
            inspection.departments.set(departments)
            for finding in findings:
                finding.inspection = inspection
            Finding.objects.bulk_create(findings)
            flagged += [(f, day) for f in findings if f.severity == Severity.SERIOUS]
            created.append((inspection, day))
            self.report.findings += len(findings)
        for inspection, day in created:
            Inspection.objects.filter(pk=inspection.pk).update(created_at=self._at(day, 17))
        for finding, day in flagged:
            flag = veto.veto_flags_for_finding(finding_id=finding.pk)
            VetoFlag.objects.filter(pk=flag.pk).update(raised_at=self._at(day, 18))
        self.report.inspections = len(created)

        # The monthly check, as the scheduled job would have run it on the 1st of each next month.
        for month in self.past_months:
            alert = discipline_check(organisation=self.organisation, year=self.year, month=month, today=self.as_of)
            if alert is not None:
                self.report.short_months.append(month)
                checked = date(self.year + (month == 12), month % 12 + 1, 1)
                ComplianceAlert.objects.filter(pk=alert.pk).update(raised_at=self._at(checked, 2))

    def sanction(self, person: _Record | None) -> None:
        if person is None or self.hr is None or not self.past_months:
            return
        month = self.rng.choice(self.past_months)
        day = self.rng.choice(self._workdays(month) or [date(self.year, month, 1)])
        sanction = Sanction.objects.create(
            organisation=self.organisation,
            person_id=person.person_id,
            kind=SanctionKind.WARNING,
            decided_on=day,
            note=SANCTION_NOTE,
            entered_by=self.hr,
        )
        Sanction.objects.filter(pk=sanction.pk).update(entered_at=self._at(day + timedelta(days=1), 10))
        for flag in veto.veto_flags_for_sanction(sanction_id=sanction.pk):
            VetoFlag.objects.filter(pk=flag.pk).update(raised_at=self._at(day + timedelta(days=1), 10))

    # --- the previous years -----------------------------------------------------------------

    def history(self, *, excellent: list[int], basic: int | None, incompetent: int | None) -> None:
        """Decided results of year − 2 and year − 1 for the people appraised then (this year's
        probationers had not joined yet): the first :data:`HISTORY_PEOPLE` and the named ones."""
        rng = self.rng
        newcomers = StaffStatus.objects.filter(
            user__organisation=self.organisation,
            kind=StaffStatusKind.PROBATION,
            start_date__gte=date(self.year, 1, 1),
        ).values("user_id")
        appraised = participants_of(organisation=self.organisation).exclude(pk__in=newcomers)
        forced_ids = set(excellent) | {basic, incompetent} - {None}
        people = list(appraised.order_by("pk").values_list("pk", "department_id")[:HISTORY_PEOPLE])
        listed = {pk for pk, _department in people}
        people += sorted(appraised.filter(pk__in=forced_ids - listed).values_list("pk", "department_id"))
        for year in (self.year - 2, self.year - 1):
            forced = dict.fromkeys(excellent, AnnualGrade.EXCELLENT)
            if incompetent is not None:
                forced[incompetent] = AnnualGrade.INCOMPETENT
            if basic is not None and year == self.year - 1:
                forced[basic] = AnnualGrade.BASICALLY_COMPETENT
            grades: dict[int, str] = {}
            open_places: list[int] = []
            for pk, _department in people:
                draw = rng.random()
                if pk in forced:
                    grades[pk] = forced[pk]
                elif draw < NOT_GRADED_SHARE:
                    grades[pk] = AnnualGrade.NOT_GRADED
                elif draw < NOT_GRADED_SHARE + BASIC_SHARE:
                    grades[pk] = AnnualGrade.BASICALLY_COMPETENT
                elif draw < NOT_GRADED_SHARE + BASIC_SHARE + INCOMPETENT_SHARE:
                    grades[pk] = AnnualGrade.INCOMPETENT
                else:
                    grades[pk] = AnnualGrade.COMPETENT
                    if pk not in forced_ids:
                        open_places.append(pk)
            graded = sum(1 for g in grades.values() if g != AnnualGrade.NOT_GRADED)
            quota = excellent_quota(graded_people=graded, policy=self.policy)
            # The forced 优秀 come first; the committee filled the rest of the quota.
            kept = excellent[:quota]
            for pk in excellent[quota:]:
                grades[pk] = AnnualGrade.COMPETENT
            for pk in rng.sample(open_places, min(max(quota - len(kept), 0), len(open_places))):
                grades[pk] = AnnualGrade.EXCELLENT
            ranks = {
                pk: rank
                for rank, pk in enumerate((pk for pk, _d in people if grades[pk] == AnnualGrade.EXCELLENT), start=1)
            }
            # Decided in the January after the year (never on or after the demo's "today").
            decided_at = self._at(min(date(year + 1, 1, 25), self.as_of - timedelta(days=1)), 16)
            computed_at = self._at(min(date(year + 1, 1, 18), self.as_of - timedelta(days=1)), 9)
            reasons = [HISTORY_REASON.format(year=year)]
            rows = (
                AnnualResult(
                    organisation=self.organisation,
                    person_id=pk,
                    department_id=department_id,
                    year=year,
                    eligible_excellent=grades[pk] == AnnualGrade.EXCELLENT,
                    rank=ranks.get(pk),
                    suggested_grade=grades[pk],
                    suggestion_reasons=reasons,
                    decided_grade=grades[pk],
                    decided_by=self.chief,
                    decided_at=decided_at,
                    computed_at=computed_at,
                )
                for pk, department_id in people
            )
            AnnualResult.objects.bulk_create(rows, batch_size=BATCH)
            counts: dict[str, int] = {}
            for grade in grades.values():
                counts[grade] = counts.get(grade, 0) + 1
            self.report.history[year] = {g: counts[g] for g in AnnualGrade.values if g in counts}


@transaction.atomic
def build_demo_discipline(
    organisation: Organisation, *, year: int, seed: int = 2026, today: date | None = None
) -> DemoDisciplineReport:
    """Inspections, the veto, a sanction, the previous years' results and the year's roll-up."""
    as_of = demo_as_of(year, today or periods.today())
    builder = _DisciplineBuilder(organisation, year=year, seed=seed, as_of=as_of)
    report = builder.report
    with disable_auditlog():
        records = builder.records()
        ranked = sorted((r for r in records if r.eligible), key=lambda r: r.ranking_key)
        ranked += sorted((r for r in records if not r.eligible), key=lambda r: r.ranking_key)
        # The best record of the sample gets the serious finding (the veto costs them 优秀), the
        # next one the 警告; the worst records are the weak performers of the previous years.
        serious = ranked[0] if ranked else None
        sanctioned = ranked[1] if len(ranked) > 1 else None
        vetoed = {r.person_id for r in (serious, sanctioned) if r is not None}
        builder.inspections(serious_person=serious, spared=vetoed)
        builder.sanction(sanctioned)

        stats = rollup_year(organisation=organisation, year=year)
        excellent = list(
            AnnualResult.objects.filter(organisation=organisation, year=year, suggested_grade=AnnualGrade.EXCELLENT)
            .exclude(person__username__startswith="demo_")
            .order_by("rank", "person_id")
            .values_list("person_id", flat=True)[:2]
        ) or [r.person_id for r in ranked[2:3]]
        weak = [
            r.person_id
            for r in sorted(records, key=lambda r: (-r.below, r.good, r.person_id))
            if r.person_id not in vetoed and r.person_id not in excellent
        ]
        builder.history(
            excellent=excellent,
            basic=weak[1] if len(weak) > 1 else None,
            incompetent=weak[0] if weak else None,
        )

    names = dict(
        User.objects.filter(pk__in=[r.person_id for r in (serious, sanctioned) if r is not None]).values_list(
            "pk", "full_name"
        )
    )
    report.veto_person = names.get(serious.person_id, "") if serious else ""
    report.sanctioned_person = names.get(sanctioned.person_id, "") if sanctioned else ""
    report.annual_people = stats.people
    report.suggested_excellent = stats.excellent_suggested
    return report
