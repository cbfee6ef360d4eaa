"""The inspections and sanctions lists, sortable and exportable (accounts.listing): the query the
page shows, which its 导出Excel button and the export job write as well."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import listing
from accounts.listing import ListRows, Sheet
from accounts.models import User
from accounts.text import join_list

from . import selectors
from .forms import InspectionFilter
from .forms_veto import SanctionFilter
from .models import Finding, Inspection, Sanction, SanctionEffect

INSPECTION_SORT = {
    "date": "date",
    "kind": "kind",
    "inspector": "inspector__full_name",
    "findings": ("finding_count", "serious_count"),
}
SANCTION_SORT = {
    "decided": "decided_on",
    "person": "person__full_name",
    "department": ("person__department__sort_order", "person__department__code"),
    "kind": "kind",
    "closed": "closed_on",
}
INSPECTIONS_EXPORT = "evaluations.inspections"
SANCTIONS_EXPORT = "evaluations.sanctions"


def inspections(viewer: User, data: QueryDict):
    """The inspections list's filter (the viewer's organisation) and its sort, newest first by default."""
    queryset = selectors.inspections_for_list(organisation_id=viewer.organisation_id)
    queryset, sorting = listing.sort_queryset(queryset, data, keys=INSPECTION_SORT, default="-date")
    return InspectionFilter(data, queryset=queryset, organisation=viewer.organisation), sorting


def sanctions(viewer: User, data: QueryDict):
    """The sanctions list's filter and its sort, the latest decision first by default."""
    queryset = selectors.sanctions_for_list(organisation_id=viewer.organisation_id)
    queryset, sorting = listing.sort_queryset(queryset, data, keys=SANCTION_SORT, default="-decided")
    return SanctionFilter(data, queryset=queryset, organisation=viewer.organisation), sorting


def _inspection_headers() -> list[str]:
    return [_("检查日期"), _("检查类别"), _("检查科室"), _("检查人"), _("发现问题"), _("其中严重"), _("说明")]


def _inspection_row(inspection: Inspection) -> list:
    return [
        inspection.date,
        inspection.get_kind_display(),
        join_list(d.name for d in inspection.departments.all()),
        inspection.inspector.get_full_name() if inspection.inspector_id else "",
        inspection.finding_count,
        inspection.serious_count,
        inspection.note,
    ]


def _finding_row(finding: Finding) -> list:
    return [
        finding.inspection.date,
        finding.inspection.get_kind_display(),
        finding.person.get_full_name() if finding.person_id else "",
        finding.person.employee_number if finding.person_id else "",
        finding.department.name
        if finding.department_id
        else (finding.person.department.name if finding.person_id and finding.person.department_id else ""),
        finding.get_severity_display(),
        finding.description,
        finding.evidence,
    ]


def _findings_sheet(inspections_shown) -> Iterator[Sheet]:
    """Every finding of the inspections exported, one a row: who or which department, how serious,
    what (the list's sheet counts them; this says what they were). Often longer than the list: its
    rows count towards the download-or-job decision (accounts.listing.workbook_rows)."""
    findings = (
        Finding.objects.filter(inspection__in=inspections_shown.order_by().values("pk"))
        .select_related("inspection", "person__department", "department")
        .order_by("-inspection__date", "inspection_id", "pk")
    )
    headers = [
        _("检查日期"),
        _("检查类别"),
        _("姓名"),
        _("工号"),
        _("科室"),
        _("严重程度"),
        _("问题描述"),
        _("证据说明"),
    ]
    yield Sheet(title=_("检查发现"), headers=headers, items=findings, row=_finding_row)


@listing.exportable(
    INSPECTIONS_EXPORT,
    gettext_lazy("纪律作风检查"),
    "evaluations.view_inspections",
    "evaluations:inspections",
    _inspection_headers,
)
def _inspections_build(viewer: User, data: QueryDict, kwargs: dict) -> ListRows:
    filterset, _sorting = inspections(viewer, data)
    return ListRows(items=filterset.qs, row=_inspection_row, extra_sheets=lambda: _findings_sheet(filterset.qs))


def _sanction_headers() -> list[str]:
    return [
        _("决定日期"),
        _("姓名"),
        _("工号"),
        _("科室"),
        _("类别"),
        _("结案/解除日期"),
        _("对年度考核的影响"),
        _("说明"),
    ]


@listing.exportable(
    SANCTIONS_EXPORT,
    gettext_lazy("处分与组织处理"),
    "evaluations.manage_sanctions",
    "evaluations:sanction_list",
    _sanction_headers,
)
def _sanctions_build(viewer: User, data: QueryDict, kwargs: dict) -> ListRows:
    filterset, _sorting = sanctions(viewer, data)
    effects = selectors.sanction_rules(organisation=viewer.organisation)

    def row(sanction: Sanction) -> list:
        person = sanction.person
        return [
            sanction.decided_on,
            person.get_full_name(),
            person.employee_number,
            str(person.department) if person.department_id else "",
            sanction.get_kind_display(),
            sanction.closed_on,
            SanctionEffect(effects[sanction.kind]).label,
            sanction.note,
        ]

    return ListRows(items=filterset.qs, row=row)


listing.register_filters(InspectionFilter, SanctionFilter)
