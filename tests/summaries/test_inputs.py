"""Summary inputs that cannot be empty, stale or too long (issue 9 §2)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.workflow import ReviewStatus
from summaries import services
from summaries.models import MonthlySummary
from targets import services as target_services
from targets.services import ItemData
from tests.targets.helpers import save_draft

from .helpers import form_data, text_of

pytestmark = pytest.mark.django_db


def test_it_refuses_to_submit_an_empty_summary(summary, staff, october_now):
    with pytest.raises(ValidationError, match="小结内容为空"):
        services.summary_submit(summary=summary, actor=staff, now=october_now)
    summary.refresh_from_db()
    assert summary.status == ReviewStatus.DRAFT


def test_it_refuses_a_summary_of_whitespace_and_empty_progress_rows(summary, staff, october_now):
    saved = services.summary_autosave(
        summary=summary,
        actor=staff,
        based_on_version=summary.version,
        text=text_of(summary, other_work="  \n\t", problems=" ", notes={"完成年度预算编制": "\u3000 \n"}),
    )
    with pytest.raises(ValidationError, match="小结内容为空"):
        services.summary_submit(summary=saved, actor=staff, now=october_now)


def test_one_progress_note_is_enough_to_submit(summary, staff, october_now):
    saved = services.summary_autosave(
        summary=summary,
        actor=staff,
        based_on_version=summary.version,
        text=text_of(summary, notes={"整理档案": "已整理一半"}),
    )
    assert services.summary_submit(summary=saved, actor=staff, now=october_now).status == ReviewStatus.SUBMITTED


def test_the_page_says_an_empty_summary_cannot_be_submitted(client_for, summary, staff):
    response = client_for(staff).post(
        reverse("summaries:detail", args=[summary.pk]), {**form_data(summary, other_work="   "), "action": "submit"}
    )
    assert "小结内容为空" in response.content.decode()
    summary.refresh_from_db()
    assert summary.status == ReviewStatus.DRAFT


def test_a_summary_of_invisible_characters_pasted_from_word_is_empty_too(client_for, summary, staff):
    """A user test handed in a summary of nothing but zero-width spaces, byte-order marks and
    no-break spaces; the head was asked to review an empty summary."""
    invisible = "\u3000\u200b \ufeff\xa0\u2060"
    response = client_for(staff).post(
        reverse("summaries:detail", args=[summary.pk]),
        {**form_data(summary, other_work=invisible, problems=invisible), "action": "submit"},
    )
    assert "小结内容为空" in response.content.decode()
    summary.refresh_from_db()
    assert summary.status == ReviewStatus.DRAFT


def test_an_empty_summary_is_refused_at_its_first_field_on_the_saved_version(client_for, summary, staff):
    response = client_for(staff).post(
        reverse("summaries:detail", args=[summary.pk]), {**form_data(summary, other_work="   "), "action": "submit"}
    )
    form = response.context["form"]
    first = form.note_fields()[0][1] if form.progress else form["other_work"]
    assert "小结内容为空" in " ".join(first.errors)
    page = response.content.decode()
    assert f'aria-describedby="{first.auto_id}_error"' in page and 'aria-invalid="true"' in page
    assert f'id="{first.auto_id}_error"' in page
    # The text was saved before the refusal: the page goes on from the new version.
    summary.refresh_from_db()
    assert form["version"].value() == summary.version


def _rewrite_returned_targets(staff, head, target_set):
    """The head returns the quarter's targets; the owner rewrites the first item and they are approved."""
    target_set = target_services.target_set_return(target_set=target_set, actor=head, reason="请写具体")
    first, second = target_set.items.order_by("sort_order")
    target_set = target_services.target_set_submit(
        target_set=target_set,
        actor=staff,
        version=target_set.version,
        items=[
            ItemData(id=first.pk, content="十月底前完成2027年度预算编制并报财政局", sort_order=1),
            ItemData(id=second.pk, content=second.content, sort_order=2),
        ],
    )
    return target_services.target_set_approve(target_set=target_set, actor=head)


@pytest.fixture
def summary_on_submitted_targets(staff, make_targets, october_now):
    make_targets(staff, status=ReviewStatus.SUBMITTED)
    return services.summary_get_or_create(owner=staff, year=2026, month=10, now=october_now)


def test_the_summary_page_shows_the_current_wording_of_rewritten_targets(
    client_for, summary_on_submitted_targets, staff, head
):
    summary = summary_on_submitted_targets
    services.summary_autosave(
        summary=summary,
        actor=staff,
        based_on_version=summary.version,
        text=text_of(summary, notes={"完成年度预算编制": "初稿已完成"}),
    )
    target_set = staff.target_sets.get()
    _rewrite_returned_targets(staff, head, target_set)
    page = client_for(staff).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert "十月底前完成2027年度预算编制并报财政局" in page
    assert "1. 完成年度预算编制<" not in page
    # What the person wrote about the item stays with it.
    assert "初稿已完成" in page


def test_a_resubmitted_summary_carries_the_new_item_text(summary_on_submitted_targets, staff, head, october_now):
    summary = summary_on_submitted_targets
    summary = services.summary_autosave(
        summary=summary,
        actor=staff,
        based_on_version=summary.version,
        text=text_of(summary, notes={"完成年度预算编制": "初稿已完成"}),
    )
    summary = services.summary_submit(summary=summary, actor=staff, now=october_now)
    summary = services.summary_return(summary=summary, actor=head, reason="请对照新目标")
    _rewrite_returned_targets(staff, head, staff.target_sets.get())
    summary = services.summary_submit(summary=summary, actor=staff, now=october_now)
    rows = list(summary.progress_notes.order_by("sort_order").values_list("item_content", "note"))
    assert rows[0] == ("十月底前完成2027年度预算编制并报财政局", "初稿已完成")
    assert MonthlySummary.objects.get(pk=summary.pk).status == ReviewStatus.SUBMITTED


def _noted_then_targets_returned(summary, staff, head, *, reason):
    """The summary notes progress on the budget item (autosaved), then the head returns the targets."""
    summary = services.summary_autosave(
        summary=summary,
        actor=staff,
        based_on_version=summary.version,
        text=text_of(summary, notes={"完成年度预算编制": "初稿已完成"}),
    )
    target_set = target_services.target_set_return(target_set=staff.target_sets.get(), actor=head, reason=reason)
    return summary, target_set


def test_a_removed_target_item_keeps_what_was_written_and_an_empty_row_is_dropped(
    summary_on_submitted_targets, staff, head, october_now
):
    summary, target_set = _noted_then_targets_returned(summary_on_submitted_targets, staff, head, reason="合并")
    first = target_set.items.order_by("sort_order").first()
    save_draft(target_set, staff, [ItemData(id=first.pk, content=first.content, sort_order=1)])
    summary = services.summary_submit(summary=summary, actor=staff, now=october_now)
    assert list(summary.progress_notes.values_list("item_content", "note")) == [("完成年度预算编制", "初稿已完成")]


def test_it_refuses_summary_text_over_the_limit(summary, staff):
    with pytest.raises(ValidationError) as refused:
        services.summary_autosave(
            summary=summary, actor=staff, based_on_version=summary.version, text=text_of(summary, problems="问" * 5001)
        )
    assert refused.value.message_dict["problems"] == ["“存在问题”不能超过5000字（现为5001字）。"]
    summary.refresh_from_db()
    assert summary.problems == ""


def test_the_page_puts_the_limits_on_the_text_boxes(client_for, summary, staff):
    page = client_for(staff).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert page.count('maxlength="5000"') == 3
    assert page.count('maxlength="2000"') == 2  # one note per target item


def test_the_summary_follows_the_targets_order_and_a_removed_item_comes_last(
    client_for, summary_on_submitted_targets, staff, head
):
    summary, target_set = _noted_then_targets_returned(summary_on_submitted_targets, staff, head, reason="调整")
    budget, archive = target_set.items.order_by("sort_order")
    save_draft(
        target_set,
        staff,
        [ItemData(id=archive.pk, content="整理档案", sort_order=1), ItemData(content="新增的一项", sort_order=2)],
    )
    client = client_for(staff)
    assert 'data-testid="missing-items"' in client.get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    # The new item joins the summary when the owner takes it in (a GET never writes).
    client.post(reverse("summaries:start"), {"year": summary.year, "month": summary.month})
    page = client.get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    # 整理档案 is now first, the new item second; the removed budget item keeps its note, last.
    assert page.index("整理档案") < page.index("新增的一项") < page.index("初稿已完成")
    assert "已从目标中删除" in page


def _paragraphs(total: int, *, breaks: str = "\r\n") -> str:
    """Three paragraphs of ``total`` characters, a line break counted as one (as the page's counter counts it)."""
    body = total - 2
    sizes = (body // 3, body // 3, body - 2 * (body // 3))
    return breaks.join(char * size for char, size in zip("甲乙丙", sizes, strict=True))


@pytest.mark.parametrize("action", ["save", "submit"])
def test_text_at_the_limit_is_saved_though_the_browser_sends_each_line_break_as_two_characters(
    client_for, summary, staff, action
):
    """A user test: three paragraphs of 5000 characters (the counter's 5000 / 5000), sent with CRLF,
    were refused as 5002."""
    text = _paragraphs(5000)
    response = client_for(staff).post(
        reverse("summaries:detail", args=[summary.pk]), {**form_data(summary, problems=text), "action": action}
    )
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.problems == text.replace("\r\n", "\n")
    assert len(summary.problems) == 5000


def test_one_character_over_the_limit_is_refused_counting_a_line_break_as_one(client_for, summary, staff):
    response = client_for(staff).post(
        reverse("summaries:detail", args=[summary.pk]), {**form_data(summary, problems=_paragraphs(5001))}
    )
    assert response.context["form"].errors["problems"] == ["不能超过5000字（现为5001字）。"]
    summary.refresh_from_db()
    assert summary.problems == ""


def test_autosave_stores_a_line_break_as_one_character(client_for, summary, staff):
    response = client_for(staff).post(
        reverse("summaries:autosave", args=[summary.pk]),
        form_data(summary, other_work=_paragraphs(5000, breaks="\r"), notes={"整理档案": "第一行\r\n第二行"}),
    )
    assert response.status_code == 200
    summary.refresh_from_db()
    assert summary.other_work == _paragraphs(5000, breaks="\n")
    assert summary.progress_notes.get(item_content="整理档案").note == "第一行\n第二行"


def test_the_service_counts_a_line_break_it_is_handed_as_crlf_once(summary, staff):
    # A script calls the service with Windows line ends: the same count as the page's.
    text = text_of(summary, problems=_paragraphs(5000))
    saved = services.summary_autosave(summary=summary, actor=staff, based_on_version=summary.version, text=text)
    assert saved.version == summary.version + 1
    with pytest.raises(ValidationError) as refused:
        services.summary_autosave(
            summary=saved, actor=staff, based_on_version=saved.version, text=text_of(saved, problems=_paragraphs(5001))
        )
    assert refused.value.message_dict["problems"] == ["“存在问题”不能超过5000字（现为5001字）。"]
