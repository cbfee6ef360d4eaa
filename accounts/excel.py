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

Writing: :func:`new_sheet` makes a sheet with a safe title; :func:`write_table` writes a table the one
way every workbook of the application is formatted (widths from content, bold frozen header, print
titles, autofilter, landscape when wide), each value through :func:`cell_value` (text never a formula
or an error, control characters removed, dates as dates). The import templates' 说明 sheet is
:func:`help_sheet_for`; :func:`workbook_bytes` checks a template again for formulas.

The column headers and messages are part of the file format, so they are Chinese whatever the UI
language; the messages still go through gettext like the rest of the project.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import islice

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .models import Department, Organisation
from .selectors import departments_of
from .storage import upload_limited
from .text import SingleLineCharField, join_list, multi_line, single_line

MAX_ROWS = 5000
MAX_FILE_BYTES = 10 * 1024 * 1024


def file_too_large_message(max_file_bytes: int = MAX_FILE_BYTES) -> str:
    """The refusal of a file over the limit, stating it (read_sheet, and the upload views' body check)."""
    return _("文件过大（超过%(mb)dMB），请分批导入。") % {"mb": max_file_bytes // (1024 * 1024)}


# The upload bound of every Excel import view: a body over the file limit is refused unread.
excel_upload_limited = upload_limited(limit=MAX_FILE_BYTES, message=lambda request: file_too_large_message())


def _unreadable_message() -> str:
    return _("无法读取文件：请上传 Excel（.xlsx）格式的文件，建议使用本页提供的导入模板填写。")


# Checked in the zip before openpyxl parses anything: a small file may unpack to gigabytes.
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
MAX_SHARED_STRINGS = 200_000
# Columns read from a sheet (every template has far fewer): openpyxl pads each row up to its last
# cell, so one value in column XFD would make every row 16 384 values wide.
MAX_COLUMNS = 50
# Excel's own last row: a row numbered beyond it (r="999999999") is not read, nor the blank rows
# openpyxl would make up before it.
EXCEL_MAX_ROWS = 1_048_576
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

    Dates become ISO text (a midnight datetime just the date); an ideographic space counts as a space;
    a character the file stores escaped (``_x000b_``) is that character again, for the form to clean.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # A whole number as its digits, up to Excel's 15 significant ones; beyond them the cell never
        # held those digits (a security test's 1e308 came back in a message as 309 of them).
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return _unescape(str(value)).replace("\u3000", " ").strip()


# How an .xlsx stores a character XML cannot hold (LibreOffice writes U+000B as "_x000b_"); "_x005F_"
# escapes a literal underscore that would otherwise start such a sequence.
_ESCAPED_CHARACTER = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    if "_x" not in text:
        return text
    return _ESCAPED_CHARACTER.sub(lambda m: chr(int(m.group(1), 16)), text)


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


# An element by its local name whatever its namespace prefix (<row>, <x:row>, <x-s.1:row>): the
# prefix is any XML name, so anything up to a colon that cannot end a tag.
_PREFIX = rb"(?:[^\s<>/:=\"'!?]+:)?"
_ROW_TAG = re.compile(rb"<" + _PREFIX + rb"row[\s>/]")
_STRING_TAG = re.compile(rb"<" + _PREFIX + rb"si[\s>/]")
_CELL_TAG = re.compile(rb"<" + _PREFIX + rb"c[\s>/]")
# A formula cell saved without its computed value (a file written by a program, never opened in a
# spreadsheet): openpyxl reads it as empty, so the row would be refused for an "empty" cell the clerk
# sees filled in Excel (a user test). The cell (its column and row), its formula, then no value (or
# openpyxl's <v />), then the cell's end; not <v></v>, a formula whose value is the empty text
# (=IF(A2="","",…)), as Excel saves it.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<" + _PREFIX + rb"c\b[^>]*?\br=[\"']([A-Z]{1,3})([0-9]+)[\"'][^>]*>\s*"
    rb"(?:<" + _PREFIX + rb"f\b[^>]*/>|<" + _PREFIX + rb"f\b[^>]*>[^<]*</" + _PREFIX + rb"f>)\s*"
    rb"(?:<" + _PREFIX + rb"v\s*/>)?\s*</" + _PREFIX + rb"c>"
)
# How many such cells are looked for in a sheet (the message names the first few).
_FORMULAS_SOUGHT = 50
_COUNT_ATTRIBUTE = re.compile(rb"<" + _PREFIX + rb"sst\b[^>]*?\b(?:uniqueCount|count)=[\"'](\d+)[\"']")


def _count_tags(archive: zipfile.ZipFile, name: str, pattern: re.Pattern, limit: int) -> int:
    """How many ``pattern`` tags the member holds, read in chunks (never parsed); stops past ``limit``."""
    count, tail = 0, b""
    with archive.open(name) as member:
        while chunk := member.read(1 << 16):
            data = tail + chunk
            count += len(pattern.findall(data))
            # Keep a short tail so a tag split across chunks is seen once: drop what was counted.
            last = max((m.end() for m in pattern.finditer(data)), default=0)
            tail = data[max(last, len(data) - 256) :]
            if count > limit:
                break
    return count


def _formulas_without_value(archive: zipfile.ZipFile, name: str) -> list[tuple[str, int]]:
    """The cells (column letters, row) of the member whose formula was saved without its value,
    read in chunks like :func:`_count_tags`; the first :data:`_FORMULAS_SOUGHT`."""
    found: list[tuple[str, int]] = []
    tail = b""
    with archive.open(name) as member:
        while chunk := member.read(1 << 16):
            data = tail + chunk
            last = 0
            for match in _FORMULA_WITHOUT_VALUE.finditer(data):
                found.append((match.group(1).decode(), int(match.group(2))))
                last = match.end()
            tail = data[max(last, len(data) - 1024) :]
            if len(found) >= _FORMULAS_SOUGHT:
                break
    return found[:_FORMULAS_SOUGHT]


def inspect_package(
    file, *, max_rows: int = MAX_ROWS, formulas: dict[str, list[tuple[str, int]]] | None = None
) -> str | None:
    """The refusal of an .xlsx whose unpacked size, row count, cell count or shared-string count is
    over the limits, found in the zip itself before any XML is parsed; None when it may be opened.

    Every member is counted, whatever its name: openpyxl finds the shared strings and the sheets
    through [Content_Types].xml and the workbook's relationships, so a part may be called anything
    (xl/strs.xml); and the elements are counted by local name whatever their namespace prefix.
    A file that is not a zip is left to :func:`read_sheet`'s own "not Excel" message.
    ``formulas``, when given, receives each member's formula cells saved without their value
    (:func:`_formulas_without_value`), for the reader to judge the cells it reads.
    """
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive:
        members = archive.infolist()
        if sum(info.file_size for info in members) > MAX_UNCOMPRESSED_BYTES:
            return _("文件解压后超过%(mb)dMB，无法导入。请只保留需要导入的数据，或分批导入。") % {
                "mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
            }
        # Twice the data-row limit in <row> elements (blank but formatted rows count there too): far
        # more than any file within the limit, so such a sheet is refused before it is parsed. The
        # cells likewise: a sheet holding more than the rows times the columns ever read.
        sheet_rows = 2 * max_rows + 1
        sheet_cells = max_rows * MAX_COLUMNS
        for info in members:
            if info.is_dir():
                continue
            try:
                with archive.open(info) as member:
                    head = member.read(4096)
                declared = _COUNT_ATTRIBUTE.search(head)
                # The declaration may lie (uniqueCount="1" over millions of entries): the entries
                # themselves are counted too, streaming and stopping past the limit.
                strings = max(
                    int(declared.group(1)) if declared else 0,
                    _count_tags(archive, info.filename, _STRING_TAG, MAX_SHARED_STRINGS),
                )
                if strings > MAX_SHARED_STRINGS:
                    return _("文件中的文字条目超过%(max)d条，无法导入。请分批导入。") % {"max": MAX_SHARED_STRINGS}
                if _count_tags(archive, info.filename, _ROW_TAG, sheet_rows) > sheet_rows:
                    return _("数据超过%(max)d行，请分批导入，每次不超过%(max)d行。") % {"max": max_rows}
                if _count_tags(archive, info.filename, _CELL_TAG, sheet_cells) > sheet_cells:
                    return _("单元格超过%(max)d个，请只保留需要导入的列，或分批导入。") % {"max": sheet_cells}
                if formulas is not None and (cells := _formulas_without_value(archive, info.filename)):
                    formulas[info.filename] = cells
            except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, ValueError, NotImplementedError, EOFError):
                return _unreadable_message()  # a damaged or encrypted member: never handed to openpyxl
    return None


class FileError(str):
    """A refusal of the file as a whole (not an .xlsx, too large, a wrong header): the import page shows
    it on its own, not as one of a list of rows to correct."""

    is_file_error = True


def read_sheet(
    file,
    **kwargs,
) -> tuple[dict[str, int], SheetRows, FileError | None]:
    """Header positions and the non-blank data rows (Excel row number, values), or a file-level error.

    Reads the sheet named ``sheet_title``, else the first one. Row 1 is the header: every required
    column must be there, and an unknown or repeated column is refused. ``aliases`` (header → field)
    names a column another way (a list export's header in the reader's language); a header in
    ``ignored`` (an export's read-only column) is skipped and, when ``skipped`` is a list, added to it
    for the page to say so. Blank rows are skipped. A file
    over ``max_file_bytes`` (default :data:`MAX_FILE_BYTES`) or with more than ``max_rows`` data rows
    (default :data:`MAX_ROWS`) is refused; ``empty_message`` replaces the message for a file with a
    header but no data. On any error the positions and rows are empty and the message, in Chinese, is
    a :class:`FileError`.
    """
    positions, data, error = _read_sheet(file, **kwargs)
    return positions, data, FileError(error) if error else None


def _read_sheet(
    file,
    *,
    columns: Columns,
    sheet_title: str,
    max_rows: int | None = None,
    max_file_bytes: int | None = None,
    empty_message: str | None = None,
    aliases: dict[str, str] | None = None,
    ignored: Iterable[str] = (),
    skipped: list[str] | None = None,
) -> tuple[dict[str, int], SheetRows, str | None]:
    max_rows = MAX_ROWS if max_rows is None else max_rows
    max_file_bytes = MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes
    # (Read as header_name reads a cell: "Staff ID" is StaffID.)
    aliases = {header_name(header): name for header, name in (aliases or {}).items()}
    header_to_field = {**aliases, **{header: name for name, header, _required in columns}}
    ignored = frozenset(header_name(header) for header in ignored)
    size = getattr(file, "size", None)
    if size is not None and size > max_file_bytes:
        return {}, [], file_too_large_message(max_file_bytes)
    if hasattr(file, "seek"):
        file.seek(0)
    formulas: dict[str, list[tuple[str, int]]] = {}
    refusal = inspect_package(file, max_rows=max_rows, formulas=formulas)
    if refusal:
        return {}, [], refusal
    if hasattr(file, "seek"):
        file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on files that are not .xlsx
        return {}, [], _unreadable_message()
    try:
        if sheet_title in workbook.sheetnames:
            sheet = workbook[sheet_title]
        else:
            sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return {}, [], _("文件中没有工作表。")
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some programs write a wrong size; read every row instead.
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS, max_row=EXCEL_MAX_ROWS)
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
            if field_name is None and name in ignored:
                if skipped is not None and name not in skipped:
                    skipped.append(name)
            elif field_name is None:
                unknown.append(name)
            elif field_name in positions:
                duplicated.append(name)
            else:
                positions[field_name] = index
        problems = []
        missing = [header for name, header, required in columns if required and name not in positions]
        if missing:
            problems.append(_("缺少必填列：%(cols)s") % {"cols": join_list(missing)})
        if unknown:
            problems.append(_("无法识别的列：%(cols)s") % {"cols": join_list(unknown)})
        if duplicated:
            problems.append(_("重复的列：%(cols)s") % {"cols": join_list(duplicated)})
        if problems:
            return (
                {},
                [],
                _("表头不正确（%(problems)s）。请使用导入模板，不要修改第1行。") % {"problems": "；".join(problems)},
            )

        # A formula saved without its value in a cell this import reads (a data row of a known
        # column) would read as empty: said, naming the cells, rather than "…不能为空" (a user test);
        # one elsewhere in the file (the 说明 sheet, an extra column) is not this import's concern.
        read_columns = {get_column_letter(index + 1) for index in positions.values()}
        unreadable = [
            f"{column}{row}"
            for column, row in formulas.get(getattr(sheet, "_worksheet_path", ""), [])
            if column in read_columns and row > 1
        ]
        if unreadable:
            return (
                {},
                [],
                _(
                    "工作表“%(sheet)s”的单元格%(cells)s是公式，但文件中没有保存其计算结果（常见于由程序生成、"
                    "未在表格软件中保存过的文件），无法读取：请在Excel或WPS中打开并保存后再导入，或将公式改为数值。"
                )
                % {"sheet": sheet.title, "cells": join_list(unreadable[:5]) + ("等" if len(unreadable) > 5 else "")},
            )

        data: SheetRows = []
        for row_number, values in enumerate(rows, start=2):
            # The rows openpyxl makes up for missing row numbers are all None: skipped at C speed.
            if values.count(None) == len(values) or not any(cell_text(v) for v in values):
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


FORMULA_PREFIXES = ("=", "+", "-", "@")
# Control characters, line breaks and tabs: a string holding none of them is written as it is.
_NEEDS_CLEANING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Values written as they are: numbers, dates, booleans, and cells already made.
_KEPT_TYPES = (bool, int, float, Decimal, datetime.date, datetime.time, datetime.timedelta, Cell)
# A string longer than this (in characters) may be wider than a column can be: wrapped.
_WRAP_AFTER = 30


def _as_text(cell) -> None:
    """Make a cell holding a string hold it as text: type "s", and a leading = + - @ quote-prefixed
    (Excel's escape: shown as typed, never turned into a formula when the cell is edited)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True


def text_cell(sheet, value) -> WriteOnlyCell:
    """A cell holding ``value`` as text (None as ""), control characters removed.

    User text is always written as text: openpyxl would otherwise store "=…" as a formula and "#N/A"
    as an error.
    """
    cell = WriteOnlyCell(sheet, value=multi_line(str(value)) if value is not None else "")
    _as_text(cell)
    return cell


DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def cell_value(sheet, value):
    """What a value becomes in a sheet; every cell the application writes goes through here.

    Text is cleaned of control characters (U+000B from Word becomes a line break; openpyxl refuses
    the others), kept as text when it would read as a formula or an error, and wrapped when it has a
    line break or is long. An aware datetime becomes local time (Excel has no time zones); dates,
    datetimes and numbers stay what they are, so a spreadsheet program sorts and sums them.
    """
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)
        # Two-digit hours: openpyxl's default "h:mm:ss" shows 00:19 as 0:19.
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if value is None or isinstance(value, _KEPT_TYPES):
        return value
    if not isinstance(value, str):
        value = str(value)  # a lazy translation, a model instance: its text
    if value:
        if _NEEDS_CLEANING.search(value):
            value = multi_line(value)
        wrap = "\n" in value or len(value) > _WRAP_AFTER
        if value.startswith(FORMULA_PREFIXES) or value in ERROR_CODES:
            cell = text_cell(sheet, value)
        elif wrap:
            cell = WriteOnlyCell(sheet, value=value)
        else:
            return value
        if wrap:
            cell.alignment = WRAP_IN_TABLE
        return cell
    return value


def append_row(sheet, values: Iterable) -> None:
    """Append a row to any sheet, each value through :func:`cell_value` (never a formula)."""
    sheet.append([cell_value(sheet, v) for v in values])


def no_formulas(workbook) -> None:
    """Turn any cell that would be stored as a formula into text: the application writes no formulas."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    _as_text(cell)


# --- Sheets and tables -------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
WRAP = Alignment(wrap_text=True, vertical="top")
# In a table, aligned like the cells beside it (at the bottom).
WRAP_IN_TABLE = Alignment(wrap_text=True)
SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
# Rows read before the column widths are set (a write-only sheet writes its columns first).
WIDTH_SAMPLE_ROWS = 200
# Widths in characters (a CJK character counts two).
MAX_COLUMN_WIDTH = 60
MAX_HEADER_WIDTH = 20
MIN_COLUMN_WIDTH = 6
LINE_HEIGHT = 16  # points per line of 11-point CJK text
# Past this total width the columns do not fit across a portrait A4 page.
LANDSCAPE_FROM_WIDTH = 75


def sheet_title(title: str, *, taken: Iterable[str] = ()) -> str:
    """``title`` as a sheet title every spreadsheet program accepts: no \\ / * ? : [ ] (a translated
    "3/2026" becomes "3-2026"), no control character, no leading or trailing quote, at most 31
    characters, and not one of ``taken`` (compared ignoring case, as Excel does)."""
    text = _SHEET_TITLE_FORBIDDEN.sub("-", single_line(str(title))).strip("'").strip() or "Sheet"
    text = text[:SHEET_TITLE_MAX]
    used = {name.lower() for name in taken}
    candidate, n = text, 1
    while candidate.lower() in used:
        n += 1
        suffix = f"({n})"
        candidate = text[: SHEET_TITLE_MAX - len(suffix)] + suffix
    return candidate


def new_sheet(workbook, title: str):
    """A new sheet of ``workbook`` titled :func:`sheet_title` of ``title``: how every sheet is made."""
    return workbook.create_sheet(sheet_title(title, taken=workbook.sheetnames))


def display_width(value) -> int:
    """How many character widths ``value`` takes in a cell: East Asian wide characters count two
    (就业促进科科长 is 14 wide, not 7), a multi-line text its longest line, a date ten."""
    if isinstance(value, Cell):
        value = value.value
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 19
    if isinstance(value, datetime.date):
        return 10
    if not isinstance(value, str):
        return len(str(value))
    return max(
        (sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in value.split("\n")),
        default=0,
    )


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` characters wide."""
    return sum(max(1, -(-display_width(line) // max(int(width) - 1, 1))) for line in str(text).split("\n"))


def column_widths(headers: list[str], rows: list[list], minimums: Iterable[int] = ()) -> list[int]:
    """Each column's width from its header (a long header wraps) and the widest of ``rows``."""
    widths = [min(display_width(h), MAX_HEADER_WIDTH) for h in headers]
    for index, minimum in enumerate(minimums):
        if index < len(widths):
            widths[index] = max(widths[index], minimum)
    for row in rows:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], display_width(value))
    return [min(max(width + 2, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH) for width in widths]


def _append_sized(sheet, index: int, row: list, widths: list[int]) -> None:
    """Append row ``index``, as tall as its tallest wrapped cell: no spreadsheet program reliably
    sizes a row by itself when it opens a file (LibreOffice showed a two-line name's first line)."""
    lines = 1
    for column, value in enumerate(row[: len(widths)]):
        if isinstance(value, Cell) and isinstance(value.value, str) and value.alignment.wrap_text:
            lines = max(lines, _lines(value.value, widths[column]))
    if lines > 1:
        sheet.row_dimensions[index].height = lines * LINE_HEIGHT + 4
    sheet.append(row)
    if lines > 1 and getattr(sheet.parent, "write_only", False):
        del sheet.row_dimensions[index]  # written: a streamed sheet keeps nothing per row


def write_table(sheet, headers: list[str], rows: Iterable[Iterable], *, min_widths: Iterable[int] = ()) -> int:
    """Write a table on a new sheet: the one formatting of every table the application writes.

    Columns as wide as their content (measured on the header and the first
    :data:`WIDTH_SAMPLE_ROWS` rows, since a write-only sheet must state its columns before its
    rows), a bold header row that stays frozen on screen and is repeated on every printed page,
    landscape when the columns are too wide for a portrait page, an autofilter over the written
    rows, and every value through :func:`cell_value`. Works on write-only sheets (rows are
    streamed; memory stays flat) and ordinary ones. Returns the number of data rows written.
    """
    headers = list(headers)
    rows = iter(rows)
    first = [[cell_value(sheet, v) for v in row] for row in islice(rows, WIDTH_SAMPLE_ROWS)]
    widths = column_widths(headers, first, min_widths)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    if sum(widths) > LANDSCAPE_FROM_WIDTH:
        sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    header_cells = []
    for header in headers:
        cell = text_cell(sheet, header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        header_cells.append(cell)
    _append_sized(sheet, 1, header_cells, widths)
    written = 0
    for row in first:
        written += 1
        _append_sized(sheet, written + 1, row, widths)
    for row in rows:
        written += 1
        _append_sized(sheet, written + 1, [cell_value(sheet, v) for v in row], widths)
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{written + 1}"
    return written


def workbook_file(workbook) -> bytes:
    """A workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Import templates -----------------------------------------------------------------------

HELP_SHEET_TITLE = "说明"
# The 说明 sheet's columns: column name, required, description, example(s).
HELP_WIDTHS = {"A": 14, "B": 10, "C": 50, "D": 22, "E": 22}


def template_header_row(
    sheet, columns: Columns, widths: dict[str, int], text_columns: tuple[str, ...]
) -> dict[str, str]:
    """Row 1 of an import template (required columns marked *) through :func:`write_table`; the letters
    by field. ``widths`` are minimums (the columns are empty); ``text_columns`` are formatted as text,
    so 工号 such as 001 keep their leading zeros."""
    headers = [f"{header}*" if required else header for _name, header, required in columns]
    write_table(sheet, headers, [], min_widths=[widths.get(name, 12) for name, _header, _required in columns])
    letters = {}
    for index, (name, _header, _required) in enumerate(columns, start=1):
        letters[name] = get_column_letter(index)
        if name in text_columns:
            sheet.column_dimensions[letters[name]].number_format = "@"
    return letters


def template_workbook(
    *, sheet_title: str, columns: Columns, widths: dict[str, int], text_columns: tuple[str, ...]
) -> tuple[Workbook, Worksheet, dict[str, str]]:
    """A new import template: the workbook, its data sheet ``sheet_title`` with the header row
    (:func:`template_header_row`), and the column letters by field."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    return workbook, sheet, template_header_row(sheet, columns, widths, text_columns)


def template_departments(organisation: Organisation) -> tuple[list[Department], str]:
    """The organisation's active departments in their order, as a template's 说明 sheet lists them
    (:func:`department_list`), and the department name its example row shows."""
    departments = list(departments_of(organisation=organisation, active_only=True))
    return departments, departments[0].name if departments else _("办公室")


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


def help_paragraph(help_sheet, text: str, *, bold: bool = False, size: int | None = None) -> None:
    """A paragraph of the 说明 sheet: one cell merged across the sheet's columns, wrapped, its row as
    tall as its lines (no spreadsheet program sizes a merged row by itself)."""
    append_row(help_sheet, [text])
    row = help_sheet.max_row
    last = max(HELP_WIDTHS)
    help_sheet.merge_cells(f"A{row}:{last}{row}")
    cell = help_sheet[f"A{row}"]
    cell.alignment = WRAP
    if bold or size:
        cell.font = Font(bold=True, size=size or 11)
    lines = _lines(text, sum(HELP_WIDTHS.values()))
    help_sheet.row_dimensions[row].height = lines * LINE_HEIGHT * max(1, (size or 11) / 11) + 4


def _help_table_header(help_sheet, headers: list[str]) -> None:
    append_row(help_sheet, headers)
    for cell in help_sheet[help_sheet.max_row]:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT


def help_sheet_for(
    workbook,
    *,
    sheet_title: str,
    columns: Columns,
    descriptions: dict[str, str],
    example: list,
    more_examples: Iterable[list] = (),
    one_row_is: str = "",
):
    """The 说明 sheet of an import template: what a row is, then one row per column (name, required,
    rule, example values), every cell wrapped and every row as tall as its text."""
    help_sheet = new_sheet(workbook, HELP_SHEET_TITLE)
    for letter, width in HELP_WIDTHS.items():
        help_sheet.column_dimensions[letter].width = width
    # Printed on landscape pages one sheet wide: a paragraph is never cut between two pages.
    help_sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    help_sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    help_sheet.sheet_properties.pageSetUpPr.fitToPage = True
    help_sheet.page_setup.fitToWidth, help_sheet.page_setup.fitToHeight = 1, 0
    help_paragraph(help_sheet, _("填写说明"), size=14)
    help_paragraph(
        help_sheet,
        _(
            "在“%(sheet)s”工作表中从第2行起每行填写%(what)s，不要修改第1行表头。"
            "带 * 的列必须填写。每次最多导入%(max)d行。"
            "导入前会校验全部行，任何一行有误则不导入任何数据。"
        )
        % {"sheet": sheet_title, "max": MAX_ROWS, "what": one_row_is or _("一条")},
    )
    examples = [example, *more_examples]
    example_headers = (
        [_("示例（请勿在本表填写）")]
        if len(examples) == 1
        else [_("示例%(n)d") % {"n": n} for n in range(1, len(examples) + 1)]
    )
    _help_table_header(help_sheet, [_("列名"), _("必填"), _("说明"), *example_headers])
    for index, (name, header, required) in enumerate(columns):
        values = [row[index] if index < len(row) else "" for row in examples]
        append_row(help_sheet, [header, YES if required else NO, descriptions[name], *values])
        row = help_sheet.max_row
        for cell in help_sheet[row]:
            cell.alignment = WRAP
        tallest = max(
            _lines(cell_text(cell.value), HELP_WIDTHS.get(cell.column_letter, 12)) for cell in help_sheet[row]
        )
        help_sheet.row_dimensions[row].height = tallest * LINE_HEIGHT + 4
    append_row(help_sheet, [])
    return help_sheet


def workbook_bytes(workbook) -> bytes:
    """An import template as .xlsx bytes (no cell a formula)."""
    no_formulas(workbook)
    return workbook_file(workbook)


def department_list(help_sheet, *, organisation, departments) -> int:
    """The organisation's departments (name, code) on the 说明 sheet; returns the first of their rows."""
    append_row(help_sheet, [])
    help_paragraph(help_sheet, _("本单位科室（%(org)s）") % {"org": organisation.name}, bold=True)
    _help_table_header(help_sheet, [_("科室名称"), _("科室编码")])
    first = help_sheet.max_row + 1
    for department in departments:
        append_row(help_sheet, [department.name, department.code])
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

    def __init__(self, cells: dict[str, str], row_number: int | None = None, **context):
        # The row's Excel number, for checks across rows (a value the file repeats names its first row).
        self.row_number = row_number
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
        form = form_class({name: cell(name) for name in form_class.base_fields}, row_number=row_number, **context)
        if form.is_valid():
            parsed.append((row_number, form.cleaned_data))
        else:
            errors.extend((row_number, message) for message in form.row_messages())
    return parsed, errors


# A date as cell_text writes it: the cell held a date, or text that reads as one.
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")


def _not_a_date(header: str) -> Callable[[str], None]:
    """Refuse a date in a column of names and titles: Excel turns "3-1" or "1/2" typed into a cell
    formatted 常规 into a date, and taking it as text would store "2026-03-01" as someone's title."""

    def check(value: str) -> None:
        if _DATE_TEXT.fullmatch(value):
            raise forms.ValidationError(
                _("%(col)s“%(value)s”是日期：Excel可能把输入自动转成了日期，请把该列设为文本格式后重新输入。")
                % {"col": header, "value": value}
            )

    return check


def required_text(header: str, *, no_dates: bool = False, **kwargs) -> forms.CharField:
    """A mandatory text column: "<header>不能为空" when the cell is blank; control characters and
    line breaks become spaces, as in the web forms. ``no_dates``: a date in the cell is refused."""
    validators = [_not_a_date(header)] if no_dates else []
    return SingleLineCharField(
        error_messages={"required": _("%(col)s不能为空") % {"col": header}}, validators=validators, **kwargs
    )


def optional_text(header: str = "", *, no_dates: bool = False, **kwargs) -> forms.CharField:
    validators = [_not_a_date(header)] if no_dates else []
    return SingleLineCharField(required=False, validators=validators, **kwargs)
