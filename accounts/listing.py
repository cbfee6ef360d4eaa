"""The daily list tools, one mechanism for every list page: sort by a column, export what is shown.

Sorting: a page names the columns it sorts by and the fields behind each (a whitelist: anything
else in ``?sort=`` is ignored, so the URL never reaches ``order_by`` unchecked); ``?sort=name``
sorts ascending, ``?sort=-name`` descending, always with the primary key as the last key so pages
never repeat or skip a row. The headers link through ``templates/includes/sort_header.html``::

    queryset, sorting = listing.sort_queryset(queryset, request.GET, keys=STAFF_SORT, default="department")
    {% include "includes/sort_header.html" with link=sorting.links.name label=_("姓名") %}

Export: a room registers a :class:`ListExport` once (``AppConfig.ready()``), naming the
permission, the headers and a ``build`` that returns the rows the page shows for those filters and
that sort (the same selector the view uses). The page's 导出 Excel button posts its query string to
the list's export URL, whose view calls :func:`export_response`: a small list downloads at once, a
large one becomes a background job (accounts.jobs) and the person lands on its progress page. The
job checks the right again when it runs. Every value is written as text or a number or a date,
never a formula (accounts.excel). A ``build`` may add sheets after the list's own
(``ListRows.extra_sheets``: a per-department summary of the rows, say); "small" is the workbook's
rows, every sheet's.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from . import audit, jobs, pages, periods
from .excel import new_sheet, workbook_file, write_table
from .models import Job, User, register_query_filter

SORT_PARAM = "sort"
XLSX = pages.XLSX
# Up to this many rows an export downloads in the request; beyond, it is a background job.
DEFAULT_INLINE_ROWS = 2000
# Rows read from the database at a time (and handed to ``prepare`` together).
CHUNK = 500


# --- Sorting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SortLink:
    """One column header's link: the query string that sorts by it (or reverses it)."""

    key: str
    query: str
    active: bool
    descending: bool


@dataclass(frozen=True)
class Sorting:
    key: str
    descending: bool
    links: dict[str, SortLink]

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def _order(name, descending: bool):
    if not isinstance(name, str):
        # An expression (a grade's rank by :func:`choice_order`, say).
        return name.desc(nulls_last=True) if descending else name.asc(nulls_last=True)
    # A field named "-x" in the whitelist sorts the other way round (newest first when "ascending").
    if name.startswith("-"):
        name, descending = name[1:], not descending
    # Empty values last in both directions, the same on SQLite and PostgreSQL.
    return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)


def choice_order(field: str, values: Sequence[str]) -> Case:
    """Sort a choice field in the order of its choices (优秀 before 称职), not by its stored code."""
    return Case(*(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)), default=Value(len(values)))


def sorting_for(data: QueryDict, *, keys: Mapping[str, Any], default: str | None) -> tuple[list, Sorting]:
    """The ``order_by`` arguments ``?sort=`` asks for (whitelisted by ``keys``), and the header links.

    ``default`` is a key of ``keys``, with a leading ``-`` for descending; ``None`` keeps the
    queryset's own order until a column is chosen (no ``order_by`` arguments).
    """
    raw = (data.get(SORT_PARAM) or "").strip()
    descending = raw.startswith("-")
    key = raw[1:] if descending else raw
    if key not in keys:
        descending = bool(default) and default.startswith("-")
        key = default.lstrip("-") if default else ""
    order = []
    if key:
        fields = keys[key]
        fields = tuple(fields) if isinstance(fields, list | tuple) else (fields,)
        order = [_order(name, descending) for name in fields]
        order.append(F("pk").desc() if descending else F("pk").asc())

    links = {}
    for name in keys:
        query = data.copy()
        query.pop("page", None)
        active = name == key
        query[SORT_PARAM] = f"-{name}" if active and not descending else name
        links[name] = SortLink(key=name, query=query.urlencode(), active=active, descending=active and descending)
    return order, Sorting(key=key, descending=descending, links=links)


def sort_queryset(
    queryset: QuerySet, data: QueryDict, *, keys: Mapping[str, Any], default: str | None
) -> tuple[QuerySet, Sorting]:
    """``queryset`` ordered as ``?sort=`` asks (see :func:`sorting_for`), and the header links."""
    order, sorting = sorting_for(data, keys=keys, default=default)
    return (queryset.order_by(*order) if order else queryset), sorting


# --- Export --------------------------------------------------------------------------------------


class Sheet(NamedTuple):
    """A further sheet of a list's workbook, after the list's own (a summary of its rows, say):
    its items and how one item becomes a row, as the list's own (:class:`ListRows`); formatted as
    every table (:func:`accounts.excel.write_table`), values as the list's. The items are counted
    with the list's to decide between the download and the job (:func:`workbook_rows`), so a
    queryset is handed over unread."""

    title: str
    headers: Sequence[str]
    items: QuerySet | Sequence
    row: Callable[[Any], Sequence]


@dataclass
class ListRows:
    """What a list export writes: the items (a queryset, filtered and sorted as the page) and how
    one item becomes a row. ``prepare(batch)`` may load what a batch of items needs in one query."""

    items: QuerySet | Sequence
    row: Callable[[Any], Sequence]
    prepare: Callable[[list], None] | None = None
    # What the rows are of, before the export's title in the file's name: "2026" (2026年度考核结果),
    # "2026年第3季度" (2026年第3季度汇总结果); empty for a list of no period.
    period: str = ""
    # Sheets after the list's own. Their rows count with the list's towards the download-or-job
    # decision (a short list may carry a long sheet: each inspection's findings); they are read
    # when the workbook is written, by the job for a long one.
    extra_sheets: Callable[[], Iterable[Sheet]] | None = None
    # The headers of these rows when they depend on what is listed (a ballot's own scale), in
    # place of the export's.
    headers: Sequence[str] | None = None


@dataclass(frozen=True)
class ListExport:
    name: str
    title: str
    # Who may export (a rules permission, checked without an object, again when the job runs).
    permission: str
    headers: Callable[[], Sequence[str]]
    # (viewer, the page's query, the URL's arguments) → the rows; raises Http404 for an object
    # the viewer may not see.
    build: Callable[[User, QueryDict, dict], ListRows]
    # The list page's URL name; it takes the same URL arguments as the export.
    page: str

    @property
    def kind(self) -> str:
        return f"list_export.{self.name}"

    def page_url(self, kwargs: dict, query: str) -> str:
        """The list page for those URL arguments and that query, for the job page's way back."""
        return page_url(reverse(self.page, kwargs=kwargs), query)


_exports: dict[str, ListExport] = {}


def register(export: ListExport) -> ListExport:
    """Make a list exportable, with its background-job kind (:func:`exportable` is the decorator)."""
    _exports[export.name] = export

    def runner(job: Job, report: jobs.Report) -> jobs.JobFile:
        return _run(export, job, report)

    existing = jobs.get_kind(export.kind)
    if existing is None:
        jobs.register(
            export.kind,
            runner,
            label=export.title,
            permission=export.permission,
            return_url=lambda job: _return_url(export, job),
        )
    return export


def exportable(
    name: str, title: str, permission: str, page: str, headers: Callable[[], Sequence[str]]
) -> Callable[[Callable[[User, QueryDict, dict], ListRows]], Callable[[User, QueryDict, dict], ListRows]]:
    """Make the decorated builder's list exportable (:func:`register`): ``ListExport(name, title,
    permission, headers, build=the builder, page)``."""

    def decorate(build):
        register(ListExport(name=name, title=title, permission=permission, headers=headers, build=build, page=page))
        return build

    return decorate


def register_filters(*filtersets) -> None:
    """Name the filters of exported lists in their exports' audit entries (筛选条件：类别：记过, not
    kind=demerit; ``accounts.models.query_text``): each choice filter's label and choices, each
    yes/no filter's label. Called with the export's registration (the foundation imports no room)."""
    import django_filters

    yes_no = [("true", gettext_lazy("是")), ("false", gettext_lazy("否"))]
    for filterset in filtersets:
        for key, found in filterset.base_filters.items():
            choices = found.extra.get("choices")
            if isinstance(found, django_filters.ChoiceFilter) and isinstance(choices, list | tuple):
                register_query_filter(key, found.label, choices)
            elif isinstance(found, django_filters.BooleanFilter):
                register_query_filter(key, found.label, yes_no)


def get(name: str) -> ListExport:
    return _exports[name]


def _return_url(export: ListExport, job: Job) -> str:
    return export.page_url(dict(job.params.get("kwargs") or {}), str(job.params.get("query") or ""))


def page_url(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def inline_rows() -> int:
    """Up to this many rows an export downloads at once (``settings.LIST_EXPORT_INLINE_ROWS``): the
    workbook's rows, every sheet's (:func:`workbook_rows`)."""
    return int(getattr(settings, "LIST_EXPORT_INLINE_ROWS", DEFAULT_INLINE_ROWS))


def _extra_sheets(rows: ListRows) -> Iterable[Sheet]:
    return rows.extra_sheets() if rows.extra_sheets is not None else ()


def workbook_rows(rows: ListRows, *, listed: int | None = None) -> int:
    """How many rows the workbook holds: the list's (``listed`` when already counted) and every
    further sheet's, one count each."""
    listed = _count(rows.items) if listed is None else listed
    return listed + sum(_count(sheet.items) for sheet in _extra_sheets(rows))


def _value(value):
    """A list's value as its workbook shows it: yes/no in words; the rest through
    :func:`accounts.excel.cell_value` (local time, text never a formula, no control characters)."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


def _batches(items: QuerySet | Sequence) -> Iterable[list]:
    iterator = items.iterator(chunk_size=CHUNK) if isinstance(items, QuerySet) else iter(items)
    batch: list = []
    for item in iterator:
        batch.append(item)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def write_workbook(export: ListExport, rows: ListRows, *, total: int, report: jobs.Report | None = None) -> bytes:
    """The list as .xlsx bytes (the inline download of a small list): see :func:`build_workbook`."""
    return workbook_file(build_workbook(export, rows, total=total, report=report))


def build_workbook(export: ListExport, rows: ListRows, *, total: int, report: jobs.Report | None = None) -> Workbook:
    """The list as a write-only workbook, ready to save (flat memory for any size: openpyxl spools each
    appended row to disk), formatted like every table the application writes (:func:`accounts.excel.write_table`);
    user text always text. The rows' ``extra_sheets`` follow the list's sheet; ``total`` is the rows
    of them all (:func:`workbook_rows`), for the progress reported."""
    workbook = Workbook(write_only=True)
    written = 0

    def values(items, row, prepare=None):
        # ``written`` runs on across the sheets: ``total`` counts them all (workbook_rows).
        nonlocal written
        for batch in _batches(items):
            if prepare is not None:
                prepare(batch)
            for item in batch:
                yield [_value(value) for value in row(item)]
            written += len(batch)
            if report is not None and total:
                report(
                    min(95, 5 + 90 * written // total),
                    _("已写入%(done)d/%(total)d行……") % {"done": written, "total": total},
                )

    write_table(
        # The list's sheet is named as the file is (2026年第3季度汇总结果): its period is read where
        # the rows are, not only in a file name that a download folder may change.
        new_sheet(workbook, f"{rows.period}{export.title}"),
        [str(header) for header in (rows.headers if rows.headers is not None else export.headers())],
        values(rows.items, rows.row, rows.prepare),
    )
    for extra in _extra_sheets(rows):
        write_table(
            new_sheet(workbook, str(extra.title)),
            [str(header) for header in extra.headers],
            values(extra.items, extra.row),
        )
    return workbook


def _count(items: QuerySet | Sequence) -> int:
    return items.count() if isinstance(items, QuerySet) else len(items)


def export_filename(period: str, title: str) -> str:
    """How every download of the application is named: of which period, what it is, and the day it
    was exported (2026年第3季度汇总结果-20261205.xlsx). In a language written with spaces the two
    parts are joined by one and every space is an underscore (2026_Organisations_at_a_glance-…:
    a user test downloaded "2026Organisations at a glance-…")."""
    joint = " " if period and title and _word_character(period[-1]) and _word_character(title[0]) else ""
    return f"{safe_file_name(f'{period}{joint}{title}')}-{periods.today():%Y%m%d}.xlsx"


def safe_file_name(name: str) -> str:
    """``name`` fit for a download: no path separators (11/2026, a month in English, lost its month
    to the browser: a user test), every space an underscore."""
    return re.sub(r'[\\/:*?"<>|]', "-", name).replace(" ", "_")


def _word_character(character: str) -> bool:
    return character.isascii() and character.isalnum()


def _filename(export: ListExport, rows: ListRows) -> str:
    return export_filename(rows.period, export.title)


def export_response(request: HttpRequest, name: str, **kwargs) -> HttpResponse:
    """The 导出 Excel button of a list page (a POST with the page's query string): the file at once
    when it is small, else a background job and its progress page. The export is audited."""
    export = _exports[name]
    viewer = request.user
    if not viewer.has_perm(export.permission):
        raise PermissionDenied
    rows = export.build(viewer, request.GET, kwargs)
    total = _count(rows.items)
    query = request.GET.urlencode()
    detail = {"filters": query, "rows": total}
    size = workbook_rows(rows, listed=total)
    if size > inline_rows():
        job = jobs.job_request(
            kind=export.kind,
            organisation=viewer.organisation,
            params={"query": query, "kwargs": kwargs, **jobs.for_the_reader()},
            requested_by=viewer,
        )
        detail["job"] = job.pk
        response = redirect(job)
    else:
        response = HttpResponse(write_workbook(export, rows, total=size), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, _filename(export, rows))
    audit.record_event(event="export", obj=viewer.organisation, request=request, label=str(export.title), detail=detail)
    return response


def export_view(name: str) -> Callable[..., HttpResponse]:
    """The view behind a list page's 导出Excel button: a POST by those holding the export's
    ``permission`` (strangers go to the login page), answered by :func:`export_response` (the list
    as filtered and sorted on the page; a job when it is long). The URL's arguments (a year, a
    quarter's pk) reach the export's ``build`` as its ``kwargs``."""

    @require_POST
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return export_response(request, name, **kwargs)

    return view


def _run(export: ListExport, job: Job, report: jobs.Report) -> jobs.JobFile:
    """The export job: the right is checked again when it runs, and the rows are those the person
    who asked sees now."""
    viewer = job.requested_by
    if (
        viewer is None
        or not viewer.is_active
        or viewer.organisation_id != job.organisation_id
        or not viewer.has_perm(export.permission)
    ):
        raise jobs.JobError(_("提交人已无权导出该列表，未导出。"))
    query, kwargs = QueryDict(str(job.params.get("query") or "")), dict(job.params.get("kwargs") or {})
    try:
        with jobs.in_readers_language(job):
            rows = export.build(viewer, query, kwargs)
    except Http404:
        raise jobs.JobError(_("要导出的内容已不存在或已无权查看，未导出。")) from None
    report(5, _("正在生成Excel……"))
    # Into a temporary file, not bytes in memory: the job's storage copies it in blocks.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the job has stored it)
    try:
        with jobs.in_readers_language(job):
            build_workbook(export, rows, total=workbook_rows(rows), report=report).save(handle)
            name = _filename(export, rows)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    # Done, with its 下载结果 button: no closing message, which would stay in the language it ran in
    # (a worker's, Chinese) under the reader's 已完成 (a user test read it in the English UI).
    return jobs.JobFile(content=handle, name=name, content_type=XLSX)
