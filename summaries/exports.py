"""The roster as an Excel workbook (write-only mode: flat memory for any size)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts.excel import text_cell

from .review import RosterRow


def roster_workbook(*, rows: list[RosterRow], year: int, month: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("%(year)s年%(month)s月") % {"year": year, "month": month})
    sheet.append([_("科室"), _("工号"), _("姓名"), _("月小结"), _("月小结迟交"), _("季度目标"), _("季度目标逾期")])
    yes, no = _("是"), _("否")
    for row in rows:
        sheet.append(
            [
                text_cell(sheet, row.person.department),
                text_cell(sheet, row.person.employee_number),
                text_cell(sheet, row.person.get_full_name()),
                text_cell(sheet, row.summary_label),
                yes if row.summary_late else no,
                text_cell(sheet, row.targets_label),
                yes if row.targets_late else no,
            ]
        )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
