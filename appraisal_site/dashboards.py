"""The year's dashboards (/reports/dashboard/): what HR, the agency head and the supervising leaders
see of the appraisal as figures (issue 12).

Each figure is a :class:`Chart`: its labels and datasets are what Chart.js draws (handed to the page
through ``json_script``) *and* what the table beneath the chart prints, so the two cannot disagree.
Every chart is one aggregate query (``GROUP BY`` in the database); the page's query count does not
grow with the staff. A supervising leader's figures are scoped to the departments they supervise by
a join on ``supervising_leader`` (no list of ids travels to the database).

The 轮流坐庄 check (:func:`rotation_check`) asks, per department, whether 好 follows the composite
scores or passes round in turns; its measure and thresholds are in the README ("Dashboards").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import periods
from accounts.models import Department, Organisation, Policy, StaffStatus, StaffStatusKind, User
from accounts.selectors import participants_of, participants_posted_counts, seconded_through, secondments_of_people
from accounts.workflow import handed_in
from evaluations.annual.models import AnnualResult
from evaluations.annual.selectors import graded_and_excellent
from evaluations.annual.services import year_quota_percents
from evaluations.discipline.models import Inspection
from evaluations.discipline.selectors import inspection_month_status
from evaluations.grading.models import AppraisalQuarter, Grade, GradeState, QuarterGrade
from evaluations.grading.services.quota import department_good_share, good_quota, year_good_percents
from publicity.publication.models import Objection, ObjectionState
from summaries.models import MonthlySummary

DISTRIBUTION = (Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.POOR, Grade.UNCERTAIN)
MONTHS = range(1, 13)


def _month_labels() -> list[str]:
    """The twelve months in the reader's language: 1月 … 12月, Jan … Dec (a translated date format;
    "Month 1" read oddly in English)."""
    return [date_format(date(2000, m, 1), pgettext("a month's short name, a date format", "n月")) for m in MONTHS]


# --- 轮流坐庄 thresholds (stated in the README) ---------------------------------------------------
# Rank agreement (Spearman's rho) between composite scores and grades below this, averaged over the
# quarters measured, means the grades do not follow the scores.
ROTATION_RHO_BELOW = Decimal("0.30")
# Or this many times in the year 好 passed to someone who had none while a higher-scoring holder
# lost it.
ROTATION_TURNS_AT_LEAST = 2
# A quarter is measured when at least this many people of the department have a grade and a score.
ROTATION_MIN_PEOPLE = 3
# Grades as ranks (不确定等次 takes no part in the quota, so none in the comparison).
GRADE_RANK = {Grade.GOOD: 4, Grade.FAIRLY_GOOD: 3, Grade.AVERAGE: 2, Grade.POOR: 1}


@dataclass
class Dataset:
    label: str
    data: list[Any]
    # "bar" or "line"; None keeps the column to the table only (a count behind a drawn rate).
    kind: str | None = "bar"


@dataclass
class Chart:
    key: str
    title: str
    label_header: str
    labels: list[str]
    datasets: list[Dataset]
    stacked: bool = False
    unit: str = ""

    @classmethod
    def by_month(cls, *, key: str, title: str, datasets: list[Dataset], **options) -> Chart:
        """A chart of the year's months, 1月 to 12月: each dataset holds a value a month."""
        return cls(key=key, title=title, label_header=_("月份"), labels=_month_labels(), datasets=datasets, **options)

    @classmethod
    def by_department(
        cls, *, key: str, title: str, shown: list[tuple[int, str]], datasets: list[Dataset], **options
    ) -> Chart:
        """A chart of the departments ``shown`` ((pk, name) in their order): each dataset holds a
        value a department, in that order."""
        labels = [name for _pk, name in shown]
        return cls(key=key, title=title, label_header=_("科室"), labels=labels, datasets=datasets, **options)

    def as_json(self) -> dict:
        """What static/js/dashboard.js draws: the drawn datasets only."""
        return {
            "key": self.key,
            "title": self.title,
            "labels": self.labels,
            "stacked": self.stacked,
            "unit": self.unit,
            "datasets": [
                {"label": d.label, "data": [_plain(v) for v in d.data], "type": d.kind} for d in self.datasets if d.kind
            ],
        }

    @property
    def header(self) -> list[str]:
        return [self.label_header, *[d.label for d in self.datasets]]

    @property
    def rows(self) -> list[list]:
        return [[label, *[d.data[i] for d in self.datasets]] for i, label in enumerate(self.labels)]


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


# --- Scope -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose figures: the whole organisation (HR, the agency head) or a leader's departments."""

    organisation_id: int
    leader_id: int | None = None

    @classmethod
    def for_user(cls, user: User) -> Scope:
        if user.has_perm("publicity.view_organisation_dashboard"):
            return cls(organisation_id=user.organisation_id)
        return cls(organisation_id=user.organisation_id, leader_id=user.pk)

    def departments(self, prefix: str = "department") -> Q:
        """Rows whose department (reached through ``prefix``; "" for departments themselves) is in scope."""
        path = f"{prefix}__" if prefix else ""
        q = Q(**{f"{path}organisation_id": self.organisation_id})
        if self.leader_id is not None:
            q &= Q(**{f"{path}supervising_leader_id": self.leader_id})
        return q


@dataclass
class Dashboard:
    year: int
    quarter: int
    charts: list[Chart] = field(default_factory=list)
    rotation: list[RotationRow] | None = None


def dashboard_default_quarter(*, user: User, year: int) -> int | None:
    """The latest quarter of ``year`` the organisation has opened for grading (``None``: none yet),
    so the grade chart opens on figures rather than on a quarter nobody has graded."""
    return (
        AppraisalQuarter.objects.filter(organisation_id=user.organisation_id, year=year)
        .order_by("-quarter")
        .values_list("quarter", flat=True)
        .first()
    )


def dashboard_for(*, user: User, year: int, quarter: int, policy: Policy) -> Dashboard:
    """The figures ``user`` may see for ``year`` (the grade chart for ``quarter``)."""
    scope = Scope.for_user(user)
    departments = list(
        Department.objects.filter(scope.departments("")).order_by("sort_order", "code", "pk").values_list("pk", "name")
    )
    dashboard = Dashboard(year=year, quarter=quarter)
    dashboard.charts = [
        grade_chart(scope=scope, year=year, quarter=quarter, policy=policy, departments=departments),
        summaries_chart(scope=scope, year=year, policy=policy),
        inspections_chart(scope=scope, year=year, policy=policy),
        excellent_chart(scope=scope, year=year, policy=policy, departments=departments),
        objections_chart(scope=scope, year=year),
    ]
    if user.has_perm("publicity.view_rotation_check"):
        dashboard.rotation = rotation_check(scope=scope, year=year, departments=departments)
    return dashboard


# --- The charts --------------------------------------------------------------------------------


def grade_chart(*, scope: Scope, year: int, quarter: int, policy: Policy, departments: list[tuple[int, str]]) -> Chart:
    """Per department, the quarter's grades (stacked) against the 好 places its participants give."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for department_id, grade, n in (
        QuarterGrade.objects.filter(
            scope.departments(),
            appraisal_quarter__organisation_id=scope.organisation_id,
            appraisal_quarter__year=year,
            appraisal_quarter__quarter=quarter,
        )
        .values_list("department_id", "grade")
        .annotate(n=Count("pk"))
        .values_list("department_id", "grade", "n")
    ):
        counts[department_id][grade or ""] += n
    shown = [(pk, name) for pk, name in departments if pk in counts]
    names = _labels(Grade.choices)
    datasets = [Dataset(names[g], [counts[pk][g] for pk, _n in shown]) for g in DISTRIBUTION]
    # Drawn too, so that each bar reaches the department's headcount while grading goes on.
    datasets.append(Dataset(_("未评鉴"), [counts[pk][""] for pk, _n in shown]))
    # The quarter's share (the one it was approved under), not today's policy's.
    percent = year_good_percents(organisation_id=scope.organisation_id, year=year, policy=policy)[quarter]
    # Counted as on the grading page, the not yet graded taking part (0 while a quarter was graded before).
    quota = [department_good_share(counts[pk], percent=percent) for pk, _n in shown]
    # The quota is the organisation's (DOMAIN.md §4): a department's line is its headcount's share
    # of it, a yardstick and no cap, and named so (a department above it has broken no rule).
    datasets.append(Dataset(_("按人数折算的“好”名额"), quota, kind="line"))
    return Chart.by_department(
        key="grades",
        title=_("第%(quarter)s季度各科室等次分布与按人数折算的“好”名额（名额按全单位计算）") % {"quarter": quarter},
        shown=shown,
        datasets=datasets,
        stacked=True,
    )


def summaries_chart(*, scope: Scope, year: int, policy: Policy) -> Chart:
    """Per month, the monthly summaries handed in on time, late, and not handed in, and the on-time
    rate. Once a month's deadline has passed, 未提交 is everyone who takes part (who was posted in the
    scope on the month's last day, as the roster lists a month that has ended; a newcomer from the
    month they began) less those who handed in — a summary never begun counts too, not only a
    draft — and the rate is on time ÷ that whole; a month begun and not yet due counts its 未提交 the
    same way, as the roster lists it, and has no rate (—) yet."""
    today = periods.today()
    organisation = Organisation.objects.get(pk=scope.organisation_id)
    # Per month, those it asked a summary of: a newcomer from the month they began (periods.due_for_people),
    # not one seconded out for the whole month (seconded_through).
    participants = participants_of(organisation=organisation).filter(scope.departments()).order_by()
    expected_in = participants.aggregate(
        **{
            f"m{month}": Count(
                "pk",
                filter=periods.due_for_people(periods.Month(year, month))
                & ~seconded_through(periods.Month(year, month)),
            )
            for month in MONTHS
        }
    )
    # A month that has ended counts who was posted then (one query for all of them): someone who left
    # or moved since (a user test read 59 here beside the roster's 60 for October).
    ended = {f"m{m}": periods.Month(year, m).last_day for m in MONTHS if periods.Month(year, m).last_day < today}
    expected_in.update(
        participants_posted_counts(
            organisation=organisation, days=ended, departments=scope.departments("memberships__department")
        )
    )
    rows = {
        month: (on_time, late, draft)
        for month, on_time, late, draft in MonthlySummary.objects.filter(
            scope.departments(), organisation_id=scope.organisation_id, year=year
        )
        .values_list("month")
        .annotate(
            # Handed in as the roll-up and the roster count it (accounts.workflow.handed_in): a
            # returned summary is back with its owner, not handed in.
            on_time=Count("pk", filter=handed_in() & Q(is_late=False)),
            late=Count("pk", filter=handed_in() & Q(is_late=True)),
            draft=Count("pk", filter=~handed_in()),
        )
        .values_list("month", "on_time", "late", "draft")
    }
    # A draft left by someone away (seconded) all its month is not 未提交 either: the roster says
    # 无需填报 (a re-test read 6 here beside the roster's 5). The few such drafts, read apart.
    away = secondments_of_people(
        person_ids=StaffStatus.objects.filter(
            user__organisation_id=scope.organisation_id,
            kind=StaffStatusKind.SECONDED,
            start_date__lte=date(year, 12, 31),
        )
        .exclude(end_date__lt=date(year, 1, 1))
        .values_list("user_id", flat=True)
    )
    away_drafts = Counter(
        month
        for owner_id, month in MonthlySummary.objects.filter(
            ~handed_in(), scope.departments(), owner_id__in=list(away), year=year
        ).values_list("owner_id", "month")
        if away[owner_id].through(periods.Month(year, month))
    )
    on_time, late, draft, rate = [], [], [], []
    for month in MONTHS:
        a, b, c = rows.get(month, (0, 0, 0))
        c -= away_drafts[month]
        period = periods.Month(year, month)
        due = periods.is_due(policy, period) and periods.summary_deadline(policy, period) < today
        # A month begun counts as the roster does, everyone asked less those who handed in (a user
        # test read 未提交 21 here, its drafts, beside the roster's 58 for December in progress).
        if periods.is_due(policy, period) and period.has_begun(today):
            c = max(expected_in[f"m{month}"] - a - b, c)
        on_time.append(a)
        late.append(b)
        draft.append(c)
        rate.append((Decimal(a * 100) / (a + b + c)).quantize(Decimal("0.1")) if due and a + b + c else None)
    return Chart.by_month(
        key="summaries",
        title=_("月小结按时提交率"),
        datasets=[
            Dataset(_("按时率(%)"), rate, kind="line"),
            Dataset(_("按时提交"), on_time, kind=None),
            Dataset(_("迟交"), late, kind=None),
            # As the roster counts them, 未提交 and 被退回 together (a user test read 5 here against
            # the roster's 未提交 2, 被退回 3).
            Dataset(_("未提交（含被退回）"), draft, kind=None),
        ],
        unit="%",
    )


def inspections_chart(*, scope: Scope, year: int, policy: Policy) -> Chart:
    """Per month, the organisation's inspections against the policy's required number, and its
    verdict: the number is the organisation's (DOMAIN.md §5), whoever reads it. A leader also reads
    how many of them covered a department they supervise (a user test's leader read 未达标 in five
    months the organisation met, counted on four departments)."""
    inspections = Inspection.objects.filter(organisation_id=scope.organisation_id, date__year=year)
    counts = {"n": Count("pk", distinct=True)}
    if scope.leader_id is not None:
        counts["mine"] = Count("pk", distinct=True, filter=Q(departments__supervising_leader_id=scope.leader_id))
    done = {
        row["month"]: row
        for row in inspections.annotate(month=ExtractMonth("date")).values("month").annotate(**counts).order_by()
    }
    required = policy.inspections_per_month
    today = periods.today()
    status = [
        inspection_month_status(
            year=year,
            month=month,
            done=done.get(month, {}).get("n", 0),
            # Nothing asked before the organisation began in the system.
            required=required if periods.is_due(policy, periods.Month(year, month)) else None,
            today=today,
        )
        for month in MONTHS
    ]
    datasets = [Dataset(_("检查次数"), [done.get(m, {}).get("n", 0) for m in MONTHS])]
    if scope.leader_id is not None:
        datasets = [
            Dataset(_("涉及分管科室的检查次数"), [done.get(m, {}).get("mine", 0) for m in MONTHS]),
            Dataset(_("全单位检查次数"), datasets[0].data),
        ]
    return Chart.by_month(
        key="inspections",
        title=_("纪律检查按月达标情况"),
        datasets=[
            *datasets,
            Dataset(_("规定次数"), [required for _m in MONTHS], kind="line"),
            Dataset(_("达标情况"), status, kind=None),
        ],
    )


def excellent_chart(*, scope: Scope, year: int, policy: Policy, departments: list[tuple[int, str]]) -> Chart:
    """Per department, the year's 优秀 (decided, else suggested) against the department's share of
    the 优秀 quota: a yardstick and no cap, the quota being the organisation's (as the 好 chart's)."""
    annual = {
        pk: (graded, excellent)
        for pk, graded, excellent in graded_and_excellent(
            AnnualResult.objects.filter(scope.departments(), organisation_id=scope.organisation_id, year=year),
            by="department_id",
        )
    }
    shown = [(pk, name) for pk, name in departments if pk in annual]
    # The share the year was decided under, once 定等 (as its annual page says).
    percent = year_quota_percents(year=year, policies={scope.organisation_id: policy})[scope.organisation_id]
    return Chart.by_department(
        key="excellent",
        title=_("各科室“优秀”人数与按人数折算的名额（名额按全单位计算）"),
        shown=shown,
        datasets=[
            Dataset(_("优秀人数"), [annual[pk][1] for pk, _n in shown]),
            Dataset(
                _("按人数折算的“优秀”名额"),
                [good_quota(participants=annual[pk][0], percent=percent) for pk, _n in shown],
                "line",
            ),
            Dataset(_("定等人数"), [annual[pk][0] for pk, _n in shown], kind=None),
        ],
    )


def objections_chart(*, scope: Scope, year: int) -> Chart:
    """The objections to the year's publications (as the bureau's figures and the year workbook
    count them), by the month they were lodged: lodged, answered, upheld (sent back for
    regrading). The fourth quarter's and the year's lists are published in the next January: those
    months follow December (次年1月), so a year's objections are all on its own board (a user test
    found them on the next year's)."""
    rows: dict[int, tuple[int, int, int]] = {}
    for lodged_year, month, n, answered, sent_back in (
        Objection.objects.filter(
            scope.departments("entry__department"),
            organisation_id=scope.organisation_id,
            entry__publication__year=year,
        )
        .annotate(lodged_year=ExtractYear("lodged_at"), month=ExtractMonth("lodged_at"))
        .values_list("lodged_year", "month")
        .annotate(
            n=Count("pk"),
            answered=Count("pk", filter=Q(state=ObjectionState.ANSWERED)),
            sent_back=Count("pk", filter=Q(sent_back_at__isnull=False)),
        )
        .values_list("lodged_year", "month", "n", "answered", "sent_back")
    ):
        # The next year's months counted on from 13 (one lodged before the year, none in practice, in January).
        key = month + 12 * (lodged_year - year) if lodged_year >= year else 1
        n0, a0, s0 = rows.get(key, (0, 0, 0))
        rows[key] = (n0 + n, a0 + answered, s0 + sent_back)
    keys = range(1, max([12, *rows]) + 1)
    labels = _month_labels() + [_("次年%(month)d月") % {"month": key - 12} for key in keys[12:]]
    return Chart(
        key="objections",
        title=_("异议情况"),
        label_header=_("月份"),
        labels=labels,
        datasets=[
            Dataset(_("提出异议"), [rows.get(k, (0, 0, 0))[0] for k in keys]),
            Dataset(_("已答复"), [rows.get(k, (0, 0, 0))[1] for k in keys]),
            Dataset(_("退回重评"), [rows.get(k, (0, 0, 0))[2] for k in keys]),
        ],
    )


# --- 轮流坐庄 -------------------------------------------------------------------------------


@dataclass
class RotationRow:
    department: str
    quarters_measured: int
    rho: Decimal | None
    turns: int
    flagged: bool
    evidence: list[str]


def _average_ranks(values: list) -> list[float]:
    """Ranks 1..n of ``values`` (ascending), ties sharing their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: list, ys: list) -> float | None:
    """Spearman's rank correlation (the Pearson correlation of the average ranks); None when either
    side has no spread (everyone the same grade or the same score)."""
    rx, ry = _average_ranks(xs), _average_ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if not sxx or not syy:
        return None
    return sxy / (sxx * syy) ** 0.5


def rotation_check(*, scope: Scope, year: int, departments: list[tuple[int, str]]) -> list[RotationRow]:
    """Per department with grades in ``year``: the mean rank agreement between composite scores and
    grades over the quarters measured, and the turns — a quarter in which 好 went to someone who had
    had none that year while a holder of the previous quarter's 好 with a higher score lost it.
    A department is flagged when the agreement is below :data:`ROTATION_RHO_BELOW` or the turns
    reach :data:`ROTATION_TURNS_AT_LEAST`. One query (a row per graded person and quarter)."""
    by_quarter: dict[int, dict[int, dict[int, tuple[str, Decimal]]]] = defaultdict(lambda: defaultdict(dict))
    names: dict[int, str] = {}
    for department_id, quarter, person_id, full_name, username, grade, score in (
        QuarterGrade.objects.filter(
            scope.departments(),
            appraisal_quarter__organisation_id=scope.organisation_id,
            appraisal_quarter__year=year,
            grade__in=list(GRADE_RANK),
            composite_score__isnull=False,
        )
        .values_list(
            "department_id",
            "appraisal_quarter__quarter",
            "person_id",
            "person__full_name",
            "person__username",
            "grade",
            "composite_score",
        )
        .iterator(chunk_size=2000)
    ):
        by_quarter[department_id][quarter][person_id] = (grade, score)
        names[person_id] = full_name or username
    result = []
    for department_id, department_name in departments:
        quarters = by_quarter.get(department_id)
        if not quarters:
            continue
        rhos: list[float] = []
        turns = 0
        evidence: list[str] = []
        had_good: set[int] = set()
        previous: dict[int, tuple[str, Decimal]] = {}
        for quarter in sorted(quarters):
            rows = quarters[quarter]
            if len(rows) >= ROTATION_MIN_PEOPLE:
                rho = spearman([s for _g, s in rows.values()], [GRADE_RANK[g] for g, _s in rows.values()])
                if rho is not None:
                    rhos.append(rho)
            dropped = [
                p for p, (g, _s) in previous.items() if g == Grade.GOOD and p in rows and rows[p][0] != Grade.GOOD
            ]
            newcomers = [p for p, (g, _s) in rows.items() if g == Grade.GOOD and p not in had_good]
            for new in newcomers:
                above = [p for p in dropped if rows[p][1] > rows[new][1]]
                if above and previous:
                    turns += 1
                    passed_over = max(above, key=lambda p: rows[p][1])
                    evidence.append(
                        _(
                            "第%(quarter)s季度：%(new)s（%(new_score)s分）首次得“好”，%(old)s（%(old_score)s分）不再得“好”"
                        )
                        % {
                            "quarter": quarter,
                            "new": names[new],
                            "new_score": rows[new][1],
                            "old": names[passed_over],
                            "old_score": rows[passed_over][1],
                        }
                    )
            had_good |= {p for p, (g, _s) in rows.items() if g == Grade.GOOD}
            previous = rows
        mean = Decimal(str(round(sum(rhos) / len(rhos), 2))) if rhos else None
        flagged = (mean is not None and mean < ROTATION_RHO_BELOW) or turns >= ROTATION_TURNS_AT_LEAST
        result.append(
            RotationRow(
                department=department_name,
                quarters_measured=len(rhos),
                rho=mean,
                turns=turns,
                flagged=flagged,
                evidence=evidence,
            )
        )
    return result


# --- The agency head's home: where the organisation's appraisal stands ---------------------------


@dataclass(frozen=True)
class AgencyProgress:
    """The latest quarter opened for grading and the year at work, in numbers (a few queries)."""

    quarter: AppraisalQuarter | None
    people: int = 0
    graded: int = 0
    confirmed: int = 0
    year: int = 0
    annual_results: int = 0
    annual_decided: int = 0


def agency_progress(*, organisation_id: int) -> AgencyProgress:
    quarter = AppraisalQuarter.objects.filter(organisation_id=organisation_id).order_by("-year", "-quarter").first()
    grades = (
        quarter.grades.aggregate(
            people=Count("pk"),
            graded=Count("pk", filter=~Q(state=GradeState.PENDING)),
            confirmed=Count("pk", filter=Q(state=GradeState.CONFIRMED)),
        )
        if quarter
        else {}
    )
    year = periods.year_at_work()
    annual = AnnualResult.objects.filter(organisation_id=organisation_id, year=year).aggregate(
        total=Count("pk"), decided=Count("pk", filter=~Q(decided_grade=""))
    )
    return AgencyProgress(
        quarter=quarter,
        people=grades.get("people", 0),
        graded=grades.get("graded", 0),
        confirmed=grades.get("confirmed", 0),
        year=year,
        annual_results=annual["total"],
        annual_decided=annual["decided"],
    )
