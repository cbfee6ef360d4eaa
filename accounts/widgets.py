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
