"""Reads of the reports room."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import periods
from accounts.models import SEPARATED_ROLES, Department, Job, RoleAssignment, User
from evaluations.annual.models import AnnualResult
from evaluations.grading.models import AppraisalQuarter, QuarterGrade, QuarterState

from .models import YearWorkbook


def year_workbooks(*, organisation_id: int) -> QuerySet[YearWorkbook]:
    """The organisation's stored workbooks not yet expired, newest first (paginated by the page)."""
    return (
        YearWorkbook.objects.filter(organisation_id=organisation_id, expires_at__gt=timezone.now())
        .exclude(file="")
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def latest_year_workbook(*, organisation_id: int, year: int) -> YearWorkbook | None:
    return year_workbooks(organisation_id=organisation_id).filter(year=year).first()


def year_export_job(*, organisation_id: int, job_id: int | None, kind: str) -> Job | None:
    """The export job the page follows (the one just asked for, named in the query string)."""
    if not job_id:
        return None
    return Job.objects.filter(pk=job_id, organisation_id=organisation_id, kind=kind).first()


def form_departments(*, viewer: User) -> QuerySet[Department]:
    """The departments whose forms ``viewer`` prints (``view_department_forms`` as a queryset): HR
    every department of the organisation, anyone else those they head or supervise."""
    departments = Department.objects.filter(organisation_id=viewer.organisation_id)
    if not viewer.has_perm("publicity.view_every_form"):
        departments = departments.filter(Q(head=viewer) | Q(supervising_leader=viewer))
    return departments.order_by("sort_order", "code", "pk")


def summary_departments(*, viewer: User) -> QuerySet[Department]:
    """The departments whose 结果汇总表 ``viewer`` prints (``view_department_summary`` as a queryset):
    HR and the agency head every department of the organisation, anyone else those whose forms they
    print (:func:`form_departments`)."""
    if viewer.has_perm("publicity.view_every_department_summary"):
        return Department.objects.filter(organisation_id=viewer.organisation_id).order_by("sort_order", "code", "pk")
    return form_departments(viewer=viewer)


def form_people(*, viewer: User, words: str, year: int, quarter: int) -> QuerySet[User]:
    """The people whose name or employee number contains ``words`` and whose forms ``viewer`` may
    print (``view_person_forms`` as a queryset): HR anyone of the organisation, former staff too; a
    head or supervising leader the people of their departments, and those graded in one of them in
    that quarter or year though moved since (the forms print through that grade row or result). Each
    is annotated ``prints_quarter`` and ``prints_year``: which of the two forms the viewer may print.
    Nobody for no words: the page lists people only when asked (a search, not an organisation's
    whole staff list)."""
    words = words.strip()
    if not words:
        return User.objects.none()
    # Not the administrators (三员分立) nor the bureau's readers: they are never appraised, and
    # their forms would be empty.
    separated = RoleAssignment.objects.filter(user=OuterRef("pk"), role__in=SEPARATED_ROLES)
    people = User.objects.filter(
        Q(full_name__icontains=words) | Q(employee_number__icontains=words),
        organisation_id=viewer.organisation_id,
    ).exclude(Exists(separated))
    if viewer.has_perm("publicity.view_every_form"):
        people = people.annotate(prints_quarter=Value(True), prints_year=Value(True))
    else:
        # One IN (subquery) on the department index, not a join that tests head OR leader on every row.
        departments = form_departments(viewer=viewer).order_by().values("pk")
        graded = QuarterGrade.objects.filter(
            person=OuterRef("pk"),
            appraisal_quarter__organisation_id=viewer.organisation_id,
            appraisal_quarter__year=year,
            appraisal_quarter__quarter=quarter,
            department__in=departments,
        )
        result = AnnualResult.objects.filter(
            person=OuterRef("pk"), organisation_id=viewer.organisation_id, year=year, department__in=departments
        )
        here = Q(department__in=departments)
        people = people.annotate(
            prints_quarter=ExpressionWrapper(here | Exists(graded), output_field=BooleanField()),
            prints_year=ExpressionWrapper(here | Exists(result), output_field=BooleanField()),
        ).filter(Q(prints_quarter=True) | Q(prints_year=True))
    return people.select_related("department").order_by(
        F("department__sort_order").asc(nulls_last=True),
        F("department__code").asc(nulls_last=True),
        "employee_number",
        "pk",
    )


def forms_quarter(*, organisation_id: int | None) -> periods.Quarter:
    """The quarter the forms page opens on: the organisation's last approved quarter (a record form
    records a result; a user test printed the quarter still being graded), else the quarter at work."""
    approved = (
        AppraisalQuarter.objects.filter(organisation_id=organisation_id, state=QuarterState.APPROVED)
        .order_by("-year", "-quarter")
        .values_list("year", "quarter")
        .first()
    )
    return periods.Quarter(*approved) if approved else periods.quarter_at_work()


def person_year_link(viewer: User, person: User) -> list[tuple[str, str]]:
    """考核档案 on the person's staff page (accounts.pages.person_page_links), for a viewer who may
    print the person's forms: the year at work (the year before until the end of February)."""
    if not viewer.has_perm("publicity.view_person_forms", person):
        return []
    return [(_("考核档案"), reverse("reports:person_year", args=[person.pk, periods.year_at_work()]))]
