"""The agency head, approving a quarter, sends a grade they do not agree with back to its graders
(谁管理谁认定): the head grades again, the leader confirms again, the quarter waits until then."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEntry, Notification
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    approval_blockers,
    grade_assign,
    grade_confirm,
    grade_return,
)
from evaluations.models import Grade, GradeState


def detail(row):
    return reverse("evaluations:grade_detail", args=[row.pk])


def send_back(client, row, reason="与季度工作实绩不符，请重新评鉴"):
    return client.post(reverse("evaluations:grade_return", args=[row.pk]), {"reason": reason, "version": row.version})


def test_the_agency_head_sends_a_confirmed_grade_back_and_both_graders_hear_why(
    client_for, all_confirmed, head, leader, chief, staff, grade_of
):
    row = grade_of(staff)
    page = client_for(chief).get(reverse("evaluations:quarter_approve", args=[all_confirmed.pk])).content.decode()
    assert f'href="{detail(row)}#return"' in page

    response = send_back(client_for(chief), row)

    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:quarter_approve", args=[all_confirmed.pk])
    row.refresh_from_db()
    assert (row.state, row.grade, row.confirmed_by) == (GradeState.PENDING, Grade.FAIRLY_GOOD, None)
    assert row.return_reason == "与季度工作实绩不符，请重新评鉴" and row.returned_at is not None
    told = Notification.objects.filter(message__contains="退回了").values_list("recipient__username", flat=True)
    assert sorted(told) == sorted([head.username, leader.username])
    to_head = Notification.objects.filter(recipient=head).latest("pk").message
    to_leader = Notification.objects.filter(recipient=leader).latest("pk").message
    assert "请重新评鉴。理由：与季度工作实绩不符" in to_head
    assert "待科室负责人重新评鉴后请您再次确认" in to_leader and "与季度工作实绩不符" in to_leader
    entry = AuditEntry.objects.filter(object_pk=str(row.pk), actor=chief).latest("pk")
    assert entry.reason == "与季度工作实绩不符，请重新评鉴" and "state" in entry.changes
    # The quarter waits for it, and the approval page says so beside the person.
    blockers = approval_blockers(appraisal_quarter=all_confirmed)
    expected = [("还有1人的等次已退回，待重新评鉴。", [staff.full_name])]
    assert [(str(b), [name for _pk, name in b.people]) for b in blockers] == expected
    with pytest.raises(ValidationError):
        appraisal_quarter_approve(appraisal_quarter=all_confirmed, actor=chief)
    page = client_for(chief).get(reverse("evaluations:quarter_approve", args=[all_confirmed.pk])).content.decode()
    assert 'data-testid="returned"' in page and "与季度工作实绩不符" in page
    # The distribution still counts the grade (and its 好 place, were it 好) and says so (a user
    # test read 好4 未评0 beside 还有1人的等次已退回).
    assert "已退回待重新评鉴的1人仍按原等次计入上表和“好”的名额，重新评鉴后更新。" in page


def test_the_head_sees_it_on_the_grading_page_regrades_and_the_leaders_confirmation_clears_it(
    client_for, all_confirmed, head, leader, chief, staff, grade_of
):
    grade_return(grade_row=grade_of(staff), actor=chief, reason="请结合目标完成情况重新评鉴")
    work = client_for(head).get(reverse("evaluations:grading")).content.decode()
    assert 'data-testid="regrade"' in work and "单位主要负责人审批前退回" in work
    assert "请结合目标完成情况重新评鉴" in work
    assert "请结合目标完成情况重新评鉴" in client_for(head).get(detail(grade_of(staff))).content.decode()

    # The leader sees it waiting for the head's regrade from the start, with the reason.
    leader_work = client_for(leader).get(reverse("evaluations:grading")).content.decode()
    assert 'data-testid="regrade"' in leader_work and "请结合目标完成情况重新评鉴" in leader_work
    grade_assign(
        grade_row=grade_of(staff), actor=head, grade=Grade.AVERAGE, comment="目标完成不足", reason="两项未完成"
    )
    assert grade_of(staff).returned_at is not None  # until the leader confirms
    told = Notification.objects.filter(recipient=leader).latest("pk").message
    assert "已按单位主要负责人的退回意见重新评鉴为“一般”，请确认。" in told
    row = grade_confirm(grade_row=grade_of(staff), actor=leader)
    assert (row.state, row.returned_at, row.return_reason) == (GradeState.CONFIRMED, None, "")
    ready = Notification.objects.filter(recipient=chief).latest("pk")
    assert "已重新评鉴并确认为“一般”" in ready.message
    assert ready.url == reverse("evaluations:quarter_approve", args=[all_confirmed.pk])
    assert 'data-testid="regrade"' not in client_for(head).get(reverse("evaluations:grading")).content.decode()
    appraisal_quarter_approve(appraisal_quarter=all_confirmed, actor=chief)


def test_a_heads_grade_goes_back_to_the_leader_who_gives_it(all_confirmed, head, leader, chief, grade_of):
    grade_return(grade_row=grade_of(head), actor=chief, reason="请重新评鉴")
    assert Notification.objects.filter(message__contains="退回了").get().recipient == leader
    row = grade_assign(grade_row=grade_of(head), actor=leader, grade=Grade.GOOD, comment="带队有力")
    assert (row.state, row.returned_at) == (GradeState.CONFIRMED, None)
    assert "已重新评鉴并确认为“好”" in Notification.objects.filter(recipient=chief).latest("pk").message


@pytest.mark.parametrize("who", ["head", "leader", "hr"])
def test_no_one_but_the_agency_head_sends_a_grade_back(request, client_for, all_confirmed, staff, grade_of, who):
    user = request.getfixturevalue(who)
    row = grade_of(staff)
    with pytest.raises(PermissionDenied):
        grade_return(grade_row=row, actor=user, reason="不同意")
    assert send_back(client_for(user), row).status_code == 403
    assert 'data-testid="return-form"' not in client_for(user).get(detail(row)).content.decode()
    row.refresh_from_db()
    assert row.state == GradeState.CONFIRMED and row.returned_at is None


def test_another_organisations_agency_head_finds_nothing(client_for, all_confirmed, staff, grade_of, outsider):
    from accounts.models import Role

    outsider.roles = [Role.AGENCY_HEAD]
    outsider.save()
    row = grade_of(staff)
    assert send_back(client_for(outsider), row).status_code == 404
    with pytest.raises(PermissionDenied):
        grade_return(grade_row=row, actor=outsider, reason="不同意")


def test_only_a_confirmed_grade_of_an_open_quarter_with_a_reason_is_sent_back(
    client_for, quarter, head, leader, chief, staff, colleague, grade_of
):
    with pytest.raises(ValidationError, match="只能退回已确认的等次"):
        grade_return(grade_row=grade_of(staff), actor=chief, reason="不同意")  # not graded yet
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    with pytest.raises(ValidationError, match="只能退回已确认的等次"):
        grade_return(grade_row=grade_of(staff), actor=chief, reason="不同意")  # the leader has not confirmed
    grade_confirm(grade_row=grade_of(staff), actor=leader)
    client = client_for(chief)
    assert 'data-testid="return-form"' in client.get(detail(grade_of(staff))).content.decode()

    empty = send_back(client, grade_of(staff), reason="   ")
    assert empty.status_code == 400 and 'data-testid="return-form"' in empty.content.decode()
    # In the page's words (a user test read Django's 这个字段是必填项 here).
    assert "退回时须填写退回原因。" in empty.content.decode() and "这个字段是必填项" not in empty.content.decode()
    too_long = send_back(client, grade_of(staff), reason="长" * 600)
    assert too_long.status_code == 400
    stale = client.post(
        reverse("evaluations:grade_return", args=[grade_of(staff).pk]),
        {"reason": "不同意", "version": grade_of(staff).version - 1},
    )
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
    assert grade_of(staff).state == GradeState.CONFIRMED


def _saved_after_another_tab_confirmed(client, head, leader, staff, grade_of, *, comment: str) -> list[str]:
    """A page opened on the pending grade; meanwhile the head grades 较好 (认真) elsewhere and the
    leader confirms it; the page then saves 较好 with ``comment``: what the head is told."""
    page_version = grade_of(staff).version
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_confirm(grade_row=grade_of(staff), actor=leader)
    prefix = f"g{grade_of(staff).pk}-"
    posted = {f"{prefix}grade": Grade.FAIRLY_GOOD, f"{prefix}comment": comment, f"{prefix}version": page_version}
    response = client.post(detail(grade_of(staff)), posted, follow=True)
    return [str(message) for message in response.context["messages"]]


def test_a_grade_confirmed_from_another_tab_says_back_the_comment_typed_in_this_one(
    client_for, quarter, head, leader, staff, grade_of
):
    """A user test: tab A's 一般 with its comment, saved after tab B's 较好 had been confirmed, was
    refused (rightly) on a page with no form left, and told to 刷新 a page already fresh; the comment
    was gone. It is said back, and the message says to look at the grade as it is."""
    said = _saved_after_another_tab_confirmed(client_for(head), head, leader, staff, grade_of, comment="考勤存在问题。")
    assert "该等次已被他人修改（可能在另一个窗口），请查看当前等次后再操作。" in said, said
    assert "您填写的评语未保存：考勤存在问题。" in said, said
    assert grade_of(staff).grade == Grade.FAIRLY_GOOD


def test_after_a_conflict_the_page_saves_again_as_a_deliberate_overwrite(client_for, quarter, head, staff, grade_of):
    """A review: the page redrawn after a conflict kept the posted (old) version, so every later
    save from it was refused again. It carries the stored one: the next save goes through."""
    page_version = grade_of(staff).version
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.AVERAGE, comment="另一窗口", reason="不及时")
    prefix = f"g{grade_of(staff).pk}-"
    posted = {f"{prefix}grade": Grade.FAIRLY_GOOD, f"{prefix}comment": "本窗口的评语", f"{prefix}version": page_version}
    client = client_for(head)
    refused = client.post(detail(grade_of(staff)), posted)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "该等次已被他人修改（可能在另一个窗口）" in page and "本窗口的评语" in page
    # What the other tab saved is said beside the form (a user test saved over a grade it never saw).
    assert f"{staff.get_full_name()}现在保存的等次是“一般”，评语：另一窗口。" in page
    # Still gradable by the head: the typed text stays in the form, not said back.
    assert "未保存：" not in page
    assert f'name="{prefix}version" value="{grade_of(staff).version}"' in page
    again = client.post(detail(grade_of(staff)), {**posted, f"{prefix}version": grade_of(staff).version})
    assert again.status_code == 302
    assert (grade_of(staff).grade, grade_of(staff).comment) == (Grade.FAIRLY_GOOD, "本窗口的评语")


def test_an_unchanged_comment_is_not_said_back_as_unsaved(client_for, quarter, head, leader, staff, grade_of):
    said = _saved_after_another_tab_confirmed(client_for(head), head, leader, staff, grade_of, comment="认真")
    assert any("已被他人修改" in text for text in said) and not any("未保存" in text for text in said), said


def test_an_approved_quarters_grade_is_not_sent_back_here(client_for, all_confirmed, chief, staff, grade_of):
    appraisal_quarter_approve(appraisal_quarter=all_confirmed, actor=chief)
    with pytest.raises(ValidationError):
        grade_return(grade_row=grade_of(staff), actor=chief, reason="不同意")
    assert 'data-testid="return-form"' not in client_for(chief).get(detail(grade_of(staff))).content.decode()
    page = client_for(chief).get(reverse("evaluations:quarter_approve", args=[all_confirmed.pk])).content.decode()
    assert 'data-testid="return-link"' not in page


def test_the_grading_card_separates_labels_from_values_as_english_does(
    client_for, all_confirmed, chief, staff, grade_of
):
    """A user test: in English the card read "Previous quarter：Fairly good" (a Chinese colon)."""
    from django.conf import settings

    client = client_for(chief)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(detail(grade_of(staff))).content.decode()
    assert "Previous quarter: " in html and "Previous quarter：" not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "上季度：" in client.get(detail(grade_of(staff))).content.decode()


def test_a_leaders_adjustment_from_a_stale_tab_is_told_what_is_stored_now(
    client_for, quarter, head, leader, staff, grade_of
):
    """A re-test: the leader's 调整等次 from a tab opened before another tab's adjustment was refused
    with no word of the grade stored now."""
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真负责。")
    page_version = grade_of(staff).version
    grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.AVERAGE, reason="有差错")
    prefix = f"c{grade_of(staff).pk}-"
    posted = {f"{prefix}new_grade": Grade.GOOD, f"{prefix}reason": "表现突出", f"{prefix}version": page_version}
    response = client_for(leader).post(
        reverse("evaluations:grade_confirm", args=[grade_of(staff).pk]), {**posted, "action": "change"}, follow=True
    )
    said = [str(message) for message in response.context["messages"]]
    assert any(f"{staff.get_full_name()}现在保存的等次是“一般”，评语：认真负责。本窗口" in text for text in said), said
    assert grade_of(staff).grade == Grade.AVERAGE
