"""A line break is one character against a text's limit, as the page's counter counts it: the browser
sends a textarea's line breaks as CRLF, the forms store them as "\\n", and the services count a CRLF
they are handed directly (a script) once (accounts.textlimits, accounts.text.MultiLineCharField)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.text import MultiLineCharField
from accounts.textlimits import check_length, check_text_limits, text_length
from targets.forms import DepartmentGoalForm
from targets.models import DepartmentGoal


def test_a_paragraph_field_stores_every_kind_of_line_break_as_one_newline():
    field = MultiLineCharField(max_length=9)
    assert field.clean("一\r\n二\r三\n四\x0b五") == "一\n二\n三\n四\n五"


def test_a_paragraph_field_counts_a_line_break_once_against_its_limit():
    field = MultiLineCharField(max_length=5)
    assert field.clean("甲乙\r\n丙丁") == "甲乙\n丙丁"
    with pytest.raises(ValidationError) as refused:
        field.clean("甲乙\r\n丙丁戊")
    assert refused.value.messages == ["不能超过5字（现为6字）。"]


def test_a_service_counts_a_crlf_it_is_handed_as_one_character():
    assert text_length("甲\r\n乙\n丙") == 5
    check_length("甲乙\r\n丙丁", limit=5, label="理由")
    with pytest.raises(ValidationError, match="不能超过4字（现为5字）"):
        check_length("甲乙\r\n丙丁", limit=4, label="理由")


def test_a_model_instance_is_checked_counting_a_line_break_once():
    limit = DepartmentGoal._meta.get_field("content").max_length
    goal = DepartmentGoal(content="甲" * (limit - 1) + "\r\n")
    check_text_limits(goal, "content")
    goal.content += "乙"
    with pytest.raises(ValidationError) as refused:
        check_text_limits(goal, "content")
    assert refused.value.message_dict["content"] == [f"“目标内容”不能超过{limit}字（现为{limit + 1}字）。"]


def test_a_model_form_of_a_bounded_text_column_stores_line_breaks_as_one_character():
    field = DepartmentGoalForm.base_fields["content"]
    assert isinstance(field, MultiLineCharField)
    limit = DepartmentGoal._meta.get_field("content").max_length
    assert field.clean("甲" * (limit - 2) + "\r\n乙") == "甲" * (limit - 2) + "\n乙"
