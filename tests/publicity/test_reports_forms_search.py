"""/reports/forms/: HR, a head or a supervising leader finds one person by name or employee number
and prints their 平时考核登记表 or year summary; only among the people whose forms they may print."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("private_files")

FORMS = reverse("reports:forms")
YEAR = 2026


def _search(client, words: str, **params):
    return client.get(FORMS, {"year": YEAR, "quarter": 3, "q": words, **params})


def _found(response) -> list[str]:
    assert response.status_code == 200
    return [person.get_full_name() for person in response.context["people"]]


def test_hr_finds_a_person_by_name_or_number_and_opens_their_forms(client_for, hr, staff, colleague):
    client = client_for(hr)
    assert _found(_search(client, "科员甲")) == ["科员甲"]
    response = _search(client, staff.employee_number)
    assert _found(response) == ["科员甲"]
    quarter_form = reverse("reports:person_quarter_form", args=[staff.pk, YEAR, 3])
    year_form = reverse("reports:person_year_form", args=[staff.pk, YEAR])
    html = response.content.decode()
    assert f'href="{quarter_form}"' in html and f'href="{year_form}"' in html
    pdf = client.get(quarter_form)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(year_form).status_code == 200


def test_hr_finds_people_of_every_department_but_not_of_another_organisation(
    client_for, hr, staff, other_head, outsider
):
    client = client_for(hr)
    assert _found(_search(client, "科")) == ["科长", "科员甲", "财务科长"]
    assert _found(_search(client, "外单位")) == []


def test_a_head_finds_the_people_of_their_department_only(client_for, head, staff, other_head):
    client = client_for(head)
    assert _found(_search(client, "科")) == ["科长", "科员甲"]
    response = _search(client, "财务科长")
    assert _found(response) == []
    assert "没有符合条件的记录。" in response.content.decode()
    # The form itself stays refused, as before the search: not found.
    assert client.get(reverse("reports:person_quarter_form", args=[other_head.pk, YEAR, 3])).status_code == 404
    assert client.get(reverse("reports:person_year_form", args=[other_head.pk, YEAR])).status_code == 404


def test_a_supervising_leader_finds_the_people_of_the_departments_they_supervise(
    client_for, leader, staff, other_head, organisation
):
    from tests.factories import DepartmentFactory

    unsupervised = DepartmentFactory(organisation=organisation, code="D009", name="档案科")
    archivist = UserFactory(department=unsupervised, full_name="档案科员")
    client = client_for(leader)
    assert _found(_search(client, "科")) == ["科长", "科员甲", "财务科长"]
    assert client.get(reverse("reports:person_quarter_form", args=[archivist.pk, YEAR, 3])).status_code == 404


def test_a_search_that_finds_nobody_says_so(client_for, hr, staff):
    response = _search(client_for(hr), "没有这个人")
    assert _found(response) == []
    assert "没有符合条件的记录。" in response.content.decode()


def test_staff_who_lead_no_department_are_offered_no_search(client_for, staff, colleague):
    response = _search(client_for(staff), "科员")
    assert _found(response) == []
    html = response.content.decode()
    assert 'data-testid="form-person-search"' not in html and 'data-testid="form-people"' not in html
    # Their own forms are still linked.
    assert 'data-testid="own-quarter-form"' in html


def test_the_found_people_are_paged_and_the_links_keep_the_search(client_for, hr, department):
    for n in range(25):
        UserFactory(department=department, full_name=f"同名{n:02d}")
    client = client_for(hr)
    first = _search(client, "同名")
    assert len(_found(first)) == 20 and first.context["people"].paginator.count == 25
    assert "people_page=2" in first.content.decode() and "q=%E5%90%8C%E5%90%8D" in first.context["people_query"]
    second = _search(client, "同名", people_page=2)
    assert _found(second) == [f"同名{n:02d}" for n in range(20, 25)]


@pytest.mark.parametrize("viewer", ["hr", "head"])
def test_the_search_costs_the_same_queries_for_few_and_many_matches(
    request, client_for, viewer, department, staff, django_assert_num_queries
):
    client = client_for(request.getfixturevalue(viewer))
    _search(client, "检索")  # the session, the caches
    UserFactory(department=department, full_name="检索0")
    with CaptureQueriesContext(connection) as few:
        assert len(_found(_search(client, "检索"))) == 1
    for n in range(1, 30):
        UserFactory(department=department, full_name=f"检索{n}")
    with django_assert_num_queries(len(few)):
        response = _search(client, "检索")
    assert len(_found(response)) == 20


def test_the_search_writes_nothing(client_for, hr, staff):
    client = client_for(hr)
    _search(client, "科员")
    with CaptureQueriesContext(connection) as queries:
        _search(client, "科员")
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    writes = [statement for statement in statements if statement in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


@pytest.mark.parametrize(
    "name, args",
    [
        ("reports:person_quarter_form", ["person", 1999, 1]),
        ("reports:person_year_form", ["person", 0]),
        ("reports:department_summary", ["department", 99999999, 1]),
        ("reports:department_forms", ["department", 2101, 2]),
    ],
)
def test_a_form_of_a_year_the_calendar_does_not_know_is_not_found(client_for, hr, staff, name, args):
    objects = {"person": staff.pk, "department": staff.department_id}
    url = reverse(name, args=[objects.get(arg, arg) if isinstance(arg, str) else arg for arg in args])
    assert client_for(hr).get(url).status_code == 404


def test_hr_does_not_find_the_administrators_who_are_never_appraised(client_for, hr, sysadmin, auditor, staff):
    client = client_for(hr)
    for person in (sysadmin, auditor):
        found = client.get(reverse("reports:forms"), {"q": person.get_full_name()}).context["people"]
        assert [p.pk for p in found] == []
    assert [p.pk for p in client.get(reverse("reports:forms"), {"q": staff.get_full_name()}).context["people"]] == [
        staff.pk
    ]


def test_the_page_opens_on_the_last_approved_quarter_with_labelled_controls(client_for, hr, organisation, settings):
    """A user test: on 7 December the page opened on 第4季度, still being graded, so its links printed
    forms without results; the controls were named only inside the boxes."""
    from datetime import date

    from evaluations.grading.models import QuarterState
    from tests.factories import AppraisalQuarterFactory

    settings.APPRAISAL_TODAY = date(2026, 12, 7)
    AppraisalQuarterFactory(organisation=organisation, year=YEAR, quarter=3, state=QuarterState.APPROVED)
    AppraisalQuarterFactory(organisation=organisation, year=YEAR, quarter=4, state=QuarterState.OPEN)
    response = client_for(hr).get(FORMS)
    assert (response.context["year"], response.context["quarter"]) == (YEAR, 3)
    html = response.content.decode()
    for control in ("forms-year", "forms-quarter", "forms-search"):
        assert f'<label class="form-label small mb-1" for="{control}">' in html and f'id="{control}"' in html
