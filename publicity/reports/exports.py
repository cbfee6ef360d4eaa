"""The year-end workbook (年度考核汇总, DOMAIN.md §7): one streamed .xlsx HR keeps in Excel.

A sheet is one :class:`Sheet` in :data:`SHEETS`: a title, its columns (header, width, kind) and a
function that yields the rows; adding a sheet is adding one entry. :func:`write_workbook` writes
them in order, in openpyxl's write-only mode, straight to a file: memory stays flat however large
the organisation is.

Every sheet reads its data in a fixed number of queries, whatever the number of staff: the people
sheet is one query (the four quarters and the year joined through ``FilteredRelation`` on their
unique keys) read with ``.iterator()``; sparse facts (veto flags, sanctions) are read into dicts
keyed by person, which grow with incidents, not with staff.

Cells: numbers stay numbers (Decimal scores), dates stay dates, and every value goes through
:func:`accounts.excel.write_table`, which keeps text that would read as a formula as text and
drops control characters a name may still hold.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db.models import Count, F, FilteredRelation, Max, Q, Sum
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from accounts import periods
from accounts.excel import new_sheet, write_table
from accounts.models import Department, Organisation, Policy, StaffType, User
from accounts.selectors import policy_for_organisation
from evaluations.annual.lists import use_sections
from evaluations.annual.models import AnnualGrade, AnnualResult, AnnualReview
from evaluations.annual.selectors import final_grade_counts, graded_and_excellent
from evaluations.annual.services import annual_use_lists, final_grade_of, year_quota_percent
from evaluations.discipline.models import Finding, Inspection, Sanction, SanctionKind, Severity, VetoFlag
from evaluations.discipline.selectors import active_veto_reasons, inspection_month_status, sanction_effects
from evaluations.grading.models import AppraisalQuarter, Grade, GradeReview, QuarterGrade, QuarterResult
from evaluations.grading.services.quota import department_good_share, good_quota, year_good_percents
from publicity.publication.models import (
    Objection,
    ObjectionState,
    Publication,
    ReviewCase,
    ReviewCaseKind,
    ReviewCaseState,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
QUARTERS = (1, 2, 3, 4)
# Rows of the people sheet read per database round trip (the iterator's chunk).
CHUNK = 2000
# How often the people sheet reports progress (rows).
PROGRESS_EVERY = 1000

Progress = Callable[[int, str], None]


def _no_progress(progress: int, message: str = "") -> None:
    return None


# --- Cells ----------------------------------------------------------------------------------

TEXT = "text"
LABEL = "label"
NUMBER = "number"
DATE = "date"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = LABEL


# --- The export context ----------------------------------------------------------------------


@dataclass
class ExportContext:
    """What every sheet needs: the organisation, the year, its policy and quarters, a progress callback."""

    organisation: Organisation
    year: int
    policy: Policy
    quarters: dict[int, AppraisalQuarter]
    progress: Progress = _no_progress
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, *, organisation: Organisation, year: int, progress: Progress | None = None) -> ExportContext:
        quarters = {
            q.quarter: q
            for q in AppraisalQuarter.objects.filter(organisation=organisation, year=year).order_by("quarter")
        }
        return cls(
            organisation=organisation,
            year=year,
            policy=policy_for_organisation(organisation_id=organisation.pk),
            quarters=quarters,
            progress=progress or _no_progress,
        )


@dataclass(frozen=True)
class Sheet:
    title: Callable[[], str]
    columns: Callable[[ExportContext], list[Column]]
    rows: Callable[[ExportContext, Any], Iterator[list]]


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _quarter_name(q: int) -> str:
    return _("第%(quarter)s季度") % {"quarter": q}


def _yes_no(value: bool) -> str:
    return _("是") if value else _("否")


# --- 年度汇总: a row per person --------------------------------------------------------------


def _people_columns(ctx: ExportContext) -> list[Column]:
    columns = [
        Column(_("科室")),
        Column(_("姓名"), TEXT),
        Column(_("工号"), TEXT),
        Column(_("职务职级"), TEXT),
        Column(_("人员类别")),
    ]
    columns += [Column(_("%(quarter)s等次") % {"quarter": _quarter_name(q)}) for q in QUARTERS]
    columns.append(Column(_("“好”的次数"), NUMBER))
    columns += [Column(_("%(quarter)s综合得分") % {"quarter": _quarter_name(q)}, NUMBER) for q in QUARTERS]
    columns += [
        Column(_("平均综合得分"), NUMBER),
        # Counted by the quarters' roll-ups: a quarter not yet rolled up is not in them (said in
        # the header, as on the oversight page; a user test read 9 months' counts as the year's).
        Column(_("按时提交月小结（已汇总季度）"), NUMBER),
        Column(_("迟交月小结（已汇总季度）"), NUMBER),
        Column(_("未交月小结（已汇总季度）"), NUMBER),
        Column(_("一票否决")),
        Column(_("否决事项"), TEXT),
        Column(_("处分与组织处理"), TEXT),
        Column(_("建议年度等次")),
        Column(_("建议理由")),
        Column(_("确定年度等次")),
        Column(_("与建议不一致的理由"), TEXT),
        Column(_("年度结果本人确认")),
        Column(_("季度反馈谈话已确认"), NUMBER),
    ]
    return columns


def people_queryset(*, ctx: ExportContext):
    """The people of the year (anyone graded in one of its quarters or given a year result), with
    the four quarters' grades and roll-ups and the year's result joined on their unique keys:
    one query, one row per person, ordered by department then employee number."""
    relations: dict[str, FilteredRelation] = {}
    for q in QUARTERS:
        # A quarter that was never opened matches nothing (id 0).
        quarter_id = ctx.quarters[q].pk if q in ctx.quarters else 0
        relations[f"g{q}"] = FilteredRelation(
            "quarter_grades", condition=Q(quarter_grades__appraisal_quarter_id=quarter_id)
        )
        relations[f"r{q}"] = FilteredRelation(
            "quarter_results", condition=Q(quarter_results__appraisal_quarter_id=quarter_id)
        )
    relations["ar"] = FilteredRelation(
        "annual_results", condition=Q(annual_results__year=ctx.year, annual_results__organisation=ctx.organisation)
    )
    taking_part = Q(ar__isnull=False)
    for q in QUARTERS:
        taking_part |= Q(**{f"g{q}__isnull": False})
    return (
        User.objects.filter(organisation=ctx.organisation)
        .annotate(**relations)
        .filter(taking_part)
        # The year's result's department (that of the last quarter graded), else today's: the
        # person's year PDF names the same (a user test read a moved person's two ways).
        .annotate(
            year_department=Coalesce("ar__department__name", "department__name"),
            year_department_order=Coalesce("ar__department__sort_order", "department__sort_order"),
            year_department_code=Coalesce("ar__department__code", "department__code"),
        )
        .order_by(F("year_department_order").asc(nulls_last=True), "year_department_code", "employee_number", "pk")
    )


PEOPLE_FIELDS = (
    "pk",
    "year_department",
    "full_name",
    "username",
    "employee_number",
    "position_title",
    "staff_type",
    *[f"g{q}__grade" for q in QUARTERS],
    *[f"g{q}__composite_score" for q in QUARTERS],
    *[f"r{q}__summaries_on_time" for q in QUARTERS],
    *[f"r{q}__summaries_late" for q in QUARTERS],
    *[f"r{q}__summaries_missing" for q in QUARTERS],
    "ar__composite_score",
    "ar__suggested_grade",
    "ar__suggestion_reasons",
    "ar__decided_grade",
    "ar__decision_reason",
    # Feedback confirmed (publicity.feedback): the annual result's confirmation and each quarter's talk.
    "ar__confirmation__confirmed_at",
    "ar__confirmation__grade",
    *[f"g{q}__feedback_talk__confirmed_at" for q in QUARTERS],
    # The grade each talk was about: one about an earlier grade (a review since) is not counted.
    *[f"g{q}__feedback_talk__grade" for q in QUARTERS],
)


def _sanction_texts(*, ctx: ExportContext) -> dict[int, list[str]]:
    """person_id → the year's sanctions and any earlier one still bearing on the year (one query
    plus the effects' one); sparse: only people with a sanction are in it."""
    kinds = _labels(SanctionKind.choices)
    texts: dict[int, list[str]] = defaultdict(list)
    for person_id, kind, decided_on in (
        Sanction.objects.filter(organisation=ctx.organisation, decided_on__year=ctx.year)
        .order_by("decided_on", "pk")
        .values_list("person_id", "kind", "decided_on")
    ):
        texts[person_id].append(f"{decided_on:%Y-%m-%d} {kinds.get(kind, kind)}")
    for person_id, impact in sanction_effects(organisation=ctx.organisation, year=ctx.year).items():
        texts[person_id].append(impact.reason)
    return texts


def people_rows(ctx: ExportContext, sheet) -> Iterator[list]:
    grades = _labels(Grade.choices)
    annual = _labels(AnnualGrade.choices)
    staff_types = _labels(StaffType.choices)
    vetoes = active_veto_reasons(organisation=ctx.organisation, year=ctx.year)
    sanctions = _sanction_texts(ctx=ctx)
    queryset = people_queryset(ctx=ctx)
    total = queryset.count()
    ctx.counts["people"] = total
    yes, no = _("是"), _("否")
    n = 4
    for index, row in enumerate(queryset.values_list(*PEOPLE_FIELDS).iterator(chunk_size=CHUNK), start=1):
        (pk, department, full_name, username, number, position, staff_type) = row[:7]
        quarter_grades = row[7 : 7 + n]
        scores = row[7 + n : 7 + 2 * n]
        on_time, late, missing = row[7 + 2 * n : 7 + 3 * n], row[7 + 3 * n : 7 + 4 * n], row[7 + 4 * n : 7 + 5 * n]
        average, suggested, reasons, decided, decision_reason, confirmed_at, confirmed_grade = row[
            7 + 5 * n : 7 + 5 * n + 7
        ]
        talks = row[7 + 5 * n + 7 :]
        talks_confirmed = sum(
            1 for at, about, now in zip(talks[:n], talks[n:], quarter_grades, strict=True) if at and about == now
        )
        present = [s for s in scores if s is not None]
        if average is None and present:
            average = (sum(present) / len(present)).quantize(Decimal("0.01"))
        veto = vetoes.get(pk)
        yield [
            department or "",
            full_name or username,
            number,
            position,
            staff_types.get(staff_type, staff_type),
            *[grades.get(g, "") if g else "" for g in quarter_grades],
            sum(1 for g in quarter_grades if g == Grade.GOOD),
            *scores,
            average,
            sum(v or 0 for v in on_time),
            sum(v or 0 for v in late),
            sum(v or 0 for v in missing),
            yes if veto else no,
            "；".join(veto) if veto else "",
            "；".join(sanctions[pk]) if pk in sanctions else "",
            annual.get(suggested, "") if suggested else "",
            "；".join(str(r) for r in reasons) if reasons else "",
            annual.get(decided, "") if decided else "",
            # Only where the grade stands apart from the suggestion: a review (复核) back to the
            # suggested grade keeps its reason in the row, not a deviation (a user test read one here).
            (decision_reason or "") if decided and decided != suggested else "",
            # Blank until there is a decided grade to confirm; a confirmation of a grade since
            # changed is none (a user test read 是 beside a grade the person had not confirmed).
            (yes if confirmed_at and confirmed_grade == decided else no) if decided else "",
            talks_confirmed,
        ]
        if index % PROGRESS_EVERY == 0 and total:
            ctx.progress(5 + 80 * index // total, _("已写入%(done)s/%(total)s人") % {"done": index, "total": total})


# --- 科室统计: a row per department ---------------------------------------------------------

DISTRIBUTION = (Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.POOR, Grade.UNCERTAIN)


def _department_columns(ctx: ExportContext) -> list[Column]:
    grades = _labels(Grade.choices)
    # The people of the year (graded in a quarter, each once: in the department of their latest
    # quarter; or with a result), 不确定等次 included: not the quarters' 参与人数 beside it, which
    # leave 不确定等次 out as the quota pool does.
    columns = [Column(_("科室")), Column(_("参加考核人数"), NUMBER)]
    for q in QUARTERS:
        name = _quarter_name(q)
        columns.append(Column(_("%(quarter)s参与人数") % {"quarter": name}, NUMBER))
        columns += [
            Column(
                pgettext("a quarter's count of a grade", "%(quarter)s%(grade)s")
                % {"quarter": name, "grade": grades[g]},
                NUMBER,
            )
            for g in DISTRIBUTION
        ]
        columns.append(Column(_("%(quarter)s未评鉴") % {"quarter": name}, NUMBER))
        columns.append(
            Column(_("%(quarter)s“好”参考名额（按本科室人数折算，名额按全单位计算）") % {"quarter": name}, NUMBER)
        )
    columns += [
        Column(_("年度优秀人数"), NUMBER),
        Column(_("优秀参考名额（按本科室人数折算，名额按全单位计算）"), NUMBER),
    ]
    columns += [Column(_("年度%(grade)s人数") % {"grade": grade.label}, NUMBER) for grade in OTHER_ANNUAL]
    columns.append(Column(_("月小结按时率（%，已汇总季度）"), NUMBER))
    return columns


# The year's grades counted beside 优秀 (decided, else suggested, as 优秀 is counted).
OTHER_ANNUAL = [grade for grade in AnnualGrade if grade != AnnualGrade.EXCELLENT]


def department_rows(ctx: ExportContext, sheet) -> Iterator[list]:
    """Per department: the grade distribution of each quarter (from the grades themselves, so a
    quarter not yet rolled up counts too), the 好 places the department's share of the pool would
    give, the year's 优秀 against its share of the 优秀 quota, and the summaries' on-time rate."""
    grades = QuarterGrade.objects.filter(
        appraisal_quarter__organisation=ctx.organisation, appraisal_quarter__year=ctx.year
    )
    distribution: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for department_id, quarter, grade, n in grades.values_list(
        "department_id", "appraisal_quarter__quarter", "grade"
    ).annotate(n=Count("pk")):
        distribution[(department_id, quarter)][grade or ""] += n
    # Each person once, in the department of their latest quarter of the year (where the year's
    # result will name them, as 年度汇总 does): a person moved in the year was counted in both (a
    # user test read 10 beside the 9 listed, 63 of 62 people). A query per quarter, each the rows of
    # that quarter whose person has none in a later one (an anti-join), whatever the number of rows.
    quarter_ids = dict(
        AppraisalQuarter.objects.filter(organisation=ctx.organisation, year=ctx.year).values_list("quarter", "pk")
    )
    participants: Counter = Counter()
    for quarter, pk in quarter_ids.items():
        later = [later_pk for number, later_pk in quarter_ids.items() if number > quarter]
        latest = grades.filter(appraisal_quarter_id=pk)
        if later:
            latest = latest.exclude(
                person_id__in=QuarterGrade.objects.filter(appraisal_quarter_id__in=later).values("person_id")
            )
        for department_id, n in latest.order_by().values_list("department_id").annotate(n=Count("pk")):
            participants[department_id] += n
    results = AnnualResult.objects.filter(organisation=ctx.organisation, year=ctx.year)
    annual: dict[int, tuple[int, int]] = {
        department_id: (graded, excellent)
        for department_id, graded, excellent in graded_and_excellent(results, by="department_id")
    }
    annual_grades: dict[int, Counter] = defaultdict(Counter)
    for department_id, grade, n in final_grade_counts(results, by="department_id"):
        annual_grades[department_id][grade] += n

    summaries = {
        department_id: (on_time or 0, late or 0, missing or 0)
        for department_id, on_time, late, missing in QuarterResult.objects.filter(
            appraisal_quarter__organisation=ctx.organisation, appraisal_quarter__year=ctx.year
        )
        .values_list("department_id")
        .annotate(a=Sum("summaries_on_time"), b=Sum("summaries_late"), c=Sum("summaries_missing"))
        .values_list("department_id", "a", "b", "c")
    }
    # Each quarter's 好 share: the one it was approved under, today's policy's while it is open.
    percents = year_good_percents(organisation_id=ctx.organisation.pk, year=ctx.year, policy=ctx.policy)
    # The share the year was decided under, as its annual page says (a later policy change does not reach it).
    excellent_percent = year_quota_percent(organisation=ctx.organisation, year=ctx.year, policy=ctx.policy)
    departments = Department.objects.filter(organisation=ctx.organisation).order_by("sort_order", "code", "pk")
    for department_id, name, active in departments.values_list("pk", "name", "is_active"):
        # A year kept without its quarters (brought in from before the system) counts its results:
        # a user test read 参与人数 (now 参加考核人数) 0 beside 7 graded in the same row.
        taking_part = participants.get(department_id) or sum(annual_grades[department_id].values())
        if not active and not taking_part:
            continue
        row: list = [name, taking_part]
        for q in QUARTERS:
            counts = distribution.get((department_id, q), Counter())
            # Without 不确定等次, as the quota pool counts its participants (DOMAIN §4) and the
            # quarters page says (a user test read 9 beside 不确定等次 1, the column summing to 61 of 60).
            row.append(sum(counts.values()) - counts[Grade.UNCERTAIN])
            row += [counts[g] for g in DISTRIBUTION]
            row.append(counts[""])
            # As the grading page and the dashboard count it (a user test read 0 for a quarter
            # being graded, the not yet graded left out).
            row.append(department_good_share(counts, percent=percents[q]))
        graded, excellent = annual.get(department_id, (0, 0))
        row += [excellent, good_quota(participants=graded, percent=excellent_percent)]
        row += [annual_grades[department_id][grade] for grade in OTHER_ANNUAL]
        on_time, late, missing = summaries.get(department_id, (0, 0, 0))
        due = on_time + late + missing
        row.append((Decimal(on_time * 100) / due).quantize(Decimal("0.1")) if due else None)
        yield row


# --- 纪律检查: a row per month ---------------------------------------------------------------


def _discipline_columns(ctx: ExportContext) -> list[Column]:
    return [
        Column(_("月份"), NUMBER),
        Column(_("检查次数"), NUMBER),
        Column(_("规定次数"), NUMBER),
        Column(_("检查频次")),
        Column(_("发现问题"), NUMBER),
        Column(_("其中严重"), NUMBER),
        Column(_("一票否决"), NUMBER),
        # A sanction's veto counts in the month it was decided, where no finding may stand beside it.
        Column(_("其中因处分"), NUMBER),
        Column(_("否决事项"), TEXT),
        Column(_("最近检查日期"), DATE),
    ]


def discipline_rows(ctx: ExportContext, sheet) -> Iterator[list]:
    """Per month of the year: inspections against the policy's required number, findings, and the
    veto flags raised by that month's findings or sanctions (five queries)."""
    inspections = {
        month: (n, last)
        for month, n, last in Inspection.objects.filter(organisation=ctx.organisation, date__year=ctx.year)
        .annotate(month=ExtractMonth("date"))
        .values_list("month")
        .annotate(n=Count("pk"), last=Max("date"))
        .values_list("month", "n", "last")
    }
    findings = {
        month: (n, serious)
        for month, n, serious in Finding.objects.filter(
            inspection__organisation=ctx.organisation, inspection__date__year=ctx.year
        )
        .annotate(month=ExtractMonth("inspection__date"))
        .values_list("month")
        .annotate(n=Count("pk"), serious=Count("pk", filter=Q(severity=Severity.SERIOUS)))
        .values_list("month", "n", "serious")
    }
    # The flags in force count; one lifted (解除, with its reason) is named, marked so, and not
    # counted: the 年度汇总 sheet and the veto list count only those in force (a user test).
    vetoes: dict[int, list[str]] = defaultdict(list)
    in_force: Counter = Counter()
    by_sanction: Counter = Counter()
    flags = VetoFlag.objects.filter(person__organisation=ctx.organisation, year=ctx.year).order_by("raised_at", "pk")
    for cause, decided in (("finding", "finding__inspection__date"), ("sanction", "sanction__decided_on")):
        for month, reason, lifted in (
            flags.filter(**{f"{cause}__isnull": False})
            .annotate(month=ExtractMonth(decided))
            .values_list("month", "reason", "lifted_at")
        ):
            vetoes[month].append(_("%(reason)s（已解除）") % {"reason": reason} if lifted else reason)
            in_force[month] += lifted is None
            by_sanction[month] += cause == "sanction" and lifted is None
    required = ctx.policy.inspections_per_month
    today = periods.today()
    for month in range(1, 13):
        done, last = inspections.get(month, (0, None))
        due = periods.is_due(ctx.policy, periods.Month(ctx.year, month))  # else before the go-live date
        status = inspection_month_status(
            year=ctx.year, month=month, done=done, required=required if due else None, today=today
        )
        n, serious = findings.get(month, (0, 0))
        reasons = vetoes.get(month, [])
        yield [month, done, required, status, n, serious, in_force[month], by_sanction[month], "；".join(reasons), last]


# --- 公示与异议: publications, objections, reviews after locking ------------------------------


def _publicity_columns(ctx: ExportContext) -> list[Column]:
    return [
        Column(_("类别")),
        Column(_("公示或事项"), TEXT),
        Column(_("公示开始"), DATE),
        Column(_("公示截止"), DATE),
        Column(_("定等日期"), DATE),
        Column(_("公示人数"), NUMBER),
        Column(_("异议件数"), NUMBER),
        Column(_("科室")),
        Column(_("姓名"), TEXT),
        Column(_("工号"), TEXT),
        # The grade the matter was about (an objection's as published when it was lodged), and
        # what it became when the handling changed it (blank when it did not).
        Column(_("等次")),
        Column(_("变更后等次")),
        Column(_("提出人"), TEXT),
        Column(_("内容或理由"), TEXT),
        Column(_("状态")),
        Column(_("答复或决定"), TEXT),
        Column(_("提出或发生日期"), DATE),
        Column(_("答复或决定日期"), DATE),
    ]


def _day(value):
    """A stored moment as the local date (Excel has no time zones; the day is what HR files by)."""
    return periods.today(value) if value is not None else None


def _changed(before: str, after: str) -> str:
    return after if after and after != before else ""


def _review_row(
    item, department, full_name, username, number, old, new, reason, reviewer, reviewer_username, reviewed_at, *, names
) -> list:
    """A recorded review after locking (定等后复核): old → new grade, its reason, who and when."""
    day = _day(reviewed_at)
    return _matter_row(
        _("定等后复核"),
        item,
        (department, full_name or username, number),
        names.get(old, old),
        names.get(new, new),
        reviewer or reviewer_username,
        reason,
        _("已复核"),
        "",
        day,
        day,
    )


def _matter_row(kind, item, person: tuple, grade, changed_to, by, text, state, outcome, on, decided_on) -> list:
    """A row of the sheet about one person's matter (a review, a 复核/申诉 case): the publication's
    columns (window, 定等, counts) empty, the person's department, name and number ``person``."""
    department, name, number = person
    head = [kind, item, None, None, None, None, None, department or "", name, number]
    return head + [grade, changed_to, by, text, state, outcome, on, decided_on]


def publicity_rows(ctx: ExportContext, sheet) -> Iterator[list]:
    """The year's publications with their windows and counts, then each objection with the grade
    it questioned and any it changed to, and its answer, each recorded review of a locked quarter
    grade or annual result (定等后复核) and each 复核/申诉 case of the year's annual results. Five
    queries, each a flat read ordered by date."""
    grades = _labels(Grade.choices)
    annual_grades = _labels(AnnualGrade.choices)
    objection_states = _labels(ObjectionState.choices)
    case_kinds = _labels(ReviewCaseKind.choices)
    case_states = _labels(ReviewCaseState.choices)
    publications = (
        Publication.objects.filter(organisation=ctx.organisation, year=ctx.year)
        .annotate(
            people=Count("entries", distinct=True),
            objections=Count("entries__objections", distinct=True),
        )
        .order_by("starts_on", "pk")
        .values_list("title", "starts_on", "ends_on", "closed_at", "people", "objections")
    )
    label = _("结果公示")
    for title, starts_on, ends_on, closed_at, people, objections in publications:
        yield [label, title, starts_on, ends_on, _day(closed_at), people, objections]
    objections = (
        Objection.objects.filter(organisation=ctx.organisation, entry__publication__year=ctx.year)
        .order_by("lodged_at", "pk")
        .values_list(
            "entry__publication__title",
            "entry__window_starts_on",
            "entry__window_ends_on",
            "entry__locked_at",
            "entry__department__name",
            "entry__person__full_name",
            "entry__person__username",
            "entry__person__employee_number",
            "entry__grade_label",
            "grade_label",
            "regraded_label",
            "objector__full_name",
            "objector__username",
            "text",
            "state",
            "answer",
            "lodged_at",
            "answered_at",
        )
    )
    label = _("异议")
    for row in objections.iterator(chunk_size=CHUNK):
        (title, starts_on, ends_on, locked_at, department, full_name, username, number, entry_grade) = row[:9]
        (objected_to, regraded, objector_name, objector_username, text, state, answer, lodged_at, answered_at) = row[9:]
        # The entry's grade is today's: a regrade after an upheld objection publishes it again with
        # another (a user test read 较好 beside an answer that had kept 好).
        objected_to = objected_to or entry_grade
        yield [
            label,
            title,
            starts_on,
            ends_on,
            _day(locked_at),
            None,
            None,
            department or "",
            full_name or username,
            number,
            objected_to,
            _changed(objected_to, regraded),
            objector_name or objector_username,
            text,
            objection_states.get(state, state),
            answer,
            _day(lodged_at),
            _day(answered_at),
        ]
    # The recorded reviews of a locked quarter grade and, alike, of a locked annual result (a user
    # test found the quarters' reviews here, the year's not).
    reviewed = ("reason", "reviewed_by__full_name", "reviewed_by__username", "reviewed_at")
    quarter_reviews = (
        GradeReview.objects.filter(
            quarter_grade__appraisal_quarter__organisation=ctx.organisation,
            quarter_grade__appraisal_quarter__year=ctx.year,
        )
        .order_by("reviewed_at", "pk")
        .values_list(
            "quarter_grade__appraisal_quarter__quarter",
            "quarter_grade__department__name",
            "quarter_grade__person__full_name",
            "quarter_grade__person__username",
            "quarter_grade__person__employee_number",
            "old_grade",
            "new_grade",
            *reviewed,
        )
    )
    for quarter, *row in quarter_reviews:
        # Named with its year, as the year's rows are (a user test read 第4季度 beside 2026年度考核结果).
        yield _review_row(periods.Quarter(ctx.year, quarter).label, *row, names=grades)
    year_result = _("%(year)s年度考核结果") % {"year": ctx.year}
    annual_reviews = (
        AnnualReview.objects.filter(annual_result__organisation=ctx.organisation, annual_result__year=ctx.year)
        .order_by("reviewed_at", "pk")
        .values_list(
            "annual_result__department__name",
            "annual_result__person__full_name",
            "annual_result__person__username",
            "annual_result__person__employee_number",
            "old_grade",
            "new_grade",
            *reviewed,
        )
    )
    for row in annual_reviews:
        yield _review_row(year_result, *row, names=annual_grades)
    cases = (
        ReviewCase.objects.filter(organisation=ctx.organisation, annual_result__year=ctx.year)
        .order_by("notified_on", "pk")
        .values_list(
            "kind",
            "annual_result__department__name",
            "person__full_name",
            "person__username",
            "person__employee_number",
            "state",
            "decision",
            "changed_to",
            "notified_on",
            "decided_on",
        )
    )
    incompetent = annual_grades.get(AnnualGrade.INCOMPETENT, "")
    for kind, department, full_name, username, number, state, decision, changed_to, notified_on, decided_on in cases:
        yield _matter_row(
            case_kinds.get(kind, kind),
            year_result,
            (department, full_name or username, number),
            incompetent,
            _changed(incompetent, annual_grades.get(changed_to, "")),
            "",
            "",
            case_states.get(state, state),
            decision,
            notified_on,
            decided_on,
        )


# --- 结果运用 ---------------------------------------------------------------------------------


def _use_columns(ctx: ExportContext) -> list[Column]:
    return [
        Column(_("类别")),
        Column(_("科室")),
        Column(_("姓名"), TEXT),
        Column(_("工号"), TEXT),
        # The three years before and this one, as the 结果运用 page shows them.
        *(Column(_("%(year)s年度等次") % {"year": ctx.year - back}) for back in (3, 2, 1, 0)),
        # The year's grade is the committee's where decided, else the suggestion: said per row.
        Column(_("委员会已确定")),
        Column(_("“好”的次数"), NUMBER),
        Column(_("平均综合得分"), NUMBER),
    ]


def use_rows(ctx: ExportContext, sheet) -> Iterator[list]:
    """The lists of evaluations.annual's 结果运用 (one query each), each person with the final
    grade of the three years before and this one (the promotion pool's multi-year record), as
    the page shows it."""
    # The lists as the 结果运用 page names and orders them.
    sections = use_sections(annual_use_lists(organisation=ctx.organisation, year=ctx.year))
    grades = _labels(AnnualGrade.choices)
    decided_labels = {True: _("是"), False: _("否（建议，待委员会确定）")}
    for title, queryset, _param, _testid in sections:
        before = {f"y{back}": final_grade_of(ctx.year - back) for back in (3, 2, 1)}
        rows = queryset.annotate(**before).values_list(
            "department__name",
            "person__full_name",
            "person__username",
            "person__employee_number",
            "y3",
            "y2",
            "y1",
            "final",
            "decided_grade",
            "good_quarters",
            "composite_score",
        )
        for department, full_name, username, number, *years, decided, good, score in rows.iterator(chunk_size=CHUNK):
            yield [
                title,
                department or "",
                full_name or username,
                number,
                *(grades.get(grade, "") if grade else "" for grade in years),
                decided_labels[bool(decided)],
                good,
                score,
            ]


# --- The workbook ----------------------------------------------------------------------------

SHEETS: list[Sheet] = [
    Sheet(lambda: _("年度汇总"), _people_columns, people_rows),
    Sheet(lambda: _("科室统计"), _department_columns, department_rows),
    Sheet(lambda: _("纪律检查"), _discipline_columns, discipline_rows),
    Sheet(lambda: _("公示与异议"), _publicity_columns, publicity_rows),
    Sheet(lambda: _("结果运用"), _use_columns, use_rows),
]


def _write_sheet(workbook: Workbook, spec: Sheet, ctx: ExportContext) -> int:
    """One sheet through :func:`accounts.excel.write_table` (widths from content, frozen bold header,
    print titles, autofilter). Returns the data rows written."""
    sheet = new_sheet(workbook, spec.title())
    return write_table(sheet, [column.header for column in spec.columns(ctx)], spec.rows(ctx, sheet))


def write_workbook(
    target: str | IO[bytes],
    *,
    organisation: Organisation,
    year: int,
    progress: Progress | None = None,
    sheets: Iterable[Sheet] | None = None,
) -> dict[str, int]:
    """Write the year's workbook to ``target`` (a path or a binary file); returns row counts per sheet."""
    ctx = ExportContext.build(organisation=organisation, year=year, progress=progress)
    workbook = Workbook(write_only=True)
    written: dict[str, int] = {}
    ctx.progress(5, _("正在导出年度汇总……"))
    for spec in sheets if sheets is not None else SHEETS:
        written[spec.title()] = _write_sheet(workbook, spec, ctx)
    ctx.progress(95, _("正在保存文件……"))
    workbook.save(target)
    written["people"] = ctx.counts.get("people", 0)
    return written
