"""Forms of the publication room: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.textlimits import MEDIUM
from evaluations.annual.models import AnnualGrade

from .models import ReviewCaseKind


class PublishForm(forms.Form):
    """HR picks an approved quarter (``q:<id>``), a year's 优秀 list (``y:<year>``) or a year's
    decided public-welfare results (``w:<year>``)."""

    target = forms.ChoiceField(label=_("公示内容"))

    def __init__(self, *args, quarters=(), years=(), welfare_years=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"q:{q.pk}", str(q.period.label)) for q in quarters]
        choices += [(f"y:{year}", _("%(year)s年度考核优秀等次人选") % {"year": year}) for year in years]
        choices += [(f"w:{year}", _("%(year)s年度公益性岗位考核结果") % {"year": year}) for year in welfare_years]
        self.fields["target"].choices = choices


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=MEDIUM)
    attachment = forms.FileField(label=_("附件（可选）"), required=False)


class ObjectionActionForm(forms.Form):
    ACTIONS = ("accept", "verify", "send_back", "answer")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=MEDIUM)


class ReviewCaseOpenForm(forms.Form):
    annual_result = forms.ChoiceField(label=_("当事人（年度不称职）"))
    kind = forms.ChoiceField(label=_("类别"), choices=ReviewCaseKind.choices)
    notified_on = forms.DateField(label=_("结果告知日"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, results=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annual_result"].choices = [(r.pk, f"{r.person.get_full_name()}（{r.year}）") for r in results]


# What a 复核/申诉 of a 不称职 may change the year's grade to.
CHANGED_GRADES = (AnnualGrade.EXCELLENT, AnnualGrade.COMPETENT, AnnualGrade.BASICALLY_COMPETENT)


class ReviewCaseStepForm(forms.Form):
    action = forms.ChoiceField(choices=[("request", "request"), ("decide", "decide")], widget=forms.HiddenInput)
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    decision = forms.CharField(
        label=_("决定"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=MEDIUM
    )
    new_grade = forms.ChoiceField(
        label=_("决定后的年度等次"),
        required=False,
        choices=[("", _("维持原等次"))] + [(grade.value, grade.label) for grade in CHANGED_GRADES],
        help_text=_("撤销或变更原等次时选择新等次：年度结果随决定经复核记录变更，并告知本人。"),
    )
