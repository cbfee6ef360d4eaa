"""Inspections, the one-vote veto and the year-end for the demo organisation (DOMAIN.md §5, §7), after
:func:`appraisal_site.demo.appraisals.build_demo_appraisals`.

demo_inspector records about two inspections every past month (``inspection_record``), one month
one fewer, which the monthly check (``discipline_check``) flags; a few findings and one 严重 finding
about the person whose quarters rank best for 优秀, and a 警告 from demo_hr (``sanction_save``) for
the next one, their veto flags raised by ``veto_reconcile``. The previous two years' results, from
before the system (imported rows: no quarter to roll up), are adopted by demo_chief
(``annual_adopt_suggestions``) with the same two people 优秀 as this year and one 基本称职 and one
不称职, so the result-use lists have people; then the year's roll-up (``rollup_year``).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from accounts import periods
from accounts.audit import acting_as
from accounts.models import Department, Organisation, StaffStatus, StaffStatusKind, User
from accounts.selectors import policy_for_organisation
from evaluations.annual.counts import annual_counts_refresh
from evaluations.annual.locking import annual_results_lock
from evaluations.annual.models import AnnualGrade, AnnualResult, AnnualRollupRun
from evaluations.annual.services import annual_adopt_suggestions, excellent_quota, rollup_year
from evaluations.discipline.models import InspectionKind, Sanction, SanctionKind, Severity
from evaluations.discipline.services import inspections, sanctions, veto

from . import Report, Story, account, act, builder, load

# Cumulative shares in the previous years (优秀 then fills the quota).
_A = AnnualGrade
HISTORY_SHARES = ((_A.NOT_GRADED, 0.005), (_A.BASICALLY_COMPETENT, 0.017), (_A.INCOMPETENT, 0.019))
_TEXT = load("discipline")


def _workdays(story: Story, organisation: Organisation, months: list[int]) -> list[date]:
    """The calendar's working days of ``months``, before the demo's "today" and not after the real one
    (the services refuse the future)."""
    last = min(story.as_of - timedelta(days=1), periods.today())
    spans = ((periods.Month(story.year, m).first_day, min(periods.Month(story.year, m).last_day, last)) for m in months)
    return [d for first, end in spans for d in periods.working_days(first, end, organisation)]


def _inspections(organisation: Organisation, story: Story, serious: User | None, spared: set[int]) -> tuple[int, int]:
    """Record the year's inspections as demo_inspector; returns (inspections, findings)."""
    rng, months = story.rng, story.past_months
    inspector = account(organisation, "demo_inspector")
    departments = list(Department.objects.filter(organisation=organisation, is_active=True).order_by("pk"))
    required = policy_for_organisation(organisation_id=organisation.pk).inspections_per_month
    if not months or not departments:
        return 0, 0
    short = rng.choice(months)
    busy = rng.choice([m for m in months if m != short] or [short])
    plan: list[date] = []
    for month, days in ((m, _workdays(story, organisation, [m])) for m in months):
        wanted = required - 1 if month == short else required + (month == busy)
        plan += sorted(rng.sample(days, min(max(wanted, 0), len(days))))
    serious_at = rng.choice([i for i, day in enumerate(plan) if day.month != short] or [0])
    minor_at, kinds, found = set(rng.sample(range(len(plan)), min(5, len(plan)))), list(InspectionKind.values), 0
    record = partial(inspections.inspection_record, organisation=organisation, inspector=inspector)
    for index, day in enumerate(plan):
        kind = kinds[index % len(kinds)] if index % 3 else rng.choice(kinds)
        covered, findings = rng.sample(departments, min(rng.randint(1, 3), len(departments))), []
        if index in minor_at:
            severity, department = rng.choice([Severity.MINOR, Severity.MINOR, Severity.MODERATE]), rng.choice(covered)
            members = department.members.filter(is_active=True).exclude(username__startswith="demo_").order_by("pk")
            members = [u for u in members[:30] if u.pk not in spared]
            person = rng.choice(members or [None]) if rng.random() < 0.6 else None
            about = {"person": person} if person else {"department": department}
            wording = rng.choice(_TEXT["person_findings" if person else "department_findings"][severity])
            findings.append({**about, "severity": severity, **wording})
        if index == serious_at and serious is not None:
            kind, home = InspectionKind.DISCIPLINE, next(d for d in departments if d.pk == serious.department_id)
            # Not cut back to three: a minor finding of this inspection may concern the last one.
            covered = [home, *(d for d in covered if d.pk != home.pk)]
            findings.append({"person": serious, "severity": Severity.SERIOUS, **_TEXT["serious_finding"]})
        note = rng.choice(_TEXT["notes"][kind]).format(departments=_TEXT["separator"].join(d.name for d in covered))
        note += _TEXT["note_found"].format(count=len(findings)) if findings else _TEXT["note_clean"]
        with acting_as(inspector):
            record(date=day, kind=kind, departments=covered, note=note, findings=findings)
        found += len(findings)
    return len(plan), found


def _history(organisation: Organisation, story: Story, *, excellent: list[int], basic: int, incompetent: int) -> None:
    """Decided results of year − 2 and year − 1 for everyone appraised this year except this year's recruits."""
    rng, year, policy = story.rng, story.year, policy_for_organisation(organisation_id=organisation.pk)
    recruits = StaffStatus.objects.filter(kind=StaffStatusKind.PROBATION, start_date__gte=date(year, 1, 1))
    results = AnnualResult.objects.filter(organisation=organisation, year=year).order_by("person_id")
    people = list(results.exclude(person__in=recruits.values("user_id")).values_list("person_id", "department_id"))
    chief = account(organisation, "demo_chief")
    # Both years: this year's two 优秀 were 优秀 then too, the weakest 不称职; the next 基本称职 last year.
    both = {**dict.fromkeys(excellent, _A.EXCELLENT), incompetent: _A.INCOMPETENT}
    for past, forced in ((year - 2, both), (year - 1, {**both, basic: _A.BASICALLY_COMPETENT})):
        draws = [(pk, rng.random()) for pk, _department in people]
        grades = {pk: forced.get(pk) or next((g for g, s in HISTORY_SHARES if d < s), _A.COMPETENT) for pk, d in draws}
        graded = sum(1 for g in grades.values() if g != _A.NOT_GRADED)
        places = max(excellent_quota(graded_people=graded, policy=policy) - len(excellent), 0)
        open_places = [pk for pk, g in grades.items() if g == _A.COMPETENT and pk not in forced]
        grades.update(dict.fromkeys(rng.sample(open_places, min(places, len(open_places))), _A.EXCELLENT))
        reason, computed = _TEXT["history_reason"].format(year=past), story.at(date(past + 1, 1, 18), 9)
        shared = {"organisation": organisation, "year": past, "suggestion_reasons": [reason], "computed_at": computed}
        rows = (AnnualResult(person_id=pk, department_id=d, suggested_grade=grades[pk], **shared) for pk, d in people)
        AnnualResult.objects.bulk_create(rows)
        history = AnnualResult.objects.filter(organisation=organisation, year=past)
        history.filter(suggested_grade=_A.EXCELLENT).update(eligible_excellent=True)
        # Computed then, as a roll-up would have recorded it (the committee page's “计算于”).
        AnnualRollupRun.objects.create(organisation=organisation, year=past, computed_at=computed)
        annual_counts_refresh(organisation_id=organisation.pk, year=past)  # bulk_create sends no signals
        act(chief, annual_adopt_suggestions, organisation=organisation, year=past)
        # Decided by the committee in the January after that year (the service stamps the present);
        # final on paper before the system: locked as entered, so nothing offers them for publication.
        with acting_as(chief):
            annual_results_lock(result_ids=list(history.values_list("pk", flat=True)), source=reason)
        decided = story.at(date(past + 1, 1, 25), 16)
        history.update(decided_at=decided, locked_at=decided)


@builder(seed_offset=5)
def build_demo_discipline(organisation: Organisation, story: Story) -> Report:
    """Inspections, the veto, a sanction, the previous years' results and the year's roll-up."""
    report, year = Report(), story.year
    # The year's roll-up as it stands ranks who would be 优秀: the best two ordinary staff
    # (no demo account, no special status) are the ones the finding and the sanction concern.
    rollup_year(organisation=organisation, year=year)
    special = StaffStatus.objects.filter(user__organisation=organisation).values("user_id")
    results = AnnualResult.objects.filter(organisation=organisation, year=year).exclude(person__in=special)
    results = results.exclude(person__username__startswith="demo_")
    ranked = results.filter(eligible_excellent=True).select_related("person").order_by("rank", "person_id")
    ranked = [result.person for result in ranked[:2]]
    serious, sanctioned = (ranked + [None, None])[:2]
    spared = {person.pk for person in ranked}
    report.inspections, report.findings = _inspections(organisation, story, serious, spared)
    # The monthly check, as the scheduled job runs it once each month has ended.
    check = partial(inspections.discipline_check, organisation=organisation, year=year, today=story.as_of)
    report.short_months = [month for month in story.past_months if check(month=month)]
    days = _workdays(story, organisation, story.past_months)
    if sanctioned is not None and days:
        decided_on, note = story.rng.choice(days), _TEXT["sanction_note"]
        sanction = Sanction(person=sanctioned, kind=SanctionKind.WARNING, decided_on=decided_on, note=note)
        act(account(organisation, "demo_hr"), sanctions.sanction_save, sanction=sanction)
    # The tasks that raise the flags on commit would come too late for the roll-up inside this transaction.
    veto.veto_reconcile(organisation=organisation)
    stats = rollup_year(organisation=organisation, year=year)
    ids = results.values_list("person_id", flat=True)
    excellent = list(ids.filter(suggested_grade=AnnualGrade.EXCELLENT).order_by("rank", "person_id")[:2])
    weak = ids.order_by("-average_or_below_quarters", "good_quarters", "person_id")
    weak = [pk for pk in weak if pk not in spared and pk not in excellent]
    if len(weak) > 1:
        _history(organisation, story, excellent=excellent, basic=weak[1], incompetent=weak[0])
    report.veto_person = serious.full_name if serious else ""
    report.sanctioned_person = sanctioned.full_name if sanctioned else ""
    report.annual_people, report.suggested_excellent = stats.people, stats.excellent_suggested
    short = _TEXT["separator"].join(_TEXT["month"].format(month) for month in report.short_months) or "none"
    named = {"veto": report.veto_person or "—", "sanctioned": report.sanctioned_person or "—"}
    report.text = _TEXT["report"].format(**vars(report), **named, short=short, year=year)
    return report
