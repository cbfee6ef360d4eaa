"""The goals board (目标展示): every department's annual and quarterly goals with their progress, one
page for the meeting-room screen (?screen=1) that prints on A3 landscape."""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.workflow import ReviewStatus
from targets.models import Completion
from tests.factories import DepartmentFactory, DepartmentGoalFactory, TargetItemFactory, TargetSetFactory, UserFactory

GOALS = reverse("publicity:goals")


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.APPRAISAL_TODAY = date(2026, 12, 1)


@pytest.fixture
def goals(department):
    annual = DepartmentGoalFactory(department=department, year=2026, content="全年新增就业岗位500个")
    quarterly = DepartmentGoalFactory(department=department, year=2026, quarter=4, content="四季度招聘会6场")
    DepartmentGoalFactory(department=department, year=2025, content="去年的目标")
    return annual, quarterly


def _items(person, goal, *, status, completions):
    target_set = TargetSetFactory(owner=person, year=goal.year, quarter=goal.quarter or 4, status=status)
    for completion in completions:
        TargetItemFactory(target_set=target_set, goal=goal, completion=completion)


def test_staff_see_every_departments_goals_of_the_year_with_their_progress(
    client_for, staff, colleague, department, goals, organisation
):
    annual, quarterly = goals
    _items(staff, annual, status=ReviewStatus.APPROVED, completions=[Completion.DONE, Completion.PARTIAL])
    # A set still waiting for review counts as linked, not as approved or done.
    _items(colleague, annual, status=ReviewStatus.SUBMITTED, completions=[Completion.DONE])
    DepartmentFactory(organisation=organisation, code="D009", name="法规科")
    response = client_for(staff).get(GOALS)
    html = response.content.decode()
    assert "全年新增就业岗位500个" in html and "四季度招聘会6场" in html and "去年的目标" not in html
    assert "法规科" in html and "暂无目标" in html
    [row] = [r for r in response.context["departments"] if r["department"] == department]
    goal = row["annual"][0]
    assert (goal.item_count, goal.approved_count, goal.done_count, goal.percent) == (3, 2, 1, 33)
    assert "1/3 项完成（已审核 2）" in html
    assert row["quarterly"][0].percent == 0


def test_another_year_is_chosen_with_the_year_parameter_and_junk_is_ignored(client_for, staff, goals):
    assert "去年的目标" in client_for(staff).get(GOALS, {"year": 2025}).content.decode()
    assert client_for(staff).get(GOALS, {"year": "abc"}).context["year"] == 2026
    assert client_for(staff).get(GOALS, {"year": "99999"}).context["year"] == 2026


def test_the_screen_mode_is_large_without_the_menu_and_the_print_is_a3_landscape(client_for, staff, goals):
    html = client_for(staff).get(GOALS, {"screen": 1}).content.decode()
    assert '<body class="board-screen">' in html and "css/boards.css" in html
    assert '<body class="board-screen">' not in client_for(staff).get(GOALS).content.decode()
    css = (Path(django_settings.BASE_DIR) / "static" / "css" / "boards.css").read_text()
    assert "@page { size: A3 landscape" in css
    assert ".board-screen .navbar { display: none; }" in css


def test_another_organisation_sees_nothing_of_these_goals(client_for, outsider, goals):
    html = client_for(outsider).get(GOALS).content.decode()
    assert "全年新增就业岗位500个" not in html and "办公室" not in html


def test_the_separated_roles_do_not_see_the_board(client_for, auditor, sysadmin, goals):
    assert client_for(auditor).get(GOALS).status_code == 403
    assert client_for(sysadmin).get(GOALS).status_code == 403


def test_the_board_costs_the_same_queries_for_few_and_many_goals(
    client_for, staff, organisation, goals, django_assert_num_queries
):
    client = client_for(staff)
    client.get(GOALS)
    with CaptureQueriesContext(connection) as few:
        client.get(GOALS)
    for n in range(6):
        department = DepartmentFactory(organisation=organisation, code=f"M{n}", name=f"科室{n}")
        person = UserFactory(department=department)
        for q in range(1, 5):
            goal = DepartmentGoalFactory(department=department, year=2026, quarter=q, content=f"目标{n}-{q}")
            _items(person, goal, status=ReviewStatus.APPROVED, completions=[Completion.DONE])
    with django_assert_num_queries(len(few)):
        response = client.get(GOALS)
    assert len(response.context["departments"]) == 7
