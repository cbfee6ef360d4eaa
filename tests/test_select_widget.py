"""The select widget's own template (templates/django/forms/widgets/select.html, through
FORM_RENDERER = TemplatesSetting) writes its options inline, without Django's include per option:
the HTML must stay what Django's own templates write, for every kind of select the forms use, so a
Django upgrade that changes its select is noticed here; the one difference is on purpose: an empty
choice Django labels ``---------`` reads 请选择."""

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils import translation

pytestmark = pytest.mark.engine_neutral


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=[("", "全部"), ("a", "好 & <较好>"), ("b", "一般")], required=False)
    grouped = forms.ChoiceField(
        choices=[("科室", [("1", "办公室"), ("2", "人事科")]), ("其他", [("3", "无科室")]), ("4", "单列")]
    )
    several = forms.MultipleChoiceField(choices=[("x", "甲"), ("y", "乙"), ("z", "丙")])
    yes_no = forms.NullBooleanField(widget=forms.NullBooleanSelect)
    with_attrs = forms.ChoiceField(
        choices=[("1", "一"), ("2", "二")], widget=forms.Select(attrs={"class": "form-select", "disabled": True})
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "a", "grouped": "3", "several": ["x", "z"], "yes_no": "true", "with_attrs": "2"},
        {"plain": "", "grouped": "4", "several": [], "yes_no": "unknown"},
    ],
)
def test_a_select_writes_the_html_djangos_own_templates_write(data):
    assert settings.FORM_RENDERER == "django.forms.renderers.TemplatesSetting"
    ours, theirs = _Form(data or None), _Form(data or None, renderer=DjangoTemplates())
    for name in ours.fields:
        assert ours[name].as_widget() == theirs[name].as_widget(), name
        assert str(ours[name]) == str(theirs[name]), name
    assert "<option" in str(ours["grouped"]) and "<optgroup" in str(ours["grouped"])


def test_the_project_renders_its_forms_through_its_own_select_template():
    template = get_default_renderer().get_template("django/forms/widgets/select.html")
    assert str(settings.BASE_DIR / "templates") in str(template.origin.name)


def test_an_empty_choice_without_a_label_of_its_own_reads_please_choose_not_djangos_dashes():
    class Optional(forms.Form):
        kind = forms.TypedChoiceField(choices=[("", "---------"), ("a", "警告")], required=False)
        labelled = forms.ChoiceField(choices=[("", "全部"), ("a", "警告")], required=False)

    with translation.override("zh-hans"):
        html = str(Optional())
    assert '<option value="" selected>请选择</option>' in html
    assert '<option value="" selected>全部</option>' in html
    assert "---------" not in html
