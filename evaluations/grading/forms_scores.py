"""Forms of the score model: indicator sets, department scores, and an evaluator's indicator scores.

The forms only parse what was posted; the rules (weights total 100, party building more than
half, who may score) live in :mod:`evaluations.grading.services.scores`, whose errors the views show.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.formparts import formset_initial
from accounts.models import Department
from accounts.periods import QUARTER_CHOICES

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
    return formset_initial(indicators, IndicatorForm.base_fields)


class QuarterForm(forms.Form):
    """The year and quarter a page shows (GET)."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    # The calendar's lazy names: a label formatted here would be fixed in the language of start-up.
    quarter = forms.TypedChoiceField(label=_("季度"), coerce=int, choices=QUARTER_CHOICES)


class DepartmentScoresForm(forms.Form):
    """Every department's scores for one quarter, in one form: the three parts of 党建工作
    (基础工作, 党员教育管理, 底线约束) and 业务工作.

    A department left blank on all four is skipped; some filled and others not is an error.
    """

    PARTS = ("basics", "education", "bottom_line")

    def __init__(self, *args, departments: list[Department], existing: dict[int, DepartmentScore], **kwargs):
        initial = {}
        for department_id, score in existing.items():
            for part in self.PARTS:
                initial[f"{part}_{department_id}"] = getattr(score, f"party_{part}_score")
            initial[f"work_{department_id}"] = score.work_score
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.departments = departments
        self.existing = existing
        labels = {
            "basics": _("%(name)s 党建基础工作"),
            "education": _("%(name)s 党员教育管理"),
            "bottom_line": _("%(name)s 底线约束"),
            "work": _("%(name)s 业务工作"),
        }
        for department in departments:
            for prefix in (*self.PARTS, "work"):
                label = labels[prefix] % {"name": department.name}
                # Rendered in a table cell, so the label becomes the input's accessible name.
                widget = forms.NumberInput(
                    attrs={"class": "form-control form-control-sm", "step": "0.01", "aria-label": label}
                )
                self.fields[f"{prefix}_{department.pk}"] = forms.DecimalField(
                    label=label, required=False, widget=widget, **SCORE_FIELD_OPTIONS
                )

    def _names(self, department: Department) -> list[str]:
        return [f"{prefix}_{department.pk}" for prefix in (*self.PARTS, "work")]

    def clean(self):
        cleaned = super().clean()
        for department in self.departments:
            names = self._names(department)
            if any(name in self.errors for name in names):
                continue
            missing = [name for name in names if cleaned.get(name) is None]
            if missing and len(missing) < len(names):
                self.add_error(missing[0], _("请同时填写党建工作三部分与业务工作得分。"))
        return cleaned

    def rows(self):
        """(department, the party-building part fields, the work field, stored score or None)."""
        for department in self.departments:
            yield (
                department,
                [self[f"{part}_{department.pk}"] for part in self.PARTS],
                self[f"work_{department.pk}"],
                self.existing.get(department.pk),
            )

    def entries(self) -> list[tuple[Department, dict[str, Decimal], Decimal]]:
        """(department, party-building parts, work) for every department filled in."""
        return [
            (
                department,
                {part: self.cleaned_data[f"{part}_{department.pk}"] for part in self.PARTS},
                self.cleaned_data[f"work_{department.pk}"],
            )
            for department in self.departments
            if all(self.cleaned_data.get(name) is not None for name in self._names(department))
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
