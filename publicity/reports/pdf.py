"""The record forms (DOMAIN.md §7) as PDF, through accounts.pdf (WeasyPrint, zh-CN, Noto CJK SC):

- 平时考核登记表: one person's quarter (targets and completion, the monthly summaries in brief,
  indicator scores where used, the grade, the evaluator's comment, the leader's confirmation and
  the approval);
- the annual summary: one person's year (four quarters, the annual grade and its reasons);
- 结果汇总表: one department's quarter;
- a department's 登记表 as one PDF, a page per person.

The quarter forms are built by :func:`quarter_forms` for one person or a whole department in the
same fixed number of queries (a batch never queries per person).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext, pgettext

from accounts.listing import safe_file_name
from accounts.models import Department, User
from accounts.pdf import pdf_render
from accounts.periods import Quarter
from evaluations.annual.models import AnnualResult
from evaluations.discipline.models import Finding
from evaluations.discipline.selectors import findings_about
from evaluations.grading.models import (
    AppraisalQuarter,
    Grade,
    GradeReview,
    IndicatorScore,
    QuarterGrade,
    QuarterState,
)
from summaries.models import MonthlySummary, SummaryProgress
from targets.models import TargetItem

SUMMARY_BRIEF_CHARS = 120


@dataclass
class QuarterForm:
    person: User
    department: Department | None
    year: int
    quarter: int
    grade: QuarterGrade | None
    appraisal_quarter: AppraisalQuarter | None
    # Whether the grade, comment and scores may be shown (the person's own form before approval: no).
    show_grade: bool = True
    targets: list[TargetItem] = field(default_factory=list)
    summaries: list[MonthlySummary] = field(default_factory=list)
    scores: list[IndicatorScore] = field(default_factory=list)
    # The quarter's inspection findings about the person (not on their own copy).
    findings: list[Finding] = field(default_factory=list)


# The recorded reviews after 定等 of the forms' grades, in order, with who recorded each.
_REVIEWS = GradeReview.objects.select_related("reviewed_by").order_by("reviewed_at", "pk")


def quarter_forms(
    *, year: int, quarter: int, person: User | None = None, department: Department | None = None, own: bool = False
) -> list[QuarterForm]:
    """The 登记表 of one person, or of everyone graded in ``department`` that quarter (by employee
    number). ``own``: the person reads their own form, which shows the grade only once the agency
    head approved the quarter (as their own history page does), and no inspection findings (the
    others' copies list the quarter's findings about the person). Six queries whatever the size."""
    organisation_id = (person or department).organisation_id
    appraisal_quarter = (
        AppraisalQuarter.objects.filter(organisation_id=organisation_id, year=year, quarter=quarter)
        .select_related("approved_by")
        .first()
    )
    # With the recorded reviews after 定等 (复核): the form says who changed the grade since, and why
    # (a user test read HR's change credited to the evaluator).
    grades = (
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter)
        .select_related("person", "department", "evaluator", "confirmed_by")
        .prefetch_related(Prefetch("reviews", queryset=_REVIEWS))
    )
    if person is not None:
        grade = grades.filter(person=person).first() if appraisal_quarter else None
        forms = [
            QuarterForm(
                person=person,
                department=grade.department if grade else person.department,
                year=year,
                quarter=quarter,
                grade=grade,
                appraisal_quarter=appraisal_quarter,
            )
        ]
    else:
        rows = grades.filter(department=department).order_by("person__employee_number", "person_id")
        forms = [
            QuarterForm(
                person=g.person,
                department=g.department,
                year=year,
                quarter=quarter,
                grade=g,
                appraisal_quarter=appraisal_quarter,
            )
            for g in (rows if appraisal_quarter else [])
        ]
    if own and (appraisal_quarter is None or appraisal_quarter.state != QuarterState.APPROVED):
        for form in forms:
            form.show_grade = False
    by_person = {form.person.pk: form for form in forms}
    if not by_person:
        return forms
    ids = list(by_person)
    _attach_targets(by_person, ids=ids, year=year, quarter=quarter)
    months = Quarter(year, quarter).months
    summaries = (
        MonthlySummary.objects.filter(owner_id__in=ids, year=year, month__in=months)
        .prefetch_related(Prefetch("progress_notes", queryset=SummaryProgress.objects.order_by("sort_order", "pk")))
        .order_by("owner_id", "month")
    )
    for summary in summaries:
        by_person[summary.owner_id].summaries.append(summary)
    if not own:
        period = Quarter(year, quarter)
        for person_id, found in findings_about(
            person_ids=ids, first_day=period.first_day, last_day=period.last_day
        ).items():
            by_person[person_id].findings = found
    graded = {form.grade.pk: form for form in forms if form.grade is not None and form.show_grade}
    if graded:
        for score in (
            IndicatorScore.objects.filter(quarter_grade_id__in=list(graded))
            .select_related("indicator")
            .order_by("indicator__sort_order", "indicator_id")
        ):
            graded[score.quarter_grade_id].scores.append(score)
    return forms


def _attach_targets(by_person: dict[int, QuarterForm], *, ids: list[int], year: int, quarter: int) -> None:
    for owner_id, item in (
        (item.target_set.owner_id, item)
        for item in TargetItem.objects.filter(
            target_set__owner_id__in=ids, target_set__year=year, target_set__quarter=quarter
        )
        .select_related("target_set")
        .order_by("target_set__owner_id", "sort_order", "pk")
    ):
        by_person[owner_id].targets.append(item)


def person_quarter_pdf(*, person: User, year: int, quarter: int, own: bool = False) -> bytes:
    forms = quarter_forms(year=year, quarter=quarter, person=person, own=own)
    return pdf_render(template_name="publicity/reports/quarter_forms.pdf.html", context={"forms": forms})


def department_forms_pdf(*, department: Department, year: int, quarter: int) -> bytes:
    forms = quarter_forms(year=year, quarter=quarter, department=department)
    return pdf_render(
        template_name="publicity/reports/quarter_forms.pdf.html",
        context={"forms": forms, "department": department, "year": year, "quarter": quarter},
    )


def pdf_filename(whose: str, period: str, title: str) -> str:
    """A form's file name in the reader's language: whose, of which period, what (就业促进科-2026年第3季度
    平时考核登记表.pdf; in English Q3_2026_Routine_appraisal_record_form, a user test's English PDF
    came with the Chinese name), cleaned as every download's (``accounts.listing.safe_file_name``)."""
    name = pgettext("a form's file name", "%(whose)s-%(period)s%(title)s") % {
        "whose": whose,
        "period": period,
        "title": title,
    }
    return safe_file_name(name) + ".pdf"


def department_forms_filename(department: Department, year: int, quarter: int) -> str:
    return pdf_filename(department.name, Quarter(year, quarter).label, gettext("平时考核登记表"))


# --- The annual summary ----------------------------------------------------------------------


@dataclass
class AnnualSummary:
    person: User
    year: int
    quarters: list[tuple[int, QuarterGrade | None]]
    result: AnnualResult | None
    show_suggestion: bool
    # The year's result's department (that of the last quarter graded), else today's: the
    # workbook's 年度汇总 names the same (a user test read a moved person's two ways).
    department: Department | None = None


def annual_summary(*, person: User, year: int, own: bool = False) -> AnnualSummary:
    """One person's year: the four quarters and the annual result. The person's own copy shows
    approved quarters and a decided grade only (a suggestion is not a result)."""
    grades = QuarterGrade.objects.filter(
        person=person, appraisal_quarter__organisation_id=person.organisation_id, appraisal_quarter__year=year
    ).select_related("appraisal_quarter", "department")
    if own:
        grades = grades.filter(appraisal_quarter__state=QuarterState.APPROVED)
    by_quarter = {g.appraisal_quarter.quarter: g for g in grades}
    results = AnnualResult.objects.filter(person=person, organisation_id=person.organisation_id, year=year)
    result = results.select_related("department").first()
    department = result.department if result is not None and result.department_id else person.department
    if own and result is not None and not result.decided_grade:
        result = None
    return AnnualSummary(
        person=person,
        year=year,
        quarters=[(q, by_quarter.get(q)) for q in (1, 2, 3, 4)],
        result=result,
        show_suggestion=not own,
        department=department,
    )


def person_year_pdf(*, person: User, year: int, own: bool = False) -> bytes:
    return pdf_render(
        template_name="publicity/reports/annual_summary.pdf.html",
        context={"summary": annual_summary(person=person, year=year, own=own)},
    )


# --- 结果汇总表 ------------------------------------------------------------------------------


def department_summary_pdf(*, department: Department, year: int, quarter: int) -> bytes:
    appraisal_quarter = (
        AppraisalQuarter.objects.filter(organisation_id=department.organisation_id, year=year, quarter=quarter)
        .select_related("approved_by")
        .first()
    )
    rows = list(
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, department=department)
        .select_related("person", "evaluator", "confirmed_by")
        .order_by("person__employee_number", "person_id")
    )
    counts = Counter(row.grade for row in rows)
    distribution = [(label, counts.get(value, 0)) for value, label in Grade.choices]
    return pdf_render(
        template_name="publicity/reports/department_summary.pdf.html",
        context={
            "department": department,
            "year": year,
            "quarter": quarter,
            "appraisal_quarter": appraisal_quarter,
            "rows": rows,
            "distribution": distribution,
            "ungraded": counts.get("", 0),
        },
    )
