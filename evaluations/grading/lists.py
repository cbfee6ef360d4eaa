"""A quarter's roll-up results (the person rows), sortable and exportable (accounts.listing), and
its department stats (the page's table and the export's second sheet)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import listing
from accounts.listing import ListRows, Sheet
from accounts.models import User
from accounts.person_columns import person_cells, person_headers
from accounts.text import join_list

from .models import AppraisalQuarter, DepartmentQuarterStats, Grade, QuarterResult
from .services import rollup as services

ROLLUP_SORT = {
    "department": ("department__sort_order", "department__code", "person__employee_number"),
    "name": "person__full_name",
    "grade": listing.choice_order("final_grade", [value for value, _label in Grade.choices]),
    "score": "composite_score",
    "completion": "completion_rate",
}
ROLLUP_EXPORT = "evaluations.rollup_results"


def quarter_for(viewer: User, pk: int) -> AppraisalQuarter:
    """A quarter of the viewer's organisation; another organisation's pk is a 404."""
    quarter = AppraisalQuarter.objects.filter(pk=pk, organisation_id=viewer.organisation_id).first()
    if quarter is None:
        raise Http404
    return quarter


def rollup_results(appraisal_quarter: AppraisalQuarter, data: QueryDict):
    """The quarter's person rows, sorted as ``?sort=`` asks (by department by default)."""
    queryset = QuarterResult.objects.filter(appraisal_quarter=appraisal_quarter).select_related("person", "department")
    return listing.sort_queryset(queryset, data, keys=ROLLUP_SORT, default="department")


def department_stats(appraisal_quarter: AppraisalQuarter) -> QuerySet[DepartmentQuarterStats]:
    """The quarter's figures per department, in the departments' order: one row a department,
    counted by the roll-up from the same results as the person rows (one query, whatever the staff)."""
    return (
        DepartmentQuarterStats.objects.filter(appraisal_quarter=appraisal_quarter)
        .select_related("department")
        .order_by("department__sort_order", "department__code", "department_id")
    )


def _department_sheet(appraisal_quarter: AppraisalQuarter) -> Iterator[Sheet]:
    headers = [
        _("科室"),
        _("人数"),
        _("好"),
        _("较好"),
        _("一般"),
        _("较差"),
        _("不确定等次"),
        _("未评鉴"),
        _("好等次占比（%，不含不确定等次）"),
        _("月小结按时率（%）"),
    ]
    yield Sheet(title=_("科室统计"), headers=headers, items=department_stats(appraisal_quarter), row=_department_row)


def _department_row(stats: DepartmentQuarterStats) -> list:
    return [
        stats.department.name,
        stats.people,
        stats.good,
        stats.fairly_good,
        stats.average,
        stats.poor,
        stats.uncertain,
        stats.ungraded,
        stats.good_share,
        stats.summaries_on_time_rate,
    ]


def _headers() -> list[str]:
    return [
        *person_headers(),
        _("等次"),
        _("综合得分"),
        _("目标完成率（%）"),
        _("月小结按时"),
        _("月小结迟交"),
        _("月小结未交"),
        _("表扬"),
        _("投诉"),
        _("提示"),
    ]


def _row(result: QuarterResult) -> list:
    return [
        *person_cells(result.person, result.department),
        result.get_final_grade_display(),
        result.composite_score,
        result.completion_rate,
        result.summaries_on_time,
        result.summaries_late,
        result.summaries_missing,
        result.praise_count,
        result.complaint_count,
        join_list(str(services.FLAG_LABELS.get(flag, flag)) for flag in result.flags),
    ]


@listing.exportable(
    ROLLUP_EXPORT, gettext_lazy("汇总结果"), "evaluations.run_rollup", "evaluations:rollup_results", _headers
)
def _build(viewer: User, data: QueryDict, kwargs: dict) -> ListRows:
    quarter = quarter_for(viewer, int(kwargs["pk"]))
    queryset, _sorting = rollup_results(quarter, data)
    return ListRows(
        items=queryset,
        row=_row,
        period=quarter.period.label,
        extra_sheets=lambda: _department_sheet(quarter),
    )
