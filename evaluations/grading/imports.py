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
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.excel import MAX_ROWS, NO, YES, Columns, cell_reader, format_row_errors, parse_yes_no, read_sheet
from accounts.models import Department, Organisation, User

from .models import ServiceEventKind

MIN_YEAR, MAX_YEAR = 2000, 2100
SCORE_MIN, SCORE_MAX = Decimal("0"), Decimal("100")
HELP_SHEET_TITLE = "说明"

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
    "q1": 1,
    "q2": 2,
    "q3": 3,
    "q4": 4,
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


@dataclass
class SatisfactionRow:
    row_number: int
    year: int
    quarter: int
    department: Department | None
    person: User | None
    score: Decimal


@dataclass
class ServiceEventRow:
    row_number: int
    date: datetime.date
    person: User
    kind: str
    description: str
    handled: bool | None


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


def _parse_date(text: str) -> datetime.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _people_by_number(organisation: Organisation, numbers: set[str]) -> dict[str, User]:
    """Only this organisation's people: another agency's 工号 is simply unknown here."""
    if not numbers:
        return {}
    return {
        person.employee_number: person
        for person in User.objects.filter(organisation=organisation, employee_number__in=numbers).select_related(
            "department"
        )
    }


def _finish(errors: list[tuple[int, str]], parsed: list) -> tuple[list, list[str]]:
    if errors:
        return [], format_row_errors(errors)
    return parsed, []


# --- Satisfaction scores --------------------------------------------------------------------


def parse_satisfaction_workbook(*, organisation: Organisation, file) -> tuple[list[SatisfactionRow], list[str]]:
    """Validate every row of a satisfaction-score workbook; return the clean rows and all errors."""
    positions, data, file_error = read_sheet(file, columns=SATISFACTION_COLUMNS, sheet_title=SATISFACTION_SHEET_TITLE)
    if file_error:
        return [], [file_error]

    departments = list(Department.objects.filter(organisation=organisation))
    by_name = {d.name: d for d in departments}
    by_code = {d.code.lower(): d for d in departments}
    numbers = {cell_reader(positions, values)("employee_number") for _row, values in data} - {""}
    people = _people_by_number(organisation, numbers)

    errors: list[tuple[int, str]] = []
    parsed: list[SatisfactionRow] = []
    seen: dict[tuple, int] = {}
    for row_number, values in data:
        cell = cell_reader(positions, values)
        row_errors: list[str] = []

        year_text, quarter_text, score_text = cell("year"), cell("quarter"), cell("score")
        department_ref, number = cell("department"), cell("employee_number")

        year = _parse_int(year_text) if year_text else None
        if not year_text:
            row_errors.append(_("年度不能为空"))
        elif year is None or not MIN_YEAR <= year <= MAX_YEAR:
            row_errors.append(_("年度“%(value)s”无效") % {"value": year_text})
            year = None
        quarter = None
        if not quarter_text:
            row_errors.append(_("季度不能为空"))
        else:
            quarter = _QUARTER_WORDS.get(quarter_text.lower()) or _parse_int(quarter_text)
            if quarter not in (1, 2, 3, 4):
                row_errors.append(_("季度“%(value)s”无效，请填1–4") % {"value": quarter_text})
                quarter = None

        department = person = None
        if department_ref and number:
            row_errors.append(_("科室和工号只能填写一项：按科室测评填科室，按个人测评填工号"))
        elif not department_ref and not number:
            row_errors.append(_("科室和工号须填写一项"))
        elif department_ref:
            department = by_name.get(department_ref) or by_code.get(department_ref.lower())
            if department is None:
                row_errors.append(_("科室“%(value)s”不存在") % {"value": department_ref})
        else:
            person = people.get(number)
            if person is None:
                row_errors.append(_("工号“%(value)s”在本单位不存在") % {"value": number})

        score = None
        if not score_text:
            row_errors.append(_("得分不能为空"))
        else:
            score, problem = parse_score(score_text)
            if problem:
                row_errors.append(problem)

        target = ("department", department.pk) if department else ("person", person.pk) if person else None
        if year and quarter and target:
            key = (year, quarter, *target)
            first = seen.setdefault(key, row_number)
            if first != row_number:
                row_errors.append(
                    _("%(target)s %(year)d年第%(quarter)d季度的得分在文件中重复（第%(first)d行）")
                    % {"target": department_ref or number, "year": year, "quarter": quarter, "first": first}
                )

        errors.extend((row_number, message) for message in row_errors)
        if not row_errors:
            parsed.append(
                SatisfactionRow(
                    row_number=row_number,
                    year=year,
                    quarter=quarter,
                    department=department,
                    person=person,
                    score=score,
                )
            )
    return _finish(errors, parsed)


# --- Service events -------------------------------------------------------------------------


def parse_service_event_workbook(*, organisation: Organisation, file) -> tuple[list[ServiceEventRow], list[str]]:
    """Validate every row of a praise/complaint workbook; return the clean rows and all errors."""
    positions, data, file_error = read_sheet(file, columns=EVENT_COLUMNS, sheet_title=EVENT_SHEET_TITLE)
    if file_error:
        return [], [file_error]

    numbers = {cell_reader(positions, values)("employee_number") for _row, values in data} - {""}
    people = _people_by_number(organisation, numbers)
    description_limit = 2000
    today = timezone.localdate()

    errors: list[tuple[int, str]] = []
    parsed: list[ServiceEventRow] = []
    seen: dict[tuple, int] = {}
    for row_number, values in data:
        cell = cell_reader(positions, values)
        row_errors: list[str] = []
        date_text, number, kind_text = cell("date"), cell("employee_number"), cell("kind")
        description, handled_text = cell("description"), cell("handled")

        date = None
        if not date_text:
            row_errors.append(_("日期不能为空"))
        else:
            date = _parse_date(date_text)
            if date is None:
                row_errors.append(_("日期“%(value)s”无效，请按 2026-03-15 的格式填写") % {"value": date_text})
            elif date > today:
                row_errors.append(_("日期%(value)s晚于今天") % {"value": date.isoformat()})
                date = None

        person = None
        if not number:
            row_errors.append(_("工号不能为空"))
        else:
            person = people.get(number)
            if person is None:
                row_errors.append(_("工号“%(value)s”在本单位不存在") % {"value": number})

        kind = None
        if not kind_text:
            row_errors.append(_("类别不能为空"))
        else:
            kind = _KIND_WORDS.get(kind_text.lower())
            if kind is None:
                row_errors.append(_("类别“%(value)s”无效，请填“表扬”或“投诉”") % {"value": kind_text})

        if not description:
            row_errors.append(_("事由不能为空"))
        elif len(description) > description_limit:
            row_errors.append(_("事由不能超过%(n)d个字符") % {"n": description_limit})

        handled = None
        if kind == ServiceEventKind.COMPLAINT:
            if not handled_text:
                row_errors.append(_("投诉须填写是否已处理（是/否）"))
            else:
                handled = parse_yes_no(handled_text, yes=_HANDLED_WORDS, no=_UNHANDLED_WORDS)
                if handled is None:
                    row_errors.append(_("是否已处理“%(value)s”无效，请填“是”或“否”") % {"value": handled_text})
        elif kind == ServiceEventKind.PRAISE and handled_text:
            row_errors.append(_("表扬不填写是否已处理"))

        if date and person and kind and description:
            key = (date, person.pk, kind, description)
            first = seen.setdefault(key, row_number)
            if first != row_number:
                row_errors.append(_("与第%(first)d行重复（日期、工号、类别、事由均相同）") % {"first": first})

        errors.extend((row_number, message) for message in row_errors)
        if not row_errors:
            parsed.append(
                ServiceEventRow(
                    row_number=row_number,
                    date=date,
                    person=person,
                    kind=kind,
                    description=description,
                    handled=handled,
                )
            )
    return _finish(errors, parsed)


# --- Templates ------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _header_row(sheet, columns: Columns, widths: dict[str, int], text_columns: tuple[str, ...]) -> dict[str, str]:
    letters = {}
    for index, (name, header, required) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=f"{header}*" if required else header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(index)
        letters[name] = letter
        sheet.column_dimensions[letter].width = widths.get(name, 14)
        if name in text_columns:
            # Text format, so 工号 such as 001 keep their leading zeros.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    return letters


def _list_validation(sheet, letter: str, options: list[str]) -> None:
    validation = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(options)),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("输入无效"),
        error=_("请从下拉列表中选择。"),
    )
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")


def _help_sheet(workbook, *, sheet_title: str, columns: Columns, descriptions: dict[str, str], example: list):
    help_sheet = workbook.create_sheet(HELP_SHEET_TITLE)
    help_sheet.column_dimensions["A"].width = 16
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 70
    help_sheet.append([_("填写说明")])
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet.append(
        [
            _(
                "在“%(sheet)s”工作表中从第2行起每行填写一条，不要修改第1行表头。"
                "带 * 的列必须填写。每次最多导入%(max)d行。"
                "导入前会校验全部行，任何一行有误则不导入任何数据。"
            )
            % {"sheet": sheet_title, "max": MAX_ROWS}
        ]
    )
    help_sheet.append([])
    help_sheet.append([_("列名"), _("必填"), _("说明")])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for name, header, required in columns:
        help_sheet.append([header, YES if required else NO, descriptions[name]])
    help_sheet.append([])
    help_sheet.append([_("示例（请勿在本表填写）")])
    help_sheet[f"A{help_sheet.max_row}"].font = Font(bold=True)
    help_sheet.append([header for _name, header, _required in columns])
    help_sheet.append(example)
    return help_sheet


def _workbook_bytes(workbook) -> bytes:
    for row in workbook[HELP_SHEET_TITLE].iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_satisfaction_template(*, organisation: Organisation) -> bytes:
    """An empty satisfaction-score template with a 说明 sheet listing the organisation's departments."""
    departments = list(
        Department.objects.filter(organisation=organisation, is_active=True).order_by("sort_order", "code")
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SATISFACTION_SHEET_TITLE
    letters = _header_row(sheet, SATISFACTION_COLUMNS, {"department": 24}, ("employee_number", "department"))
    _list_validation(sheet, letters["quarter"], ["1", "2", "3", "4"])
    descriptions = {
        "year": _("如 2026。"),
        "quarter": _("填 1、2、3 或 4。"),
        "department": _("按科室测评时填写本单位科室的名称或编码（见下方科室列表），此时工号留空。"),
        "employee_number": _("按个人测评时填写本单位人员的工号，此时科室留空。"),
        "score": _("0–100，最多两位小数。个人得分优先于其所在科室的得分。"),
    }
    example_department = departments[0].name if departments else _("办公室")
    help_sheet = _help_sheet(
        workbook,
        sheet_title=SATISFACTION_SHEET_TITLE,
        columns=SATISFACTION_COLUMNS,
        descriptions=descriptions,
        example=[2026, 1, example_department, "", 95.5],
    )
    help_sheet.append([2026, 1, "", "1001", 98])
    help_sheet.append([_("再次导入同一季度、同一科室或人员的得分时更新原得分，不会重复新建。")])
    help_sheet.append([])
    help_sheet.append([_("本单位科室（%(org)s）") % {"org": organisation.name}])
    help_sheet[f"A{help_sheet.max_row}"].font = Font(bold=True)
    help_sheet.append([_("科室名称"), _("科室编码")])
    for department in departments:
        help_sheet.append([department.name, department.code])
    return _workbook_bytes(workbook)


def build_service_event_template(*, organisation: Organisation) -> bytes:
    """An empty praise/complaint template with a 说明 sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = EVENT_SHEET_TITLE
    letters = _header_row(sheet, EVENT_COLUMNS, {"date": 14, "description": 50}, ("employee_number",))
    _list_validation(sheet, letters["kind"], ["表扬", "投诉"])
    _list_validation(sheet, letters["handled"], [YES, NO])
    descriptions = {
        "date": _("事件日期，如 2026-03-15，不能晚于今天。"),
        "employee_number": _("本单位人员的工号。"),
        "kind": _("填“表扬”或“投诉”。"),
        "description": _("表扬或投诉的事由。"),
        "handled": _("仅投诉填写“是”或“否”；表扬留空。"),
    }
    help_sheet = _help_sheet(
        workbook,
        sheet_title=EVENT_SHEET_TITLE,
        columns=EVENT_COLUMNS,
        descriptions=descriptions,
        example=["2026-03-15", "1001", "表扬", _("群众来信表扬办事热情"), ""],
    )
    help_sheet.append(["2026-03-20", "1002", "投诉", _("窗口服务态度生硬"), YES])
    help_sheet.append([_("再次导入日期、工号、类别、事由均相同的记录时只更新“是否已处理”，不会重复新建。")])
    return _workbook_bytes(workbook)
