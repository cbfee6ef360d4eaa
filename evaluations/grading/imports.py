"""Excel import of the grading inputs HR enters each quarter: satisfaction scores and service events.

The same two steps as the staff import (:mod:`accounts.imports`):

1. ``parse_*_workbook`` reads the uploaded ``.xlsx`` and validates *every* row against the
   organisation without writing anything; it returns the clean rows and all errors in Chinese,
   each naming its Excel row number.
2. The services in :mod:`evaluations.grading.services.inputs` write the clean rows in one transaction.

``build_*_template`` produce the templates HR fills in. Reading the file, cell text, row numbering
and the file limits are shared with the staff import through :mod:`accounts.excel`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django import forms
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from accounts import periods
from accounts.excel import (
    NO,
    YES,
    Columns,
    RowForm,
    cell_reader,
    department_list,
    format_row_errors,
    help_paragraph,
    help_sheet_for,
    list_validation,
    optional_text,
    parse_rows,
    parse_yes_no,
    read_sheet,
    required_text,
    template_departments,
    template_workbook,
    workbook_bytes,
)
from accounts.models import Department, Organisation, User
from accounts.text import code

from .models import ServiceEventKind
from .services.inputs import (
    SCORE_MAX,
    SCORE_MIN,
    SatisfactionRow,
    ServiceEventRow,
    closed_message,
    satisfaction_check,
    service_event_check,
)

MIN_YEAR, MAX_YEAR = 2000, 2100

# Columns: (field, header, required); headers are part of the file format (see accounts.excel).
SATISFACTION_SHEET_TITLE = "满意度测评"
SATISFACTION_COLUMNS: Columns = (
    ("year", "年度", True),
    ("quarter", "季度", True),
    ("department", "科室", False),
    ("employee_number", "工号", False),
    ("score", "得分", True),
)

EVENT_SHEET_TITLE = "表扬与投诉"
EVENT_COLUMNS: Columns = (
    ("date", "日期", True),
    ("employee_number", "工号", True),
    ("kind", "类别", True),
    ("description", "事由", True),
    ("handled", "是否已处理", False),
)

# The file is Chinese whatever the UI language, so the kinds are matched on fixed words.
_KIND_WORDS = {
    "表扬": ServiceEventKind.PRAISE,
    "praise": ServiceEventKind.PRAISE,
    "投诉": ServiceEventKind.COMPLAINT,
    "complaint": ServiceEventKind.COMPLAINT,
}
# 是否已处理 takes the usual 是/否 words (accounts.excel) and these.
_HANDLED_WORDS = {"已处理"}
_UNHANDLED_WORDS = {"未处理"}
_QUARTER_WORDS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "第一季度": 1,
    "第二季度": 2,
    "第三季度": 3,
    "第四季度": 4,
    "第1季度": 1,
    "第2季度": 2,
    "第3季度": 3,
    "第4季度": 4,
    "q1": 1,
    "q2": 2,
    "q3": 3,
    "q4": 4,
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


# --- Reading --------------------------------------------------------------------------------


def _parse_int(text: str) -> int | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return int(number) if number == number.to_integral_value() else None


def parse_score(text: str) -> tuple[Decimal | None, str | None]:
    """A 0–100 score with at most two decimals, or the reason it is not one."""
    try:
        score = Decimal(text)
    except InvalidOperation:
        return None, _("得分“%(value)s”不是数字") % {"value": text}
    if not score.is_finite():
        return None, _("得分“%(value)s”不是数字") % {"value": text}
    if score < SCORE_MIN or score > SCORE_MAX:
        return None, _("得分%(value)s超出范围（0–100）") % {"value": text}
    if score != score.quantize(Decimal("0.01")):
        return None, _("得分“%(value)s”最多保留两位小数") % {"value": text}
    return score.quantize(Decimal("0.01")), None


def _parse_year(text: str) -> int | None:
    year = _parse_int(text)
    return year if year is not None and MIN_YEAR <= year <= MAX_YEAR else None


def _parse_quarter(text: str) -> int | None:
    quarter = _QUARTER_WORDS.get(text.lower()) or _parse_int(text)
    return quarter if quarter in (1, 2, 3, 4) else None


def _parse_date(text: str) -> datetime.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _number_key(number: str) -> str:
    """A 工号 as compared: full-width as half-width, whatever the case (as the staff register has it)."""
    return code(number).upper()


def _people_by_number(organisation: Organisation, data, positions) -> dict[str, User]:
    """Only this organisation's people, by :func:`_number_key`: another agency's 工号 is simply
    unknown here."""
    numbers = {_number_key(cell_reader(positions, values)("employee_number")) for _row, values in data} - {""}
    if not numbers:
        return {}
    people = User.objects.annotate(number=Upper("employee_number")).filter(
        organisation=organisation, number__in=numbers
    )
    return {person.number: person for person in people.select_related("department")}


# The services call the 工号 column's person "person".
_SERVICE_NAMES = {"employee_number": "person"}


class _InputRowForm(RowForm):
    """A grading-input row; ``context`` holds the organisation and the file's people by 工号."""

    def _parsed(self, field: str, parse: Callable[[str], object], message: str, *, optional: bool = False):
        """The column's text read by ``parse``; what it cannot read (None) is refused with
        ``message``, which names the value. An empty optional column is None."""
        text = self.cleaned_data[field]
        if optional and not text:
            return None
        value = parse(text)
        if value is None:
            raise forms.ValidationError(message % {"value": text})
        return value

    def clean_employee_number(self) -> User | None:
        return self._parsed(
            "employee_number",
            lambda number: self.context["people"].get(_number_key(number)),
            _("工号“%(value)s”在本单位不存在"),
            optional=True,
        )

    def _note_quarter(self, quarter: periods.Quarter | None) -> None:
        """Remember the row's quarter: an approved quarter is refused once for all its rows
        (:func:`_parse_workbook`), not once per row among the rows' own mistakes."""
        if quarter is not None:
            self.context["quarter_rows"].setdefault(quarter, []).append(self.row_number)

    def _run_check(self, check, *names: str, **values) -> None:
        # The service's rules, exactly as the web form runs them, given the columns ``names`` (by
        # the service's names for them) and ``values``; their messages join the row's, except about
        # a column already refused (its value is missing, not absent).
        values |= {_SERVICE_NAMES.get(name, name): self.cleaned_data.get(name) for name in names}
        refused = {_SERVICE_NAMES.get(name, name) for name in self.errors}
        if refused & {"department", "person"}:
            refused |= {"department", "person"}  # "one of the two" is moot when one was refused
        try:
            check(organisation_id=self.context["organisation"].pk, check_closed=False, **values)
        except forms.ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name not in refused:
                    for message in messages:
                        self.add_error(None, message)


# --- Satisfaction scores --------------------------------------------------------------------


class SatisfactionRowForm(_InputRowForm):
    year = required_text("年度")
    quarter = required_text("季度")
    department = optional_text()
    employee_number = optional_text()
    score = required_text("得分")

    def clean_year(self) -> int:
        return self._parsed("year", _parse_year, _("年度“%(value)s”无效"))

    def clean_quarter(self) -> int:
        return self._parsed("quarter", _parse_quarter, _("季度“%(value)s”无效，请填1–4"))

    def clean_department(self) -> Department | None:
        return self._parsed("department", self._department, _("科室“%(value)s”不存在"), optional=True)

    def _department(self, ref: str) -> Department | None:
        return self.context["by_name"].get(ref) or self.context["by_code"].get(ref.lower())

    def clean_score(self) -> Decimal:
        score, problem = parse_score(self.cleaned_data["score"])
        if problem:
            raise forms.ValidationError(problem)
        return score

    def clean(self):
        cleaned = super().clean()
        # A quarter's score already stored is updated by the import, so only the file is checked for repeats.
        self._run_check(satisfaction_check, "year", "quarter", "department", "employee_number", "score", existing=False)
        if cleaned.get("year") and cleaned.get("quarter"):
            self._note_quarter(periods.Quarter(cleaned["year"], cleaned["quarter"]))
        cleaned["reference"] = self.data.get("department") or self.data.get("employee_number")
        return cleaned


def parse_satisfaction_workbook(*, organisation: Organisation, file) -> tuple[list[SatisfactionRow], list[str]]:
    """Validate every row of a satisfaction-score workbook; return the clean rows and all errors."""

    def target(row: dict) -> tuple:
        department, person = row["department"], row["employee_number"]
        return ("department", department.pk) if department else ("person", person.pk)

    departments = list(Department.objects.filter(organisation=organisation))
    return _parse_workbook(
        file,
        organisation=organisation,
        columns=SATISFACTION_COLUMNS,
        sheet_title=SATISFACTION_SHEET_TITLE,
        form_class=SatisfactionRowForm,
        key=lambda row: (row["year"], row["quarter"], *target(row)),
        repeated=lambda row, first: (
            _("%(target)s %(quarter)s的得分在文件中重复（第%(first)d行）")
            % {
                "target": row["reference"],
                "quarter": periods.Quarter(row["year"], row["quarter"]).label,
                "first": first,
            }
        ),
        make=lambda row_number, row: SatisfactionRow(
            row_number, row["year"], row["quarter"], row["department"], row["employee_number"], row["score"]
        ),
        by_name={d.name: d for d in departments},
        by_code={d.code.lower(): d for d in departments},
    )


# --- Service events -------------------------------------------------------------------------


class ServiceEventRowForm(_InputRowForm):
    date = required_text("日期")
    employee_number = required_text("工号")
    kind = required_text("类别")
    # No length of its own: the service refuses a text beyond the model's limit, the edit form's
    # limit, in the edit form's words ("“事由”不能超过…字").
    description = required_text("事由")
    handled = optional_text()

    def clean_date(self) -> datetime.date:
        return self._parsed("date", _parse_date, _("日期“%(value)s”无效，请按 2026-03-15 的格式填写"))

    def clean_kind(self) -> str:
        return self._parsed(
            "kind", lambda text: _KIND_WORDS.get(text.lower()), _("类别“%(value)s”无效，请填“表扬”或“投诉”")
        )

    def clean_handled(self) -> bool | None:
        return self._parsed(
            "handled",
            lambda text: parse_yes_no(text, yes=_HANDLED_WORDS, no=_UNHANDLED_WORDS),
            _("是否已处理“%(value)s”无效，请填“是”或“否”"),
            optional=True,
        )

    def clean(self):
        cleaned = super().clean()
        self._run_check(service_event_check, "date", "employee_number", "kind", "handled", "description")
        if cleaned.get("date") is not None:
            self._note_quarter(_quarter_of_date(cleaned["date"]))
        return cleaned


def _quarter_of_date(day: datetime.date) -> periods.Quarter | None:
    try:
        return periods.Quarter.of(day)
    except ValueError:  # a year the calendar does not know (the service refuses the date)
        return None


def parse_service_event_workbook(*, organisation: Organisation, file) -> tuple[list[ServiceEventRow], list[str]]:
    """Validate every row of a praise/complaint workbook; return the clean rows and all errors."""
    return _parse_workbook(
        file,
        organisation=organisation,
        columns=EVENT_COLUMNS,
        sheet_title=EVENT_SHEET_TITLE,
        form_class=ServiceEventRowForm,
        key=lambda row: (row["date"], row["employee_number"].pk, row["kind"], row["description"]),
        repeated=lambda row, first: _("与第%(first)d行重复（日期、工号、类别、事由均相同）") % {"first": first},
        make=lambda row_number, row: ServiceEventRow(
            row_number, row["date"], row["employee_number"], row["kind"], row["description"], row["handled"]
        ),
    )


T = TypeVar("T")


def _parse_workbook(
    file,
    *,
    organisation: Organisation,
    columns: Columns,
    sheet_title: str,
    form_class: type[RowForm],
    key: Callable[[dict], tuple],
    repeated: Callable[[dict, int], str],
    make: Callable[[int, dict], T],
    **context,
) -> tuple[list[T], list[str]]:
    """Read an input workbook: every row parsed by ``form_class`` (with ``context`` and the
    organisation's people by 工号), a row with the ``key`` of an earlier one refused with
    ``repeated(row, first row number)``, the others made by ``make(row_number, row)``. All the rows,
    or none and every error: first, once per approved quarter, the rows that fall in it; then each
    row's own mistakes."""
    positions, data, file_error = read_sheet(file, columns=columns, sheet_title=sheet_title)
    if file_error:
        return [], [file_error]
    quarter_rows: dict[periods.Quarter, list[int]] = {}
    cleaned_rows, errors = parse_rows(
        positions,
        data,
        form_class,
        organisation=organisation,
        people=_people_by_number(organisation, data, positions),
        quarter_rows=quarter_rows,
        **context,
    )
    closed = sorted(periods.locked_quarters(organisation, list(quarter_rows)))
    quarter_errors = [
        _("第%(rows)s行：%(error)s") % {"rows": _row_ranges(quarter_rows[quarter]), "error": closed_message(quarter)}
        for quarter in closed
    ]
    parsed: list[T] = []
    seen: dict[tuple, int] = {}
    for row_number, row in cleaned_rows:
        first = seen.setdefault(key(row), row_number)
        if first != row_number:
            errors.append((row_number, repeated(row, first)))
            continue
        parsed.append(make(row_number, row))
    if errors or quarter_errors:
        return [], quarter_errors + format_row_errors(errors)
    return parsed, []


def _row_ranges(numbers: list[int]) -> str:
    """Row numbers as runs: [2, 3, 4, 7] → "2–4、7"."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return _("、").join(str(first) if first == last else f"{first}–{last}" for first, last in runs)


# --- Templates ------------------------------------------------------------------------------


def build_satisfaction_template(*, organisation: Organisation) -> bytes:
    """An empty satisfaction-score template with a 说明 sheet listing the organisation's departments."""
    departments, example_department = template_departments(organisation)
    workbook, sheet, letters = template_workbook(
        sheet_title=SATISFACTION_SHEET_TITLE,
        columns=SATISFACTION_COLUMNS,
        widths={"department": 24},
        text_columns=("employee_number", "department"),
    )
    list_validation(sheet, letters["quarter"], ["1", "2", "3", "4"])
    descriptions = {
        "year": _("如 2026。"),
        "quarter": _("填 1、2、3 或 4；不能填写尚未开始的季度。"),
        "department": _("按科室测评时填写本单位科室的名称或编码（见下方科室列表），此时工号留空。"),
        "employee_number": _("按个人测评时填写本单位人员的工号，此时科室留空。"),
        "score": _("0–100，最多两位小数。个人得分优先于其所在科室的得分。"),
    }
    help_sheet = help_sheet_for(
        workbook,
        sheet_title=SATISFACTION_SHEET_TITLE,
        columns=SATISFACTION_COLUMNS,
        descriptions=descriptions,
        example=[2026, 1, example_department, "", 95.5],
        more_examples=[[2026, 1, "", "1001", 98]],
    )
    help_paragraph(help_sheet, _("再次导入同一季度、同一科室或人员的得分时更新原得分，不会重复新建。"))
    department_list(help_sheet, organisation=organisation, departments=departments)
    return workbook_bytes(workbook)


def build_service_event_template(*, organisation: Organisation) -> bytes:
    """An empty praise/complaint template with a 说明 sheet."""
    workbook, sheet, letters = template_workbook(
        sheet_title=EVENT_SHEET_TITLE,
        columns=EVENT_COLUMNS,
        widths={"date": 14, "description": 50},
        text_columns=("employee_number",),
    )
    list_validation(sheet, letters["kind"], ["表扬", "投诉"])
    list_validation(sheet, letters["handled"], [YES, NO])
    descriptions = {
        "date": _("事件日期，如 2026-03-15，不能晚于今天。"),
        "employee_number": _("本单位人员的工号。"),
        "kind": _("填“表扬”或“投诉”。"),
        "description": _("表扬或投诉的事由。"),
        "handled": _("仅投诉填写“是”或“否”；表扬留空。"),
    }
    help_sheet = help_sheet_for(
        workbook,
        sheet_title=EVENT_SHEET_TITLE,
        columns=EVENT_COLUMNS,
        descriptions=descriptions,
        example=["2026-03-15", "1001", "表扬", _("群众来信表扬办事热情"), ""],
        more_examples=[["2026-03-20", "1002", "投诉", _("窗口服务态度生硬"), YES]],
    )
    help_paragraph(help_sheet, _("再次导入日期、工号、类别、事由均相同的记录时只更新“是否已处理”，不会重复新建。"))
    return workbook_bytes(workbook)
