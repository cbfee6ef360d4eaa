"""A deactivated department (科室已停用) takes no new satisfaction score, by hand or by Excel, and the
input lists' 科室 filters offer the active departments only (an old one stays while it is chosen)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations.grading.services import inputs
from evaluations.models import SatisfactionScore
from tests.evaluations.test_inputs import SATISFACTION_HEADER, department_score, event, xlsx
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def hr_client(client_for, hr):
    return client_for(hr)


@pytest.fixture
def closed_department(organisation):
    return DepartmentFactory(organisation=organisation, code="D009", name="原档案科", is_active=False)


@pytest.mark.parametrize("reference", ["D009", "原档案科"])
def test_the_survey_import_refuses_a_deactivated_department_by_code_or_name(
    hr_client, department, closed_department, reference
):
    response = hr_client.post(
        reverse("evaluations:satisfaction_import"),
        {"file": xlsx([[2026, 3, "办公室", None, 90], [2026, 3, reference, None, 88]], SATISFACTION_HEADER)},
    )

    assert response.context["errors"] == ["第3行：科室“原档案科”已停用，不能录入满意度得分。"]
    assert "导入完成" not in response.content.decode()
    assert not SatisfactionScore.objects.exists()


def test_a_new_score_for_a_deactivated_department_is_refused_and_not_offered(hr_client, closed_department):
    url = reverse("evaluations:satisfaction_create")
    assert closed_department not in hr_client.get(url).context["form"].fields["department"].queryset

    response = hr_client.post(url, {"year": 2026, "quarter": 3, "department": closed_department.pk, "score": "90"})

    assert response.status_code == 200
    assert response.context["form"].errors["department"]
    assert not SatisfactionScore.objects.exists()


def test_the_service_refuses_a_deactivated_department_with_a_clear_message(hr, closed_department):
    with pytest.raises(inputs.ValidationError) as error:
        inputs.satisfaction_save(
            score=SatisfactionScore(year=2026, quarter=3, department=closed_department, score=Decimal("90")),
            entered_by=hr,
        )

    assert error.value.message_dict["department"] == ["科室“原档案科”已停用，不能录入满意度得分。"]


def test_a_score_stored_before_the_department_was_deactivated_can_still_be_corrected(
    hr_client, organisation, closed_department
):
    score = department_score(organisation, closed_department, score="70")
    url = reverse("evaluations:satisfaction_edit", args=[score.pk])
    assert closed_department in hr_client.get(url).context["form"].fields["department"].queryset

    response = hr_client.post(url, {"year": 2026, "quarter": 3, "department": closed_department.pk, "score": "75"})

    assert response.status_code == 302
    score.refresh_from_db()
    assert score.score == Decimal("75.00")


@pytest.mark.parametrize("list_name", ["evaluations:satisfaction_list", "evaluations:event_list"])
def test_the_input_lists_offer_only_active_departments(hr_client, department, closed_department, list_name):
    response = hr_client.get(reverse(list_name), {"year": 2026, "quarter": 3})

    choices = list(response.context["filter"].form.fields["department"].queryset)
    assert department in choices and closed_department not in choices
    assert "原档案科" not in response.content.decode()


def test_a_list_filtered_on_a_deactivated_department_keeps_it_chosen(hr_client, organisation, closed_department):
    score = department_score(organisation, closed_department)
    praise = event(UserFactory(department=closed_department))

    satisfaction = hr_client.get(
        reverse("evaluations:satisfaction_list"), {"year": 2026, "quarter": 3, "department": closed_department.pk}
    )
    events = hr_client.get(
        reverse("evaluations:event_list"), {"year": 2026, "quarter": 3, "department": closed_department.pk}
    )

    for response, row in ((satisfaction, score), (events, praise)):
        form = response.context["filter"].form
        assert not form.errors
        assert closed_department in form.fields["department"].queryset
        assert list(response.context["page"]) == [row]
        assert f'<option value="{closed_department.pk}" selected>原档案科</option>' in response.content.decode()
