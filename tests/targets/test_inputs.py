"""Target inputs that cannot be empty, too long, misdated or misordered (issue 9 §2)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.workflow import ReviewStatus
from targets import services
from targets.models import DepartmentGoal, TargetItem
from targets.services import ItemData
from tests.targets.helpers import save_draft
from tests.targets.test_pages import formset_data

pytestmark = pytest.mark.django_db

TEN_THOUSAND = "长" * 10_000


def test_it_refuses_to_submit_a_set_whose_only_item_is_blank(staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    with pytest.raises(ValidationError, match="目标内容为空"):
        services.target_set_submit(
            target_set=target_set, actor=staff, version=target_set.version, items=[ItemData(content="   \n ")]
        )
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.DRAFT
    assert not target_set.items.exists()


def test_it_refuses_a_blank_item_in_a_draft_too(staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    with pytest.raises(ValidationError, match="第2项目标内容为空"):
        save_draft(
            target_set, staff, [ItemData(content="编制预算", sort_order=1), ItemData(content="\t", sort_order=2)]
        )


def test_it_refuses_a_ten_thousand_character_item_with_a_clear_message(staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    with pytest.raises(ValidationError) as refused:
        save_draft(target_set, staff, [ItemData(content=TEN_THOUSAND)])
    assert refused.value.message_dict["content"] == ["“目标内容”不能超过500字（现为10000字）。"]
    assert not TargetItem.objects.filter(target_set=target_set).exists()


def test_the_page_states_the_limit_and_refuses_a_ten_thousand_character_item(client_for, staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    url = reverse("targets:detail", args=[target_set.pk])
    client = client_for(staff)
    page = client.get(url).content.decode()
    assert 'name="items-0-content"' in page
    assert 'maxlength="500"' in page
    assert 'maxlength="2000"' in page  # measures
    response = client.post(url, formset_data(target_set, [{"content": TEN_THOUSAND}], action="submit"))
    assert response.status_code == 400
    assert "500" in response.content.decode()
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.DRAFT
    assert not target_set.items.exists()


@pytest.mark.parametrize("deadline", [date(1900, 1, 1), date(2099, 12, 31), date(2024, 6, 30)])
def test_it_refuses_a_deadline_far_from_the_targets_quarter(staff, make_target_set, deadline):
    target_set = make_target_set(staff, items=0)  # 2026 Q2
    with pytest.raises(ValidationError, match="时间节点须在2025年至2027年之间"):
        save_draft(target_set, staff, [ItemData(content="编制预算", deadline=deadline)])


def test_a_deadline_in_or_near_the_quarter_is_accepted(staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    save_draft(
        target_set,
        staff,
        [
            ItemData(content="编制预算", deadline=date(2026, 6, 30)),
            ItemData(content="归档", deadline=date(2027, 1, 15)),
        ],
    )
    assert target_set.items.count() == 2


def test_a_deadline_before_the_quarter_begins_is_refused_on_the_page_and_for_an_assigned_item(
    client_for, staff, head, make_target_set
):
    target_set = make_target_set(staff, items=0)  # 2026 Q2, from 1 April
    response = client_for(staff).post(
        reverse("targets:detail", args=[target_set.pk]),
        formset_data(
            target_set,
            [{"content": "编制预算", "deadline": "2026-06-30"}, {"content": "归档", "deadline": "2026-03-31"}],
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    # At the second item's 时间节点, marked invalid (a user test read only a banner).
    box = body.split('name="items-1-deadline"', 1)[1].split("</div>", 2)
    assert "is-invalid" in box[0] and "时间节点2026-03-31早于2026年第2季度开始之日（2026-04-01）" in "".join(box)
    assert "编制预算</textarea>" in body  # what was typed is kept
    assert not target_set.items.exists()

    approved = make_target_set(staff, state="approved", quarter=3)
    with pytest.raises(ValidationError) as refused:
        services.target_set_assign_item(target_set=approved, actor=head, content="迎检", deadline=date(2026, 6, 30))
    assert "早于2026年第3季度开始之日" in refused.value.message_dict["deadline"][0]


def test_the_page_shows_a_1900_deadline_refused(client_for, staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    response = client_for(staff).post(
        reverse("targets:detail", args=[target_set.pk]),
        formset_data(target_set, [{"content": "编制预算", "deadline": "1900-01-01"}]),
    )
    assert response.status_code == 400
    box = response.content.decode().split('name="items-0-deadline"', 1)[1].split("</div>", 2)
    assert "is-invalid" in box[0] and "时间节点须在2025年至2027年之间（现为1900-01-01）" in "".join(box)
    assert not target_set.items.exists()


def test_a_leader_cannot_assign_an_item_dated_2099(staff, head, make_target_set):
    target_set = make_target_set(staff, state="approved")
    with pytest.raises(ValidationError) as refused:
        services.target_set_assign_item(target_set=target_set, actor=head, content="迎检", deadline=date(2099, 1, 1))
    assert "deadline" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.target_set_assign_item(target_set=target_set, actor=head, content=TEN_THOUSAND)
    assert "content" in refused.value.message_dict


def test_it_refuses_a_goal_for_the_year_1900(head, department, monkeypatch):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 12, 1))
    with pytest.raises(ValidationError) as refused:
        services.department_goal_create(actor=head, department=department, year=1900, quarter=None, content="全年目标")
    assert refused.value.message_dict["year"] == ["年度须在2025年至2027年之间（现为1900）。"]
    with pytest.raises(ValidationError):
        services.department_goal_create(actor=head, department=department, year=2026, quarter=None, content="长" * 501)
    assert not DepartmentGoal.objects.exists()
    services.department_goal_create(actor=head, department=department, year=2027, quarter=1, content="来年一季度")
    assert DepartmentGoal.objects.count() == 1


def test_a_returned_reason_longer_than_the_limit_is_refused(staff, head, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    with pytest.raises(ValidationError) as refused:
        services.target_set_return(target_set=target_set, actor=head, reason="改" * 2001)
    assert "reason" in refused.value.message_dict
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.SUBMITTED


def test_items_without_a_number_go_after_the_numbered_ones(client_for, staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    response = client_for(staff).post(
        reverse("targets:detail", args=[target_set.pk]),
        formset_data(
            target_set,
            [
                {"content": "没有序号的甲", "sort_order": ""},
                {"content": "第二项", "sort_order": 2},
                {"content": "没有序号的乙", "sort_order": ""},
                {"content": "第一项", "sort_order": 1},
            ],
        ),
    )
    assert response.status_code == 302
    assert list(target_set.items.order_by("sort_order").values_list("sort_order", "content")) == [
        (1, "第一项"),
        (2, "第二项"),
        (3, "没有序号的甲"),
        (4, "没有序号的乙"),
    ]


def test_an_item_at_its_limit_with_line_breaks_is_saved_from_the_page(client_for, staff, make_target_set):
    """The browser sends each line break as CRLF; the counter under the box counts it once, and so does the page."""
    target_set = make_target_set(staff, items=0)
    url = reverse("targets:detail", args=[target_set.pk])
    at_limit = "甲" * 249 + "\r\n" + "乙" * 250
    client = client_for(staff)
    assert client.post(url, formset_data(target_set, [{"content": at_limit}])).status_code == 302
    assert TargetItem.objects.get(target_set=target_set).content == "甲" * 249 + "\n" + "乙" * 250
    target_set.refresh_from_db()
    over = client.post(url, formset_data(target_set, [{"content": at_limit + "丙"}], initial=0))
    assert over.status_code == 400
    assert "不能超过500字（现为501字）" in over.content.decode()
