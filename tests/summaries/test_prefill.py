"""The edit page lists the quarter's target items, so nothing is typed twice."""

from datetime import datetime

from django.urls import reverse

from accounts.workflow import ReviewStatus
from summaries import services
from tests.factories import TargetItemFactory

from .helpers import CHINA


def test_the_quarters_target_items_are_prefilled(summary):
    rows = list(summary.progress_notes.all())
    assert [row.item_content for row in rows] == ["完成年度预算编制", "整理档案"]
    assert all(row.target_item_id for row in rows)


def test_the_edit_page_shows_a_note_box_per_item(client_for, summary, staff):
    page = client_for(staff).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert page.count('data-testid="progress-item"') == 2
    assert "完成年度预算编制" in page


def test_without_a_target_set_the_list_is_empty(staff, client_for):
    summary = services.summary_get_or_create(owner=staff, year=2026, month=10, now=datetime(2026, 10, 3, tzinfo=CHINA))
    assert not summary.progress_notes.exists()
    page = client_for(staff).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    # The quarter's targets not written at all: the owner is sent to write them first (a user test's
    # staff, their targets overdue, read only "本季度暂无目标事项").
    assert 'data-testid="targets-missing"' in page and "2026年第4季度的目标尚未填报" in page
    assert f'href="{reverse("targets:my_targets")}"' in page


def test_with_a_target_set_of_no_items_the_list_says_there_are_none(staff, client_for):
    from tests.factories import TargetSetFactory

    TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.DRAFT)
    summary = services.summary_get_or_create(owner=staff, year=2026, month=10, now=datetime(2026, 10, 3, tzinfo=CHINA))
    page = client_for(staff).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert 'data-testid="no-targets"' in page and 'data-testid="targets-missing"' not in page


def test_a_draft_target_set_still_prefills(staff, make_targets):
    make_targets(staff, status=ReviewStatus.DRAFT, contents=("草稿目标",))
    summary = services.summary_get_or_create(owner=staff, year=2026, month=11, now=datetime(2026, 11, 3, tzinfo=CHINA))
    assert [row.item_content for row in summary.progress_notes.all()] == ["草稿目标"]


def test_only_the_summarys_quarter_counts(staff, make_targets):
    make_targets(staff, quarter=3, contents=("三季度目标",))
    summary = services.summary_get_or_create(owner=staff, year=2026, month=10, now=datetime(2026, 10, 3, tzinfo=CHINA))
    assert not summary.progress_notes.exists()


def test_items_added_later_appear_while_editable_and_the_snapshot_is_kept(client_for, summary, staff):
    target_set = summary.progress_notes.first().target_item.target_set
    TargetItemFactory(target_set=target_set, sort_order=5, content="领导交办：迎检准备")
    item = target_set.items.get(content="整理档案")
    item.content = "整理档案（已改）"
    item.save()
    client = client_for(staff)
    page = client.get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    # Opening the page only offers the new item; a GET writes nothing.
    assert 'data-testid="missing-items"' in page
    assert summary.progress_notes.count() == 2
    client.post(reverse("summaries:start"), {"year": summary.year, "month": summary.month})
    contents = [row.item_content for row in summary.progress_notes.all()]
    assert contents == ["完成年度预算编制", "整理档案", "领导交办：迎检准备"]
    page = client.get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert 'data-testid="missing-items"' not in page


def test_targets_written_after_the_summary_began_are_offered_not_called_none(staff, make_targets, client_for):
    # A user test: a summary begun before the quarter's targets said both "本季度目标新增了1项，尚未列入本小结"
    # and "本季度暂无目标事项" on one page.
    summary = services.summary_get_or_create(owner=staff, year=2026, month=11, now=datetime(2026, 11, 3, tzinfo=CHINA))
    make_targets(staff, status=ReviewStatus.DRAFT, contents=("后写的目标",))
    page = client_for(staff).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert 'data-testid="missing-items"' in page and 'data-testid="targets-not-listed"' in page
    assert "本季度暂无目标事项" not in page
