"""The staff-side pages: the list of my quarters and the one-page formset editor."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import periods
from accounts.workflow import ReviewStatus
from targets import services
from targets.models import TargetSet
from tests.factories import UserFactory
from tests.targets.conftest import add_items

pytestmark = pytest.mark.django_db


def formset_data(target_set, rows, *, action="draft", version=None, initial=0, extra_blank=0):
    """POST data for the items formset; each row is a dict of field → value."""
    data = {
        "version": target_set.version if version is None else version,
        "action": action,
        "items-TOTAL_FORMS": len(rows) + extra_blank,
        "items-INITIAL_FORMS": initial,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 100,
    }
    for index, row in enumerate(rows):
        defaults = {"kind": "key", "sort_order": index + 1}
        for key, value in {**defaults, **row}.items():
            data[f"items-{index}-{key}"] = value
    for index in range(len(rows), len(rows) + extra_blank):
        data[f"items-{index}-kind"] = "key"
    return data


def post_items(client, target_set, rows, *, follow=False, **form):
    """``client`` posts the items page of ``target_set`` with ``rows`` (and :func:`formset_data`'s
    ``form`` options)."""
    url = reverse("targets:detail", args=[target_set.pk])
    return client.post(url, formset_data(target_set, rows, **form), follow=follow)


def test_the_list_offers_to_start_the_current_quarter_and_starting_creates_a_draft(client_for, staff):
    client = client_for(staff)
    response = client.get(reverse("targets:my_targets"))
    assert response.status_code == 200
    assert "填写" in response.content.decode()
    response = client.post(reverse("targets:start"))
    target_set = TargetSet.objects.get(owner=staff)
    assert response["Location"] == reverse("targets:detail", args=[target_set.pk])
    assert target_set.period == periods.Quarter.current()
    assert target_set.department == staff.department
    # Starting twice opens the same set.
    client.post(reverse("targets:start"))
    assert TargetSet.objects.filter(owner=staff).count() == 1


def test_the_owner_writes_items_on_one_page_and_saves_a_draft(client_for, staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    url = reverse("targets:detail", args=[target_set.pk])
    client = client_for(staff)
    page = client.get(url)
    assert page.status_code == 200
    assert "保存草稿" in page.content.decode()
    response = client.post(
        url,
        formset_data(
            target_set,
            [
                {"content": "完成年度预算编制", "measures": "分三步", "deadline": "2026-06-30", "weight": 60},
                {"content": "日常值班", "kind": "routine", "weight": 40},
            ],
            extra_blank=2,
        ),
    )
    assert response.status_code == 302
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.DRAFT
    assert list(target_set.items.values_list("content", "kind", "weight")) == [
        ("完成年度预算编制", "key", 60),
        ("日常值班", "routine", 40),
    ]


def test_the_owner_submits_from_the_page(client_for, staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    response = post_items(client_for(staff), target_set, [{"content": "甲"}], action="submit")
    assert response.status_code == 302
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.SUBMITTED
    assert target_set.revisions.count() == 1


def test_a_deadline_before_the_quarter_and_wrong_weights_are_said_at_once(client_for, staff, make_target_set):
    """A user test typed a deadline before the quarter and weights summing to 80: the page said the
    date, and the weights only at the next 提交审核. Both are said at the first."""
    target_set = make_target_set(staff, items=0)
    before = (target_set.period.first_day - timedelta(days=3)).isoformat()
    rows = [{"content": "目标甲", "deadline": before, "weight": 50}, {"content": "目标乙", "weight": 30}]
    response = post_items(client_for(staff), target_set, rows, action="submit")
    assert response.status_code == 400
    body = response.content.decode()
    assert "早于" in body and "开始之日" in body
    assert "各项权重之和须为100（当前为80）" in body
    weight = body.split('name="items-0-weight"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in weight
    # Nothing was saved (the date refused it): the items are still as typed, not a draft of them.
    assert "目标甲" in body and not target_set.items.exists()


def test_wrong_weights_are_explained_and_the_text_is_kept(client_for, staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    response = post_items(client_for(staff), target_set, [{"content": "独特的目标文字", "weight": 70}], action="submit")
    assert response.status_code == 400
    body = response.content.decode()
    assert "权重之和须为100（当前为70）" in body
    assert "独特的目标文字" in body
    # Said above the items and tied to the weight box, where the page puts the keyboard.
    assert '<div class="alert alert-danger" id="items-errors"' in body
    weight = body.split('name="items-0-weight"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in weight and 'aria-describedby="items-errors"' in weight
    # Kept as a draft (a user test: the person tapped 返回 after the refusal and the items were gone).
    assert "已保存为草稿，尚未提交" in body
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.DRAFT
    assert list(target_set.items.values_list("content", "weight")) == [("独特的目标文字", 70)]
    assert f'name="version" value="{target_set.version}"' in body
    assert target_set.revisions.count() == 0
    # Coming back to it later, the page still says what to correct before submitting.
    again = client_for(staff).get(reverse("targets:detail", args=[target_set.pk])).content.decode()
    assert 'data-testid="weights-warning">提交前请修改：各项权重之和须为100（当前为70）' in again


@pytest.mark.parametrize("weight", ["60.5", "150", "-1", "七十"])
def test_a_weight_that_is_not_a_whole_number_from_0_to_100_is_told_the_rule(client_for, staff, make_target_set, weight):
    """A user test: 60.5 read 输入整数 and 150 确保该值小于或等于100, neither naming the weight's rule."""
    target_set = make_target_set(staff, items=0)
    response = post_items(client_for(staff), target_set, [{"content": "目标", "weight": weight}])
    assert response.status_code == 400
    body = response.content.decode()
    assert "权重须为0到100之间的整数。" in body and "输入整数" not in body and "确保该值" not in body


def test_a_submission_refused_for_an_empty_set_is_said_and_nothing_is_submitted(client_for, staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    response = post_items(client_for(staff), target_set, [{"content": "   "}], action="submit")
    assert response.status_code == 400
    assert "请至少填写一项目标后再提交" in response.content.decode()
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.DRAFT and target_set.revisions.count() == 0


def test_a_draft_saved_with_wrong_weights_is_saved_and_told_of_them_at_once(client_for, staff, make_target_set):
    """A user test: weights of 110 saved with "草稿已保存。" alone; the error came first at 提交审核."""
    target_set = make_target_set(staff, items=0)

    def saved_with_weights(first: int, second: int) -> str:
        items = [{"content": "甲", "weight": first}, {"content": "乙", "weight": second}]
        return post_items(client_for(staff), target_set, items, action="save", follow=True).content.decode()

    body = saved_with_weights(60, 50)
    assert "草稿已保存" in body and "提交前请修改：各项权重之和须为100（当前为110）" in body
    assert target_set.items.count() == 2
    # Right weights: no warning.
    target_set.refresh_from_db()
    body = saved_with_weights(60, 40)
    assert "草稿已保存" in body and "提交前请修改" not in body


def test_submitting_nothing_is_refused_with_a_message(client_for, staff, make_target_set):
    target_set = make_target_set(staff, items=0)
    response = post_items(client_for(staff), target_set, [], action="submit", extra_blank=2)
    assert response.status_code == 400
    assert "请至少填写一项目标" in response.content.decode()


def test_a_stale_page_is_refused_and_the_persons_text_is_shown_again(client_for, staff, make_target_set):
    target_set = make_target_set(staff, items=1)
    item = target_set.items.get()
    stale_version = target_set.version
    url = reverse("targets:detail", args=[target_set.pk])
    client = client_for(staff)
    # Another tab saves first.
    other_tab = formset_data(target_set, [{"id": item.pk, "content": "另一标签页的内容"}], initial=1)
    assert client.post(url, other_tab).status_code == 302
    response = client.post(
        url, formset_data(target_set, [{"id": item.pk, "content": "我刚写的内容"}], version=stale_version, initial=1)
    )
    assert response.status_code == 409
    body = response.content.decode()
    # Who saved and when, not the version numbers that caught it.
    target_set.refresh_from_db()
    when = timezone.localtime(target_set.updated_at).strftime("%m-%d %H:%M")
    said = f"这份季度目标已于{when}由{staff}修改（可能在另一个窗口）。您填写的内容未丢失，请查看当前内容后再保存。"
    assert said in body
    assert "当前为第" not in body
    # The saved content beside the person's own, which stays in the form.
    assert "当前已保存的内容" in body
    assert "我刚写的内容" in body
    assert "另一标签页的内容" in body
    assert target_set.items.get().content == "另一标签页的内容"


def test_an_approved_set_is_read_only_on_the_page(client_for, staff, make_target_set):
    target_set = make_target_set(staff, state="approved")
    client = client_for(staff)
    url = reverse("targets:detail", args=[target_set.pk])
    assert "保存草稿" not in client.get(url).content.decode()
    response = client.post(url, formset_data(target_set, [{"content": "偷改"}], action="draft"))
    assert response.status_code == 409
    assert "保存草稿" not in response.content.decode()
    assert target_set.items.get().content == "目标1"


def test_text_typed_in_a_second_tab_after_the_set_was_handed_in_comes_back_to_be_copied(
    client_for, staff, make_target_set
):
    """A user test: tab A handed the returned set in, tab B then saved its 推进措施 as a draft and
    was redirected with 已提交或已通过的目标不能修改。, the text gone. The page comes back with it."""
    target_set = make_target_set(staff, state="returned")
    item = target_set.items.get()
    page_version = target_set.version
    client = client_for(staff)
    url = reverse("targets:detail", args=[target_set.pk])
    tab_a = formset_data(target_set, [{"id": item.pk, "content": "目标1"}], action="submit", initial=1)
    assert client.post(url, tab_a).status_code == 302
    typed = {"id": item.pk, "content": "目标1", "measures": "第一步调研，第二步起草\n第三步报批"}
    response = client.post(url, formset_data(target_set, [typed], version=page_version, initial=1))
    assert response.status_code == 409
    page = response.content.decode()
    assert "已提交或已通过的目标不能修改。您填写的内容未保存，列在下方，可复制留用。" in page
    assert "第一步调研，第二步起草<br>第三步报批" in page
    assert 'data-testid="unsaved-items"' in page
    # The set as it is now: handed in, read-only.
    assert "保存草稿" not in page
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.SUBMITTED
    assert target_set.items.get().measures == ""


def test_someone_elses_post_to_a_handed_in_set_is_still_refused(client_for, staff, colleague, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    response = post_items(client_for(colleague), target_set, [{"content": "代写"}])
    assert response.status_code in (403, 404)
    assert "代写" not in response.content.decode()


def test_the_reviewer_approves_and_returns_from_the_page(client_for, staff, colleague, head, make_target_set):
    client = client_for(head)
    first = make_target_set(staff, state="submitted")
    assert "退回修改" in client.get(reverse("targets:detail", args=[first.pk])).content.decode()
    client.post(reverse("targets:approve", args=[first.pk]), {"version": first.version})
    first.refresh_from_db()
    assert first.status == ReviewStatus.APPROVED

    second = make_target_set(colleague, state="submitted")
    response = client.post(reverse("targets:return", args=[second.pk]), {"reason": ""})
    assert response.status_code == 400
    # Said once, at the box, in the page's words (not Django's 这个字段是必填项).
    page = response.content.decode()
    assert page.count("退回时须填写退回原因") == 1 and "这个字段是必填项" not in page
    client.post(reverse("targets:return", args=[second.pk]), {"reason": "请补充时间节点"})
    second.refresh_from_db()
    assert (second.status, second.return_reason) == (ReviewStatus.RETURNED, "请补充时间节点")


def test_a_second_tab_s_return_after_the_first_tab_s_approval_says_so_and_gives_the_reason_back(
    client_for, staff, head, make_target_set
):
    """A user test: tab B's 退回 after tab A's 审核通过 said the set was 修改ed and that the typed
    reason was kept; it was gone. The page says it was approved, and says the reason back."""
    client = client_for(head)
    target_set = make_target_set(staff, state="submitted")
    page_version = target_set.version
    client.post(reverse("targets:approve", args=[target_set.pk]), {"version": page_version})
    response = client.post(
        reverse("targets:return", args=[target_set.pk]),
        {"reason": "第3项请补充推进措施。", "version": page_version},
        follow=True,
    )
    said = [str(message) for message in response.context["messages"]]
    assert any(f"由{head}审核通过（可能在另一个窗口）" in text for text in said), said
    assert "您填写的退回原因未保存：第3项请补充推进措施。" in said
    assert not any("未丢失" in text for text in said)
    target_set.refresh_from_db()
    assert target_set.status == ReviewStatus.APPROVED


def test_the_detail_page_shows_the_history_of_submissions(client_for, staff, head, make_target_set):
    target_set = make_target_set(staff, state="returned")
    services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version)
    body = client_for(staff).get(reverse("targets:detail", args=[target_set.pk])).content.decode()
    assert body.count('data-testid="revision"') == 2
    assert "请细化措施" in body


def _owner_with_sets(organisation, department, count):
    owner = UserFactory(department=department)
    for index in range(count):
        target_set = services.target_set_start(owner=owner, year=2000 + index, quarter=1)
        add_items(target_set, 2)
    return owner


def test_the_list_page_costs_the_same_queries_for_3_and_30_sets_and_is_paginated(
    client_for, organisation, department, head, django_assert_num_queries
):
    """Every quarter a person ever wrote: a page of 20 (a user test found them all on one page)."""
    few, many = _owner_with_sets(organisation, department, 3), _owner_with_sets(organisation, department, 30)
    client = client_for(few)
    client.get(reverse("targets:my_targets"))
    with CaptureQueriesContext(connection) as counted:
        response = client.get(reverse("targets:my_targets"))
    assert response.content.decode().count('data-testid="target-set-row"') == 3
    queries = len(counted.captured_queries)  # read before the next request resets the log
    client = client_for(many)
    client.get(reverse("targets:my_targets"))
    with django_assert_num_queries(queries):
        response = client.get(reverse("targets:my_targets"))
    page = response.content.decode()
    assert page.count('data-testid="target-set-row"') == 20 and "共 30 条" in page
    assert (
        client.get(reverse("targets:my_targets") + "?page=2").content.decode().count('data-testid="target-set-row"')
        == 10
    )


@pytest.mark.parametrize("count", [3, 30])
def test_the_detail_page_costs_the_same_queries_for_3_and_30_items(
    client_for, staff, count, make_target_set, django_assert_max_num_queries
):
    target_set = make_target_set(staff, items=count)
    client = client_for(staff)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("targets:detail", args=[target_set.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_the_reviewers_view_costs_the_same_queries_for_3_and_30_pending_sets(
    client_for, department, head, count, make_target_set, django_assert_max_num_queries
):
    for _ in range(count):
        make_target_set(UserFactory(department=department), state="submitted")
    client = client_for(head)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("targets:my_targets"))
    assert response.content.decode().count('data-testid="awaiting-row"') == count


def test_a_person_who_reviews_nobody_is_not_asked_for_sets_awaiting_review(client_for, staff, head, make_target_set):
    """My targets lists the sets waiting for the person's review only for a head or leader: for
    everyone else it reads their own sets and nothing more."""
    make_target_set(staff, state="submitted")
    make_target_set(head)  # their own too, so both read a page of their own sets

    def target_set_queries(person):
        client = client_for(person)
        client.get(reverse("targets:my_targets"))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("targets:my_targets"))
        tables = [query["sql"] for query in captured.captured_queries]
        return sum('FROM "targets_targetset"' in sql for sql in tables), response.content.decode()

    # Their own: this and last quarter's sets, then the page of the list (its count and its rows).
    queries, page = target_set_queries(staff)
    assert queries == 3 and 'data-testid="awaiting-row"' not in page
    queries, page = target_set_queries(head)
    assert queries == 4 and page.count('data-testid="awaiting-row"') == 1
