"""Never lose text: autosave, version checks, and the copy kept when a stale page writes."""

import pytest
from django.urls import reverse

from summaries import services
from summaries.models import MonthlySummary, SummaryConflictCopy
from tests.factories import SummaryConflictCopyFactory

from .helpers import WRITTEN, form_data, text_of


def test_autosave_saves_and_bumps_the_version(client_for, summary, staff):
    response = client_for(staff).post(
        reverse("summaries:autosave", args=[summary.pk]),
        form_data(summary, other_work="接待来访群众12人次", notes={"整理档案": "已整理三季度档案"}),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["version"] == summary.version + 1
    assert len(body["saved_at"]) == 8
    summary.refresh_from_db()
    assert summary.other_work == "接待来访群众12人次"
    assert summary.progress_notes.get(item_content="整理档案").note == "已整理三季度档案"


def test_a_reload_shows_the_saved_text(client_for, summary, staff):
    client = client_for(staff)
    client.post(reverse("summaries:autosave", args=[summary.pk]), form_data(summary, problems="人手紧张"))
    page = client.get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert "人手紧张" in page
    assert f'value="{summary.version + 1}"' in page


def test_a_stale_version_is_refused_with_409_and_both_texts_are_kept(client_for, summary, staff):
    client = client_for(staff)
    url = reverse("summaries:autosave", args=[summary.pk])
    stale_version = summary.version
    # The phone saves first…
    assert client.post(url, form_data(summary, other_work="手机上写的")).status_code == 200
    # …then the desktop tab, still on the old version, tries to save its own text.
    response = client.post(url, form_data(summary, version=stale_version, other_work="电脑上写的"))
    assert response.status_code == 409
    body = response.json()
    assert "此小结已在其他页面更新" in body["message"]
    assert body["server"]["other_work"] == "手机上写的"
    summary.refresh_from_db()
    assert summary.other_work == "手机上写的"
    copy = SummaryConflictCopy.objects.get(summary=summary)
    assert copy.payload["other_work"] == "电脑上写的"
    assert copy.based_on_version == stale_version
    assert copy.author == staff
    assert body["copy_url"] == reverse("summaries:conflict_copy", args=[summary.pk, copy.pk])
    assert "电脑上写的" in client.get(body["copy_url"]).content.decode()


def test_a_copy_is_found_again_on_the_summary_page_and_the_same_text_is_kept_once(client_for, summary, staff, head):
    """A user test: after a reload the copies were linked from nowhere, and one 保存 made two."""
    client = client_for(staff)
    url = reverse("summaries:autosave", args=[summary.pk])
    stale_version = summary.version
    assert client.post(url, form_data(summary, other_work="手机上写的")).status_code == 200
    for _twice in range(2):
        assert client.post(url, form_data(summary, version=stale_version, other_work="电脑上写的")).status_code == 409
    (copy,) = SummaryConflictCopy.objects.filter(summary=summary)
    page = client.get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert 'data-testid="conflict-copies"' in page
    assert reverse("summaries:conflict_copy", args=[summary.pk, copy.pk]) in page
    # The reviewer reads the summary, not its owner's refused drafts.
    reviewer_page = client_for(head).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert 'data-testid="conflict-copies"' not in reviewer_page


def test_a_stale_save_of_identical_text_is_not_a_conflict(summary, staff):
    saved = services.summary_autosave(
        summary=summary, actor=staff, based_on_version=summary.version, text=text_of(summary, problems="同样")
    )
    again = services.summary_autosave(summary=saved, actor=staff, based_on_version=summary.version, text=text_of(saved))
    assert again.version == saved.version
    assert not SummaryConflictCopy.objects.exists()


def test_the_plain_form_carries_the_version_and_behaves_the_same(client_for, summary, staff):
    client = client_for(staff)
    url = reverse("summaries:detail", args=[summary.pk])
    stale = form_data(summary, other_work="旧页面的内容")
    assert client.post(url, {**form_data(summary, other_work="新内容"), "action": "save"}).status_code == 302
    response = client.post(url, {**stale, "action": "save"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "此小结已在其他页面更新" in page
    assert "新内容" in page
    summary.refresh_from_db()
    assert summary.other_work == "新内容"
    assert SummaryConflictCopy.objects.get(summary=summary).payload["other_work"] == "旧页面的内容"


def test_text_typed_after_submission_is_kept_not_saved(client_for, submitted, staff):
    response = client_for(staff).post(
        reverse("summaries:autosave", args=[submitted.pk]), form_data(submitted, version=1, problems="迟到的修改")
    )
    assert response.status_code == 409
    submitted.refresh_from_db()
    assert submitted.problems == ""
    assert SummaryConflictCopy.objects.get(summary=submitted).payload["problems"] == "迟到的修改"


def test_editing_after_approval_is_refused_through_the_page(client_for, submitted, staff, head):
    approved = services.summary_approve(summary=submitted, actor=head)
    response = client_for(staff).post(
        reverse("summaries:detail", args=[approved.pk]),
        {**form_data(approved, other_work="改已通过的"), "action": "save"},
    )
    assert response.status_code == 409
    approved.refresh_from_db()
    assert approved.other_work == WRITTEN


def test_the_page_saved_from_a_second_tab_after_submission_keeps_the_typed_text(client_for, summary, staff):
    """As on a target set's page: tab A hands the summary in, tab B's 保存 answers 409 saying so, and
    what B typed is kept as a copy linked from the page (never a redirect that drops it)."""
    client = client_for(staff)
    url = reverse("summaries:detail", args=[summary.pk])
    tab_b = form_data(summary, problems="另一标签页写的问题")
    assert client.post(url, {**form_data(summary, other_work=WRITTEN), "action": "submit"}).status_code == 302
    response = client.post(url, {**tab_b, "action": "save"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "此小结已提交或已审核，不能再修改；您刚才输入的内容已另存，可随时查看。" in page
    copy = SummaryConflictCopy.objects.get(summary=summary)
    assert copy.payload["problems"] == "另一标签页写的问题"
    copy_url = reverse("summaries:conflict_copy", args=[summary.pk, copy.pk])
    assert copy_url in page
    assert "另一标签页写的问题" in client.get(copy_url).content.decode()


def test_only_the_owner_autosaves(client_for, summary, head, colleague):
    url = reverse("summaries:autosave", args=[summary.pk])
    assert client_for(head).post(url, form_data(summary, other_work="科长代写")).status_code == 404
    assert client_for(colleague).post(url, form_data(summary, other_work="同事代写")).status_code == 404
    summary.refresh_from_db()
    assert summary.other_work == ""


def test_autosave_without_a_version_is_a_bad_request(client_for, summary, staff):
    data = form_data(summary, other_work="x")
    del data["version"]
    assert client_for(staff).post(reverse("summaries:autosave", args=[summary.pk]), data).status_code == 400


def test_autosave_needs_the_csrf_token(summary, staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(reverse("summaries:autosave", args=[summary.pk]), form_data(summary, other_work="x"))
    assert response.status_code == 403


def test_the_edit_page_is_wired_for_autosave_without_inline_script(client_for, summary, staff):
    page = client_for(staff).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert "data-autosave-form" in page
    assert reverse("summaries:autosave", args=[summary.pk]) in page
    assert "data-autosave-status" in page
    assert "js/summaries.js" in page
    assert "<script>" not in page and "style=" not in page


def test_someone_elses_conflict_copy_is_not_shown(client_for, summary, staff, colleague):
    copy = SummaryConflictCopyFactory(summary=summary)
    url = reverse("summaries:conflict_copy", args=[summary.pk, copy.pk])
    assert client_for(colleague).get(url).status_code == 404


@pytest.mark.parametrize("field", ["other_work", "problems", "next_month_plan"])
def test_each_free_text_part_is_saved(summary, staff, field):
    saved = services.summary_autosave(
        summary=summary, actor=staff, based_on_version=summary.version, text=text_of(summary, **{field: "内容"})
    )
    assert getattr(saved, field) == "内容"


# --- One page's saves in quick succession are not a conflict (issue 9 §2) -------------------


def _save(summary, staff, version, *, tab, seq, **changes):
    return services.summary_autosave(
        summary=summary, actor=staff, based_on_version=version, text=text_of(summary, **changes), tab=tab, seq=seq
    )


def test_a_pages_save_sent_before_the_answer_to_its_previous_one_is_accepted(summary, staff):
    base = summary.version
    _save(summary, staff, base, tab="page-a", seq=1, other_work="先写的")
    # Leaving the page while the first save was on its way: the same version, more text.
    saved = _save(summary, staff, base, tab="page-a", seq=2, other_work="先写的，离开前又写的")
    assert saved.other_work == "先写的，离开前又写的"
    assert saved.version == base + 2
    assert not SummaryConflictCopy.objects.exists()


@pytest.mark.parametrize(
    ("kept", "refused"),
    [
        pytest.param(("page-a", 2, "后发的更新内容"), ("page-a", 1, "先发的旧内容"), id="the_same_pages_earlier_save"),
        pytest.param(("page-a", 1, "手机上写的"), ("page-b", 5, "电脑上写的"), id="another_pages_save"),
    ],
)
def test_a_save_on_the_old_version_arriving_second_is_a_conflict_and_never_overwrites(summary, staff, kept, refused):
    """A page's earlier save arriving late never overwrites its later one; another page's save on
    the old version is still a conflict."""
    base = summary.version
    (kept_tab, kept_seq, kept_text), (refused_tab, refused_seq, refused_text) = kept, refused
    _save(summary, staff, base, tab=kept_tab, seq=kept_seq, other_work=kept_text)
    with pytest.raises(services.SummaryConflict):
        _save(summary, staff, base, tab=refused_tab, seq=refused_seq, other_work=refused_text)
    summary.refresh_from_db()
    assert summary.other_work == kept_text


def test_a_follow_up_does_not_cross_a_review_round(summary, staff, head, october_now):
    base = summary.version
    saved = _save(summary, staff, base, tab="page-a", seq=1, other_work="十月工作")
    services.summary_submit(summary=saved, actor=staff, now=october_now)
    returned = services.summary_return(summary=MonthlySummary.objects.get(pk=summary.pk), actor=head, reason="补充")
    with pytest.raises(services.SummaryConflict):
        _save(returned, staff, base, tab="page-a", seq=2, other_work="旧页面的内容")
    returned.refresh_from_db()
    assert returned.other_work == "十月工作"


def test_the_autosave_endpoint_takes_the_page_and_its_save_number(client_for, summary, staff):
    url = reverse("summaries:autosave", args=[summary.pk])
    client = client_for(staff)
    first = client.post(url, {**form_data(summary, other_work="甲"), "tab": "page-a", "seq": 1})
    assert first.status_code == 200
    second = client.post(url, {**form_data(summary, other_work="甲乙"), "tab": "page-a", "seq": 2})
    assert second.status_code == 200
    summary.refresh_from_db()
    assert summary.other_work == "甲乙"


@pytest.mark.parametrize("route", ["summaries:autosave", "summaries:detail"])
def test_a_version_too_large_for_the_database_is_a_bad_request_not_a_server_error(client_for, summary, staff, route):
    """A security test posted version=99999999999999999999999: the stale-save copy could not store
    it, and both the page's save and the autosave answered 500. Text lost by neither."""
    data = {**form_data(summary, other_work="手机上写的"), "action": "save", "version": "9" * 23}
    response = client_for(staff).post(reverse(route, args=[summary.pk]), data)
    assert response.status_code in (200, 400)
    assert not SummaryConflictCopy.objects.exists()
    summary.refresh_from_db()
    assert summary.other_work != "手机上写的"
    if route == "summaries:detail":
        # The page again, with what was typed (nothing lost) and the form's message.
        page = response.content.decode()
        assert "手机上写的" in page
