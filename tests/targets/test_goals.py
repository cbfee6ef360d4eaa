"""Department goals: the head keeps them for their own department; staff pick them for their items."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from targets import services
from targets.models import DepartmentGoal
from tests.factories import DepartmentGoalFactory

pytestmark = pytest.mark.django_db


def test_the_head_adds_an_annual_and_a_quarterly_goal(client_for, head, department):
    client = client_for(head)
    form = client.get(reverse("targets:goal_create")).content.decode()
    # The annual goal is a choice of the select, and the help says so (not "leave it empty").
    assert '<option value="">年度目标</option>' in form and "选“年度目标”为全年目标" in form
    assert '<option value="2">第2季度</option>' in form  # as the pages name it: 2026年第2季度
    for quarter in ("", "2"):
        response = client.post(
            reverse("targets:goal_create"),
            {
                "department": department.pk,
                "year": 2026,
                "quarter": quarter,
                "content": f"目标{quarter}",
                "sort_order": 0,
            },
        )
        assert response.status_code == 302
    assert sorted(DepartmentGoal.objects.values_list("quarter", flat=True), key=str) == [2, None]
    body = client.get(reverse("targets:goal_list")).content.decode()
    assert body.count('data-testid="goal-row"') == 2


def test_the_head_edits_and_deletes_a_goal_after_confirming(client_for, head, department):
    goal = services.department_goal_create(actor=head, department=department, year=2026, quarter=2, content="旧")
    client = client_for(head)
    client.post(
        reverse("targets:goal_edit", args=[goal.pk]),
        {"department": department.pk, "year": 2026, "quarter": 2, "content": "新", "sort_order": 1},
    )
    goal.refresh_from_db()
    assert goal.content == "新"
    confirm = client.get(reverse("targets:goal_delete", args=[goal.pk]))
    assert "确定删除" in confirm.content.decode()
    assert DepartmentGoal.objects.filter(pk=goal.pk).exists()
    client.post(reverse("targets:goal_delete", args=[goal.pk]))
    assert not DepartmentGoal.objects.filter(pk=goal.pk).exists()


def test_the_head_of_another_department_cannot_touch_the_goal(client_for, head, department, other_head):
    goal = services.department_goal_create(actor=head, department=department, year=2026, quarter=None, content="甲")
    client = client_for(other_head)
    assert client.get(reverse("targets:goal_edit", args=[goal.pk])).status_code == 404
    assert client.post(reverse("targets:goal_delete", args=[goal.pk])).status_code == 404
    assert goal.pk not in [g.pk for g in client.get(reverse("targets:goal_list")).context["goals"]]
    response = client.post(
        reverse("targets:goal_create"),
        {"department": department.pk, "year": 2026, "quarter": "", "content": "冒名", "sort_order": 0},
    )
    assert response.status_code == 400  # the other department is not a valid choice
    assert not DepartmentGoal.objects.filter(content="冒名").exists()
    with pytest.raises(PermissionDenied):
        services.department_goal_create(actor=other_head, department=department, year=2026, quarter=None, content="x")


def test_staff_cannot_manage_goals(client_for, staff):
    assert client_for(staff).get(reverse("targets:goal_list")).status_code == 403


def test_the_item_form_offers_the_years_annual_goals_and_the_quarters_goals_only(
    client_for, head, department, staff, make_target_set
):
    annual = services.department_goal_create(
        actor=head, department=department, year=2026, quarter=None, content="年度甲"
    )
    this_quarter = services.department_goal_create(
        actor=head, department=department, year=2026, quarter=2, content="本季乙"
    )
    services.department_goal_create(actor=head, department=department, year=2026, quarter=3, content="下季丙")
    services.department_goal_create(actor=head, department=department, year=2025, quarter=None, content="去年丁")
    target_set = make_target_set(staff, items=0)
    response = client_for(staff).get(reverse("targets:detail", args=[target_set.pk]))
    choices = dict(response.context["formset"].forms[0].fields["goal"].choices)
    assert set(choices) == {"", annual.pk, this_quarter.pk}
    # An item may serve no goal: the empty choice says so, not a lone dash.
    assert '<option value="" selected>不对应科室目标</option>' in response.content.decode()


def test_the_goal_list_is_paginated_with_the_same_queries_for_few_and_many(
    client_for, head, department, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for year in range(2020, 2023):
        DepartmentGoalFactory(department=department, year=year, content=f"{year}年目标")
    client = client_for(head)
    client.get(reverse("targets:goal_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("targets:goal_list"))
    queries = len(few.captured_queries)
    DepartmentGoal.objects.bulk_create(
        DepartmentGoal(department=department, year=2000 + n, content=f"目标{n}") for n in range(40)
    )
    with django_assert_num_queries(queries):
        page = client.get(reverse("targets:goal_list")).content.decode()
    assert page.count('data-testid="goal-row"') == 30 and "共 43 条" in page


def test_a_goal_of_invisible_characters_is_refused_and_typed_text_keeps_its_emoji_joiners(client_for, head, department):
    """A user test created a goal of zero-width spaces: a blank option in every goal list."""
    client, url = client_for(head), reverse("targets:goal_create")
    data = {"department": department.pk, "year": 2026, "quarter": "", "sort_order": 0}
    response = client.post(url, {**data, "content": "\u200b\ufeff\u3000\u2060"})
    html = response.content.decode()
    content_box = (
        html.split('name="content"', 1)[1].split(">", 1)[0] + html.split('name="content"', 1)[0].rsplit("<", 1)[1]
    )
    assert response.status_code == 400 and "is-invalid" in content_box
    assert not DepartmentGoal.objects.exists()
    # The zero-width joiner of an emoji sequence is not one of them.
    client.post(url, {**data, "content": "\u200b服务群众👨\u200d👩\u200d👧"})
    assert DepartmentGoal.objects.get().content == "服务群众👨\u200d👩\u200d👧"
