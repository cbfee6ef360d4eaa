"""The figures of the oversight page: one set-based query per measure over all the organisations
asked for, so the number of queries does not grow with organisations or staff."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Min, QuerySet, Sum
from django.db.models.functions import ExtractMonth

from accounts import periods
from accounts.models import Organisation, Policy, User
from evaluations.annual.models import AnnualGrade, AnnualResult
from evaluations.annual.selectors import graded_and_excellent
from evaluations.annual.services import year_quota_percents
from evaluations.discipline.models import Inspection
from evaluations.grading.models import AppraisalQuarter, Grade, QuarterGrade, QuarterResult, QuarterState
from evaluations.grading.services.quota import QuotaRules, good_quota, pool_kind, year_quota_rules
from publicity.publication.models import Objection, Publication

# The quarter grades the page counts, in the order of its columns ("" is a grade not yet given).
DISTRIBUTION = (Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.POOR, Grade.UNCERTAIN, "")


def overseen_organisations(*, bureau_user: User) -> QuerySet[Organisation]:
    """The organisations the user's bureau oversees; nobody else's."""
    return Organisation.objects.filter(supervised_by_id=bureau_user.organisation_id, is_active=True).order_by(
        "code", "pk"
    )


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(part * 100) / whole).quantize(Decimal("0.1")) if whole else None


@dataclass
class Figures:
    """One organisation's year, in counts and rates."""

    organisation: Organisation
    # False for a year before the organisation appraised its quarters here (its annual results
    # brought in from before): the quarterly columns are not 0 then but not in the system.
    quarterly: bool = True
    participants: int = 0
    grades: Counter = field(default_factory=Counter)
    # The quarters whose grades are counted while the organisation is still grading them: not
    # approved by its agency head yet, so they may still change (谁管理谁认定).
    open_quarters: list[int] = field(default_factory=list)
    # The year's 好 places: the sum of each quarter's, as the quota is enforced.
    good_quota: int = 0
    summaries_on_time: int = 0
    summaries_due: int = 0
    months_due: int = 0
    months_compliant: int = 0
    publications: int = 0
    objections: int = 0
    annual_graded: int = 0
    # Of the year's graded results, those the committee has decided (the others count by their suggestion).
    annual_decided: int = 0
    excellent: int = 0
    excellent_quota: int = 0

    @property
    def grade_counts(self) -> list[int]:
        return [self.grades[g] for g in DISTRIBUTION]

    @property
    def over_good_quota(self) -> bool:
        return self.grades[Grade.GOOD] > self.good_quota

    @property
    def on_time_rate(self) -> Decimal | None:
        return _percent(self.summaries_on_time, self.summaries_due)

    @property
    def compliance_rate(self) -> Decimal | None:
        return _percent(self.months_compliant, self.months_due)

    @property
    def excellent_share(self) -> Decimal | None:
        return _percent(self.excellent, self.annual_graded)


def months_due(*, year: int, today: date, since: date | None = None) -> list[int]:
    """The months of ``year`` whose inspections are due: those ended before ``today``, from the
    month the organisation began in the system (``since``; an organisation that joined in the
    summer is not behind for January, and owes nothing for a year before it joined)."""
    first = 1
    if since is not None:
        if since.year > year:
            return []
        if since.year == year:
            first = since.month
    if year > today.year:
        return []
    last = 12 if year < today.year else today.month - 1
    return list(range(first, last + 1))


def _in_system_since(organisation: Organisation, first_quarter: tuple[int, int] | None) -> date:
    """When the organisation began in the system: its creation, or the first quarter it appraised
    if that is earlier (a year brought in from before, or the demo built in one go)."""
    created = periods.today(organisation.created_at) if organisation.created_at else date.max
    if first_quarter is None:
        return created
    return min(created, periods.Quarter(*first_quarter).first_day)


def _counts(queryset: QuerySet, key: str, count: Count | None = None) -> dict[int, int]:
    """How many rows of ``queryset`` (or what ``count`` counts) each value of ``key`` has, in one grouped query."""
    return dict(queryset.values_list(key).annotate(n=count or Count("pk")).values_list(key, "n"))


def organisation_figures(*, organisations: list[Organisation], year: int, today: date) -> list[Figures]:
    """The figures of ``organisations`` for ``year``, in their order (a fixed number of queries)."""
    figures = {o.pk: Figures(organisation=o) for o in organisations}
    ids = list(figures)
    if not ids:
        return []
    policies = {p.organisation_id: p for p in Policy.objects.filter(organisation_id__in=ids)}

    grades = QuarterGrade.objects.filter(appraisal_quarter__organisation_id__in=ids, appraisal_quarter__year=year)
    for org_id, n in _counts(grades, "appraisal_quarter__organisation_id", Count("person_id", distinct=True)).items():
        figures[org_id].participants = n
    # The 好 places are counted as the grading service enforces them (DOMAIN.md §4): per
    # organisation, quarter and pool (one pool, or leaders and the others when the policy separates
    # them), each rounded down, participants being everyone but 不确定等次; the year's places are the
    # sum over its quarters. Rounding per department instead gives fewer places than the quota
    # allowed, and an organisation then looked over its quota when it was not.
    per_pool: dict[tuple[int, int, str], int] = defaultdict(int)
    # Each quarter with the share and pools it was approved under (today's policy for one still open).
    stored = year_quota_rules(organisation_ids=ids, year=year)
    quarter_fields = ("appraisal_quarter__organisation_id", "appraisal_quarter__quarter", "appraisal_quarter__state")
    for org_id, quarter, state, is_leader_position, grade, n in (
        grades.values_list(*quarter_fields, "is_leader_position", "grade")
        .annotate(n=Count("pk"))
        .values_list(*quarter_fields, "is_leader_position", "grade", "n")
    ):
        figures[org_id].grades[grade or ""] += n
        if state != QuarterState.APPROVED and quarter not in figures[org_id].open_quarters:
            figures[org_id].open_quarters.append(quarter)
        policy = policies.get(org_id)
        if policy is not None and grade != Grade.UNCERTAIN:
            rules = stored.get((org_id, quarter)) or QuotaRules.of_policy(policy)
            per_pool[(org_id, quarter, pool_kind(is_leader_position=is_leader_position, policy=rules))] += n
    for (org_id, quarter, _pool), participants in per_pool.items():
        rules = stored.get((org_id, quarter)) or QuotaRules.of_policy(policies[org_id])
        figures[org_id].good_quota += good_quota(participants=participants, percent=rules.good_quota_percent)

    for org_id, on_time, late, missing in (
        QuarterResult.objects.filter(appraisal_quarter__organisation_id__in=ids, appraisal_quarter__year=year)
        .values_list("appraisal_quarter__organisation_id")
        .annotate(a=Sum("summaries_on_time"), b=Sum("summaries_late"), c=Sum("summaries_missing"))
        .values_list("appraisal_quarter__organisation_id", "a", "b", "c")
    ):
        figures[org_id].summaries_on_time = on_time or 0
        figures[org_id].summaries_due = (on_time or 0) + (late or 0) + (missing or 0)

    # Each organisation's first appraised quarter in any year, as year * 10 + quarter: one grouped query.
    first_quarters: dict[int, tuple[int, int]] = {
        org_id: divmod(first, 10)
        for org_id, first in AppraisalQuarter.objects.filter(organisation_id__in=ids)
        .values_list("organisation_id")
        .annotate(first=Min(F("year") * 10 + F("quarter")))
        .values_list("organisation_id", "first")
    }
    done: dict[tuple[int, int], int] = {
        (org_id, month): n
        for org_id, month, n in Inspection.objects.filter(organisation_id__in=ids, date__year=year)
        .annotate(month=ExtractMonth("date"))
        .values_list("organisation_id", "month")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "month", "n")
    }
    for org_id, item in figures.items():
        item.open_quarters.sort()
        item.quarterly = org_id in first_quarters and first_quarters[org_id][0] <= year
        policy = policies.get(org_id)
        required = policy.inspections_per_month if policy is not None else 0
        # The date HR gave (Policy.started_on), else what the records say.
        since = (policy.started_on if policy is not None else None) or _in_system_since(
            item.organisation, first_quarters.get(org_id)
        )
        due = months_due(year=year, today=today, since=since)
        item.months_due = len(due)
        item.months_compliant = sum(1 for m in due if done.get((org_id, m), 0) >= required)

    publications = Publication.objects.filter(organisation_id__in=ids, year=year)
    for org_id, n in _counts(publications, "organisation_id").items():
        figures[org_id].publications = n
    objections = Objection.objects.filter(organisation_id__in=ids, entry__publication__year=year)
    for org_id, n in _counts(objections, "organisation_id").items():
        figures[org_id].objections = n

    # Each year's 优秀 share, as it was decided under once 定等 (one query).
    percents = year_quota_percents(year=year, policies={pk: p for pk, p in policies.items() if p is not None})
    for org_id, graded, excellent in graded_and_excellent(
        AnnualResult.objects.filter(organisation_id__in=ids, year=year), by="organisation_id"
    ):
        figures[org_id].annual_graded = graded
        figures[org_id].excellent = excellent
        if org_id in percents:
            figures[org_id].excellent_quota = good_quota(participants=graded, percent=percents[org_id])
    # "其中": of those with a grade, so 不定等次 decided by the committee is not counted in.
    decided = AnnualResult.objects.filter(organisation_id__in=ids, year=year).exclude(
        decided_grade__in=["", AnnualGrade.NOT_GRADED]
    )
    for org_id, n in _counts(decided, "organisation_id").items():
        figures[org_id].annual_decided = n
    return [figures[o.pk] for o in organisations]
