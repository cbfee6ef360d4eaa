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
    """One indicator set per position category, created with the defaults on first visit."""
    organisation = request.user.organisation
    for category in PositionCategory.values:
        services.default_indicator_set(organisation=organisation, position_category=category)
    order = {category: position for position, category in enumerate(PositionCategory.values)}
    indicator_sets = sorted(
        IndicatorSet.objects.filter(organisation=organisation).prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("sort_order", "pk"))
        ),
        key=lambda s: order.get(s.position_category, 99),
    )
    rows = [
        {"set": s, "indicators": list(s.indicators.all()), "totals": _weight_totals(s.indicators.all())}
        for s in indicator_sets
    ]
    return render(
        request,
        "evaluations/scores/indicator_set_list.html",
        {"rows": rows, "policy": policy_for_organisation(organisation_id=organisation.pk)},
    )


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
                    for department, party_building, work in form.entries():
                        services.department_score_save(
                            department=department,
                            year=year,
                            quarter=quarter,
                            party_building_score=party_building,
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
    }
    return render(request, "evaluations/scores/department_scores.html", ctx, status=400 if errors else 200)
