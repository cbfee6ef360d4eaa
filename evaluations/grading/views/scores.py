"""HR's pages of the score model: the indicator sets and the departments' quarterly scores."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import periods
from accounts.decorators import permission_required
from accounts.models import Department, PositionCategory
from accounts.selectors import policy_for_organisation

from ..forms_scores import DepartmentScoresForm, IndicatorFormSet, QuarterForm, indicator_initial
from ..models import DepartmentScore, Indicator, IndicatorGroup, IndicatorSet
from ..selectors import current_appraisal_quarter
from ..services import scores as services


def _get_indicator_set_for_hr(request: HttpRequest, pk: int) -> IndicatorSet:
    """A set of the administrator's own organisation; another agency's is a 404, not a 403."""
    return get_object_or_404(IndicatorSet, pk=pk, organisation_id=request.user.organisation_id)


def _weight_totals(indicators) -> dict[str, int]:
    totals = {"all": 0, IndicatorGroup.COMMON: 0, IndicatorGroup.INDIVIDUAL: 0}
    for indicator in indicators:
        totals["all"] += indicator.weight
        totals[indicator.group] += indicator.weight
    return totals


@permission_required("evaluations.manage_scores")
def indicator_set_list(request: HttpRequest) -> HttpResponse:
    """One indicator set per position category. A category without a set shows the defaults, unsaved,
    and HR creates them with an explicit action: opening this page writes nothing."""
    organisation = request.user.organisation
    by_category = {
        s.position_category: s
        for s in IndicatorSet.objects.filter(organisation=organisation).prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("sort_order", "pk"))
        )
    }
    rows = []
    for category, label in PositionCategory.choices:
        indicator_set = by_category.get(category)
        if indicator_set is None:
            indicators = services.default_indicators_preview(organisation=organisation, position_category=category)
        else:
            indicators = list(indicator_set.indicators.all())
        rows.append(
            {"set": indicator_set, "label": label, "indicators": indicators, "totals": _weight_totals(indicators)}
        )
    return render(
        request,
        "evaluations/scores/indicator_set_list.html",
        {
            "rows": rows,
            "missing": sum(1 for row in rows if row["set"] is None),
            "policy": policy_for_organisation(organisation_id=organisation.pk),
        },
    )


@require_POST
@permission_required("evaluations.manage_scores")
def indicator_sets_create(request: HttpRequest) -> HttpResponse:
    """Create the default indicator set of every position category that has none yet."""
    created = services.indicator_sets_ensure(organisation=request.user.organisation)
    messages.success(request, _("已按默认指标建立%(n)s套指标。") % {"n": created})
    return redirect("evaluations:score_indicator_set_list")


@permission_required("evaluations.manage_scores")
def indicator_set_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a set's indicators in a formset; the service refuses weights that do not total 100."""
    indicator_set = _get_indicator_set_for_hr(request, pk)
    indicators = list(indicator_set.indicators.order_by("sort_order", "pk"))
    errors: list[str] = []
    if request.method == "POST":
        formset = IndicatorFormSet(request.POST, prefix="indicators")
        if formset.is_valid():
            try:
                services.indicator_set_save(indicator_set=indicator_set, indicators=formset.indicators())
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(
                    request, _("“%(name)s”指标体系已保存。") % {"name": indicator_set.get_position_category_display()}
                )
                return redirect("evaluations:score_indicator_set_list")
        else:
            errors = [_("请按提示修改后再保存。")]
    else:
        formset = IndicatorFormSet(initial=indicator_initial(indicators), prefix="indicators")
    ctx = {
        "indicator_set": indicator_set,
        "formset": formset,
        "errors": errors,
        "saved_totals": _weight_totals(indicators),
        "posted_total": formset.posted_total() if formset.is_bound else None,
        "policy": policy_for_organisation(organisation_id=indicator_set.organisation_id),
    }
    return render(request, "evaluations/scores/indicator_set_form.html", ctx, status=400 if errors else 200)


def _default_quarter(request: HttpRequest) -> tuple[int, int]:
    """The quarter being graded, else the calendar quarter of today."""
    appraisal_quarter = current_appraisal_quarter(organisation=request.user.organisation)
    if appraisal_quarter is not None:
        return appraisal_quarter.year, appraisal_quarter.quarter
    current = periods.Quarter.current()
    return current.year, current.quarter


@permission_required("evaluations.manage_scores")
def department_scores(request: HttpRequest) -> HttpResponse:
    """Every department's party-building and work scores for a quarter, entered in one form."""
    year, quarter = _default_quarter(request)
    quarter_form = QuarterForm(
        request.GET if "year" in request.GET else None, initial={"year": year, "quarter": quarter}
    )
    if quarter_form.is_bound and quarter_form.is_valid():
        year, quarter = quarter_form.cleaned_data["year"], quarter_form.cleaned_data["quarter"]
    organisation_id = request.user.organisation_id
    departments = list(Department.objects.filter(organisation_id=organisation_id, is_active=True))
    existing = {
        score.department_id: score
        for score in DepartmentScore.objects.filter(department__in=departments, year=year, quarter=quarter)
    }
    form = DepartmentScoresForm(request.POST or None, departments=departments, existing=existing)
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                # All departments or none: a refusal leaves the stored scores as they were.
                with transaction.atomic():
                    for department, party_parts, work in form.entries():
                        services.department_score_save(
                            department=department,
                            year=year,
                            quarter=quarter,
                            party_parts=party_parts,
                            work_score=work,
                            actor=request.user,
                        )
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(
                    request, _("%(year)s年第%(quarter)s季度科室得分已保存。") % {"year": year, "quarter": quarter}
                )
                query = urlencode({"year": year, "quarter": quarter})
                return redirect(f"{reverse('evaluations:score_departments')}?{query}")
        else:
            errors = [_("请按提示修改后再保存。")]
    policy = policy_for_organisation(organisation_id=organisation_id)
    ctx = {
        "quarter_form": quarter_form,
        "form": form,
        "errors": errors,
        "year": year,
        "quarter": quarter,
        "query": urlencode({"year": year, "quarter": quarter}),
        "policy": policy,
        "work_weight": 100 - policy.party_building_weight,
        "party_parts": services.party_part_weights(policy),
    }
    return render(request, "evaluations/scores/department_scores.html", ctx, status=400 if errors else 200)
