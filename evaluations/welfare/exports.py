"""The year's results as an Excel workbook: the basis for the post subsidy (补贴发放依据).

Streamed (openpyxl write-only through accounts.excel.write_table) from one query read in chunks,
so 400 000 rows take flat memory. A worker recorded as absent from the post is flagged: their
subsidy stops whatever the grade. At the post, it waits (待定) until the result is 已定.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import periods
from accounts.excel import new_sheet, workbook_file, write_table
from accounts.person_columns import person_headers

from .models import WelfareAssessment, WelfareGrade, WelfareStage
from .selectors import with_stage_today

COLUMNS = (
    "department__name",
    "owner__employee_number",
    "owner__full_name",
    "post__post_name",
    "post__agreement_start",
    "post__agreement_end",
    "post__monthly_subsidy",
    "stage_today",
    "grade",
    "renew",
    "post__absent_since",
    "post__absent_note",
)


def headers() -> list[str]:
    return [
        *person_headers(),
        _("岗位"),
        _("协议开始"),
        _("协议截止"),
        _("岗位补贴（元/月）"),
        _("考核环节"),
        _("考核等次"),
        _("续签上岗协议"),
        _("在岗情况"),
        _("补贴发放"),
    ]


def _subsidy(*, stage: str, grade: str) -> str:
    """The subsidy of a worker at the post: 待定 until the result is 已定 (a decision still open to
    objection or correction may change, and a user test read 停发 for a 不合格 in its objection
    window); then 发放, or 停发 for a final 不合格."""
    if stage != WelfareStage.FINAL:
        return _("待定")
    return _("停发") if grade == WelfareGrade.UNQUALIFIED else _("发放")


def result_rows(*, organisation_id: int, year: int, today: date | None = None) -> Iterator[list]:
    """One row per worker of the year, in department and worker order, at their step as of today
    (a result whose window is over is 已定 and paid whether or not the locking job has run)."""
    today = today or periods.today()
    stages = dict(WelfareStage.choices)
    grades = dict(WelfareGrade.choices)
    yes, no = _("续签"), _("不续签")
    rows = (
        with_stage_today(WelfareAssessment.objects.filter(organisation_id=organisation_id, year=year), today=today)
        .order_by("department_id", "owner__employee_number", "pk")
        .values_list(*COLUMNS)
    )
    for department, number, name, post, start, end, subsidy, stage, grade, renew, absent, note in rows.iterator(
        chunk_size=5000
    ):
        if absent is not None:
            presence = _("不在岗（自%(date)s）%(note)s") % {"date": absent.isoformat(), "note": note}
            payment = _("停发")
        else:
            presence = _("在岗")
            payment = _subsidy(stage=stage, grade=grade)
        yield [
            department or "",
            number,
            name,
            post,
            start,
            end,
            subsidy,
            str(stages.get(stage, stage)),
            str(grades.get(grade, "")),
            "" if renew is None else (yes if renew else no),
            presence,
            payment,
        ]


def results_workbook(*, organisation_id: int, year: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, _("%(year)s年度公益性岗位考核结果") % {"year": year})
    write_table(sheet, headers(), result_rows(organisation_id=organisation_id, year=year))
    return workbook_file(workbook)
