"""A record's form sent again (Back then 保存, a phone's retry) is refused, not saved twice
(``accounts.sent_again``): a user test made two identical sanctions (two veto lines on the grading
page), two identical complaints (投诉 2 for one), two 创新突破 proposals and two department goals.
A different record, or the same one after half an hour, is saved."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from evaluations.annual.models import Achievement
from evaluations.discipline.models import Sanction, SanctionKind
from evaluations.grading.models import ServiceEvent, ServiceEventKind
from targets.models import DepartmentGoal

pytestmark = pytest.mark.django_db

SAID = "已于"


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.APPRAISAL_TODAY = date(2026, 11, 20)


def _cases(staff, department):
    """(account, URL, the form's data, the rows it makes, when a row was made)."""
    return {
        "sanction": (
            "hr",
            reverse("evaluations:sanction_create"),
            {"person": staff.pk, "kind": SanctionKind.WARNING, "decided_on": "2026-10-10", "note": "违反工作纪律"},
            Sanction.objects.all(),
            "entered_at",
        ),
        "event": (
            "hr",
            reverse("evaluations:event_create"),
            {
                "person": staff.pk,
                "kind": ServiceEventKind.COMPLAINT,
                "date": "2026-11-02",
                "description": "态度生硬",
                "handled": "true",
            },
            ServiceEvent.objects.all(),
            "entered_at",
        ),
        "achievement": (
            "leader",
            reverse("evaluations:achievement_propose", args=[2026]),
            {"person": staff.pk, "title": "创新调解机制", "description": "试点三个月"},
            Achievement.objects.all(),
            "proposed_at",
        ),
        "goal": (
            "head",
            reverse("targets:goal_create"),
            {"department": department.pk, "year": 2026, "quarter": "4", "content": "四季度招聘会6场", "sort_order": 0},
            DepartmentGoal.objects.all(),
            "created_at",
        ),
    }


@pytest.mark.parametrize("kind", ["sanction", "event", "achievement", "goal"])
def test_the_same_form_sent_twice_saves_one_row_and_says_so(
    kind, client_for, staff, department, hr, head, leader, django_capture_on_commit_callbacks
):
    who, url, data, rows, made_at = _cases(staff, department)[kind]
    client = client_for({"hr": hr, "head": head, "leader": leader}[who])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
        again = client.post(url, data)
    assert rows.count() == 1
    html = again.content.decode()
    # Back on the form with what was typed, told when the first was saved.
    assert again.status_code in (200, 400) and SAID in html and "未重复保存" in html
    # And what to do if it really is another one.
    assert "如确为另一条，请在内容中写明区别后再保存" in html
    assert next(value for key, value in data.items() if key in ("note", "description", "content")) in html
    # Another record is saved; so is the same one half an hour later (a second complaint that day).
    changed = {**data, **{key: f"{value}（二）" for key, value in data.items() if key in ("note", "title", "content")}}
    if kind == "event":
        changed["description"] = "再次投诉"
    assert client.post(url, changed).status_code == 302
    rows.update(
        **{made_at: rows.model.objects.order_by("pk").values_list(made_at, flat=True)[0] - timedelta(minutes=31)}
    )
    assert client.post(url, data).status_code == 302
    assert rows.count() == 3
