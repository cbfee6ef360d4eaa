"""The weekly progress board: heads post their department's week, the office compiles and publishes
it to all staff (the bell, the board, the DingTalk group), past weeks are listed a page at a time."""

import html
import re
import time
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEntry, Notification, Role
from accounts.periods import Week
from publicity.boards import services
from publicity.boards.models import WeeklyDigest, WeeklyPost
from publicity.boards.services import ItemData, SectionData
from publicity.dingtalk.models import DingTalkMessage
from tests.factories import (
    DepartmentFactory,
    DepartmentGoalFactory,
    RoleAssignmentFactory,
    UserFactory,
    WeeklyDigestFactory,
    WeeklyDigestSectionFactory,
    policy_with,
)

TODAY = date(2026, 12, 1)  # a Tuesday of ISO week 2026-W49
THIS_WEEK = Week(2026, 49)
LAST_WEEK = Week(2026, 48)
BOARD = reverse("publicity:weekly")
POST = reverse("publicity:weekly_post")


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.APPRAISAL_TODAY = TODAY


@pytest.fixture
def enabled(organisation):
    return policy_with(organisation, weekly_progress_enabled=True)


@pytest.fixture
def goal(department):
    return DepartmentGoalFactory(department=department, year=2026, content="全年新增就业岗位500个")


@pytest.fixture
def other_department(organisation, leader):
    department = DepartmentFactory(organisation=organisation, code="D002", name="综合科", supervising_leader=leader)
    department.head = UserFactory(department=department, roles=[Role.STAFF, Role.DEPARTMENT_HEAD], full_name="综合科长")
    department.save()
    return department


def _post(head, department, *texts, week=THIS_WEEK, goal_id=None):
    items = [ItemData(text=text, goal_id=goal_id) for text in texts]
    return services.weekly_post_save(actor=head, department=department, week=week, items=items)


# --- the head posts --------------------------------------------------------------------------------


def test_the_head_posts_the_weeks_items_linked_to_a_department_goal(
    client_for, head, department, goal, enabled, django_capture_on_commit_callbacks
):
    client = client_for(head)
    page = client.get(POST)
    assert page.status_code == 200 and "全年新增就业岗位500个" in page.content.decode()
    data = {
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-0-text": "举办专场招聘会2场",
        "items-0-goal": str(goal.pk),
        "items-1-text": "走访重点企业5家",
        "items-1-goal": "",
        "items-2-text": "",
        "items-2-goal": "",
    }
    response = client.post(POST, data)
    assert response.status_code == 302
    post = WeeklyPost.objects.get()
    assert (post.department, post.period, post.author) == (department, THIS_WEEK, head)
    assert [(i.text, i.goal_id) for i in post.items.all()] == [
        ("举办专场招聘会2场", goal.pk),
        ("走访重点企业5家", None),
    ]
    assert AuditEntry.objects.filter(content_type__model="weeklypostitem").count() == 2


def test_an_item_with_a_goal_but_no_text_is_refused_and_the_page_keeps_what_was_typed(
    client_for, head, department, goal, enabled
):
    data = {
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-text": "举办专场招聘会2场",
        "items-0-goal": "",
        "items-1-text": "",
        "items-1-goal": str(goal.pk),
    }
    response = client_for(head).post(POST, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "第2项已选择对应科室目标，请填写工作进展，或改为“不关联”。" in page
    assert "举办专场招聘会2场</textarea>" in page
    assert not WeeklyPost.objects.exists()


def test_posting_again_replaces_the_items(head, department, enabled):
    _post(head, department, "第一稿")
    post = _post(head, department, "改后一", "改后二")
    assert [i.text for i in post.items.all()] == ["改后一", "改后二"]
    assert WeeklyPost.objects.count() == 1


def test_it_refuses_a_post_where_policy_has_not_switched_the_board_on(head, department):
    with pytest.raises(ValidationError, match="未启用每周工作进展"):
        _post(head, department, "进展")


def test_it_refuses_a_post_for_a_department_the_head_does_not_head(head, other_department, enabled):
    with pytest.raises(PermissionDenied):
        _post(head, other_department, "进展")


def test_staff_cannot_open_the_posting_page(client_for, staff, enabled):
    assert client_for(staff).get(POST).status_code == 403


def test_it_refuses_a_goal_of_another_department(head, department, other_department, enabled):
    foreign = DepartmentGoalFactory(department=other_department, year=2026, content="别科目标")
    with pytest.raises(ValidationError, match="不是本科室"):
        _post(head, department, "进展", goal_id=foreign.pk)


def test_it_refuses_an_empty_post_too_many_items_and_an_overlong_item(head, department, enabled):
    with pytest.raises(ValidationError, match="至少填写一项"):
        _post(head, department, "  ")
    with pytest.raises(ValidationError, match="最多填写10项"):
        _post(head, department, *[f"事项{n}" for n in range(11)])
    with pytest.raises(ValidationError, match="不能超过500字"):
        _post(head, department, "长" * 501)
    assert WeeklyPost.objects.count() == 0


def test_it_refuses_a_week_before_last_week(head, department, enabled):
    assert _post(head, department, "上周进展", week=LAST_WEEK).period == LAST_WEEK
    with pytest.raises(ValidationError, match="只能填报本周或上周"):
        _post(head, department, "更早", week=Week(2026, 47))


def test_it_refuses_to_change_a_post_once_the_week_is_published(head, hr, department, enabled):
    _post(head, department, "进展")
    digest = services.weekly_digest_start(actor=hr, week=THIS_WEEK)
    services.weekly_digest_compile(
        actor=hr, digest=digest, sections=[SectionData(department.pk, 1, "进展")], publish=True
    )
    with pytest.raises(ValidationError, match="已发布"):
        _post(head, department, "改动")


# --- the office compiles and publishes ---------------------------------------------------------------


def test_hr_compiles_the_week_choosing_ordering_and_rewording_the_posts(
    client_for, head, hr, department, other_department, enabled
):
    _post(head, department, "举办专场招聘会2场", "走访企业5家")
    _post(other_department.head, other_department, "完成公文处理120件")
    client = client_for(hr)
    response = client.post(reverse("publicity:weekly_compile_start"), {"week": THIS_WEEK.code})
    digest = WeeklyDigest.objects.get()
    assert response["Location"] == reverse("publicity:weekly_compile", args=[digest.pk])
    page = client.get(response["Location"]).content.decode()
    assert "1. 举办专场招聘会2场\n2. 走访企业5家" in page and "完成公文处理120件" in page
    # Publishing tells everyone and cannot be undone: its button asks first; saving the draft does not.
    assert 'data-testid="weekly-publish" data-confirm="发布后全体人员将收到通知' in page
    data = {
        f"d{department.pk}_include": "on",
        f"d{department.pk}_position": "2",
        f"d{department.pk}_text": "举办专场招聘会2场，达成就业意向86人。",
        f"d{other_department.pk}_include": "on",
        f"d{other_department.pk}_position": "1",
        f"d{other_department.pk}_text": "完成公文处理120件。",
        "save": "1",
    }
    assert client.post(reverse("publicity:weekly_compile", args=[digest.pk]), data).status_code == 302
    digest.refresh_from_db()
    assert digest.state == WeeklyDigest.State.DRAFT
    assert [(s.department.name, s.text) for s in digest.sections.order_by("position")] == [
        ("综合科", "完成公文处理120件。"),
        ("办公室", "举办专场招聘会2场，达成就业意向86人。"),
    ]
    # Leaving a department out removes it from the draft.
    del data[f"d{department.pk}_include"]
    client.post(reverse("publicity:weekly_compile", args=[digest.pk]), data)
    assert list(digest.sections.values_list("department__name", flat=True)) == ["综合科"]


def _publish_one(department, text: str) -> dict:
    """The compile form's data that publishes the week with ``department``'s section alone, reading ``text``."""
    return {
        f"d{department.pk}_include": "on",
        f"d{department.pk}_position": "1",
        f"d{department.pk}_text": text,
        "publish": "1",
    }


def test_publishing_tells_every_participant_and_puts_the_week_on_the_board(
    client_for, head, hr, staff, colleague, sysadmin, department, enabled, django_capture_on_commit_callbacks
):
    _post(head, department, "举办专场招聘会2场")
    digest = services.weekly_digest_start(actor=hr, week=THIS_WEEK)
    data = _publish_one(department, "招聘会2场")
    response = client_for(hr).post(reverse("publicity:weekly_compile", args=[digest.pk]), data)
    assert response["Location"] == digest.get_absolute_url()
    digest.refresh_from_db()
    assert (digest.state, digest.published_by) == (WeeklyDigest.State.PUBLISHED, hr)
    told = set(
        Notification.objects.filter(dedupe_key=f"weekly-digest:{digest.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"staff", "colleague", "head", "hr"} <= told and "sysadmin" not in told
    entry = AuditEntry.objects.filter(content_type__model="weeklydigest", object_pk=str(digest.pk)).latest("timestamp")
    assert entry.changes_dict["state"] == ["draft", "published"] and entry.actor == hr
    board = client_for(staff).get(BOARD).content.decode()
    assert "招聘会2场" in board and THIS_WEEK.label in board
    assert "招聘会2场" in client_for(staff).get(digest.get_absolute_url()).content.decode()


def test_it_refuses_to_publish_an_empty_week_or_publish_twice(hr, head, department, enabled):
    _post(head, department, "进展")
    digest = services.weekly_digest_start(actor=hr, week=THIS_WEEK)
    with pytest.raises(ValidationError, match="至少选择一个科室"):
        services.weekly_digest_publish(actor=hr, digest=digest)
    services.weekly_digest_compile(
        actor=hr, digest=digest, sections=[SectionData(department.pk, 1, "进展")], publish=True
    )
    with pytest.raises(ValidationError, match="已发布"):
        services.weekly_digest_publish(actor=hr, digest=digest)
    with pytest.raises(ValidationError, match="已发布"):
        services.weekly_digest_compile(actor=hr, digest=digest, sections=[])


def test_it_refuses_a_department_that_did_not_post_and_an_emptied_text(hr, head, department, other_department, enabled):
    _post(head, department, "进展")
    digest = services.weekly_digest_start(actor=hr, week=THIS_WEEK)
    with pytest.raises(ValidationError, match="已填报进展的科室"):
        services.weekly_digest_compile(actor=hr, digest=digest, sections=[SectionData(other_department.pk, 1, "编造")])
    # Named, so the office finds the emptied box among a dozen departments.
    with pytest.raises(ValidationError, match="办公室已选入本周进展，其进展内容不能为空"):
        services.weekly_digest_compile(actor=hr, digest=digest, sections=[SectionData(department.pk, 1, "  ")])


def test_only_the_office_compiles_and_only_recent_weeks(head, hr, staff, department, enabled):
    with pytest.raises(PermissionDenied):
        services.weekly_digest_start(actor=head, week=THIS_WEEK)
    with pytest.raises(ValidationError, match="最近4周"):
        services.weekly_digest_start(actor=hr, week=Week(2026, 40))
    digest = services.weekly_digest_start(actor=hr, week=THIS_WEEK)
    with pytest.raises(PermissionDenied):
        services.weekly_digest_publish(actor=staff, digest=digest)


def test_another_organisations_hr_cannot_touch_the_week(client_for, hr, outsider, head, department, enabled):
    _post(head, department, "进展")
    digest = services.weekly_digest_start(actor=hr, week=THIS_WEEK)
    RoleAssignmentFactory(user=outsider, role=Role.HR_ADMIN)
    client = client_for(outsider)
    assert client.get(reverse("publicity:weekly_compile", args=[digest.pk])).status_code == 404
    assert client.post(reverse("publicity:weekly_compile", args=[digest.pk]), {"publish": "1"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.weekly_digest_publish(actor=outsider, digest=digest)


def test_a_draft_is_not_on_the_board_and_its_page_is_not_there_for_staff(client_for, hr, staff, organisation):
    draft = WeeklyDigestFactory(compiled_by=hr)
    WeeklyDigestSectionFactory(digest=draft, text="未发布的内容")
    assert "未发布的内容" not in client_for(staff).get(BOARD).content.decode()
    assert client_for(staff).get(draft.get_absolute_url()).status_code == 404
    assert client_for(hr).get(draft.get_absolute_url()).status_code == 200


def test_another_organisations_staff_see_nothing_of_this_board(client_for, hr, outsider, organisation):
    digest = WeeklyDigestFactory(compiled_by=hr, published=True)
    WeeklyDigestSectionFactory(digest=digest, text="本单位进展")
    assert "本单位进展" not in client_for(outsider).get(BOARD).content.decode()
    assert client_for(outsider).get(digest.get_absolute_url()).status_code == 404


def test_opening_the_pages_writes_nothing(client_for, hr, head, department, enabled):
    _post(head, department, "进展")
    client = client_for(hr)  # signing in is an audited event; opening pages is not
    counts = (WeeklyDigest.objects.count(), WeeklyPost.objects.count(), AuditEntry.objects.count())
    client.get(BOARD)
    client.force_login(head)
    counts = (counts[0], counts[1], AuditEntry.objects.count())
    client.get(POST)
    assert (WeeklyDigest.objects.count(), WeeklyPost.objects.count(), AuditEntry.objects.count()) == counts


# --- DingTalk never holds up the publication -------------------------------------------------------


def test_publishing_pushes_the_digest_to_the_work_group(
    hr, head, department, enabled, robot, dingtalk_configured, django_capture_on_commit_callbacks
):
    _post(head, department, "举办招聘会")
    digest = services.weekly_digest_start(actor=hr, week=THIS_WEEK)
    with django_capture_on_commit_callbacks(execute=True):
        services.weekly_digest_compile(
            actor=hr, digest=digest, sections=[SectionData(department.pk, 1, "举办招聘会")], publish=True
        )
    [request] = robot.received
    text = request["body"]["markdown"]["text"]
    assert request["signed"] and THIS_WEEK.label in text and "**办公室**" in text and "> 举办招聘会" in text
    assert DingTalkMessage.objects.get().state == DingTalkMessage.State.SENT


def test_a_robot_that_hangs_or_fails_does_not_hold_up_or_undo_the_publication(
    client_for, hr, head, department, enabled, robot, dingtalk_configured, django_capture_on_commit_callbacks
):
    robot.hang_seconds = 3
    robot.expect("hang")
    _post(head, department, "进展")
    digest = services.weekly_digest_start(actor=hr, week=THIS_WEEK)
    data = _publish_one(department, "进展")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hr).post(reverse("publicity:weekly_compile", args=[digest.pk]), data)
    assert time.monotonic() - started < 2.5
    assert response.status_code == 302
    digest.refresh_from_db()
    assert digest.state == WeeklyDigest.State.PUBLISHED
    message = DingTalkMessage.objects.get()
    assert message.state == DingTalkMessage.State.PENDING and "超时" in message.last_error


# --- past weeks, a page at a time ------------------------------------------------------------------


def _published_weeks(hr, count):
    week = Week(2026, 49)
    for _n in range(count):
        digest = WeeklyDigestFactory(compiled_by=hr, published=True, year=week.year, week=week.week)
        WeeklyDigestSectionFactory(digest=digest)
        week = week.previous()


def test_the_board_costs_the_same_queries_for_few_and_many_past_weeks(
    client_for, hr, staff, organisation, django_assert_num_queries
):
    client = client_for(staff)
    _published_weeks(hr, 2)
    client.get(BOARD)  # warm the session and the policy
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(BOARD).status_code == 200
    WeeklyDigest.objects.all().delete()
    _published_weeks(hr, 45)
    with django_assert_num_queries(len(few)):
        response = client.get(BOARD)
    assert len(response.context["page"].object_list) == 20
    assert response.context["page"].paginator.count == 45
    assert client.get(BOARD, {"page": 3}).context["page"].object_list[0].period == Week(2026, 9)


def test_the_board_reads_in_english_after_switching(client_for, hr, staff, organisation):
    digest = WeeklyDigestFactory(compiled_by=hr, published=True)
    WeeklyDigestSectionFactory(digest=digest, text="本单位进展")
    client = client_for(staff)
    client.post(reverse("set_language"), {"language": "en", "next": BOARD})
    html = client.get(BOARD).content.decode()
    assert "Week 48 of 2026 (11/23–11/29)" in html and "All published weeks" in html


def test_the_compile_page_names_the_departments_that_have_not_posted(
    client_for, head, hr, department, other_department, enabled
):
    """A user test: 就业促进科 had not posted and nothing on the page said so; 发布 left it out silently."""
    _post(head, department, "举办专场招聘会2场")
    client = client_for(hr)
    response = client.post(reverse("publicity:weekly_compile_start"), {"week": THIS_WEEK.code})

    page = client.get(response["Location"]).content.decode()

    assert f"尚未填报本周进展的科室（1个）：{other_department.name}。" in page
    _post(other_department.head, other_department, "完成公文处理120件")
    assert 'data-testid="weekly-missing"' not in client.get(response["Location"]).content.decode()


def _seen_on(page: str) -> str:
    """When the compile page says it was drawn (its hidden seen_at)."""
    return html.unescape(re.search(r'name="seen_at" value="([^"]*)"', page).group(1))


def test_a_post_corrected_after_the_draft_or_the_page_is_not_published_in_its_old_wording(
    client_for, head, hr, department, enabled
):
    """A user test: HR saved the draft (300万元), the head corrected the post (500万元), HR published:
    the board, the bell and DingTalk said 300万元 while the head's post said 500万元."""
    _post(head, department, "本周发放创业担保贷款300万元。")
    digest = services.weekly_digest_start(actor=hr, week=THIS_WEEK)
    client = client_for(hr)
    url = reverse("publicity:weekly_compile", args=[digest.pk])
    page = client.get(url).content.decode()
    saved = {**_publish_one(department, "1. 本周发放创业担保贷款300万元。"), "seen_at": _seen_on(page)}
    del saved["publish"]
    assert client.post(url, {**saved, "save": "1"}).status_code == 302
    _post(head, department, "本周发放创业担保贷款500万元（数字更正）。")
    # Opened after the correction: the post's new wording in the box, the draft's beside it.
    page = client.get(url).content.decode()
    assert 'data-testid="compile-corrected"' in page and "300万元" in page
    box = re.search(r'<textarea name="d\d+_text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "500万元" in box and "300万元" not in box
    # Opened before a correction and published after it: refused, what was typed kept, then published knowingly.
    seen = _seen_on(page)
    _post(head, department, "本周发放创业担保贷款520万元（再次更正）。")
    refused = client.post(url, {**_publish_one(department, "发放贷款500万元。"), "seen_at": seen})
    text = refused.content.decode()
    assert refused.status_code == 200 and "在您打开此页后修改了填报" in text and 'data-testid="compile-changed"' in text
    assert "发放贷款500万元。" in text
    digest.refresh_from_db()
    assert digest.state == WeeklyDigest.State.DRAFT
    published = client.post(url, {**_publish_one(department, "发放贷款520万元。"), "seen_at": _seen_on(text)})
    assert published.status_code == 302
    assert digest.sections.get().text == "发放贷款520万元。"
