"""Discipline inspections, the one-vote veto and the year-end for the demo organisation, after
:func:`appraisal_site.demo.appraisals.build_demo_appraisals`. DOMAIN.md §5 and §7.

- demo_inspector records about two inspections in every past month (``inspection_record``); one
  month has one fewer than the policy asks, and the monthly check (``discipline_check``) run for
  each past month flags exactly that month.
- A few findings (一般/较重) and exactly one 严重 finding, about the person whose quarters rank best
  for 优秀 (never a demo account); demo_hr records a 警告 for the next one (``sanction_save``).
  Their veto flags are raised by ``veto_reconcile`` (the tasks that raise them on commit would
  come too late for the year's roll-up inside the demo's transaction).
- The previous two years' annual results, from before the system (imported rows: there is no
  quarter to roll up), adopted by demo_chief through ``annual_adopt_suggestions``: 优秀 within the
  quota (two people 优秀 in both years and again this year), one 基本称职 and one 不称职 twice, so
  the result-use lists (三等功, 诫勉谈话, 不称职) have people in them.
- Finally the year's roll-up (``rollup_year``), so the year-end page shows suggestions with reasons.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from accounts import periods
from accounts.audit import acting_as
from accounts.models import Department, Organisation, StaffStatus, StaffStatusKind, User
from accounts.selectors import policy_for_organisation
from evaluations.annual.models import AnnualGrade, AnnualResult
from evaluations.annual.services import annual_adopt_suggestions, excellent_quota, rollup_year
from evaluations.discipline.models import InspectionKind, Sanction, SanctionKind, Severity
from evaluations.discipline.services.inspections import discipline_check, inspection_record
from evaluations.discipline.services.sanctions import sanction_save
from evaluations.discipline.services.veto import veto_reconcile

from . import Story, demo_as_of, load
from .year import act

MINOR_FINDINGS = 5
# Shares in the previous years (优秀 then fills the quota).
NOT_GRADED_SHARE, BASIC_SHARE, INCOMPETENT_SHARE = 0.005, 0.017, 0.019
_TEXT = load("discipline")


@dataclass
class DemoDisciplineReport:
    year: int
    inspections: int = 0
    findings: int = 0
    short_months: list[int] = field(default_factory=list)
    veto_person: str = ""
    sanctioned_person: str = ""
    annual_people: int = 0
    suggested_excellent: int = 0

    def describe(self) -> str:
        alerts = "、".join(f"{m}月" for m in self.short_months) or "none"
        return (
            f"Discipline: {self.inspections} inspections, {self.findings} findings, short months {alerts}; "
            f"veto on {self.veto_person or '—'} (严重), 警告 for {self.sanctioned_person or '—'}; previous two "
            f"years' results decided; {self.year}: {self.annual_people} suggestions, {self.suggested_excellent} 优秀."
        )


class _DisciplineBuilder:
    def __init__(self, organisation: Organisation, story: Story):
        self.organisation, self.story, self.rng = organisation, story, story.rng
        self.policy = policy_for_organisation(organisation_id=organisation.pk)
        self.departments = list(Department.objects.filter(organisation=organisation, is_active=True).order_by("pk"))
        self.accounts = {
            u.username: u for u in User.objects.filter(organisation=organisation, username__startswith="demo_")
        }
        self.report = DemoDisciplineReport(year=story.year)

    def _workdays(self, month: int) -> list[date]:
        first = periods.Month(self.story.year, month)
        days = [first.first_day + timedelta(n) for n in range((first.last_day - first.first_day).days + 1)]
        # Never on or after the demo's "today", nor after the real one (the service refuses the future).
        return [d for d in days if d.weekday() < 5 and d < self.story.as_of and d <= periods.today()]

    def _someone_in(self, department: Department, spared: set[int]) -> User | None:
        people = [u for u in department.members.filter(is_active=True).order_by("pk")[:30] if u.pk not in spared]
        return self.rng.choice([u for u in people if not u.username.startswith("demo_")] or [None])

    def inspections(self, serious: User | None, spared: set[int]) -> None:
        rng, months = self.rng, self.story.past_months
        inspector, required = self.accounts["demo_inspector"], self.policy.inspections_per_month
        if not months or not self.departments:
            return
        short = rng.choice(months)
        busy = rng.choice([m for m in months if m != short] or [short])
        plan: list[date] = []
        for month in months:
            days = self._workdays(month)
            wanted = required - 1 if month == short else required + (month == busy != short)
            plan += sorted(rng.sample(days, min(max(wanted, 0), len(days))))
        kinds = list(InspectionKind.values)
        serious_at = rng.choice([i for i, day in enumerate(plan) if day.month != short] or [0])
        minor_at = set(rng.sample(range(len(plan)), min(MINOR_FINDINGS, len(plan))))
        for index, day in enumerate(plan):
            kind = kinds[index % len(kinds)] if index % 3 else rng.choice(kinds)
            departments = rng.sample(self.departments, min(rng.randint(1, 3), len(self.departments)))
            findings = []
            if index in minor_at:
                severity = rng.choice([Severity.MINOR, Severity.MINOR, Severity.MODERATE])
                department = rng.choice(departments)
                person = self._someone_in(department, spared) if rng.random() < 0.6 else None
                rows = _TEXT["person_findings" if person else "department_findings"][severity]
                text, evidence = rng.choice(rows)
                about = {"person": person} if person else {"department": department}
                findings.append({**about, "severity": severity, "description": text, "evidence": evidence})
            if index == serious_at and serious is not None:
                kind = InspectionKind.DISCIPLINE
                home = next(d for d in self.departments if d.pk == serious.department_id)
                departments = [home, *(d for d in departments if d.pk != home.pk)][:3]
                text, evidence = _TEXT["serious_finding"]
                findings.append(
                    {"person": serious, "severity": Severity.SERIOUS, "description": text, "evidence": evidence}
                )
            note = rng.choice(_TEXT["notes"][kind]).format(departments="、".join(d.name for d in departments))
            note += _TEXT["note_found"].format(count=len(findings)) if findings else _TEXT["note_clean"]
            with acting_as(inspector):
                inspection_record(
                    organisation=self.organisation,
                    inspector=inspector,
                    date=day,
                    kind=kind,
                    departments=departments,
                    note=note,
                    findings=findings,
                )
            self.report.findings += len(findings)
        self.report.inspections = len(plan)
        # The monthly check, as the scheduled job runs it once each month has ended.
        for month in months:
            if discipline_check(
                organisation=self.organisation, year=self.story.year, month=month, today=self.story.as_of
            ):
                self.report.short_months.append(month)

    def sanction(self, person: User | None) -> None:
        days = [d for m in self.story.past_months for d in self._workdays(m)]
        if person is None or not days:
            return
        sanction = Sanction(
            person=person, kind=SanctionKind.WARNING, decided_on=self.rng.choice(days), note=_TEXT["sanction_note"]
        )
        act(self.accounts["demo_hr"], sanction_save, sanction=sanction)

    def history(self, *, excellent: list[int], basic: int | None, incompetent: int | None) -> None:
        """Decided results of year − 2 and year − 1 for everyone appraised this year except this year's recruits."""
        rng, year = self.rng, self.story.year
        recruits = StaffStatus.objects.filter(
            user__organisation=self.organisation, kind=StaffStatusKind.PROBATION, start_date__gte=date(year, 1, 1)
        )
        people = list(
            AnnualResult.objects.filter(organisation=self.organisation, year=year)
            .exclude(person__in=recruits.values("user_id"))
            .order_by("person_id")
            .values_list("person_id", "department_id")
        )
        chief = self.accounts["demo_chief"]
        for past in (year - 2, year - 1):
            forced = dict.fromkeys(excellent, AnnualGrade.EXCELLENT)
            forced.update({incompetent: AnnualGrade.INCOMPETENT} if incompetent else {})
            forced.update({basic: AnnualGrade.BASICALLY_COMPETENT} if basic and past == year - 1 else {})
            grades: dict[int, str] = {}
            for pk, _department in people:
                draw = rng.random()
                grades[pk] = forced.get(pk) or next(
                    (
                        g
                        for g, limit in (
                            (AnnualGrade.NOT_GRADED, NOT_GRADED_SHARE),
                            (AnnualGrade.BASICALLY_COMPETENT, BASIC_SHARE),
                            (AnnualGrade.INCOMPETENT, INCOMPETENT_SHARE),
                        )
                        if draw < limit
                    ),
                    AnnualGrade.COMPETENT,
                )
            graded = sum(1 for g in grades.values() if g != AnnualGrade.NOT_GRADED)
            places = excellent_quota(graded_people=graded, policy=self.policy) - len(excellent)
            open_places = [pk for pk, g in grades.items() if g == AnnualGrade.COMPETENT and pk not in forced]
            grades.update(
                dict.fromkeys(rng.sample(open_places, min(max(places, 0), len(open_places))), AnnualGrade.EXCELLENT)
            )
            computed = self.story.at(date(past + 1, 1, 18), 9)
            AnnualResult.objects.bulk_create(
                AnnualResult(
                    organisation=self.organisation,
                    person_id=pk,
                    department_id=department_id,
                    year=past,
                    eligible_excellent=grades[pk] == AnnualGrade.EXCELLENT,
                    suggested_grade=grades[pk],
                    suggestion_reasons=[_TEXT["history_reason"].format(year=past)],
                    computed_at=computed,
                )
                for pk, department_id in people
            )
            act(chief, annual_adopt_suggestions, organisation=self.organisation, year=past)
            # Decided by the committee in the January after that year (the service stamps the present).
            AnnualResult.objects.filter(organisation=self.organisation, year=past).update(
                decided_at=self.story.at(date(past + 1, 1, 25), 16)
            )


@transaction.atomic
def build_demo_discipline(
    organisation: Organisation, *, year: int, seed: int = 2026, today: date | None = None
) -> DemoDisciplineReport:
    """Inspections, the veto, a sanction, the previous years' results and the year's roll-up."""
    story = Story(year, demo_as_of(year, today or periods.today()), random.Random(seed + 5))
    builder = _DisciplineBuilder(organisation, story)
    report = builder.report
    # The year's roll-up as it stands ranks who would be 优秀: the best two ordinary staff
    # (no demo account, no special status) are the ones the finding and the sanction concern.
    rollup_year(organisation=organisation, year=year)
    results = (
        AnnualResult.objects.filter(organisation=organisation, year=year)
        .exclude(person__username__startswith="demo_")
        .exclude(person__in=StaffStatus.objects.filter(user__organisation=organisation).values("user_id"))
    )
    ranked = list(results.filter(eligible_excellent=True).select_related("person").order_by("rank", "person_id")[:2])
    serious, sanctioned = (ranked + [None, None])[:2]
    spared = {r.person_id for r in ranked}
    builder.inspections(serious.person if serious else None, spared)
    builder.sanction(sanctioned.person if sanctioned else None)
    veto_reconcile(organisation=organisation)
    stats = rollup_year(organisation=organisation, year=year)
    excellent = list(
        results.filter(suggested_grade=AnnualGrade.EXCELLENT)
        .order_by("rank", "person_id")
        .values_list("person_id", flat=True)[:2]
    )
    weak = [
        pk
        for pk in results.order_by("-average_or_below_quarters", "good_quarters", "person_id").values_list(
            "person_id", flat=True
        )
        if pk not in spared and pk not in excellent
    ]
    builder.history(
        excellent=excellent, basic=weak[1] if len(weak) > 1 else None, incompetent=weak[0] if weak else None
    )
    report.veto_person = serious.person.full_name if serious else ""
    report.sanctioned_person = sanctioned.person.full_name if sanctioned else ""
    report.annual_people, report.suggested_excellent = stats.people, stats.excellent_suggested
    return report
