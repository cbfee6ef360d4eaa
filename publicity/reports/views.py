"""/reports/: HR's year-end workbook (through the job mechanism) and the PDF record forms."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import audit, periods
from accounts.decorators import permission_required
from accounts.models import Department, Job, User
from accounts.pages import int_param, stored_file_download, visible_or_404
from accounts.pagination import page_of, query_without
from accounts.pdf import pdf_response
from evaluations.annual.models import AnnualResult
from evaluations.annual.selectors import quarters_outstanding
from evaluations.discipline.selectors import own_veto_flags
from evaluations.grading.models import QuarterGrade

from . import pdf, selectors, services

WORKBOOKS_PAGE_SIZE = 20
DEPARTMENTS_PAGE_SIZE = 30
PEOPLE_PAGE_SIZE = 20
# The found people's page parameter: the departments' list on the same page has ``page``.
PEOPLE_PAGE = "people_page"


def _year_choices() -> list[int]:
    this_year = periods.today().year
    return list(range(this_year, this_year - 6, -1))


@permission_required("publicity.export_year")
def index(request: HttpRequest) -> HttpResponse:
    """HR's reports page: the 导出 button, the export being made (a progress bar kept current by
    static/js/jobs.js, then the download link) and the workbooks still kept."""
    organisation_id = request.user.organisation_id
    job_id = int_param(request, "job", 0, range(1, 2**31))
    job = selectors.year_export_job(organisation_id=organisation_id, job_id=job_id, kind=services.YEAR_EXPORT)
    job_workbook = None
    if job is not None and job.state == Job.State.DONE:
        job_workbook = selectors.year_workbooks(organisation_id=organisation_id).filter(job=job).first()
    year = int_param(request, "year", periods.year_at_work(), range(2000, 2101))
    return render(
        request,
        "publicity/reports/index.html",
        {
            "years": _year_choices(),
            "year": year,
            # The workbook writes the quarters' grades as they stand: one not approved yet is said to be so.
            "unapproved_quarters": quarters_outstanding(organisation=request.user.organisation, year=year),
            "job": job,
            "job_workbook": job_workbook,
            "page": page_of(request, selectors.year_workbooks(organisation_id=organisation_id), WORKBOOKS_PAGE_SIZE),
            "retention_days": services.retention().days,
        },
    )


@require_POST
@permission_required("publicity.export_year")
def year_export(request: HttpRequest) -> HttpResponse:
    """导出: a background job writes the year's workbook; the page follows its progress."""
    try:
        year = int(request.POST.get("year", ""))
        job = services.year_export_request(actor=request.user, year=year)
    except ValueError:
        return HttpResponse(status=400)
    return redirect(f"{reverse('reports:index')}?job={job.pk}&year={year}")


@permission_required("publicity.export_year")
def year_workbook(request: HttpRequest, year: int) -> FileResponse:
    """The newest stored workbook of ``year``, to HR of its organisation only; 404 once expired."""
    _year(year)
    workbook = selectors.latest_year_workbook(organisation_id=request.user.organisation_id, year=year)
    if workbook is None:
        raise Http404
    return stored_file_download(
        request, workbook.file, obj=workbook, filename=workbook.download_name, content_type=services.exports.XLSX
    )


# --- Record forms ----------------------------------------------------------------------------


def _year(year: int) -> int:
    """A year the calendar knows (2000–2100), else the form is a 404 (not a 500, nor a PDF of 0年)."""
    if not periods.MIN_YEAR <= year <= periods.MAX_YEAR:
        raise Http404
    return year


def _quarter(quarter: int) -> int:
    if quarter not in (1, 2, 3, 4):
        raise Http404
    return quarter


def _get_person_for_period_forms(request: HttpRequest, pk: int, *, year: int, quarter: int | None = None) -> User:
    """A person whose forms of that period the viewer may print (``publicity.view_person_forms``:
    HR, themselves, their department's head and leader), or may print through the
    department they were graded in then (the quarter's grade row, or the year's result): a person
    moved since stays in their former department's forms (the batch holds them), and its head and
    leader print them one by one too (a user test found them in the batch and refused alone)."""
    person = get_object_or_404(
        User.objects.select_related("department"), pk=pk, organisation_id=request.user.organisation_id
    )
    if request.user.has_perm("publicity.view_person_forms", person):
        return person
    if quarter is None:
        graded = AnnualResult.objects.filter(person=person, year=year, organisation_id=person.organisation_id)
    else:
        graded = QuarterGrade.objects.filter(
            person=person,
            appraisal_quarter__organisation_id=person.organisation_id,
            appraisal_quarter__year=year,
            appraisal_quarter__quarter=quarter,
        )
    row = graded.select_related("department").first()
    if (
        row is not None
        and row.department is not None
        and request.user.has_perm("publicity.view_department_forms", row.department)
    ):
        return person
    raise Http404


def _get_department_for_forms(request: HttpRequest, pk: int, *, perm: str = "publicity.view_department_forms"):
    """A department whose forms (or, with ``perm="publicity.view_department_summary"``, whose
    结果汇总表) the viewer may print; anyone else's or another organisation's is a 404."""
    return visible_or_404(
        request,
        lambda: Department.objects.get(pk=pk, organisation_id=request.user.organisation_id),
        perm=perm,
    )


def _own(request: HttpRequest, person: User) -> bool:
    """The person reads their own form, not as HR or as their department's head or leader."""
    if person.pk != request.user.pk:
        return False
    department = person.department
    leads = department is not None and request.user.pk in (department.head_id, department.supervising_leader_id)
    return not (request.user.has_perm("publicity.export_year") or leads)


def _audited_pdf(request: HttpRequest, *, obj, content: bytes, filename: str) -> HttpResponse:
    audit.record_event(event="download", obj=obj, request=request, label=filename)
    return pdf_response(pdf=content, filename=filename)


@permission_required("publicity.view_forms")
def forms(request: HttpRequest) -> HttpResponse:
    """The forms a viewer may print for a quarter: their own, their departments' (HR: all, paged;
    the agency head: every department's 结果汇总表), and, found by name or employee number
    (``?q=``), one person's among those they may print."""
    user = request.user
    current = selectors.forms_quarter(organisation_id=user.organisation_id)
    year = int_param(request, "year", current.year, range(2000, 2101))
    quarter = int_param(request, "quarter", current.quarter, range(1, 5))
    words = request.GET.get("q", "").strip()
    page = page_of(request, selectors.summary_departments(viewer=user), DEPARTMENTS_PAGE_SIZE)
    # Each listed department's 结果汇总表; its people's forms only where the viewer prints those
    # too (the agency head prints every department's table, not its people's forms).
    with_forms = {department.pk for department in page if user.has_perm("publicity.view_department_forms", department)}
    # The search is offered to those who print someone else's forms: HR, a head, a supervising leader.
    if user.has_perm("publicity.view_every_form"):
        searchable = True
    elif user.has_perm("publicity.view_every_department_summary"):
        # The agency head's list is every department; he finds people only of those he leads.
        searchable = selectors.form_departments(viewer=user).exists()
    else:
        searchable = page.paginator.count > 0
    found = selectors.form_people(viewer=user, words=words if searchable else "", year=year, quarter=quarter)
    people = Paginator(found, PEOPLE_PAGE_SIZE).get_page(request.GET.get(PEOPLE_PAGE))
    return render(
        request,
        "publicity/reports/forms.html",
        {
            "year": year,
            "quarter": quarter,
            "years": _year_choices(),
            "quarters": (1, 2, 3, 4),
            "page": page,
            "with_forms": with_forms,
            # Each list's page links keep the other list's page, the quarter and the search.
            "query": query_without(request.GET, "page"),
            "searchable": searchable,
            "words": words if searchable else "",
            "people": people,
            "people_param": PEOPLE_PAGE,
            "people_query": query_without(request.GET, PEOPLE_PAGE),
            "inline_limit": services.inline_forms_limit(),
            "own": user.department_id is not None,
        },
    )


@require_safe
@permission_required("publicity.view_forms")
def person_year(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """One person's year on one page (考核档案): each quarter's targets and how they ended, the
    monthly summaries, the grade with its comment and score, the year's result and any veto, with
    the record forms to print; for whoever may print the person's forms of that year (a user test's
    HR answered "how has 某某 done this year?" from the roster month by month, a PDF and the veto
    list). The person's own reads as their forms do: grades once approved, a decided year only."""
    _year(year)
    person = _get_person_for_period_forms(request, pk, year=year)
    own = _own(request, person)
    quarters = [pdf.quarter_forms(year=year, quarter=q, person=person, own=own)[0] for q in (1, 2, 3, 4)]
    this_year = periods.today().year
    return render(
        request,
        "publicity/reports/person_year.html",
        {
            "person": person,
            "year": year,
            "quarters": quarters,
            "summary": pdf.annual_summary(person=person, year=year, own=own),
            "veto_flags": own_veto_flags(person_id=person.pk, year=year),
            "previous_year": year - 1 if year > periods.MIN_YEAR else None,
            "next_year": year + 1 if year < this_year else None,
        },
    )


@require_safe
@permission_required("publicity.view_forms")
def person_quarter_form(request: HttpRequest, pk: int, year: int, quarter: int) -> HttpResponse:
    _year(year)
    person = _get_person_for_period_forms(request, pk, year=year, quarter=_quarter(quarter))
    content = pdf.person_quarter_pdf(person=person, year=year, quarter=_quarter(quarter), own=_own(request, person))
    filename = pdf.pdf_filename(person.get_full_name(), periods.Quarter(year, quarter).label, _("平时考核登记表"))
    return _audited_pdf(request, obj=person, content=content, filename=filename)


@require_safe
@permission_required("publicity.view_forms")
def person_year_form(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    _year(year)
    person = _get_person_for_period_forms(request, pk, year=year)
    content = pdf.person_year_pdf(person=person, year=year, own=_own(request, person))
    filename = pdf.pdf_filename(person.get_full_name(), _("%(year)s年度") % {"year": year}, _("考核汇总"))
    return _audited_pdf(request, obj=person, content=content, filename=filename)


@require_safe
@permission_required("publicity.view_forms")
def department_summary(request: HttpRequest, pk: int, year: int, quarter: int) -> HttpResponse:
    _year(year)
    department = _get_department_for_forms(request, pk, perm="publicity.view_department_summary")
    content = pdf.department_summary_pdf(department=department, year=year, quarter=_quarter(quarter))
    return _audited_pdf(
        request,
        obj=department,
        content=content,
        filename=pdf.pdf_filename(department.name, periods.Quarter(year, quarter).label, _("结果汇总表")),
    )


@require_safe
@permission_required("publicity.view_forms")
def department_forms(request: HttpRequest, pk: int, year: int, quarter: int) -> HttpResponse:
    """A department's 登记表 as one PDF, a page per person; a large department is made by a job
    (the page offers the button: a GET never writes)."""
    _year(year)
    department = _get_department_for_forms(request, pk)
    _quarter(quarter)
    people = QuarterGrade.objects.filter(
        appraisal_quarter__organisation_id=department.organisation_id,
        appraisal_quarter__year=year,
        appraisal_quarter__quarter=quarter,
        department=department,
    ).count()
    if people > services.inline_forms_limit():
        return render(
            request,
            "publicity/reports/department_forms_large.html",
            {"department": department, "year": year, "quarter": quarter, "people": people},
        )
    content = pdf.department_forms_pdf(department=department, year=year, quarter=quarter)
    return _audited_pdf(
        request, obj=department, content=content, filename=pdf.department_forms_filename(department, year, quarter)
    )


@require_POST
@permission_required("publicity.view_forms")
def department_forms_job(request: HttpRequest, pk: int, year: int, quarter: int) -> HttpResponse:
    _year(year)
    department = _get_department_for_forms(request, pk)
    try:
        job = services.department_forms_request(
            actor=request.user, department=department, year=year, quarter=_quarter(quarter)
        )
    except PermissionDenied:
        raise Http404 from None
    except ValueError:
        return HttpResponse(status=400)
    return redirect(job)
