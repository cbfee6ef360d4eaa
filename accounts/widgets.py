from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """An HTML5 date picker. Browsers accept only ISO dates in ``value``; the zh-hans locale
    would render 2026/12/11, which the picker drops — losing the saved date on the next save."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class YesNoAllSelect(forms.Select):
    """A yes/no filter whose empty choice reads 全部 (django-filter's default says 未知)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])

    def format_value(self, value):
        return [{True: "true", False: "false", "true": "true", "false": "false"}.get(value, "")]

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return {"true": True, "false": False}.get(str(value).lower())


class ConfirmedOptionSelect(forms.Select):
    """A select whose options each carry the question asked when the form is sent with that one
    chosen (``data-confirm-checked``, static/js/app.js): a form whose choice decides what an
    irreversible step does (the board's 发布公示) says what this choice does. ``confirms``: the
    question by option value; the placeholder has none (the server says to choose)."""

    def __init__(self, attrs=None, choices=(), confirms=None):
        super().__init__(attrs, choices)
        self.confirms = dict(confirms or {})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.confirms:
            option["attrs"] = {**option["attrs"], "data-confirm-checked": self.confirms[str(value)]}
        return option
