from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts.formerrors import add_service_errors, error_text


class ScoreForm(forms.Form):
    score = forms.IntegerField(required=False)
    reason = forms.CharField(required=False)


def bound_form() -> ScoreForm:
    form = ScoreForm({"score": "5", "reason": ""})
    assert form.is_valid()
    return form


def test_a_message_keyed_by_a_form_field_lands_on_that_field():
    form = bound_form()
    add_service_errors(form, ValidationError({"score": "得分须在0到100之间。"}))
    assert form.errors == {"score": ["得分须在0到100之间。"]}
    assert "score" not in form.cleaned_data


def test_keys_the_form_does_not_have_become_non_field_errors():
    form = bound_form()
    add_service_errors(
        form,
        ValidationError({"organisation": "不属于本单位。", NON_FIELD_ERRORS: "已有记录。", "reason": "须说明理由。"}),
    )
    assert form.non_field_errors() == ["不属于本单位。", "已有记录。"]
    assert form.errors["reason"] == ["须说明理由。"]


def test_a_plain_message_becomes_a_non_field_error():
    form = bound_form()
    add_service_errors(form, ValidationError("该季度已审批。"))
    assert form.non_field_errors() == ["该季度已审批。"]
    assert list(form.errors) == [NON_FIELD_ERRORS]


def test_a_list_of_messages_keeps_every_message():
    form = bound_form()
    add_service_errors(form, ValidationError(["其一。", ValidationError("其二%(n)s。", params={"n": "！"})]))
    assert form.non_field_errors() == ["其一。", "其二！。"]


def test_a_renamed_service_key_lands_on_the_form_field():
    form = bound_form()
    add_service_errors(form, ValidationError({"lift_reason": "须说明理由。"}), fields={"lift_reason": "reason"})
    assert form.errors == {"reason": ["须说明理由。"]}


def test_error_text_joins_every_message():
    assert error_text(ValidationError({"score": "甲。", "reason": ["乙。", "丙。"]})) == "甲。 乙。 丙。"
