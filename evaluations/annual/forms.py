"""Forms of the year-end pages: the committee's list filter and its decision form."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from accounts.widgets import YesNoAllSelect

from .models import AnnualGrade, AnnualResult


class AnnualFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名/工号"), method="filter_q")
    department = django_filters.ModelChoiceFilter(label=_("科室"), queryset=Department.objects.none())
    suggested_grade = django_filters.ChoiceFilter(label=_("建议等次"), choices=AnnualGrade.choices)
    decided = django_filters.ChoiceFilter(
        label=_("确定情况"),
        choices=[("undecided", _("待确定")), ("decided", _("已确定")), ("deviating", _("与建议不一致"))],
        method="filter_decided",
    )
    eligible_excellent = django_filters.BooleanFilter(label=_("具备优秀资格"), widget=YesNoAllSelect())

    class Meta:
        model = AnnualResult
        fields = ["q", "department", "suggested_grade", "decided", "eligible_excellent"]

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["department"].queryset = Department.objects.filter(organisation=organisation)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(person__full_name__icontains=value) | Q(person__employee_number__icontains=value))

    def filter_decided(self, queryset, name, value):
        if value == "undecided":
            return queryset.filter(decided_grade="")
        if value == "decided":
            return queryset.exclude(decided_grade="")
        return queryset.exclude(decided_grade="").exclude(decided_grade=F("suggested_grade"))


class AnnualDecisionForm(forms.Form):
    grade = forms.ChoiceField(label=_("确定等次"), choices=AnnualGrade.choices)
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        max_length=AnnualResult._meta.get_field("decision_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("与建议等次不一致时必填，将记入审计日志。"),
    )
