"""Shared Excel helpers for the uploads and downloads of the project.

Reading (the staff import in :mod:`accounts.imports`, the grading inputs in
:mod:`evaluations.grading.imports`):

- :func:`read_sheet` opens an uploaded ``.xlsx`` safely (size and row caps, a friendly Chinese
  error for a file that is not Excel or is damaged, header checks) and returns the header
  positions and the non-blank data rows with their Excel row numbers.
- :func:`cell_text` turns a cell value into trimmed text (``1001.0`` becomes ``"1001"``);
  :func:`cell_reader` reads a row's cells by field name.
- :func:`row_error` / :func:`format_row_errors` format the per-row messages ("第N行：…").
- :func:`parse_yes_no` reads 是/否 and their usual spellings.
- :class:`RowForm` / :func:`parse_rows`: each data row is parsed by a Django form, whose field
  cleaning turns the cell text into values and whose ``clean`` calls the same service check the
  web form calls; its errors become the row's messages.

Writing: :func:`text_cell` writes user text into a write-only workbook as text, never as a formula.

The column headers and messages are part of the file format, so they are Chinese whatever the UI
language; the messages still go through gettext like the rest of the project.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable

from django import forms
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

MAX_ROWS = 5000
MAX_FILE_BYTES = 10 * 1024 * 1024
YES = "是"
NO = "否"
# Words every yes/no column accepts (compared in lower case); a column may add its own.
YES_WORDS = frozenset({"是", "y", "yes", "1", "√"})
NO_WORDS = frozenset({"否", "n", "no", "0", "×"})

# (field, header, required). Headers are part of the file format, so they are fixed Chinese strings.
Columns = tuple[tuple[str, str, bool], ...]
SheetRows = list[tuple[int, list]]


def cell_text(value) -> str:
    """A cell value as trimmed text: 1001 and 1001.0 both become "1001", True/False become 是/否.

    Dates become ISO text (a midnight datetime just the date); an ideographic space counts as a space.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def header_name(value) -> str:
    """A header cell as the column name it stands for: spaces and a trailing required mark (* or ＊) dropped."""
    return cell_text(value).replace(" ", "").rstrip("*＊").strip()


def cell_reader(positions: dict[str, int], values: list) -> Callable[[str], str]:
    """A function giving the text of one row's cell by field name ("" for a missing column or cell)."""

    def cell(name: str) -> str:
        index = positions.get(name)
        return cell_text(values[index]) if index is not None and index < len(values) else ""

    return cell


def row_error(row_number: int, message: str) -> str:
    """A message naming its Excel row: "第3行：…"."""
    return _("第%(row)d行：%(error)s") % {"row": row_number, "error": message}


def format_row_errors(errors: Iterable[tuple[int, str]]) -> list[str]:
    """(row number, message) pairs as :func:`row_error` messages, by row; a row's messages keep their order."""
    return [row_error(row_number, message) for row_number, message in sorted(errors, key=lambda item: item[0])]


def parse_yes_no(text: str, *, yes: Iterable[str] = (), no: Iterable[str] = ()) -> bool | None:
    """True for 是 (or y, yes, 1, √), False for 否 (or n, no, 0, ×), else None.

    ``yes`` and ``no`` add a column's own words (lower case); the text is matched case-insensitively.
    """
    lowered = text.lower()
    if lowered in YES_WORDS or lowered in yes:
        return True
    if lowered in NO_WORDS or lowered in no:
        return False
    return None


def read_sheet(
    file,
    *,
    columns: Columns,
    sheet_title: str,
    max_rows: int | None = None,
    max_file_bytes: int | None = None,
    empty_message: str | None = None,
) -> tuple[dict[str, int], SheetRows, str | None]:
    """Header positions and the non-blank data rows (Excel row number, values), or a file-level error.

    Reads the sheet named ``sheet_title``, else the first one. Row 1 is the header: every required
    column must be there, and an unknown or repeated column is refused. Blank rows are skipped. A file
    over ``max_file_bytes`` (default :data:`MAX_FILE_BYTES`) or with more than ``max_rows`` data rows
    (default :data:`MAX_ROWS`) is refused; ``empty_message`` replaces the message for a file with a
    header but no data. On any error the positions and rows are empty and the message is in Chinese.
    """
    max_rows = MAX_ROWS if max_rows is None else max_rows
    max_file_bytes = MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes
    header_to_field = {header: name for name, header, _required in columns}
    size = getattr(file, "size", None)
    if size is not None and size > max_file_bytes:
        return {}, [], _("文件过大（超过%(mb)dMB），请分批导入。") % {"mb": max_file_bytes // (1024 * 1024)}
    if hasattr(file, "seek"):
        file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on files that are not .xlsx
        return {}, [], _("无法读取文件：请上传 Excel（.xlsx）格式的文件，建议使用本页提供的导入模板填写。")
    try:
        if sheet_title in workbook.sheetnames:
            sheet = workbook[sheet_title]
        else:
            sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return {}, [], _("文件中没有工作表。")
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some programs write a wrong size; read every row instead.
        rows = sheet.iter_rows(values_only=True)
        header_values = next(rows, None)
        if header_values is None or not any(cell_text(v) for v in header_values):
            return {}, [], _("文件是空的，或第1行不是表头。请使用导入模板填写。")

        positions: dict[str, int] = {}
        unknown: list[str] = []
        duplicated: list[str] = []
        for index, value in enumerate(header_values):
            name = header_name(value)
            if not name:
                continue
            field_name = header_to_field.get(name)
            if field_name is None:
                unknown.append(name)
            elif field_name in positions:
                duplicated.append(name)
            else:
                positions[field_name] = index
        problems = []
        missing = [header for name, header, required in columns if required and name not in positions]
        if missing:
            problems.append(_("缺少必填列：%(cols)s") % {"cols": "、".join(missing)})
        if unknown:
            problems.append(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
        if duplicated:
            problems.append(_("重复的列：%(cols)s") % {"cols": "、".join(duplicated)})
        if problems:
            return (
                {},
                [],
                _("表头不正确（%(problems)s）。请使用导入模板，不要修改第1行。") % {"problems": "；".join(problems)},
            )

        data: SheetRows = []
        for row_number, values in enumerate(rows, start=2):
            if not any(cell_text(v) for v in values):
                continue
            if len(data) >= max_rows:
                return {}, [], _("数据超过%(max)d行，请分批导入，每次不超过%(max)d行。") % {"max": max_rows}
            data.append((row_number, list(values)))
    except Exception:  # a damaged worksheet inside a valid zip
        return {}, [], _("无法读取文件内容：文件可能已损坏，请使用导入模板重新填写。")
    finally:
        workbook.close()
    if not data:
        return {}, [], empty_message or _("文件中没有数据：请从第2行起填写。")
    return positions, data, None


def text_cell(sheet, value) -> WriteOnlyCell:
    """A write-only-workbook cell holding ``value`` as text (None as "").

    User text is always written as text: openpyxl would otherwise store "=…" as a formula.
    """
    cell = WriteOnlyCell(sheet, value=str(value) if value is not None else "")
    cell.data_type = "s"
    return cell


# --- Import templates -----------------------------------------------------------------------

HELP_SHEET_TITLE = "说明"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def template_header_row(
    sheet, columns: Columns, widths: dict[str, int], text_columns: tuple[str, ...]
) -> dict[str, str]:
    """Row 1 of an import template (required columns marked *), column widths, frozen; the letters by field."""
    letters = {}
    for index, (name, header, required) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=f"{header}*" if required else header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(index)
        letters[name] = letter
        sheet.column_dimensions[letter].width = widths.get(name, 14)
        if name in text_columns:
            # Text format, so 工号 such as 001 keep their leading zeros.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    return letters


def list_validation(sheet, letter: str, options: list[str]) -> None:
    """A drop-down of ``options`` on the column's data rows."""
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


def help_sheet_for(
    workbook, *, sheet_title: str, columns: Columns, descriptions: dict[str, str], example: list, one_row_is: str = ""
):
    """The 说明 sheet of an import template: what a row is, the columns with their rules, an example."""
    help_sheet = workbook.create_sheet(HELP_SHEET_TITLE)
    help_sheet.column_dimensions["A"].width = 16
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 70
    help_sheet.append([_("填写说明")])
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet.append(
        [
            _(
                "在“%(sheet)s”工作表中从第2行起每行填写%(what)s，不要修改第1行表头。"
                "带 * 的列必须填写。每次最多导入%(max)d行。"
                "导入前会校验全部行，任何一行有误则不导入任何数据。"
            )
            % {"sheet": sheet_title, "max": MAX_ROWS, "what": one_row_is or _("一条")}
        ]
    )
    help_sheet.append([])
    help_sheet.append([_("列名"), _("必填"), _("说明")])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for name, header, required in columns:
        help_sheet.append([header, YES if required else NO, descriptions[name]])
    help_sheet.append([])
    help_sheet.append([_("示例（请勿在本表填写）")])
    help_sheet[f"A{help_sheet.max_row}"].font = Font(bold=True)
    help_sheet.append([header for _name, header, _required in columns])
    help_sheet.append(example)
    return help_sheet


def workbook_bytes(workbook) -> bytes:
    """The workbook as .xlsx bytes, its 说明 sheet wrapped."""
    for row in workbook[HELP_SHEET_TITLE].iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def department_list(help_sheet, *, organisation, departments) -> int:
    """The organisation's departments (name, code) on the 说明 sheet; returns the first of their rows."""
    help_sheet.append([])
    help_sheet.append([_("本单位科室（%(org)s）") % {"org": organisation.name}])
    help_sheet[f"A{help_sheet.max_row}"].font = Font(bold=True)
    help_sheet.append([_("科室名称"), _("科室编码")])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    first = help_sheet.max_row + 1
    for department in departments:
        help_sheet.append([department.name, department.code])
    return first


# --- Rows parsed by forms ---------------------------------------------------------------------


class RowForm(forms.Form):
    """One Excel row parsed by a Django form.

    Declare one field per column (the cell text comes in as the field's data; a ``CharField`` with
    ``required`` and a Chinese ``error_messages["required"]`` for the mandatory columns), turn the
    text into values in ``clean_<column>``, and call the service's rule check in ``clean`` so the
    row obeys the same rules as the web form. ``context`` carries what the checks need (the
    organisation, lookup tables built once per file).
    """

    def __init__(self, cells: dict[str, str], **context):
        self.context = context
        super().__init__(data=cells)

    def row_messages(self) -> list[str]:
        """The row's error messages: the columns' in column order, then the rules'."""
        messages = [str(m) for name in self.fields for m in self.errors.get(name, [])]
        messages += [str(m) for m in self.errors.get(forms.forms.NON_FIELD_ERRORS, [])]
        extra = [name for name in self.errors if name not in self.fields and name != forms.forms.NON_FIELD_ERRORS]
        messages += [str(m) for name in extra for m in self.errors[name]]
        return messages


def parse_rows(
    positions: dict[str, int], data: SheetRows, form_class: type[RowForm], **context
) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    """Parse every data row with ``form_class``: (row number, cleaned data) of the valid rows and
    (row number, message) of every error."""
    parsed: list[tuple[int, dict]] = []
    errors: list[tuple[int, str]] = []
    for row_number, values in data:
        cell = cell_reader(positions, values)
        form = form_class({name: cell(name) for name in form_class.base_fields}, **context)
        if form.is_valid():
            parsed.append((row_number, form.cleaned_data))
        else:
            errors.extend((row_number, message) for message in form.row_messages())
    return parsed, errors


def required_text(header: str, **kwargs) -> forms.CharField:
    """A mandatory text column: "<header>不能为空" when the cell is blank."""
    return forms.CharField(error_messages={"required": _("%(col)s不能为空") % {"col": header}}, **kwargs)


def optional_text(**kwargs) -> forms.CharField:
    return forms.CharField(required=False, **kwargs)
