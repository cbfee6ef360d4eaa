"""/oversight/: the bureau's read-only figures of the organisations it oversees, and their workbook."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import periods
from accounts.audit import record_event
from accounts.decorators import permission_required
from accounts.listing import export_filename
from accounts.pagination import page_of

from . import exports, selectors

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> int:
    """``?year=`` within the calendar's years, else the current year."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and periods.MIN_YEAR <= int(raw) <= periods.MAX_YEAR:
        return int(raw)
    return periods.year_at_work()


@permission_required("accounts.view_oversight")
def index(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    page = page_of(request, selectors.overseen_organisations(bureau_user=request.user), per_page=PAGE_SIZE)
    figures = selectors.organisation_figures(organisations=list(page), year=year, today=periods.today())
    return render(
        request,
        "oversight/index.html",
        {
            "year": year,
            "years": range(year - 3, year + 2),
            "page": page,
            "figures": figures,
            "any_before_system": any(not item.quarterly for item in figures),
            "any_open": any(item.quarterly and item.open_quarters for item in figures),
            "query": f"year={year}",
            "headers": exports.headers(),
        },
    )


@permission_required("accounts.view_oversight")
def export(request: HttpRequest, year: int) -> HttpResponse:
    organisations = list(selectors.overseen_organisations(bureau_user=request.user))
    figures = selectors.organisation_figures(organisations=organisations, year=year, today=periods.today())
    name = export_filename(_("%(year)s年度") % {"year": year}, _("各单位考核概况"))
    record_event(event="export", obj=request.user.organisation, request=request, label=name)
    response = HttpResponse(exports.figures_workbook(figures=figures, year=year), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
