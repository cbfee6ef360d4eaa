"""Person pickers in a large organisation: beyond PICKER_INLINE_LIMIT people the <select> lists only
the chosen person and the page searches the server (/accounts/people/search/) as one types; the
search answers HR and the inspectors only, within their own organisation, a page at a time."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import forms as account_forms
from accounts import selectors
from accounts.models import PendingRoleChange
from evaluations.grading.models import ServiceEvent
from tests.factories import DepartmentFactory, OrganisationFactory, UserFactory

SEARCH = "/accounts/people/search/"


def search(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def other_organisation_person():
    department = DepartmentFactory(organisation=OrganisationFactory(code="other", name="外单位"))
    return UserFactory(full_name="科员甲", department=department)


def test_hr_finds_people_of_their_own_organisation_by_name_number_or_department(
    client_for, hr, staff, colleague, other_organisation_person
):
    client = client_for(hr)
    found = search(client, q="科员甲")
    assert [row["id"] for row in found["results"]] == [staff.pk]
    assert found["results"][0]["text"] == f"科员甲（{staff.employee_number}，办公室）"
    assert found["more"] is False
    assert [row["id"] for row in search(client, q=colleague.employee_number)["results"]] == [colleague.pk]
    assert {row["id"] for row in search(client, q="办公室")["results"]} >= {staff.pk, colleague.pk}


def test_the_search_offers_only_choosable_people_and_the_leaders_only_when_asked(
    client_for, hr, staff, leader, chief, sysadmin, auditor
):
    client = client_for(hr)
    ids = {row["id"] for row in search(client)["results"]}
    assert staff.pk in ids and not ids & {leader.pk, chief.pk, sysadmin.pk, auditor.pk, hr.pk}
    with_leaders = {row["id"] for row in search(client, leaders="1")["results"]}
    assert {staff.pk, leader.pk, chief.pk} <= with_leaders and not with_leaders & {sysadmin.pk, auditor.pk}


def test_the_inspector_may_search_and_the_others_are_refused(
    client, client_for, inspector, staff, head, leader, chief, sysadmin, auditor
):
    assert search(client_for(inspector), q="科员甲")["results"][0]["id"] == staff.pk
    # The agency head too, who may propose a 创新突破 for anyone of the agency (a review).
    assert search(client_for(chief), q="科员甲")["results"][0]["id"] == staff.pk
    for person in (staff, head, leader, sysadmin, auditor):
        assert client_for(person).get(SEARCH, {"q": "科员"}).status_code == 403
    client.logout()
    assert client.get(SEARCH).status_code == 302


def test_the_search_pages_on_and_narrows_to_ticked_departments(client_for, hr, organisation, department, staff):
    other = DepartmentFactory(organisation=organisation, code="D002", name="财务科")
    for _ in range(selectors.PEOPLE_SEARCH_PAGE + 5):
        UserFactory(department=other)
    client = client_for(hr)
    first = search(client, department=other.pk)
    second = search(client, department=other.pk, page=2)
    assert len(first["results"]) == selectors.PEOPLE_SEARCH_PAGE and first["more"] is True
    assert len(second["results"]) == 5 and second["more"] is False
    assert not {row["id"] for row in first["results"]} & {row["id"] for row in second["results"]}
    assert {row["department"] for row in first["results"] + second["results"]} == {other.pk}
    assert client.get(SEARCH, {"page": "x"}).status_code == 400


def test_a_large_organisations_picker_lists_only_the_chosen_person_and_costs_the_same_queries(
    client_for, hr, department, staff, monkeypatch
):
    monkeypatch.setattr(account_forms, "PICKER_INLINE_LIMIT", 3)
    client = client_for(hr)
    url = reverse("evaluations:event_create")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert "data-search-url" not in page  # three people (staff, the head and nobody else): listed
    for _ in range(30):
        UserFactory(department=department)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert f'data-search-url="{SEARCH}"' in page
    assert "科员甲" not in page  # nobody listed but the empty choice
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_searched_picker_still_refuses_someone_not_choosable(
    client_for, hr, department, staff, sysadmin, other_organisation_person, monkeypatch
):
    monkeypatch.setattr(account_forms, "PICKER_INLINE_LIMIT", 1)
    client = client_for(hr)
    url = reverse("evaluations:event_create")
    for outsider in (sysadmin, other_organisation_person):
        data = {"date": "2026-11-02", "person": outsider.pk, "kind": "praise", "description": "服务热情"}
        response = client.post(url, data)
        assert response.status_code == 200 and not ServiceEvent.objects.exists()
    data = {"date": "2026-11-02", "person": staff.pk, "kind": "praise", "description": "服务热情"}
    assert client.post(url, data).status_code == 302
    assert ServiceEvent.objects.get().person == staff


def test_a_large_organisations_department_form_searches_for_its_head_and_leader(
    client_for, hr, department, staff, head, leader, monkeypatch
):
    """The 科室负责人 and 分管领导 pickers list everyone of a small organisation with a filter box, and
    in a large one only the chosen people, the rest searched (the agency's leaders included)."""
    url = reverse("accounts:department_edit", args=[department.pk])
    client = client_for(hr)
    page = client.get(url).content.decode()
    assert 'name="head"' in page and page.count("data-person-picker") == 2
    assert staff.get_full_name() in page and "data-search-url" not in page
    monkeypatch.setattr(account_forms, "PICKER_INLINE_LIMIT", 1)
    page = client.get(url).content.decode()
    assert page.count(f'data-search-url="{SEARCH}?leaders=1"') == 2
    assert staff.get_full_name() not in page.split('name="head"')[1].split("</select>")[0]
    chosen = page.split('name="head"')[1].split("</select>")[0]
    assert f'value="{head.pk}" selected' in chosen  # the department's head stays chosen
    data = {"code": department.code, "name": department.name, "head": staff.pk, "supervising_leader": leader.pk}
    assert client.post(url, {**data, "sort_order": 0}).status_code == 302
    # A searched choice is accepted as an inline one: the appointment waits for its second person.
    assert PendingRoleChange.objects.filter(user=staff, department=department, state="pending").exists()


def test_a_leaders_achievement_picker_lists_their_people_however_large_the_organisation(
    client_for, leader, staff, department, monkeypatch
):
    """A review: beyond the limit the 创新突破 picker searched the server, which answers HR and the
    inspectors only: a leader's list stayed empty."""
    monkeypatch.setattr(account_forms, "PICKER_INLINE_LIMIT", 1)
    for _ in range(3):
        UserFactory(department=department)
    page = client_for(leader).get(reverse("evaluations:achievements", args=[2026])).content.decode()
    picker = page.split('name="person"')[1].split("</select>")[0]
    tag = re.search(r'<select[^>]*name="person"[^>]*>', page).group(0)
    assert "data-person-picker" in tag and "data-search-url" not in tag
    assert staff.get_full_name() in picker and picker.count("<option") == 1 + department.members.count()


def test_a_corrections_searched_picker_keeps_to_the_inspections_departments(
    client_for, inspector, staff, department, organisation, monkeypatch
):
    """A review: a large organisation's search on the 更正 page offered the whole organisation,
    and choosing someone elsewhere brought back the refusal the page's narrowing had removed."""
    from datetime import date

    from tests.factories import FindingFactory, InspectionFactory

    monkeypatch.setattr(account_forms, "PICKER_INLINE_LIMIT", 1)
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 12, 1))
    elsewhere = UserFactory(organisation=organisation, department=DepartmentFactory(organisation=organisation))
    inspection = InspectionFactory(inspector=inspector, date=date(2026, 5, 12))
    inspection.departments.add(department)
    finding = FindingFactory(inspection=inspection, person=staff)
    client = client_for(inspector)
    page = client.get(reverse("evaluations:inspection_correct", args=[inspection.pk])).content.decode()
    url = f"{SEARCH}?leaders=1&amp;department={department.pk}"
    assert f'data-search-url="{url}"' in re.search(rf'<select[^>]*name="person_{finding.pk}"[^>]*>', page).group(0)
    found = {row["id"] for row in search(client, q="", leaders="1", department=department.pk)["results"]}
    assert staff.pk in found and elsewhere.pk not in found


def test_the_agency_heads_achievement_picker_searches_a_large_agency(client_for, chief, staff, department, monkeypatch):
    """A review: always listed, the agency head's picker would carry every person of the agency."""
    monkeypatch.setattr(account_forms, "PICKER_INLINE_LIMIT", 1)
    for _ in range(3):
        UserFactory(department=department)
    page = client_for(chief).get(reverse("evaluations:achievements", args=[2026])).content.decode()
    tag = re.search(r'<select[^>]*name="person"[^>]*>', page).group(0)
    assert f'data-search-url="{SEARCH}"' in tag
    assert staff.get_full_name() not in page.split('name="person"')[1].split("</select>")[0]
