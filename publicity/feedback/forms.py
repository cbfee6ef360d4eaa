"""Forms of the feedback room: they parse; the services decide."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.filters import PersonSearchFilter
from accounts.text import MultiLineCharField
from accounts.textlimits import MEDIUM, SHORT
from accounts.widgets import DateInput

from .selectors import GRADE_TEXTS


def _text(label, limit: int, rows: int, help_text: str = "", **kwargs) -> forms.CharField:
    kwargs.setdefault("required", False)
    return MultiLineCharField(
        label=label,
        **kwargs,
        max_length=limit,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit}),
    )


class TalkForm(forms.Form):
    """The talk as the talker records it, with the texts its grade has (``texts``:
    :func:`..selectors.talk_texts_for`); the service says which are missing."""

    talked_on = forms.DateField(
        label=_("谈话日期"), widget=DateInput(), error_messages={"required": _("请填写谈话日期。")}
    )
    # Always required (the service says so too): marked, and the browser asks before sending.
    content = _text(_("谈话内容"), MEDIUM, 5, required=True, error_messages={"required": _("请填写谈话内容。")})
    reasons = _text(_("评为“好”的原因"), SHORT, 3, _("评为“好”时必填：把正面反馈的原因讲清楚。"))
    shortcomings = _text(_("存在的不足"), SHORT, 3, _("评为“一般”“较差”时必填：以事实为基础指出不足。"))
    improvements = _text(_("改进方向"), SHORT, 3, _("评为“一般”“较差”时必填。"))
    # The talk the form was opened on (services.talk_seen_token; empty for none yet): a save from a
    # form opened before another tab's save is refused, not written over it.
    based_on = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, texts: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        for name in GRADE_TEXTS:
            if name not in texts:
                del self.fields[name]


class ConfirmForm(forms.Form):
    opinion = _text(_("本人意见（可不填）"), SHORT, 3)
    # What the page showed (services.talk_seen_token / annual_seen_token); the service compares it
    # with what is stored now. A form sent without it was read from no known version: refused there.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)


class FeedbackListFilter(django_filters.FilterSet):
    """The talker's list: a name or employee number (a leader talks with dozens), and the talks
    still to record (``show=pending``)."""

    q = PersonSearchFilter()
    show = django_filters.ChoiceFilter(
        label=_("谈话"),
        choices=[("pending", _("待记录"))],
        empty_label=_("全部"),
        method="filter_show",
        # Set by the 全部 / 待记录 buttons above the list, kept when a name is searched.
        widget=forms.HiddenInput,
    )

    def filter_show(self, queryset, name, value):
        return queryset.filter(talk_is_due=True) if value == "pending" else queryset
