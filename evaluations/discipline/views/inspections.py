"""Discipline inspections (纪律作风检查): the list, the record form and the detail page.

Inspectors record; HR and the agency head read; nobody else learns that an inspection exists
(a list is a 403, an inspection's URL a 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import listing
from accounts.decorators import permission_required
from accounts.formerrors import service_result
from accounts.pages import confirm_page, form_page
from accounts.pagination import filtered_page
from accounts.text import join_list
from accounts.view_access import permitted_or_403

from .. import lists, selectors
from ..forms import (
    ComplianceAlertExplainForm,
    FindingFormSet,
    InspectionCorrectionForm,
    InspectionDeleteForm,
    InspectionForm,
)
from ..models import ComplianceAlert, Inspection
from ..services import inspections as services

PAGE_SIZE = 25


def _get_inspection_for_user(request: HttpRequest, pk: int) -> Inspection:
    """An inspection of the reader's own organisation. Anyone who may not read inspections, and
    any id of another agency, gets a 404: whether an inspection exists is itself confidential."""
    if not request.user.has_perm("evaluations.view_inspections"):
        raise Http404
    return get_object_or_404(
        Inspection.objects.select_related("inspector").prefetch_related("departments"),
        pk=pk,
        organisation_id=request.user.organisation_id,
    )


@permission_required("evaluations.view_inspections")
def inspection_list(request: HttpRequest) -> HttpResponse:
    filterset, sorting = lists.inspections(request.user, request.GET)
    return render(
        request,
        "evaluations/inspections/list.html",
        {
            **filtered_page(request, filterset, per_page=PAGE_SIZE),
            "sorting": sorting,
            "can_record": request.user.has_perm("evaluations.record_inspection"),
        },
    )


# 导出Excel: the inspections as filtered and sorted on the page.
inspection_export = listing.export_view(lists.INSPECTIONS_EXPORT)


def _saved_message(inspection) -> str:
    """Saved; and, where a finding is 严重, whose year it vetoes (the inspector should know)."""
    vetoed = selectors.people_vetoed_by(inspection)
    if not vetoed:
        return _("检查记录已保存。")
    return _("检查记录已保存。严重问题将对%(people)s的%(year)s年度考核一票否决（不得评为优秀）。") % {
        "people": join_list(vetoed),
        "year": inspection.date.year,
    }


@never_cache
@permission_required("evaluations.record_inspection")
def inspection_create(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation
    form = InspectionForm(request.POST or None, organisation=organisation)
    formset = FindingFormSet(request.POST or None, prefix="findings", form_kwargs={"organisation": organisation})
    errors: list[str] = []
    if request.method == "POST":
        # Both parsed (not one after the other): every problem of the page is said at once, the
        # service's (a future date, a person outside the departments) with the rest.
        parsed = [form.is_valid(), formset.is_valid()]
        # The inspection as far as the form parsed: recorded when all of the page did, else checked
        # by the service for its own problems too (a future date, a person outside the departments
        # covered), not only after the rows are fixed.
        values = form.cleaned_data if hasattr(form, "cleaned_data") else {}
        inspection_fields = {
            "organisation": organisation,
            "inspector": request.user,
            "date": values.get("date"),
            "kind": values.get("kind"),
            "departments": values.get("departments"),
            "note": values.get("note"),
        }
        if all(parsed):
            try:
                inspection = services.inspection_record(**inspection_fields, findings=formset.findings())
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _saved_message(inspection))
                return redirect("evaluations:inspection_detail", pk=inspection.pk)
        else:
            errors = [
                _("请按提示修改后再保存。"),
                *services.inspection_errors(**inspection_fields, findings=formset.numbered_findings()),
            ]
    return render(
        request,
        "evaluations/inspections/form.html",
        {"form": form, "formset": formset, "errors": errors},
        status=400 if errors else 200,
    )


def _get_inspection_to_correct(request: HttpRequest, pk: int) -> Inspection:
    """A visible inspection its reader may correct or delete (its own inspector); a reader who may
    only read it is refused (403), since its page may be seen."""
    return permitted_or_403(request, _get_inspection_for_user(request, pk), "evaluations.correct_inspection")


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _get_inspection_for_user(request, pk)
    findings = inspection.findings.select_related("person__department", "department").order_by("pk")
    return render(
        request,
        "evaluations/inspections/detail.html",
        {
            "inspection": inspection,
            "findings": findings,
            "can_correct": request.user.has_perm("evaluations.correct_inspection", inspection),
            "corrections": selectors.inspection_corrections(inspection=inspection),
        },
    )


@never_cache
@login_required
def inspection_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """更正: its own inspector corrects a recorded inspection, with a reason (audited)."""
    inspection = _get_inspection_to_correct(request, pk)
    findings = list(inspection.findings.select_related("person__department", "department").order_by("pk"))
    form = InspectionCorrectionForm(request.POST or None, inspection=inspection, findings=findings)
    return form_page(
        request,
        form,
        save=lambda: services.inspection_correct(
            inspection=inspection,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            date=form.cleaned_data["date"],
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"],
            findings=form.corrected_findings(),
        ),
        success=_("检查记录已更正。"),
        done=lambda corrected: reverse("evaluations:inspection_detail", args=[corrected.pk]),
        template="evaluations/inspections/correct.html",
        context={"inspection": inspection},
    )


@never_cache
@login_required
def inspection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """删除: its own inspector deletes an inspection recorded in error, with a reason (audited);
    its findings and their veto flags go with it."""
    inspection = _get_inspection_to_correct(request, pk)
    form = InspectionDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        removed = service_result(
            request,
            lambda: services.inspection_delete(
                inspection=inspection, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            success=lambda removed: (
                _("已删除%(date)s的检查记录，撤销发现%(n)d项。") % {"date": inspection.date.isoformat(), "n": removed}
            ),
            form=form,
            flash_refusal=False,
        )
        if removed is not None:
            return redirect("evaluations:inspections")
    vetoes = selectors.people_with_active_veto_from(inspection)
    findings = inspection.findings.count()
    message = (
        _("确定删除%(date)s的%(kind)s检查记录吗？其%(n)d项发现将一并撤销，该月的检查次数随之减少。")
        if findings
        else _("确定删除%(date)s的%(kind)s检查记录吗？该月的检查次数随之减少。")
    )
    return confirm_page(
        request,
        title=_("删除检查记录"),
        message=message % {"date": inspection.date.isoformat(), "kind": inspection.get_kind_display(), "n": findings},
        detail=_("将撤销对%(names)s的一票否决。") % {"names": join_list(vetoes)} if vetoes else "",
        form=form,
        cancel_url=reverse("evaluations:inspection_detail", args=[inspection.pk]),
        confirm_label=_("确定删除"),
    )


@never_cache
@permission_required("evaluations.see_inspection_alerts")
def compliance_alert_explain(request: HttpRequest, pk: int) -> HttpResponse:
    """情况说明 of a month's shortfall of inspections (an inspector or HR of its organisation): the
    alert leaves the home page with its explanation kept; an alert explained or made up since shows
    as it stands. Anyone else's organisation's alert is a 404."""
    alert = get_object_or_404(ComplianceAlert, pk=pk, organisation_id=request.user.organisation_id)
    alert.text = selectors.compliance_alert_text(alert)
    form = ComplianceAlertExplainForm(request.POST or None)
    if request.method == "POST" and alert.explained_at is None and alert.resolved_at is None and form.is_valid():
        explained = service_result(
            request,
            lambda: services.compliance_alert_explain(
                alert=alert, actor=request.user, explanation=form.cleaned_data["explanation"]
            ),
            success=lambda explained: (
                _("已记录%(year)d年%(month)d月检查频次的情况说明。")
                % {"year": explained.year, "month": explained.month}
            ),
            form=form,
            flash_refusal=False,
        )
        if explained is not None:
            return redirect("home")
    # A refused explanation (empty, too long, made up or explained meanwhile) is shown again as a 400.
    status = 400 if request.method == "POST" else 200
    return render(request, "evaluations/inspections/alert_explain.html", {"form": form, "alert": alert}, status=status)
