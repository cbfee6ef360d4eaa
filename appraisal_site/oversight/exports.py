"""The oversight figures as an Excel workbook (openpyxl write-only, through accounts.excel.write_table)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts.excel import new_sheet, workbook_file, write_table
from accounts.text import quarter_list

from .selectors import Figures


def headers() -> list[str]:
    return [
        _("单位"),
        _("单位编码"),
        _("参加考核人数"),
        _("“好”"),
        _("较好"),
        _("一般"),
        _("较差"),
        _("不确定等次"),
        _("未评鉴"),  # as the dashboard and the year workbook name it
        _("“好”的名额"),
        # The quarters rolled up so far (a user test read 90.9 here against the dashboard's 1–11月).
        _("月小结按时率（%，已汇总季度）"),
        _("纪律检查达标月数"),
        _("应检查月数"),
        _("公示次数"),
        _("异议件数"),
        _("年度有等次人数（已确定或建议）"),
        _("其中委员会已确定"),
        _("优秀人数（已确定或建议）"),
        _("优秀名额"),
        _("优秀占比（%）"),
    ]


def _quarterly_cells(item: Figures) -> list:
    """Participants, the grades, the 好 places and the on-time rate; empty for a year whose
    quarters were not appraised in the system (as the page shows "—")."""
    if not item.quarterly:
        return [None] * (3 + len(item.grade_counts))
    return [item.participants, *item.grade_counts, item.good_quota, item.on_time_rate]


def figures_workbook(*, figures: list[Figures], year: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, _("%(year)s年度各单位考核概况") % {"year": year})
    # After the page's columns: the quarters counted while still being graded (the page says so
    # under the organisation's name).
    write_table(
        sheet,
        [*headers(), _("评鉴中的季度（等次未经审批）")],
        (
            [
                item.organisation.name,
                item.organisation.code,
                *_quarterly_cells(item),
                # No month due (a year before the organisation began): empty, the page's —.
                item.months_compliant if item.months_due else None,
                item.months_due or None,
                item.publications,
                item.objections,
                item.annual_graded,
                item.annual_decided,
                item.excellent,
                item.excellent_quota,
                item.excellent_share,
                quarter_list(item.open_quarters) if item.quarterly else None,
            ]
            for item in figures
        ),
    )
    return workbook_file(workbook)
