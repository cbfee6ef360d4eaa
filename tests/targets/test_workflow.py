"""The review workflow of a quarterly target set, step by step — each step allowed and refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Notification
from accounts.workflow import ReviewStatus, StaleVersion
from targets import services
from targets.models import TargetItem, TargetKind
from targets.services import ItemData
from tests.targets.helpers import save_draft

pytestmark = pytest.mark.django_db


def test_the_owner_submits_a_draft_and_a_revision_snapshot_is_taken(staff, make_target_set):
    target_set = make_target_set(staff, items=2)
    submitted = services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version)
    assert submitted.status == ReviewStatus.SUBMITTED
    assert submitted.submitted_at is not None
    revision = submitted.revisions.get()
    assert revision.number == 1
    assert revision.outcome == ReviewStatus.SUBMITTED
    assert [item["content"] for item in revision.items] == ["目标1", "目标2"]


def test_an_empty_set_cannot_be_submitted(staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    with pytest.raises(ValidationError, match="至少填写一项"):
        services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version)
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.DRAFT
    assert not target_set.revisions.exists()


def test_weights_must_total_one_hundred_when_given(staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    items = [ItemData(content="甲", weight=60), ItemData(content="乙", weight=30)]
    with pytest.raises(ValidationError, match="权重之和须为100（当前为90）"):
        services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version, items=items)
    # Nothing of the refused submission is kept.
    assert not target_set.items.exists()
    items[1].weight = 40
    submitted = services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version, items=items)
    assert submitted.status == ReviewStatus.SUBMITTED


def test_weights_are_given_on_every_item_or_on_none(staff, make_target_set):
    """A user test: 100 on the first item and nothing on the second was submitted, against the
    form's own rule (设置权重时各项之和须为100，不设权重请全部留空)."""
    target_set = make_target_set(staff, items=0)
    items = [ItemData(content="甲", weight=100), ItemData(content="乙"), ItemData(content="丙")]
    with pytest.raises(ValidationError, match="每项都须填写权重（第2、3项未填）"):
        services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version, items=items)
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.DRAFT
    items[0].weight, items[1].weight, items[2].weight = 50, 30, 20
    submitted = services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version, items=items)
    assert submitted.status == ReviewStatus.SUBMITTED


def test_a_set_without_any_weights_may_be_submitted(staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    items = [ItemData(content="甲"), ItemData(content="乙")]
    submitted = services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version, items=items)
    assert submitted.status == ReviewStatus.SUBMITTED


def test_only_the_owner_submits(staff, colleague, head, make_target_set):
    target_set = make_target_set(staff)
    for someone in (colleague, head):
        with pytest.raises(PermissionDenied):
            services.target_set_submit(target_set=target_set, actor=someone, version=target_set.version)


def test_the_head_approves_a_staff_members_set(staff, head, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    approved = services.target_set_approve(target_set=target_set, actor=head)
    assert approved.status == ReviewStatus.APPROVED
    assert approved.reviewer == head
    revision = approved.revisions.get()
    assert (revision.outcome, revision.decided_by) == (ReviewStatus.APPROVED, head)
    assert revision.decided_at is not None
    assert Notification.objects.filter(recipient=staff, url=f"/targets/{target_set.pk}/").exists()


def test_the_supervising_leader_approves_a_heads_set_and_the_head_cannot_approve_their_own(
    head, leader, make_target_set
):
    target_set = make_target_set(head, state="submitted")
    with pytest.raises(PermissionDenied):
        services.target_set_approve(target_set=target_set, actor=head)
    assert services.target_set_approve(target_set=target_set, actor=leader).status == ReviewStatus.APPROVED


def test_the_head_of_another_department_cannot_approve(staff, other_head, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    with pytest.raises(PermissionDenied):
        services.target_set_approve(target_set=target_set, actor=other_head)
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.SUBMITTED


def test_the_supervising_leader_is_not_the_reviewer_of_staff(staff, leader, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    with pytest.raises(PermissionDenied):
        services.target_set_approve(target_set=target_set, actor=leader)


def test_a_draft_cannot_be_approved_or_returned(staff, head, make_target_set):
    target_set = make_target_set(staff)
    with pytest.raises(ValidationError, match="只有已提交"):
        services.target_set_approve(target_set=target_set, actor=head)
    with pytest.raises(ValidationError, match="只有已提交"):
        services.target_set_return(target_set=target_set, actor=head, reason="不行")


def test_returning_requires_a_reason(staff, head, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    with pytest.raises(ValidationError, match="退回原因"):
        services.target_set_return(target_set=target_set, actor=head, reason="   ")
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.SUBMITTED


def test_a_returned_set_is_reworked_and_resubmitted_with_the_whole_history_kept(staff, head, make_target_set):
    target_set = make_target_set(staff, state="returned")
    assert target_set.status == ReviewStatus.RETURNED
    assert target_set.return_reason == "请细化措施"
    assert Notification.objects.filter(recipient=staff, message__contains="请细化措施").exists()
    item = target_set.items.get()
    reworked = services.target_set_submit(
        target_set=target_set,
        actor=staff,
        version=target_set.version,
        items=[ItemData(id=item.pk, content="细化后的目标", measures="每周推进")],
    )
    assert reworked.status == ReviewStatus.SUBMITTED
    services.target_set_approve(target_set=reworked, actor=head)
    first, second = reworked.revisions.order_by("number")
    assert (first.outcome, first.reason, first.items[0]["content"]) == (ReviewStatus.RETURNED, "请细化措施", "目标1")
    assert (second.outcome, second.items[0]["content"]) == (ReviewStatus.APPROVED, "细化后的目标")
    # The item was edited in place, not replaced.
    assert reworked.items.get().pk == item.pk


def test_an_approved_set_cannot_be_edited_or_resubmitted(staff, make_target_set):
    target_set = make_target_set(staff, state="approved")
    with pytest.raises(ValidationError, match="不能修改"):
        save_draft(target_set, staff, [ItemData(content="改")])
    with pytest.raises(ValidationError, match="不能修改"):
        services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version)
    assert target_set.items.get().content == "目标1"


def test_a_submitted_set_cannot_be_edited_by_its_owner(staff, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    with pytest.raises(ValidationError, match="不能修改"):
        save_draft(target_set, staff, [ItemData(content="改")])


def test_saving_with_a_stale_version_is_refused_and_changes_nothing(staff, make_target_set):
    target_set = make_target_set(staff)
    stale = target_set.version
    services.target_set_save_draft(target_set=target_set, actor=staff, version=stale, items=[ItemData(content="新")])
    with pytest.raises(StaleVersion, match="可能在另一个窗口"):
        services.target_set_save_draft(
            target_set=target_set, actor=staff, version=stale, items=[ItemData(content="旧")]
        )
    assert list(target_set.items.values_list("content", flat=True)) == ["新"]


def test_saving_a_draft_adds_reorders_and_removes_items(staff, make_target_set):
    target_set = make_target_set(staff, items=2)
    first, second = target_set.items.order_by("sort_order")
    save_draft(
        target_set, staff, [ItemData(id=second.pk, content="乙", sort_order=1), ItemData(content="丙", sort_order=2)]
    )
    assert list(target_set.items.order_by("sort_order").values_list("content", "sort_order")) == [
        ("乙", 1),
        ("丙", 2),
    ]
    assert not TargetItem.objects.filter(pk=first.pk).exists()


def test_a_goal_of_another_department_cannot_be_chosen(staff, other_head, make_target_set):
    goal = services.department_goal_create(
        actor=other_head, department=other_head.department, year=2026, quarter=None, content="财务目标"
    )
    target_set = make_target_set(staff, items=0)
    with pytest.raises(ValidationError, match="科室目标不属于"):
        save_draft(target_set, staff, [ItemData(content="甲", goal_id=goal.pk)])


def test_transitions_are_written_to_the_audit_trail(staff, head, make_target_set):
    from accounts.models import AuditEntry

    target_set = make_target_set(staff, state="returned")
    entry = AuditEntry.objects.filter(object_pk=str(target_set.pk), content_type__model="targetset").latest("pk")
    assert entry.reason == "请细化措施"
    assert entry.organisation_id == staff.organisation_id
    assert entry.changes_dict["status"] == ["submitted", "returned"]


def test_an_edited_item_is_written_to_the_audit_trail_with_its_old_and_new_text(staff, make_target_set):
    # As a monthly summary's text is (tests/summaries/test_text_audit.py): an edit of the content,
    # not only the workflow's steps.
    from accounts.audit import acting_as
    from accounts.models import AuditEntry

    target_set = make_target_set(staff)
    (item,) = target_set.items.all()
    with acting_as(staff):
        save_draft(
            target_set, staff, [ItemData(id=item.pk, content="完成年度预算编制", measures="每周报进度", sort_order=1)]
        )
    entry = AuditEntry.objects.filter(
        object_pk=str(item.pk), content_type__model="targetitem", action=AuditEntry.Action.UPDATE
    ).get()
    assert entry.changes_dict["content"] == [item.content, "完成年度预算编制"]
    assert entry.changes_dict["measures"] == ["", "每周报进度"]
    assert entry.actor == staff
    assert entry.organisation_id == staff.organisation_id


def test_submitting_on_time_is_not_late_and_after_the_deadline_day_is_late(staff, make_target_set):
    future = make_target_set(staff, items=1, year=2099, quarter=1)
    future = services.target_set_submit(target_set=future, actor=staff, version=future.version)
    assert future.is_late is False
    past = make_target_set(staff, items=1, year=2020, quarter=3)
    past = services.target_set_submit(target_set=past, actor=staff, version=past.version)
    assert past.is_late is True
    assert past.status == ReviewStatus.SUBMITTED


def test_assigned_kind_items_written_by_staff_are_allowed(staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    save_draft(target_set, staff, [ItemData(content="甲", kind="assigned")])
    assert target_set.items.get().kind == TargetKind.ASSIGNED
