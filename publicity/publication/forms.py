"""Forms of the publication room: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.filters import LoadedModelChoiceFilter, OrganisationFilterSet, PersonSearchFilter
from accounts.models import Department
from accounts.text import MultiLineCharField, join_list
from accounts.textlimits import MEDIUM
from accounts.widgets import ConfirmedOptionSelect, DateInput
from evaluations.annual.models import AnnualGrade, AnnualReview

from .models import Objection, PublicationEntry, ReviewCase, ReviewCaseKind


class EntryFilter(OrganisationFilterSet):
    """A published list's own search: a name or employee number, a department (a list of hundreds
    read on a phone)."""

    q = PersonSearchFilter()
    department = LoadedModelChoiceFilter(label=_("科室"), queryset=Department.objects.none())

    class Meta:
        model = PublicationEntry
        fields = ["q", "department"]


class PublishForm(forms.Form):
    """HR picks an approved quarter (``q:<id>``), a year's 优秀 list (``y:<year>``) or a year's
    decided public-welfare results (``w:<year>``, a ``services.WelfareBatch``: published in
    batches, each option saying how many and which batch). Publishing cannot be undone: each
    option carries its own confirmation, saying what it publishes."""

    # Drawn by hand on the board (beside its button), so styled here as crispy styles the others.
    target = forms.ChoiceField(
        label=_("公示内容"), widget=ConfirmedOptionSelect(attrs={"class": "form-select form-select-sm"})
    )

    def __init__(self, *args, quarters=(), years=(), welfare=(), in_window=None, window=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"q:{q.pk}", str(q.period.label)) for q in quarters]
        # A year's list while quarters of that year wait to be published, or are in their window
        # (``in_window``: year → quarters; an objection may still change who qualifies): said beside
        # it (the usual order is the quarters first, locked; HR may still choose otherwise).
        waiting: dict[int, list[int]] = {}
        for q in quarters:
            waiting.setdefault(q.year, []).append(q.quarter)
        in_window = in_window or {}
        for year in years:
            label = _("%(year)s年度考核优秀等次人选") % {"year": year}
            if year in waiting:
                label = _("%(label)s（%(quarters)s结果尚未公示）") % {
                    "label": label,
                    "quarters": _quarters(waiting[year]),
                }
            if year in in_window:
                label = _("%(label)s（%(quarters)s结果尚未定等，等次仍可能因异议改变）") % {
                    "label": label,
                    "quarters": _quarters(in_window[year]),
                }
            choices.append((f"y:{year}", label))
        # ``window``: the days a publication made today is on show (a day off: from the next working
        # day; "名单即刻公示" misled a user test on a Saturday).
        shown = _("名单即刻公示")
        if window is not None:
            shown = _("公示期为%(start)s至%(end)s") % {"start": window[0].isoformat(), "end": window[1].isoformat()}
        once = _("发布后全体人员将收到通知，%(shown)s，不能撤回；每个季度或年度只公示一次。确定发布？") % {
            "shown": shown
        }
        confirms = {value: once for value, _label in choices}
        for batch in welfare:
            said = {"title": batch.title, "year": batch.year, "count": batch.count}
            choices.append((f"w:{batch.year}", _("%(title)s · %(count)s人") % said))
            # A year's workers are published as they are decided: this one publishes those decided
            # and not yet published, never again those already on the board.
            confirms[f"w:{batch.year}"] = _(
                "将公示“%(title)s”：%(year)s年度已集体研究、尚未公示的%(count)s名公益性岗位人员"
                "（已公示的人员不再列入）。发布后全体人员将收到通知，%(shown)s，不能撤回。确定发布？"
            ) % {**said, "shown": shown}
        self.has_targets = bool(choices)
        # Publishing cannot be undone: nothing is chosen until HR chooses (the first of the list was,
        # an earlier year's 优秀 list among them).
        self.fields["target"].choices = [("", _("请选择要公示的内容"))] + choices
        self.fields["target"].widget.confirms = confirms


def _quarters(numbers) -> str:
    return join_list(_("第%(quarter)s季度") % {"quarter": n} for n in sorted(numbers))


class ObjectionForm(forms.Form):
    # The service's words for an empty objection (objection_lodge), under the box.
    text = MultiLineCharField(
        label=_("异议内容"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MEDIUM,
        error_messages={"required": _("请填写异议内容。")},
    )
    attachment = forms.FileField(label=_("附件（可选）"), required=False)


def _objection_text(name: str, label, *, rows: int, element_id: str, required: str) -> forms.CharField:
    # The model's limit, so the textarea's maxlength (and its counter) and the service's refusal agree.
    return MultiLineCharField(
        label=label,
        max_length=Objection._meta.get_field(name).max_length,
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control", "id": element_id}),
        error_messages={"required": required},
    )


# HR's steps on an objection page: each is a small form of its own (受理 has no text), so a step that
# is refused comes back with its text and the message under its box.
class ObjectionVerifyForm(forms.Form):
    notes = _objection_text("notes", _("核实情况"), rows=3, element_id="verify-text", required=_("请填写核实情况。"))


class ObjectionSendBackForm(forms.Form):
    # The service's refusals of the reason (grade_reopen_for_regrading) are keyed ``reason`` too.
    reason = _objection_text(
        "send_back_reason", _("退回重评理由"), rows=2, element_id="send-back-text", required=_("请说明理由。")
    )


class ObjectionAnswerForm(forms.Form):
    answer = _objection_text("answer", _("答复"), rows=3, element_id="answer-text", required=_("请填写答复内容。"))


class ReviewCaseOpenForm(forms.Form):
    annual_result = forms.ChoiceField(label=_("当事人（年度不称职）"))
    kind = forms.ChoiceField(label=_("类别"), choices=ReviewCaseKind.choices)
    notified_on = forms.DateField(label=_("结果告知日"), widget=DateInput())

    def __init__(self, *args, results=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annual_result"].choices = [
            (
                r.pk,
                _("%(name)s（%(year)s，复核已决定，可登记申诉）") % {"name": r.person.get_full_name(), "year": r.year},
            )
            if getattr(r, "reviewed", False)
            else (r.pk, f"{r.person.get_full_name()}（{r.year}）")
            for r in results
        ]


# What a 复核/申诉 of a 不称职 may change the year's grade to.
CHANGED_GRADES = (AnnualGrade.EXCELLENT, AnnualGrade.COMPETENT, AnnualGrade.BASICALLY_COMPETENT)


def _case_day(label, *, element_id: str, required: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control", "id": element_id}, format="%Y-%m-%d"),
        error_messages={"required": required},
    )


# HR's steps on a 复核/申诉 case, a small form each, its fields named as the service names what it
# refuses (requested_on, decided_on, decision, new_grade): a refused step comes back with what was
# typed and the message under its box.
class ReviewCaseRequestForm(forms.Form):
    requested_on = _case_day(_("申请日"), element_id="case-day", required=_("请填写申请日。"))


class ReviewCaseDecideForm(forms.Form):
    decided_on = _case_day(_("决定日"), element_id="case-day", required=_("请填写决定日。"))
    # The model's limit, so the textarea's maxlength (and its counter) and the service's refusal agree.
    decision = MultiLineCharField(
        label=_("决定"),
        max_length=ReviewCase._meta.get_field("decision").max_length,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "id": "case-decision"}),
        error_messages={"required": _("请填写决定内容。")},
        # A changed grade records the decision as the review's reason, whose limit is shorter.
        help_text=format_lazy(
            _("变更等次时，决定作为复核理由记入年度结果，不能超过{limit}字。"),
            limit=AnnualReview._meta.get_field("reason").max_length,
        ),
    )
    new_grade = forms.ChoiceField(
        label=_("决定后的年度等次"),
        required=False,
        choices=[("", _("维持原等次"))] + [(grade.value, grade.label) for grade in CHANGED_GRADES],
        help_text=_("撤销或变更原等次时选择新等次：年度结果随决定经复核记录变更，并告知本人。"),
        widget=forms.Select(attrs={"class": "form-select", "id": "case-new-grade"}),
    )

    def bar_excellent(self, why: str) -> None:
        """Not offer 优秀 where the recorded review would refuse it (``why``, said under the box), as
        the annual review page does (a user test chose it and was refused only after submitting)."""
        field = self.fields["new_grade"]
        field.choices = [choice for choice in field.choices if choice[0] != AnnualGrade.EXCELLENT]
        field.help_text = format_lazy("{} {}", field.help_text, _("不可改为优秀。%(why)s") % {"why": why})
