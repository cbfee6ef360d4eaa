"""Forms of the score model: indicator sets, department scores, and an evaluator's indicator scores.

The forms only parse what was posted; the rules (weights total 100, party building more than
half, who may score) live in :mod:`evaluations.grading.services.scores`, whose errors the views show.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department

from .models import DepartmentScore, Indicator, IndicatorGroup, IndicatorSource

SCORE_FIELD_OPTIONS = {"min_value": Decimal("0"), "max_value": Decimal("100"), "max_digits": 5, "decimal_places": 2}


class IndicatorForm(forms.Form):
    """One row of the indicator formset."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    sort_order = forms.IntegerField(label=_("序号"), min_value=0, max_value=999, required=False)
    name = forms.CharField(label=_("指标"), max_length=50)
    group = forms.ChoiceField(label=_("类别"), choices=IndicatorGroup.choices, initial=IndicatorGroup.INDIVIDUAL)
    weight = forms.IntegerField(label=_("权重"), min_value=0, max_value=100)
    source = forms.ChoiceField(label=_("数据来源"), choices=IndicatorSource.choices, initial=IndicatorSource.MANUAL)


class BaseIndicatorFormSet(forms.BaseFormSet):
    def indicators(self) -> list[dict]:
        """The kept rows, in the order of their 序号, as the service takes them."""
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        rows.sort(key=lambda row: row.get("sort_order") if row.get("sort_order") is not None else 999)
        return [
            {
                "id": row.get("id"),
                "name": row["name"],
                "group": row["group"],
                "weight": row["weight"],
                "source": row["source"],
                "sort_order": position,
            }
            for position, row in enumerate(rows, start=1)
        ]

    def posted_total(self) -> int | None:
        """The weight total of the posted rows, shown beside the service's refusal."""
        if not self.is_bound or not self.is_valid():
            return None
        return sum(row["weight"] for row in self.indicators())


IndicatorFormSet = forms.formset_factory(
    IndicatorForm, formset=BaseIndicatorFormSet, extra=1, can_delete=True, max_num=50, validate_max=True
)


def indicator_initial(indicators) -> list[dict]:
    return [
        {
            "id": indicator.pk,
            "sort_order": indicator.sort_order,
            "name": indicator.name,
            "group": indicator.group,
            "weight": indicator.weight,
            "source": indicator.source,
        }
        for indicator in indicators
    ]


class QuarterForm(forms.Form):
    """The year and quarter a page shows (GET)."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"), coerce=int, choices=[(q, _("第%(q)s季度") % {"q": q}) for q in range(1, 5)]
    )


class DepartmentScoresForm(forms.Form):
    """The party-building and work scores of every department for one quarter, in one form.

    A department left blank on both is skipped; one score without the other is an error.
    """

    def __init__(self, *args, departments: list[Department], existing: dict[int, DepartmentScore], **kwargs):
        initial = {}
        for department_id, score in existing.items():
            initial[f"pb_{department_id}"] = score.party_building_score
            initial[f"work_{department_id}"] = score.work_score
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.departments = departments
        self.existing = existing
        for department in departments:
            for prefix, label in (("pb", _("%(name)s 党建工作")), ("work", _("%(name)s 业务工作"))):
                label = label % {"name": department.name}
                # Rendered in a table cell, so the label becomes the input's accessible name.
                widget = forms.NumberInput(
                    attrs={"class": "form-control form-control-sm", "step": "0.01", "aria-label": label}
                )
                self.fields[f"{prefix}_{department.pk}"] = forms.DecimalField(
                    label=label, required=False, widget=widget, **SCORE_FIELD_OPTIONS
                )

    def clean(self):
        cleaned = super().clean()
        for department in self.departments:
            pb_name, work_name = f"pb_{department.pk}", f"work_{department.pk}"
            if pb_name in self.errors or work_name in self.errors:
                continue
            pb, work = cleaned.get(pb_name), cleaned.get(work_name)
            if (pb is None) != (work is None):
                self.add_error(work_name if work is None else pb_name, _("请同时填写党建工作与业务工作得分。"))
        return cleaned

    def rows(self):
        """(department, party-building field, work field, stored score or None) for the template."""
        for department in self.departments:
            yield (
                department,
                self[f"pb_{department.pk}"],
                self[f"work_{department.pk}"],
                self.existing.get(department.pk),
            )

    def entries(self) -> list[tuple[Department, Decimal, Decimal]]:
        """(department, party-building, work) for every department filled in."""
        return [
            (department, self.cleaned_data[f"pb_{department.pk}"], self.cleaned_data[f"work_{department.pk}"])
            for department in self.departments
            if self.cleaned_data.get(f"pb_{department.pk}") is not None
            and self.cleaned_data.get(f"work_{department.pk}") is not None
        ]


class IndicatorScoresForm(forms.Form):
    """An evaluator's scores for one person (for the grading pages): one field per manual indicator.

    ``indicators`` are the person's (``services.scores.indicators_for``); the automatic ones are
    shown, not entered. :meth:`scores` gives what ``services.scores.indicator_scores_save`` takes.
    """

    def __init__(self, *args, indicators: list[Indicator], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            if indicator.source == IndicatorSource.MANUAL:
                self.fields[f"indicator_{indicator.pk}"] = forms.DecimalField(
                    label=indicator.name,
                    help_text=_("权重 %(weight)s") % {"weight": indicator.weight},
                    **SCORE_FIELD_OPTIONS,
                )

    def scores(self) -> dict[int, Decimal]:
        return {
            indicator.pk: self.cleaned_data[f"indicator_{indicator.pk}"]
            for indicator in self.indicators
            if indicator.source == IndicatorSource.MANUAL
        }
