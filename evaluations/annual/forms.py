"""Forms of the year-end pages: the committee's list filter and its decision form, and the
创新突破 proposal and HR's decision on it."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from accounts.filters import LoadedModelChoiceFilter, OrganisationFilterSet, PersonSearchFilter
from accounts.formparts import model_limit, paragraph_field
from accounts.forms import PersonChoiceField
from accounts.models import Department, User
from accounts.widgets import YesNoAllSelect

from .models import Achievement, AnnualGrade, AnnualResult


class AnnualFilter(OrganisationFilterSet):
    q = PersonSearchFilter()
    department = LoadedModelChoiceFilter(label=_("科室"), queryset=Department.objects.none())
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

    def filter_decided(self, queryset, name, value):
        if value == "undecided":
            return queryset.filter(decided_grade="")
        if value == "decided":
            return queryset.exclude(decided_grade="")
        return queryset.exclude(decided_grade="").exclude(decided_grade=F("suggested_grade"))


class AnnualDecisionForm(forms.Form):
    # A grade not offered (优秀 to the vetoed, sent by hand) is named by its own words, not the raw
    # value (a user test read "excellent 不在可用的选项中").
    grade = forms.ChoiceField(
        label=_("确定等次"), choices=AnnualGrade.choices, error_messages={"invalid_choice": _("请选择有效的等次。")}
    )
    reason = paragraph_field(
        _("理由"),
        max_length=model_limit(AnnualResult, "decision_reason"),
        rows=3,
        required=False,
        help_text=_("与建议等次不一致时必填，将记入审计日志。"),
    )
    # The decision the page showed (its time, empty for none): a second tab's stale decision is refused.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, excellent_barred: str = "", fixed: tuple[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed is not None:
            # The one grade the rules leave (services.grade_fixed): the only one offered.
            grade = self.fields["grade"]
            grade.choices = [choice for choice in grade.choices if choice[0] == fixed[0]]
            # Crispy writes help texts unescaped (``|safe``); these reasons may name people.
            grade.help_text = escape(fixed[1])
        elif excellent_barred:
            # Not offered where the service would refuse it whatever the reason (annual_decide).
            grade = self.fields["grade"]
            grade.choices = [choice for choice in grade.choices if choice[0] != AnnualGrade.EXCELLENT]
            grade.help_text = escape(_("不可评为优秀：%(why)s") % {"why": excellent_barred})


class AchievementForm(forms.Form):
    """A leader's proposal of a 创新突破; the service checks whom the leader may propose for."""

    # The site's person picker (a search box; named with number and department, as elsewhere).
    person = PersonChoiceField(
        label=_("人员"), queryset=User.objects.none(), error_messages={"required": _("请选择人员。")}
    )
    title = forms.CharField(
        label=_("创新突破事项"),
        max_length=model_limit(Achievement, "title"),
        error_messages={"required": _("请填写创新突破事项。")},
    )
    description = paragraph_field(
        _("具体内容"), max_length=model_limit(Achievement, "description"), rows=3, required=False
    )

    def __init__(self, *args, people, searchable: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        # A leader's people (their departments') are always listed: a leader may not search the
        # agency (accounts:people_search). The agency head's, everyone, are searched when many.
        self.fields["person"].widget.inline = not searchable


class AchievementDecisionForm(forms.Form):
    confirm = forms.TypedChoiceField(
        label=_("处理"), choices=[("1", _("确认")), ("0", _("不予确认"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=model_limit(Achievement, "decision_note"),
        help_text=_("不予确认时必填，将记入审计日志。"),
    )
