"""The roster as an Excel workbook (write-only mode: flat memory for any size)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .review import RosterRow


def _text(sheet, value) -> WriteOnlyCell:
    # User text is always written as text: openpyxl would store "=…" as a formula.
    cell = WriteOnlyCell(sheet, value=str(value) if value is not None else "")
    cell.data_type = "s"
    return cell


def roster_workbook(*, rows: list[RosterRow], year: int, month: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("%(year)s年%(month)s月") % {"year": year, "month": month})
    sheet.append([_("科室"), _("工号"), _("姓名"), _("月小结"), _("月小结迟交"), _("季度目标"), _("季度目标逾期")])
    yes, no = _("是"), _("否")
    for row in rows:
        sheet.append(
            [
                _text(sheet, row.person.department),
                _text(sheet, row.person.employee_number),
                _text(sheet, row.person.get_full_name()),
                _text(sheet, row.summary_label),
                yes if row.summary_late else no,
                _text(sheet, row.targets_label),
                yes if row.targets_late else no,
            ]
        )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
