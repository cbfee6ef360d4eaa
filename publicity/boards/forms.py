"""Forms of the weekly board: they parse; the services decide."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.text import MultiLineCharField
from accounts.textlimits import MEDIUM, SHORT

from .services import MAX_ITEMS

# Rows shown on the head's form: what was posted, and room for a few more.
SPARE_ROWS = 3


class ProgressItemForm(forms.Form):
    text = MultiLineCharField(
        label=_("工作进展"),
        required=False,
        max_length=SHORT,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": SHORT}),
    )
    goal = forms.TypedChoiceField(label=_("对应科室目标"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, goal_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = [("", _("（不关联）")), *goal_choices]


class BaseProgressItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, goals=(), **kwargs):
        self.goal_choices = [(goal.pk, goal.content[:60]) for goal in goals]
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "goal_choices": self.goal_choices}


ProgressItemFormSet = forms.formset_factory(
    ProgressItemForm, formset=BaseProgressItemFormSet, extra=0, max_num=MAX_ITEMS, absolute_max=MAX_ITEMS + 5
)


class CompileWeekForm(forms.Form):
    """Start (or reopen) the office's compilation of a recent week."""

    week = forms.ChoiceField(label=_("周次"))

    def __init__(self, *args, weeks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].choices = [(week.code, week.label) for week in weeks]


class DigestForm(forms.Form):
    """One row per department that posted: include it, its position, its wording."""

    # When the page was drawn (ISO 8601, to the microsecond): a post corrected after it is not
    # saved or published unseen.
    seen_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_seen_at(self):
        try:
            return datetime.fromisoformat(self.cleaned_data["seen_at"])
        except ValueError:
            return None

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in rows:
            department = row["post"].department
            prefix = f"d{department.pk}"
            self.fields[f"{prefix}_include"] = forms.BooleanField(
                label=_("选入本周进展"), required=False, initial=row["include"]
            )
            self.fields[f"{prefix}_position"] = forms.IntegerField(
                label=_("顺序"), min_value=1, max_value=999, initial=row["position"]
            )
            self.fields[f"{prefix}_text"] = MultiLineCharField(
                label=_("本周进展（可修改文字）"),
                required=False,
                max_length=MEDIUM,
                initial=row["text"],
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": MEDIUM}),
            )
            self.rows.append(
                {
                    "department": department,
                    "post": row["post"],
                    "include": self[f"{prefix}_include"],
                    "position": self[f"{prefix}_position"],
                    "text": self[f"{prefix}_text"],
                    # The compilation's earlier wording of a post corrected since it was saved.
                    "earlier": row.get("earlier"),
                    "changed": row.get("changed", False),
                }
            )

    def sections(self):
        """(department_id, position, text) of the included rows, for the service."""
        chosen = []
        for row in self.rows:
            prefix = f"d{row['department'].pk}"
            if self.cleaned_data.get(f"{prefix}_include"):
                chosen.append(
                    (
                        row["department"].pk,
                        self.cleaned_data.get(f"{prefix}_position") or 999,
                        self.cleaned_data.get(f"{prefix}_text") or "",
                    )
                )
        return chosen
