"""Forms of the grading pages. They parse input only: what a grade needs (comment, reason, the 好
quota) is checked by ``services.grading``, so the message a person sees is the service's."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import LoadedModelChoiceFilter
from accounts.formparts import model_limit, paragraph_field, version_field
from accounts.models import Department
from accounts.widgets import YesNoAllSelect
from targets.models import QUARTER_CHOICES

from .models import Grade, QuarterDisciplineOpinion, QuarterGrade, UncertainReason


def _limit(name: str) -> int:
    return model_limit(QuarterGrade, name)


class GradeForm(forms.Form):
    """One person's grade. Rendered once per row on the grading page, with the row's prefix."""

    grade = forms.ChoiceField(label=_("等次"), choices=Grade.choices, widget=forms.RadioSelect)
    # Required, as grade_assign requires it: marked so (asterisk, aria-required) before anyone submits.
    comment = paragraph_field(_("评语"), max_length=_limit("comment"), rows=2, missing=_("请填写评语。"))
    reason = paragraph_field(
        _("定等理由"), max_length=_limit("reason"), rows=2, required=False, help_text=_("评为“一般”“较差”时必填。")
    )
    # The reasons DOMAIN.md §4 allows (其他 only on rows graded before the rule was enforced).
    uncertain_reason = forms.ChoiceField(
        label=_("不确定等次原因"),
        required=False,
        choices=[
            ("", _("请选择")),
            *((value, label) for value, label in UncertainReason.choices if value != UncertainReason.OTHER),
        ],
    )
    version = version_field()


class ConfirmForm(forms.Form):
    """A leader's confirmation: unchanged, or a new grade with the reason for the change."""

    new_grade = forms.ChoiceField(label=_("调整为"), required=False, choices=[("", _("不调整")), *Grade.choices])
    reason = paragraph_field(_("调整理由"), max_length=_limit("reason"), rows=2, required=False)
    version = version_field()


class ReturnForm(forms.Form):
    """The agency head sends a confirmed grade back before approving, with the reason."""

    # In the page's words, as a target set's or a summary's return says it (not 这个字段是必填项).
    reason = paragraph_field(
        _("退回理由"), max_length=_limit("return_reason"), rows=2, missing=_("退回时须填写退回原因。")
    )
    version = version_field()


class OpenQuarterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("季度"), choices=QUARTER_CHOICES, coerce=int)


class DisciplineOpinionForm(forms.Form):
    """The discipline office's opinion on a quarter (纪委意见); an inspector records it."""

    text = paragraph_field(_("纪委意见"), max_length=model_limit(QuarterDisciplineOpinion, "text"), rows=3)
    # When the opinion the page showed was recorded ("" for none): one recorded since, in another
    # tab or by another inspector, is not overwritten unseen.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)


class ApprovalFilter(django_filters.FilterSet):
    """The agency head's list of a quarter's grades: by department, by grade, or only the leader's changes."""

    department = LoadedModelChoiceFilter(label=_("科室"), queryset=Department.objects.none())
    grade = django_filters.ChoiceFilter(label=_("等次"), choices=Grade.choices, empty_label=_("全部"))
    changed = django_filters.BooleanFilter(label=_("分管领导调整过"), method="filter_changed", widget=YesNoAllSelect())

    class Meta:
        model = QuarterGrade
        fields = ["department", "grade", "changed"]

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["department"].queryset = Department.objects.filter(organisation_id=organisation_id).order_by(
            "sort_order", "code"
        )

    def filter_changed(self, queryset, name, value):
        changed = Q(evaluator_grade__gt="") & ~Q(evaluator_grade=F("grade"))
        return queryset.filter(changed if value else ~changed)
