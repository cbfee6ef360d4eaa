"""民主测评's refusals that name people or numbers show the first few and say when there are more
(等, accounts.text.join_list), instead of cutting the list without a word."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.ballots import services
from tests.factories import DepartmentFactory, UserFactory


def _open_with_subjects(client, numbers: list[str]) -> str:
    form = {"title": "测评", "year": 2026, "scale": "grade", "subject_numbers": " ".join(numbers)}
    response = client.post(reverse("evaluations:ballot_open"), {**form, "service_user_codes": 0})
    return html.unescape(response.content.decode())


def test_the_unknown_numbers_of_the_open_form_say_there_are_more_past_twenty(client_for, hr):
    numbers = [f"X{n:03d}" for n in range(21)]
    page = _open_with_subjects(client_for(hr), numbers)
    assert "未找到以下工号：" + "、".join(numbers[:20]) + "等<" in page


def test_twenty_unknown_numbers_are_named_without_more(client_for, hr):
    numbers = [f"X{n:03d}" for n in range(20)]
    page = _open_with_subjects(client_for(hr), numbers)
    assert "未找到以下工号：" + "、".join(numbers) + "<" in page


def test_the_people_of_another_unit_are_named_with_more_past_ten(hr, department, other_organisation):
    elsewhere = DepartmentFactory(organisation=other_organisation, code="X001", name="外单位科室")
    outsiders = [UserFactory(department=elsewhere, full_name=f"外单位{n:02d}") for n in range(11)]
    with pytest.raises(ValidationError) as refused:
        services.ballot_open(
            actor=hr,
            organisation=hr.organisation,
            title="测评",
            year=2026,
            subjects=outsiders,
            raters=[UserFactory(department=department)],
        )
    [said] = refused.value.message_dict["subjects"]
    shown = "、".join(str(u) for u in outsiders[:10])
    assert said == f"以下人员不是本单位在职人员：{shown}等"


def test_the_open_form_asks_before_opening_and_names_a_missing_title(client_for, hr):
    client = client_for(hr)
    page = html.unescape(client.get(reverse("evaluations:ballot_open")).content.decode())
    assert 'data-confirm="发起后即通知所选的测评人参加测评；有人投票前可以撤销。确定发起？"' in page
    refused = html.unescape(client.post(reverse("evaluations:ballot_open"), {"year": 2026}).content.decode())
    assert "请填写测评名称。" in refused


def test_a_ballot_of_a_year_not_begun_is_refused_at_the_year(client_for, hr, staff, settings):
    """A user test opened a 民主测评 for 2030 and 65 raters were told of it: no year-end to inform."""
    from evaluations.ballots.models import Ballot

    settings.APPRAISAL_TODAY = "2026-12-20"
    form = {"title": "测评", "year": 2030, "scale": "grade", "subject_numbers": staff.employee_number}
    response = client_for(hr).post(reverse("evaluations:ballot_open"), {**form, "service_user_codes": 2})
    assert "测评年度不能晚于今年（2026年）。" in html.unescape(response.content.decode())
    assert not Ballot.objects.exists()
    with pytest.raises(ValidationError, match="测评年度不能晚于今年"):
        services.ballot_open(
            actor=hr, organisation=hr.organisation, title="t", year=2027, subjects=[staff], service_user_codes=2
        )


def test_full_width_numbers_of_the_open_form_are_found(client_for, hr, department):
    """A user test: 未找到以下工号：Ｓ００００４ for a person whose 工号 is S00004."""
    person = UserFactory(department=department, employee_number="S00004")
    typed = "".join(chr(ord(ch) + 0xFEE0) for ch in person.employee_number)
    page = _open_with_subjects(client_for(hr), [typed])
    assert "未找到以下工号" not in page


def test_lower_case_numbers_of_the_open_form_are_found(client_for, hr, department):
    person = UserFactory(department=department, employee_number="S00005")
    assert "未找到以下工号" not in _open_with_subjects(client_for(hr), [person.employee_number.lower()])
