from django import forms


class DateInput(forms.DateInput):
    """An HTML5 date picker. Browsers accept only ISO dates in ``value``; the zh-hans locale
    would render 2026/12/11, which the picker drops — losing the saved date on the next save."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
