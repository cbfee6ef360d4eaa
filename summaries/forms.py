from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.formparts import MAX_VERSION, model_limit, version_field
from accounts.text import MultiLineCharField

from .models import MonthlySummary, SummaryProgress
from .services import SummaryText


def _textarea(rows: int = 6) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "form-control", "data-autosave-field": ""})


class SummaryTextForm(forms.Form):
    """The owner's draft: the version it is based on, a note per target item, and the free text.

    The same fields are posted by the plain form and by the autosave script.
    """

    version = version_field(**{"data-autosave-version": ""})
    # Filled in by the page's script: which open page is saving, and which of its saves this is.
    tab = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput(attrs={"data-autosave-tab": ""}))
    seq = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_VERSION, widget=forms.HiddenInput(attrs={"data-autosave-seq": ""})
    )
    other_work = MultiLineCharField(
        label=_("其他工作"), required=False, max_length=model_limit(MonthlySummary, "other_work"), widget=_textarea()
    )
    problems = MultiLineCharField(
        label=_("存在问题"), required=False, max_length=model_limit(MonthlySummary, "problems"), widget=_textarea(4)
    )
    next_month_plan = MultiLineCharField(
        label=_("下月计划"),
        required=False,
        max_length=model_limit(MonthlySummary, "next_month_plan"),
        widget=_textarea(4),
    )

    def __init__(self, *args, progress: list[SummaryProgress], **kwargs):
        super().__init__(*args, **kwargs)
        self.progress = progress
        for row in progress:
            self.fields[self.note_name(row)] = MultiLineCharField(
                label=row.wording,
                required=False,
                max_length=model_limit(SummaryProgress, "note"),
                widget=_textarea(4),
                initial=row.note,
            )

    @staticmethod
    def note_name(row: SummaryProgress) -> str:
        return f"note_{row.pk}"

    def note_fields(self):
        return [(row, self[self.note_name(row)]) for row in self.progress]

    def writer(self) -> dict:
        """The page and the number of its save, for :func:`services.summary_autosave`."""
        return {"tab": self.cleaned_data.get("tab") or "", "seq": self.cleaned_data.get("seq") or 0}

    def text(self) -> SummaryText:
        data = self.cleaned_data
        return SummaryText(
            other_work=data["other_work"],
            problems=data["problems"],
            next_month_plan=data["next_month_plan"],
            notes={row.pk: data[self.note_name(row)] for row in self.progress if self.note_name(row) in self.data},
        )


class ReturnForm(forms.Form):
    reason = MultiLineCharField(
        label=_("退回原因"),
        max_length=model_limit(MonthlySummary, "return_reason"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": _("退回时请填写退回原因。")},
    )


class AttachmentForm(forms.Form):
    # An empty file is let through so the service says it is empty (not "choose a file").
    file = forms.FileField(
        label=_("附件"),
        allow_empty_file=True,
        # Refusals are said in the status line under the field (summary_detail.html), not only at the top.
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "aria-describedby": "attachment-status"}),
    )


class BulkApproveConfirmForm(forms.Form):
    """The confirmation step of a bulk approval: the ticked items again, hidden, with confirm=1.
    review_decide approves several items only when this step was taken."""

    items = forms.Field(widget=forms.MultipleHiddenInput)
    action = forms.CharField(widget=forms.HiddenInput, initial="approve")
    confirm = forms.CharField(widget=forms.HiddenInput, initial="1")
    back = forms.CharField(widget=forms.HiddenInput, required=False)
