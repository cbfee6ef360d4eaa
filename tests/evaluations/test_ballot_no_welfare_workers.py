"""A public-welfare worker (公益性岗位) is not rated on a civil servants' ballot (优秀/称职/…, feeding
the year-end suggestion): the service refuses them, and the open form says so at 其他被测评人."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import StaffType
from evaluations.ballots.models import WELFARE_PURPOSE, Ballot, BallotScale
from tests.evaluations.helpers import open_ballot
from tests.factories import UserFactory


@pytest.fixture
def welfare_worker(department):
    return UserFactory(department=department, full_name="保洁员甲", staff_type=StaffType.PUBLIC_WELFARE)


def _open_civil(hr, *, subjects, raters):
    return open_ballot(hr, subjects=subjects, raters=raters, title="2026年度科级干部民主测评")


def test_it_refuses_a_welfare_worker_on_a_civil_servants_ballot(hr, department, welfare_worker):
    with pytest.raises(ValidationError) as refused:
        _open_civil(
            hr,
            subjects=[UserFactory(department=department), welfare_worker],
            raters=[UserFactory(department=department)],
        )
    [said] = refused.value.message_dict["subjects"]
    assert "公益性岗位人员" in said and "保洁员甲" in said
    assert not Ballot.objects.exists()


def test_the_welfare_room_still_rates_its_workers(hr, department, welfare_worker):
    ballot = open_ballot(
        hr,
        subjects=[welfare_worker],
        raters=[UserFactory(department=department)],
        title="2026年度公益性岗位民主测评",
        scale=BallotScale.SATISFACTION,
        purpose=WELFARE_PURPOSE,
    )
    assert list(ballot.subjects.values_list("person", flat=True)) == [welfare_worker.pk]


def test_the_open_form_says_it_at_the_other_people_rated(client_for, hr, department, welfare_worker):
    UserFactory(department=department)
    response = client_for(hr).post(
        reverse("evaluations:ballot_open"),
        {
            "title": "2026年度科级干部民主测评",
            "year": 2026,
            "scale": "grade",
            "subject_numbers": welfare_worker.employee_number,
            "all_staff": "on",
            "service_user_codes": 0,
        },
    )
    assert response.status_code == 200 and not Ballot.objects.exists()
    [said] = response.context["form"].errors["subject_numbers"]
    assert "公益性岗位人员" in said and "保洁员甲" in said


def test_nor_does_a_welfare_worker_rate_on_a_civil_servants_ballot(client_for, hr, department, welfare_worker):
    """A user test: W0002 typed under 其他测评人 opened a ballot with him as a 干部职工 rater."""
    with pytest.raises(ValidationError) as refused:
        _open_civil(
            hr,
            subjects=[UserFactory(department=department)],
            raters=[UserFactory(department=department), welfare_worker],
        )
    [said] = refused.value.message_dict["raters"]
    assert "公益性岗位人员" in said and "保洁员甲" in said
    response = client_for(hr).post(
        reverse("evaluations:ballot_open"),
        {
            "title": "2026年度科级干部民主测评",
            "year": 2026,
            "scale": "grade",
            "subject_numbers": UserFactory(department=department).employee_number,
            "rater_numbers": welfare_worker.employee_number,
            "service_user_codes": 0,
        },
    )
    assert response.status_code == 200 and not Ballot.objects.exists()
    [said] = response.context["form"].errors["rater_numbers"]
    assert "不参加本测评" in said and "保洁员甲" in said
