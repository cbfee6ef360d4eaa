"""The annual list and the result-use lists, sortable and exportable (accounts.listing): the query
the page shows, which its 导出Excel button and the export job write as well."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import listing
from accounts.listing import ListRows
from accounts.models import User
from accounts.person_columns import person_cells, person_headers

from . import selectors, services
from .forms import AnnualFilter
from .models import AnnualGrade, AnnualResult

GRADE_ORDER = [value for value, _label in AnnualGrade.choices]
BY_DEPARTMENT = ("department__sort_order", "department__code", "person__employee_number")
ANNUAL_SORT = {
    "department": ("department__sort_order", "department__code", "rank", "person__employee_number"),
    "name": "person__full_name",
    "score": "-composite_score",
    "rank": "rank",
    "suggested": listing.choice_order("suggested_grade", GRADE_ORDER),
    "decided": listing.choice_order("decided_grade", GRADE_ORDER),
}
USE_SORT = {
    "department": BY_DEPARTMENT,
    "name": "person__full_name",
    "grade": listing.choice_order("final", GRADE_ORDER),
}
ANNUAL_EXPORT = "evaluations.annual"
USE_EXPORT = "evaluations.annual_use"


class AnnualListFilter(AnnualFilter):
    """The annual page's filter, which also tells its empty page apart: nobody matches the filter
    (the year has results), or the year has no results yet (a roll-up, 重新计算, is due)."""

    @cached_property
    def year_has_results(self) -> bool:
        # Read only when the page is empty: a full page asks nothing more.
        return self.queryset.exists()


def annual_list(viewer: User, data: QueryDict, year: int):
    """The year's results as the annual page lists them: its filter (with the data it was bound
    to) and its sort. Opened without a filter, a large organisation's list opens on its first
    department (its sort over every person of the year took about a second at 100 000); 全部
    chosen in the form still lists everyone."""
    organisation = viewer.organisation
    queryset = services.annual_results_for_year(organisation=organisation, year=year)
    queryset, sorting = listing.sort_queryset(queryset, data, keys=ANNUAL_SORT, default="department")
    if not set(data) - {"page", listing.SORT_PARAM}:
        first = selectors.annual_first_department_if_large(organisation=organisation, year=year)
        if first is not None:
            data = data.copy()
            data["department"] = str(first)
    return AnnualListFilter(data, queryset=queryset, organisation=organisation), sorting, data


def _annual_headers() -> list[str]:
    return [
        *person_headers(),
        _("季度等次"),
        _("平均综合得分"),
        _("优秀排序"),
        _("建议等次"),
        _("建议理由"),
        _("确定等次"),
        _("确定理由"),
    ]


@listing.exportable(
    ANNUAL_EXPORT, gettext_lazy("年度考核结果"), "evaluations.view_annual", "evaluations:annual", _annual_headers
)
def _annual_build(viewer: User, data: QueryDict, kwargs: dict) -> ListRows:
    year = int(kwargs["year"])
    filterset, _sorting, _data = annual_list(viewer, data, year)
    records: dict[int, str] = {}

    def prepare(batch: list[AnnualResult]) -> None:
        records.clear()
        records.update(
            services.quarter_records(
                person_ids=[r.person_id for r in batch], organisation=viewer.organisation, year=year
            )
        )

    def row(result: AnnualResult) -> list:
        return [
            *person_cells(result.person, result.department),
            records.get(result.person_id, "—/—/—/—"),
            result.composite_score,
            result.rank,
            result.get_suggested_grade_display(),
            "；".join(str(reason) for reason in result.suggestion_reasons or []),
            result.get_decided_grade_display() if result.decided_grade else _("待确定"),
            result.decision_reason,
        ]

    return ListRows(items=filterset.qs, row=row, prepare=prepare, period=str(year))


def use_lists(viewer: User, data: QueryDict, year: int):
    """The result-use lists, each sorted as ``?sort=`` asks (one sort for every list; until a
    column is chosen each keeps its own order: the award list by rank, the others by department)."""
    lists = services.annual_use_lists(organisation=viewer.organisation, year=year)
    sorting = None
    for name in ("excellent", "award", "promotion_pool", "three_years_excellent", "admonition", "dismissal_review"):
        queryset, sorting = listing.sort_queryset(getattr(lists, name), data, keys=USE_SORT, default=None)
        setattr(lists, name, queryset)
    return lists, sorting


def use_sections(lists) -> list[tuple[str, object, str, str]]:
    """(title, rows, page parameter, test id) of each list of the page, in its order."""
    return [
        (_("评先树优候选人（年度优秀及创新突破）"), lists.award, "award", "award-list"),
        (_("培训推荐（中青班等，年度优秀）"), lists.excellent, "training", "training-list"),
        (_("连续三年优秀（记三等功）"), lists.three_years_excellent, "merit", "merit-list"),
        (_("基本称职（诫勉谈话）"), lists.admonition, "admonition", "admonition-list"),
        (_("连续两年不称职（辞退审查）"), lists.dismissal_review, "dismissal", "dismissal-list"),
        (_("选拔培养储备（连续两年及以上优秀）"), lists.promotion_pool, "pool", "promotion-pool"),
    ]


def _use_headers() -> list[str]:
    return [_("名单"), *person_headers(), _("年度等次"), _("委员会已确定")]


@listing.exportable(
    USE_EXPORT, gettext_lazy("年度考核结果运用"), "evaluations.view_annual", "evaluations:annual_use", _use_headers
)
def _use_build(viewer: User, data: QueryDict, kwargs: dict) -> ListRows:
    year = int(kwargs["year"])
    lists, _sorting = use_lists(viewer, data, year)
    items = [(title, result) for title, rows, _param, _testid in use_sections(lists) for result in rows]
    labels = dict(AnnualGrade.choices)

    def row(item) -> list:
        title, result = item
        return [
            title,
            *person_cells(result.person, result.department),
            str(labels.get(result.final, "")),
            bool(result.decided_grade),
        ]

    return ListRows(items=items, row=row, period=str(year))


listing.register_filters(AnnualFilter)
