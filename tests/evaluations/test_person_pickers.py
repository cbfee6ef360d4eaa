"""Person pickers (satisfaction scores, praise and complaints, inspection findings, sanctions)
offer only the people who can be chosen, are searchable, and the services refuse anyone else."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.discipline.forms import FindingForm
from evaluations.discipline.forms_veto import SanctionForm
from evaluations.grading.forms_inputs import SatisfactionScoreForm, ServiceEventForm
from evaluations.grading.services.inputs import satisfaction_check
from evaluations.models import Sanction, SanctionKind, SatisfactionScore, Severity
from tests.evaluations.helpers import record_inspection
from tests.factories import UserFactory


@pytest.fixture
def everyone(staff, head, leader, hr, sysadmin, auditor, inspector, chief):
    return locals()


def offered(form) -> set[str]:
    return {person.username for person in form.fields["person"].queryset}


@pytest.mark.parametrize("form_class", [SatisfactionScoreForm, ServiceEventForm])
def test_the_input_pickers_offer_only_participants(form_class, organisation, everyone):
    assert offered(form_class(organisation=organisation)) == {"staff", "head"}


@pytest.mark.parametrize("form_class", [FindingForm, SanctionForm])
def test_the_discipline_pickers_offer_participants_and_leaders_never_the_admins(form_class, organisation, everyone):
    assert offered(form_class(organisation=organisation)) == {"staff", "head", "leader", "chief"}


def test_a_person_who_left_is_not_offered(organisation, staff, department):
    UserFactory(department=department, username="gone", is_active=False)
    assert "gone" not in offered(SatisfactionScoreForm(organisation=organisation))


def test_the_picker_is_searchable_and_knows_each_persons_department(organisation, staff, department):
    html = str(FindingForm(organisation=organisation)["person"])
    assert "data-person-picker" in html and "data-search-placeholder" in html
    assert f'data-department="{department.pk}"' in html


def test_the_satisfaction_page_refuses_the_system_administrator(client_for, hr, sysadmin, staff):
    response = client_for(hr).post(
        reverse("evaluations:satisfaction_create"), {"year": 2026, "quarter": 3, "person": sysadmin.pk, "score": "90"}
    )
    assert response.status_code in (200, 400)
    assert not SatisfactionScore.objects.exists()


def test_the_satisfaction_service_refuses_a_non_participant(organisation, hr):
    with pytest.raises(ValidationError, match="参加考核"):
        satisfaction_check(organisation_id=organisation.pk, year=2026, quarter=3, department=None, person=hr, score=90)


def test_the_inspection_service_refuses_a_finding_about_the_system_administrator(
    organisation, inspector, department, sysadmin
):
    with pytest.raises(ValidationError, match="不是参加考核的人员"):
        record_inspection(
            organisation,
            inspector,
            department,
            on=datetime.date(2026, 10, 9),
            findings=[
                {"person": sysadmin, "department": None, "severity": Severity.choices[0][0], "description": "迟到"}
            ],
        )


def test_the_sanction_page_refuses_the_auditor(client_for, hr, auditor):
    response = client_for(hr).post(
        reverse("evaluations:sanction_create"),
        {"person": auditor.pk, "kind": SanctionKind.WARNING, "decided_on": "2025-03-01", "closed_on": "", "note": "x"},
    )
    assert response.status_code in (200, 400)
    assert not Sanction.objects.exists()
