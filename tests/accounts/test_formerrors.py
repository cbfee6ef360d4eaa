from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts.formerrors import add_service_errors, error_text, run_service, service_result


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


def _request_with_messages(rf):
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_run_service_flashes_the_success_built_from_what_the_service_returned(rf):
    request = _request_with_messages(rf)
    assert run_service(request, lambda: 3, success=lambda n: f"已确认{n}人。") is True
    assert [str(m) for m in get_messages(request)] == ["已确认3人。"]


def _refuse_the_score():
    raise ValidationError({"score": "得分须在0到100之间。"})


def test_run_service_puts_a_refusal_at_its_field_and_the_flash_points_to_it(rf):
    """Said once, at the field (a user test saw each refusal twice: above the page and at the field)."""
    request, form = _request_with_messages(rf), bound_form()
    assert run_service(request, _refuse_the_score, success="已保存。", form=form) is False
    assert form.errors == {"score": ["得分须在0到100之间。"]}
    assert [str(m) for m in get_messages(request)] == ["请按提示修改后再提交。"]


def test_a_refusal_of_the_whole_is_flashed_whole(rf):
    """A refusal no field stands for is said above the page: not every page shows a form's top errors."""

    def refuse():
        raise ValidationError("本季度已审批。")

    request, form = _request_with_messages(rf), bound_form()
    assert run_service(request, refuse, success="已保存。", form=form) is False
    assert [str(m) for m in get_messages(request)] == ["本季度已审批。"]


def test_run_service_can_leave_the_refusal_to_the_form_alone(rf):
    def refuse():
        raise ValidationError("已有记录。")

    request, form = _request_with_messages(rf), bound_form()
    assert run_service(request, refuse, success="已保存。", form=form, flash_refusal=False) is False
    assert form.non_field_errors() == ["已有记录。"]
    assert list(get_messages(request)) == []


def test_service_result_hands_back_what_the_service_made(rf):
    request = _request_with_messages(rf)
    assert service_result(request, lambda: "异议", success="已提交。") == "异议"
    assert [str(m) for m in get_messages(request)] == ["已提交。"]


def test_service_result_is_none_when_the_service_refuses(rf):
    request, form = _request_with_messages(rf), bound_form()
    assert service_result(request, _refuse_the_score, success="已保存。", form=form) is None
    assert form.errors == {"score": ["得分须在0到100之间。"]}
