"""HR's grading inputs: satisfaction scores and praise/complaint events, by hand or from Excel."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts import excel, periods
from accounts.decorators import permission_required
from accounts.pages import confirm_then, form_page, import_page, xlsx_download
from accounts.pagination import filtered_page

from .. import imports
from ..forms_inputs import (
    SatisfactionFilter,
    SatisfactionScoreForm,
    ServiceEventFilter,
    ServiceEventForm,
)
from ..models import SatisfactionScore, ServiceEvent
from ..services import inputs as services

PAGE_SIZE = 25
PERM = "evaluations.manage_inputs"


def _get_score_for_hr(request: HttpRequest, pk: int) -> SatisfactionScore:
    """A score of HR's own organisation; another agency's id is a 404, so it is not confirmed to exist."""
    return get_object_or_404(
        SatisfactionScore.objects.select_related("department", "person"),
        pk=pk,
        organisation_id=request.user.organisation_id,
    )


def _get_event_for_hr(request: HttpRequest, pk: int) -> ServiceEvent:
    return get_object_or_404(
        ServiceEvent.objects.select_related("person"), pk=pk, organisation_id=request.user.organisation_id
    )


def _filter_data(request: HttpRequest) -> QueryDict:
    """The lists open on the current quarter; a submitted filter (even an empty year) wins."""
    data = request.GET.copy()
    if "year" not in data and "quarter" not in data:
        current = periods.Quarter.current()
        data["year"], data["quarter"] = str(current.year), str(current.quarter)
    return data


# --- Satisfaction scores --------------------------------------------------------------------


@permission_required(PERM)
def satisfaction_list(request: HttpRequest) -> HttpResponse:
    data = _filter_data(request)
    queryset = services.satisfaction_scores_for_list(organisation_id=request.user.organisation_id)
    filterset = SatisfactionFilter(data, queryset=queryset, organisation=request.user.organisation)
    # 录入得分 opens on the quarter the list shows.
    quarter = urlencode({"year": data.get("year", ""), "quarter": data.get("quarter", "")})
    create_url = f"{reverse('evaluations:satisfaction_create')}?{quarter}"
    context = filtered_page(request, filterset, data=data, per_page=PAGE_SIZE)
    _mark_closed(request, context["page"], lambda score: periods.Quarter(score.year, score.quarter))
    return render(request, "evaluations/inputs/satisfaction_list.html", {**context, "create_url": create_url})


def _mark_closed(request: HttpRequest, rows, quarter_of) -> None:
    """Set ``row.closed`` on each row of an approved quarter, whose edit controls the page hides (one query)."""
    rows = list(rows)
    closed = periods.locked_quarters(request.user.organisation_id, [quarter_of(row) for row in rows])
    for row in rows:
        row.closed = quarter_of(row) in closed


@never_cache
@permission_required(PERM)
def satisfaction_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """录入得分 (opening on the quarter the list showed), or a score to correct (``pk``)."""
    score = _get_score_for_hr(request, pk) if pk is not None else None
    initial = {}
    if score is None:
        current = periods.Quarter.current()
        initial = {
            "year": request.GET.get("year") or current.year,
            "quarter": request.GET.get("quarter") or current.quarter,
        }
    form = SatisfactionScoreForm(
        request.POST or None, instance=score, initial=initial, organisation=request.user.organisation
    )
    return form_page(
        request,
        form,
        save=lambda: services.satisfaction_save(score=form.instance, entered_by=request.user),
        success=lambda saved: _("满意度得分已保存：%(score)s") % {"score": services.satisfaction_label(saved)},
        done=lambda saved: f"{reverse('evaluations:satisfaction_list')}?year={saved.year}&quarter={saved.quarter}",
        template="evaluations/inputs/satisfaction_form.html",
        context={"score": score},
    )


@permission_required(PERM)
def satisfaction_delete(request: HttpRequest, pk: int) -> HttpResponse:
    score = _get_score_for_hr(request, pk)
    return confirm_then(
        request,
        act=lambda: services.satisfaction_delete(score=score),
        success=_("满意度得分已删除：%(score)s") % {"score": services.satisfaction_label(score)},
        back_url=f"{reverse('evaluations:satisfaction_list')}?year={score.year}&quarter={score.quarter}",
        title=_("删除满意度得分"),
        confirm_label=_("确定删除"),
        message=_("确定删除%(target)s %(quarter)s的满意度得分%(score)s吗？")
        % {
            "target": score.person or score.department,
            "quarter": periods.Quarter(score.year, score.quarter).label,
            "score": score.score,
        },
    )


# --- Praise and complaints ------------------------------------------------------------------


@permission_required(PERM)
def event_list(request: HttpRequest) -> HttpResponse:
    data = _filter_data(request)
    queryset = services.service_events_for_list(organisation_id=request.user.organisation_id)
    filterset = ServiceEventFilter(data, queryset=queryset, organisation=request.user.organisation)
    context = filtered_page(request, filterset, data=data, per_page=PAGE_SIZE)
    _mark_closed(request, context["page"], lambda event: periods.Quarter.of(event.date))
    return render(request, "evaluations/inputs/event_list.html", context)


@never_cache
@permission_required(PERM)
def event_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new praise or complaint, or one to correct (``pk``)."""
    event = _get_event_for_hr(request, pk) if pk is not None else None
    form = ServiceEventForm(request.POST or None, instance=event, organisation=request.user.organisation)
    return form_page(
        request,
        form,
        save=lambda: services.service_event_save(event=form.instance, entered_by=request.user),
        success=lambda saved: _("已保存：%(event)s") % {"event": saved},
        done=lambda saved: reverse("evaluations:event_list"),
        template="evaluations/inputs/event_form.html",
        context={"event": event},
    )


@permission_required(PERM)
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event_for_hr(request, pk)
    return confirm_then(
        request,
        act=lambda: services.service_event_delete(event=event),
        success=_("已删除：%(event)s") % {"event": event},
        back_url=reverse("evaluations:event_list"),
        title=_("删除表扬或投诉"),
        confirm_label=_("确定删除"),
        message=_("确定删除%(date)s %(person)s的%(kind)s记录吗？")
        % {"date": event.date.isoformat(), "person": event.person, "kind": event.get_kind_display()},
        detail=event.description,
    )


# --- Excel imports: each kind's template download and upload page -------------------------


def _imported_list_link(list_url: str, quarters: frozenset[periods.Quarter]) -> dict:
    """The result page's list link, filtered to what the import wrote: its quarter when all rows
    are of one, else all quarters of its year, else every year. Unfiltered, the list would open on
    the current quarter, where an import of an earlier quarter's rows seems to have done nothing."""
    if not quarters:
        return {}
    years = {q.year for q in quarters}
    filters = {
        "year": next(iter(years)) if len(years) == 1 else "",
        "quarter": next(iter(quarters)).quarter if len(quarters) == 1 else "",
    }
    link = {"list_url": f"{list_url}?{urlencode(filters)}"}
    if len(quarters) == 1:
        link["list_label"] = _("查看%(quarter)s的列表") % {"quarter": next(iter(quarters)).label}
    return link


def _import_views(*, urls: str, kind: str, title: str, build_template, template_filename: str, parse, write):
    """The two views of one kind of input's Excel import: the download of its template
    (``build_template``, sent as ``template_filename``) and its upload page with the result.
    ``urls`` is the prefix of the kind's URL names (``<urls>_list``, ``<urls>_import``,
    ``<urls>_import_template``)."""

    @permission_required(PERM)
    def import_template(request: HttpRequest) -> HttpResponse:
        content = build_template(organisation=request.user.organisation)
        return xlsx_download(request, content, template_filename)

    @never_cache
    @permission_required(PERM)
    @excel.excel_upload_limited
    def upload(request: HttpRequest) -> HttpResponse:
        """Validate every row first; import nothing unless all rows are valid."""
        organisation = request.user.organisation
        list_url = reverse(f"evaluations:{urls}_list")
        return import_page(
            request,
            parse=parse,
            write=lambda rows: write(organisation=organisation, rows=rows, entered_by=request.user),
            result_context=lambda result: _imported_list_link(list_url, result.quarters),
            context={
                "title": title,
                "kind": kind,
                "list_url": list_url,
                "template_url": reverse(f"evaluations:{urls}_import_template"),
                "import_url": reverse(f"evaluations:{urls}_import"),
            },
            template="evaluations/inputs/import.html",
            result_template="evaluations/inputs/import_result.html",
        )

    return import_template, upload


satisfaction_import_template, satisfaction_import = _import_views(
    urls="satisfaction",
    kind="satisfaction",
    title=gettext_lazy("导入满意度测评"),
    build_template=imports.build_satisfaction_template,
    template_filename="satisfaction_import_template.xlsx",
    parse=imports.parse_satisfaction_workbook,
    write=services.satisfaction_import,
)
event_import_template, event_import = _import_views(
    urls="event",
    kind="events",
    title=gettext_lazy("导入表扬与投诉"),
    build_template=imports.build_service_event_template,
    template_filename="service_event_import_template.xlsx",
    parse=imports.parse_service_event_workbook,
    write=services.service_event_import,
)
