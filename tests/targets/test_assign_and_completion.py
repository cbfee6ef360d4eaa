"""After approval: a leader's assigned task (领导交办) and the owner's completion record (自评)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Notification, Role
from accounts.workflow import ReviewStatus
from targets import services
from targets.models import Completion, TargetKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_the_quarter(settings):
    """The sets' quarter (2026 Q2) under way: a task is assigned to a quarter not yet over."""
    settings.APPRAISAL_TODAY = date(2026, 5, 15)


def test_the_heads_evaluator_adds_an_assigned_task_and_the_owner_is_notified(
    staff, head, make_target_set, in_the_quarter
):
    target_set = make_target_set(staff, state="approved")
    item = services.target_set_assign_item(
        target_set=target_set, actor=head, content="迎检材料准备", deadline=date(2026, 5, 1)
    )
    assert (item.kind, item.assigned_by, item.sort_order) == (TargetKind.ASSIGNED, head, 2)
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.APPROVED
    notice = Notification.objects.get(recipient=staff, message__contains="迎检材料准备")
    assert notice.url == reverse("targets:detail", args=[target_set.pk])


def test_the_supervising_leader_of_the_department_may_assign_to_staff(staff, leader, make_target_set, in_the_quarter):
    target_set = make_target_set(staff, state="approved")
    item = services.target_set_assign_item(target_set=target_set, actor=leader, content="专项调研")
    assert item.assigned_by == leader


def test_the_agency_head_may_assign_to_anyone_of_the_organisation_from_the_targets_page(
    client_for, staff, chief, other_organisation, make_target_set, in_the_quarter
):
    """DOMAIN: "a leader may add an assigned task" — the agency head leads every department."""
    target_set = make_target_set(staff, state="approved")
    client = client_for(chief)
    page = client.get(reverse("targets:detail", args=[target_set.pk])).content.decode()
    assert reverse("targets:assign_item", args=[target_set.pk]) in page
    response = client.post(
        reverse("targets:assign_item", args=[target_set.pk]),
        {"content": "全局专项督查材料", "version": target_set.version},
    )
    assert response.status_code == 302
    item = target_set.items.get(content="全局专项督查材料")
    assert (item.kind, item.assigned_by) == (TargetKind.ASSIGNED, chief)
    assert Notification.objects.filter(recipient=staff, message__contains="全局专项督查材料").exists()
    # Not another organisation's agency head.
    stranger = UserFactory(username="otherchief", department__organisation=other_organisation, roles=[Role.AGENCY_HEAD])
    with pytest.raises(PermissionDenied):
        services.target_set_assign_item(target_set=target_set, actor=stranger, content="外单位交办")


def test_a_task_cannot_be_assigned_to_a_set_that_is_not_approved(staff, head, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    with pytest.raises(ValidationError, match="已通过"):
        services.target_set_assign_item(target_set=target_set, actor=head, content="专项调研")


def test_others_cannot_assign_tasks(staff, colleague, other_head, other_leader, make_target_set):
    target_set = make_target_set(staff, state="approved")
    for someone in (colleague, other_head, other_leader, staff):
        with pytest.raises(PermissionDenied):
            services.target_set_assign_item(target_set=target_set, actor=someone, content="专项调研")
    assert target_set.items.count() == 1
    assert not Notification.objects.filter(message__contains="专项调研").exists()


def test_the_owner_records_completion_on_an_approved_set(staff, make_target_set, quarter_started):
    target_set = make_target_set(staff, state="approved", items=2)
    first, second = target_set.items.order_by("sort_order")
    services.target_set_record_completion(
        target_set=target_set,
        actor=staff,
        completions={first.pk: (Completion.DONE, "按期完成"), second.pk: (Completion.PARTIAL, "待验收")},
        today=quarter_started,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.completion, first.completion_note) == (Completion.DONE, "按期完成")
    assert second.completion == Completion.PARTIAL


def test_completion_is_refused_before_the_quarter_begins(staff, make_target_set, quarter_started):
    target_set = make_target_set(staff, state="approved")
    item = target_set.items.get()
    with pytest.raises(ValidationError, match="季度开始后"):
        services.target_set_record_completion(
            target_set=target_set,
            actor=staff,
            completions={item.pk: (Completion.DONE, "")},
            today=date(quarter_started.year, quarter_started.month - 1, 28),
        )


def test_completion_is_refused_on_a_draft_and_for_someone_else(staff, head, make_target_set, quarter_started):
    draft = make_target_set(staff)
    item = draft.items.get()
    with pytest.raises(ValidationError, match="通过审核后"):
        services.target_set_record_completion(
            target_set=draft, actor=staff, completions={item.pk: (Completion.DONE, "")}, today=quarter_started
        )
    with pytest.raises(PermissionDenied):
        services.target_set_record_completion(
            target_set=draft, actor=head, completions={item.pk: (Completion.DONE, "")}, today=quarter_started
        )


def test_the_completion_form_on_the_detail_page_saves(client_for, staff, make_target_set):
    target_set = make_target_set(staff, state="approved")
    item = target_set.items.get()
    page = client_for(staff).get(reverse("targets:detail", args=[target_set.pk])).content.decode()
    assert f'name="completion_{item.pk}"' in page and '<option value="" selected>请选择</option>' in page
    response = client_for(staff).post(
        reverse("targets:record_completion", args=[target_set.pk]),
        {"version": target_set.version, f"completion_{item.pk}": "not_done", f"note_{item.pk}": "因故推迟"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.completion, item.completion_note) == ("not_done", "因故推迟")


def test_the_assign_form_on_the_detail_page_notifies_the_owner(
    client_for, staff, head, make_target_set, in_the_quarter
):
    target_set = make_target_set(staff, state="approved")
    response = client_for(head).post(reverse("targets:assign_item", args=[target_set.pk]), {"content": "起草讲话稿"})
    assert response.status_code == 302
    assert target_set.items.filter(kind=TargetKind.ASSIGNED, assigned_by=head).exists()
    assert Notification.objects.filter(recipient=staff, message__contains="起草讲话稿").exists()


def test_the_assign_form_sent_again_after_back_adds_no_second_task(
    client_for, staff, head, make_target_set, in_the_quarter
):
    """A user test: Back after 交办 and 交办 again (or a phone's retry) added the same task twice,
    with two notices, and nothing lets anyone delete an assigned task."""
    target_set = make_target_set(staff, state="approved")
    client = client_for(head)
    page = client.get(target_set.get_absolute_url()).content.decode()
    form = page.split(reverse("targets:assign_item", args=[target_set.pk]), 1)[1].split("</form>", 1)[0]
    version = form.split('name="version" value="', 1)[1].split('"', 1)[0]
    url, data = reverse("targets:assign_item", args=[target_set.pk]), {"content": "起草讲话稿", "version": version}
    client.post(url, data)
    said = client.post(url, data, follow=True).content.decode()
    assert "（可能在另一个窗口）。请查看当前内容后再操作" in said
    assert target_set.items.filter(kind=TargetKind.ASSIGNED, content="起草讲话稿").count() == 1
    assert Notification.objects.filter(recipient=staff, message__contains="起草讲话稿").count() == 1


def test_the_same_task_assigned_again_from_a_page_reloaded_by_back_is_refused(
    client_for, staff, head, make_target_set, in_the_quarter
):
    """A re-test: Back reloaded the page with the new version and the typed text; 交办 again added
    the task twice."""
    target_set = make_target_set(staff, state="approved")
    client = client_for(head)
    url = reverse("targets:assign_item", args=[target_set.pk])
    client.post(url, {"content": "起草讲话稿", "version": target_set.version})
    target_set.refresh_from_db()
    said = client.post(url, {"content": "起草讲话稿", "version": target_set.version}, follow=True).content.decode()
    assert "该事项已交办" in said
    assert target_set.items.filter(kind=TargetKind.ASSIGNED, content="起草讲话稿").count() == 1
    client.post(url, {"content": "整理调研材料", "version": target_set.version})
    assert target_set.items.filter(kind=TargetKind.ASSIGNED).count() == 2


def test_a_refused_deadline_is_said_at_its_box_and_the_task_typed_is_kept(
    client_for, staff, head, make_target_set, in_the_quarter
):
    """A user test: a deadline outside the quarter came back as a red banner over an empty form,
    the task and its requirements gone."""
    target_set = make_target_set(staff, state="approved")
    url = reverse("targets:assign_item", args=[target_set.pk])
    data = {
        "content": "牵头完成年度就业统计分析报告",
        "measures": "一、收集各科室数据；二、形成初稿",
        "deadline": "2026-03-31",
    }
    response = client_for(head).post(url, {**data, "version": target_set.version})
    html = response.content.decode()
    assert response.status_code == 400
    assert data["content"] in html and data["measures"] in html and 'value="2026-03-31"' in html
    # At the date's box, marked invalid, and said once (not also as a banner).
    deadline_box = html.split('name="deadline"', 1)[1].split("</div>", 1)[0]
    assert "is-invalid" in deadline_box and "早于2026年第2季度开始之日" in deadline_box
    assert "早于2026年第2季度开始之日" in html and html.count("早于2026年第2季度开始之日") == 1
    assert not target_set.items.filter(kind=TargetKind.ASSIGNED).exists()


def test_a_colleague_posting_the_assign_form_gets_a_404(client_for, staff, colleague, make_target_set):
    target_set = make_target_set(staff, state="approved")
    response = client_for(colleague).post(reverse("targets:assign_item", args=[target_set.pk]), {"content": "冒充"})
    assert response.status_code == 404


def test_partly_done_or_not_done_needs_a_reason(client_for, staff, make_target_set, quarter_started):
    """DOMAIN §3: the self-assessment marks 部分完成 and 未完成 with a short explanation."""
    target_set = make_target_set(staff, state="approved", items=3)
    first, second, third = target_set.items.order_by("sort_order")
    with pytest.raises(ValidationError, match="第2、3项"):
        services.target_set_record_completion(
            target_set=target_set,
            actor=staff,
            completions={
                first.pk: (Completion.DONE, ""),  # done needs no note
                second.pk: (Completion.PARTIAL, "  "),
                third.pk: (Completion.NOT_DONE, ""),
            },
            today=quarter_started,
        )
    assert not target_set.items.exclude(completion="").exists()  # nothing saved


def test_the_completion_form_refuses_an_unexplained_not_done_and_keeps_what_was_typed(
    client_for, staff, make_target_set
):
    target_set = make_target_set(staff, state="approved")
    item = target_set.items.get()
    response = client_for(staff).post(
        reverse("targets:record_completion", args=[target_set.pk]),
        {"version": target_set.version, f"completion_{item.pk}": "not_done", f"note_{item.pk}": ""},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "第1项为“部分完成”或“未完成”，请在说明中简要写明原因。" in page
    assert '<option value="not_done" selected>' in page
    item.refresh_from_db()
    assert item.completion == ""
    # The box itself is marked, for a screen reader too (a user test found only the alert on top).
    note = page.split(f'name="note_{item.pk}"')[1].split(">")[0]
    assert 'aria-invalid="true"' in note and "请写明原因。" in page


def test_no_task_is_assigned_to_a_quarter_already_over(staff, head, make_target_set, settings):
    """A user test: a leader added a task to the quarter being graded (over since September); the
    grading card's 完成5/5 became 5/6 and the owner was asked to assess it."""
    target_set = make_target_set(staff, state="approved")
    settings.APPRAISAL_TODAY = date(2026, 7, 1)
    with pytest.raises(ValidationError, match="2026年第2季度已结束，不能再向该季度交办事项"):
        services.target_set_assign_item(target_set=target_set, actor=head, content="补充交办")
    assert target_set.items.count() == 1
    assert not Notification.objects.filter(message__contains="补充交办").exists()
    # On its last day it still may, and the notice names the quarter.
    settings.APPRAISAL_TODAY = date(2026, 6, 30)
    services.target_set_assign_item(target_set=target_set, actor=head, content="补充交办")
    assert Notification.objects.get(recipient=staff, message__contains="补充交办").message.startswith(
        f"{head}向您交办了一项工作（2026年第2季度目标）"
    )


def test_my_targets_calls_a_late_set_late_as_the_roster_and_the_detail_page_do(client_for, staff, make_target_set):
    """A user test read 逾期 on /targets/ and 迟交 on the roster for the same set handed in late
    (逾期 is what is not handed in by the deadline)."""
    from targets.models import TargetSet

    target_set = make_target_set(staff, state="submitted")
    TargetSet.objects.filter(pk=target_set.pk).update(is_late=True)
    html = client_for(staff).get(reverse("targets:my_targets")).content.decode()
    assert 'data-testid="late">迟交</span>' in html and ">逾期</span>" not in html


def test_an_assigned_task_in_a_weighted_set_is_shown_unweighted_and_does_not_break_the_weights(
    client_for, staff, head, make_target_set, in_the_quarter
):
    """A user test: a leader's task in a set weighted to 100 read as a seventh item with weight —,
    the set no longer "every item or none"."""
    from targets.models import TargetSet

    target_set = make_target_set(staff, state="approved", items=2)
    target_set.items.update(weight=50)
    services.target_set_assign_item(target_set=target_set, actor=head, content="专项调研")
    assert services.weights_refusal(TargetSet.objects.get(pk=target_set.pk)) == ""
    html = client_for(staff).get(reverse("targets:detail", args=[target_set.pk])).content.decode()
    assert 'data-testid="assigned-unweighted">交办事项，不计权重<' in html


def test_each_item_of_the_targets_form_is_a_group_named_by_its_number(client_for, staff, make_target_set):
    """A user test: a screen reader heard seven identical 权重 and 删除 controls, no item named."""
    import re

    target_set = make_target_set(staff, items=3)
    html = client_for(staff).get(reverse("targets:detail", args=[target_set.pk])).content.decode()
    groups = re.findall(r'data-formset-form role="group" aria-label="([^"]+)"', html)
    assert groups[:3] == ["第1项", "第2项", "第3项"] and groups[-1] == "新增的一项"
    assert 'data-item-label="第__n__项"' in html


def test_the_owners_own_assigned_kind_items_keep_counting_in_the_weights(staff, make_target_set):
    """A review: the weights rule left out every 领导交办 item, those the owner writes under that
    kind too (60 + 40 was refused as 60); only a leader's task added after approval carries none."""
    from targets.models import TargetSet

    target_set = make_target_set(staff, items=2)
    first, second = target_set.items.order_by("sort_order")
    first.weight, second.weight, second.kind = 60, 40, TargetKind.ASSIGNED
    first.save()
    second.save()
    assert services.weights_refusal(TargetSet.objects.get(pk=target_set.pk)) == ""
    second.weight = None
    second.save()
    assert "第2项未填" in services.weights_refusal(TargetSet.objects.get(pk=target_set.pk))
