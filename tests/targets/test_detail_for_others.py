"""The target page read by someone other than its owner (the reviewing head), and its table's
phone layout: one labelled card per item."""

from django.urls import reverse

from accounts.workflow import ReviewStatus
from tests.factories import TargetItemFactory, TargetSetFactory
from tests.support.cards import card_labels


def nav_active_labels(response) -> list[str]:
    return [str(item["label"]) for item in response.context["nav_items"] if item["active"]]


def test_the_head_reading_a_persons_targets_is_not_offered_my_targets(client_for, head, staff):
    target_set = TargetSetFactory(owner=staff, submitted=True)
    TargetItemFactory(target_set=target_set, content="完成年度报告")
    response = client_for(head).get(reverse("targets:detail", args=[target_set.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "返回我的季度目标" not in html
    assert "返回待我审核" in html
    assert nav_active_labels(response) == ["待我审核"]


def test_the_owner_still_goes_back_to_my_targets(client_for, staff):
    target_set = TargetSetFactory(owner=staff, status=ReviewStatus.APPROVED)
    response = client_for(staff).get(reverse("targets:detail", args=[target_set.pk]))
    assert "返回我的季度目标" in response.content.decode()
    assert nav_active_labels(response) == ["季度目标"]


def test_every_item_cell_carries_its_column_label_for_the_phone_cards(client_for, head, staff):
    target_set = TargetSetFactory(owner=staff, submitted=True)
    TargetItemFactory(target_set=target_set, content="完成年度报告", measures="每周推进")
    html = client_for(head).get(reverse("targets:detail", args=[target_set.pk])).content.decode()
    labels = card_labels(html, r'<tr data-testid="item-row">')
    assert labels == ["目标内容", "类别", "推进措施", "时间节点", "权重", "对应科室目标", "完成情况"]
