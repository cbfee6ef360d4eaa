"""Forms for goals and targets. They validate input only; the rules live in ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.formparts import formset_initial, model_limit, paragraph_field, version_field
from accounts.widgets import DateInput

from .models import QUARTER_CHOICES, Completion, DepartmentGoal, TargetItem, TargetKind, TargetSetRevision
from .services import ItemData


class VersionForm(forms.Form):
    """The version the page was rendered from, sent back so a stale save can be refused."""

    version = version_field()


class DepartmentGoalForm(forms.ModelForm):
    class Meta:
        model = DepartmentGoal
        fields = ["department", "year", "quarter", "content", "sort_order"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = None
        self.fields["quarter"].choices = [("", _("年度目标"))] + [(k, v) for k, v in QUARTER_CHOICES]
        # The model's "留空表示年度目标" speaks of an empty value the select does not show.
        self.fields["quarter"].help_text = _("选“年度目标”为全年目标，选季度为该季度的目标。")


class TargetItemForm(forms.Form):
    """One row of the targets formset. A plain form (not a ModelForm) so the goal choices are
    computed once per page, not queried once per row."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    sort_order = forms.IntegerField(label=_("序号"), min_value=0, max_value=999, required=False)
    content = paragraph_field(
        _("目标内容"), max_length=model_limit(TargetItem, "content"), rows=2, missing=_("请填写目标内容。")
    )
    kind = forms.ChoiceField(label=_("类别"), choices=TargetKind.choices, initial=TargetKind.KEY)
    measures = paragraph_field(_("推进措施"), max_length=model_limit(TargetItem, "measures"), rows=2, required=False)
    deadline = forms.DateField(label=_("时间节点"), widget=DateInput(), required=False)
    # One message for every wrong weight, saying the rule (Django's 输入整数 / 确保该值小于或等于100 did not).
    weight = forms.IntegerField(
        label=_("权重"),
        min_value=0,
        max_value=100,
        required=False,
        error_messages={
            key: _("权重须为0到100之间的整数。") for key in ("invalid", "min_value", "max_value", "step_size")
        },
    )
    goal = forms.TypedChoiceField(label=_("对应科室目标"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args, goal_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Optional: a target item need not serve a department goal, and the empty choice says so.
        self.fields["goal"].choices = [("", _("不对应科室目标"))] + list(goal_choices)

    def has_changed(self) -> bool:
        # The script renumbers every row, empty ones included; a row with only a number is still empty.
        return bool(set(self.changed_data) - {"sort_order"})

    def to_item(self) -> ItemData:
        data = self.cleaned_data
        return ItemData(
            id=data.get("id"),
            sort_order=data.get("sort_order"),
            content=data["content"],
            kind=data["kind"],
            measures=data.get("measures", ""),
            deadline=data.get("deadline"),
            weight=data.get("weight"),
            goal_id=data.get("goal"),
        )


class BaseTargetItemFormSet(forms.BaseFormSet):
    def kept_forms(self) -> list:
        """The forms of the rows the owner kept: filled in and not marked for removal."""
        # Untouched extra rows have empty cleaned_data.
        return [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def items(self) -> list[ItemData]:
        """The rows the owner kept, as the services take them (in :meth:`kept_forms`' order)."""
        return [form.to_item() for form in self.kept_forms()]

    def typed_rows(self) -> list[dict[str, str]]:
        """The text of each row as posted, valid or not, rows marked for removal and empty ones left
        out: a page that can no longer be saved shows it to be copied."""
        rows = []
        for form in self.forms:
            content, measures = ((form[name].value() or "").strip() for name in ("content", "measures"))
            if (content or measures) and not form["DELETE"].value():
                rows.append({"content": content, "measures": measures})
        return rows

    def refuse_weights(self, message: str) -> None:
        """The service refused the weights' sum: said above the items (``#items-errors``) and tied to
        each weight box of the kept rows, so the page puts the keyboard on the first and a screen
        reader reads why."""
        self._non_form_errors = self.error_class([message], renderer=self.renderer)
        for form in self.forms:
            if form.cleaned_data and not form.cleaned_data.get("DELETE"):
                attrs = form.fields["weight"].widget.attrs
                attrs.update({"aria-invalid": "true", "aria-describedby": "items-errors"})
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


TargetItemFormSet = forms.formset_factory(
    TargetItemForm, formset=BaseTargetItemFormSet, extra=2, can_delete=True, max_num=100, validate_max=True
)


def item_initial(items) -> list[dict]:
    return formset_initial(items, TargetItemForm.base_fields, goal="goal_id")


class ReturnForm(forms.Form):
    reason = paragraph_field(
        _("退回原因"), max_length=model_limit(TargetSetRevision, "reason"), rows=3, missing=_("退回时须填写退回原因。")
    )


class AssignItemForm(forms.Form):
    content = paragraph_field(_("交办事项"), max_length=model_limit(TargetItem, "content"), rows=2)
    measures = paragraph_field(_("工作要求"), max_length=model_limit(TargetItem, "measures"), rows=2, required=False)
    deadline = forms.DateField(label=_("时间节点"), widget=DateInput(), required=False)


class CompletionForm(forms.Form):
    """One field pair per item, built from the set's items."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"completion_{item.pk}"] = forms.ChoiceField(
                label=_("完成情况"),
                choices=[("", _("请选择"))] + list(Completion.choices),
                required=False,
                initial=item.completion,
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("说明"),
                max_length=model_limit(TargetItem, "completion_note"),
                required=False,
                initial=item.completion_note,
            )

    def rows(self):
        for item in self.items:
            yield item, self[f"completion_{item.pk}"], self[f"note_{item.pk}"]

    def completions(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (self.cleaned_data[f"completion_{item.pk}"], self.cleaned_data[f"note_{item.pk}"].strip())
            for item in self.items
        }
