"""Sanctions (HR), their policy table (HR) and the veto flags (inspectors, HR, the agency head)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import listing, periods
from accounts.decorators import permission_required
from accounts.formerrors import add_service_errors, service_result
from accounts.pages import confirm_page, form_page
from accounts.pagination import filtered_page

from .. import lists, selectors
from ..forms_veto import SanctionDeleteForm, SanctionForm, SanctionRulesForm, VetoFlagFilter, VetoLiftForm
from ..models import Sanction, SanctionEffect, VetoFlag
from ..services import sanctions as services
from ..services import veto

PAGE_SIZE = 25
MANAGE = "evaluations.manage_sanctions"


def _get_sanction_for_hr(request: HttpRequest, pk: int) -> Sanction:
    """A sanction of HR's own organisation; another agency's id is a 404, so it is not confirmed to exist."""
    return get_object_or_404(
        Sanction.objects.select_related("person", "organisation"), pk=pk, organisation_id=request.user.organisation_id
    )


def _get_flag_for_user(request: HttpRequest, pk: int) -> VetoFlag:
    return get_object_or_404(
        VetoFlag.objects.select_related("person", "person__department"),
        pk=pk,
        person__organisation_id=request.user.organisation_id,
    )


# --- Sanctions ------------------------------------------------------------------------------


@permission_required(MANAGE)
def sanction_list(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation
    filterset, sorting = lists.sanctions(request.user, request.GET)
    context = filtered_page(request, filterset, per_page=PAGE_SIZE)
    rules = selectors.sanction_rules(organisation=organisation)
    for sanction in context["page"]:
        sanction.effect_label = SanctionEffect(rules[sanction.kind]).label
    return render(request, "evaluations/veto/sanction_list.html", {**context, "sorting": sorting})


# 导出Excel: the sanctions as filtered and sorted on the page.
sanction_export = listing.export_view(lists.SANCTIONS_EXPORT)


@never_cache
@permission_required(MANAGE)
def sanction_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Record a sanction, or correct one (``pk``)."""
    sanction = _get_sanction_for_hr(request, pk) if pk is not None else None
    form = SanctionForm(request.POST or None, instance=sanction, organisation=request.user.organisation)
    return form_page(
        request,
        form,
        save=lambda: services.sanction_save(
            sanction=form.instance, actor=request.user, reason=form.cleaned_data.get("reason", "")
        ),
        success=lambda saved: _("已保存：%(sanction)s") % {"sanction": saved},
        done=lambda saved: reverse("evaluations:sanction_list"),
        template="evaluations/veto/sanction_form.html",
        context={"sanction": sanction},
    )


@never_cache
@permission_required(MANAGE)
def sanction_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a sanction recorded in error: asks for the reason, which the audit trail keeps."""
    sanction = _get_sanction_for_hr(request, pk)
    form = SanctionDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = service_result(
            request,
            lambda: services.sanction_delete(sanction=sanction, actor=request.user, reason=form.cleaned_data["reason"]),
            success=lambda result: (
                _("已删除：%(sanction)s；移除一票否决 %(removed)d 条。")
                % {"sanction": sanction, "removed": result.removed}
            ),
            form=form,
            flash_refusal=False,
        )
        if result is not None:
            return redirect("evaluations:sanction_list")
    return confirm_page(
        request,
        title=_("删除处分记录"),
        message=_("确定删除%(person)s %(date)s的%(kind)s记录吗？由它产生的一票否决也将一并移除。")
        % {"person": sanction.person, "date": sanction.decided_on.isoformat(), "kind": sanction.get_kind_display()},
        detail=sanction.note,
        form=form,
        cancel_url=reverse("evaluations:sanction_list"),
        confirm_label=_("确定删除"),
    )


@never_cache
@permission_required(MANAGE)
def sanction_rules(request: HttpRequest) -> HttpResponse:
    """The policy table: each sanction kind's effect on the annual grade, DOMAIN.md defaults beside."""
    organisation = request.user.organisation
    form = SanctionRulesForm(request.POST or None, rules=selectors.sanction_rules(organisation=organisation))
    if request.method == "POST" and form.is_valid():
        change = services.sanction_rules_save(
            organisation=organisation, effects=form.effects(), actor=request.user, reason=form.cleaned_data["reason"]
        )
        if not change.changed:
            messages.info(request, _("影响规则没有变化。"))
        else:
            messages.success(
                request,
                _("已修改%(count)d项影响规则；一票否决已重新核对：新增 %(raised)d 条，移除 %(removed)d 条。")
                % {
                    "count": len(change.changed),
                    "raised": change.reconciled.raised,
                    "removed": change.reconciled.removed,
                },
            )
        return redirect("evaluations:sanction_rules")
    return render(request, "evaluations/veto/sanction_rules.html", {"form": form})


# --- Veto flags -----------------------------------------------------------------------------


def _flag_filter_data(request: HttpRequest) -> QueryDict:
    """The list opens on the year at work (the year before in January and February); a submitted
    filter (even an empty year) wins."""
    data = request.GET.copy()
    if "year" not in data:
        data["year"] = str(periods.year_at_work())
    return data


@permission_required("evaluations.view_veto_flags")
def veto_list(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation
    data = _flag_filter_data(request)
    queryset = selectors.veto_flags_for_list(organisation_id=organisation.pk)
    filterset = VetoFlagFilter(data, queryset=queryset, organisation=organisation)
    context = filtered_page(request, filterset, data=data, per_page=PAGE_SIZE)
    can_lift = request.user.has_perm("evaluations.lift_veto")
    for flag in context["page"] if can_lift else ():
        flag.lift_refusal = veto.lift_refusal(flag=flag, actor=request.user)
    # Opened on last year's list (January and February, periods.year_at_work): a flag this year's
    # findings raised already is not on it, so the page says how many there are (a user test
    # recorded a 严重 finding on 5 January and did not find its flag).
    this_year, newer = periods.today().year, 0
    if "year" not in request.GET and periods.year_at_work() != this_year:
        newer = selectors.active_veto_count(organisation_id=organisation.pk, year=this_year)
    return render(
        request,
        "evaluations/veto/veto_list.html",
        {
            **context,
            "can_lift": can_lift,
            "can_reconcile": request.user.has_perm("evaluations.reconcile_veto"),
            "this_year": this_year,
            "this_year_flags": newer,
        },
    )


@never_cache
@permission_required("evaluations.lift_veto")
def veto_lift(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _get_flag_for_user(request, pk)
    list_url = f"{reverse('evaluations:veto_list')}?year={flag.year}"
    if not flag.is_active:
        messages.error(request, _("该否决事项已解除。"))
        return redirect(list_url)
    if refusal := veto.lift_refusal(flag=flag, actor=request.user):
        messages.error(request, refusal)
        return redirect(list_url)
    form = VetoLiftForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                veto.veto_lift(flag=flag, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_service_errors(form, exc, fields={"lift_reason": "reason"})
            else:
                messages.success(
                    request, _("已解除%(person)s %(year)d年的一票否决。") % {"person": flag.person, "year": flag.year}
                )
                return redirect(list_url)
        messages.error(request, _("未解除，请按提示修改。"))
    return render(request, "evaluations/veto/veto_lift.html", {"form": form, "flag": flag, "list_url": list_url})


@require_POST
@permission_required("evaluations.reconcile_veto")
def veto_reconcile(request: HttpRequest) -> HttpResponse:
    """立即核对: re-derive the organisation's flags now instead of waiting for the nightly run."""
    result = veto.veto_reconcile(organisation=request.user.organisation)
    messages.success(
        request,
        _("核对完成：新增 %(raised)d 条，移除 %(removed)d 条。") % {"raised": result.raised, "removed": result.removed},
    )
    year = request.POST.get("year", "")
    url = reverse("evaluations:veto_list")
    return redirect(f"{url}?year={year}" if year.isdigit() else url)
