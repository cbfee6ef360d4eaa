"""Feedback talks after locking (结果反馈 · 谈心谈话 · 二级反馈): what each grade requires, only after
locking, only by the talker, confirmed by the person only; the annual result confirmed and printed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, FeedbackTalkBy, Notification
from evaluations.annual.models import AnnualGrade, AnnualResult
from evaluations.grading.models import Grade, GradeState
from publicity.feedback import selectors, services
from publicity.feedback.models import AnnualConfirmation, FeedbackTalk
from tests.factories import PASSWORD, AnnualResultFactory, QuarterGradeFactory, UserFactory, policy_with
from tests.publicity.conftest import LOCKED_AT
from tests.support.clock import movable_today

TODAY = date(2026, 10, 21)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    return movable_today(monkeypatch, TODAY)


def locked_grade(person, quarter, grade=Grade.GOOD, locked_at=LOCKED_AT):
    return QuarterGradeFactory(
        person=person, appraisal_quarter=quarter, grade=grade, state=GradeState.CONFIRMED, locked_at=locked_at
    )


def seen_on(page: str) -> str:
    """The token a confirmation form carries of what its page showed."""
    return re.search(r'name="seen" value="([^"]*)"', page).group(1)


def seen_on_form(page: str) -> str:
    """The token a talk's record form carries of the talk it was opened on."""
    return re.search(r'name="based_on" value="([^"]*)"', page).group(1)


def talk_data(**overrides) -> services.TalkData:
    values = {"talked_on": date(2026, 10, 12), "content": "谈了本季度的工作。"}
    values.update(overrides)
    return services.TalkData(**values)


# --- What each grade requires -------------------------------------------------------------------


def test_a_good_grade_needs_the_reasons_it_was_given(leader, staff, quarter):
    grade = locked_grade(staff, quarter, Grade.GOOD)
    with pytest.raises(ValidationError) as refused:
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data())
    assert "reasons" in refused.value.message_dict

    talk = services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="牵头完成公车改革。"))
    assert talk.grade == Grade.GOOD and talk.reasons == "牵头完成公车改革。"


@pytest.mark.parametrize("grade_value", [Grade.AVERAGE, Grade.POOR])
def test_an_average_or_poor_grade_needs_the_shortcomings_and_what_to_improve(leader, staff, quarter, grade_value):
    grade = locked_grade(staff, quarter, grade_value)
    with pytest.raises(ValidationError) as refused:
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(shortcomings="月小结迟交两次。"))
    assert set(refused.value.message_dict) == {"improvements"}
    with pytest.raises(ValidationError) as refused:
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(improvements="按时提交。"))
    assert set(refused.value.message_dict) == {"shortcomings"}

    talk = services.feedback_talk_record(
        actor=leader, grade=grade, data=talk_data(shortcomings="月小结迟交两次。", improvements="按时提交。")
    )
    assert talk.shortcomings and talk.improvements


def test_a_fairly_good_grade_needs_only_the_content(leader, staff, quarter):
    grade = locked_grade(staff, quarter, Grade.FAIRLY_GOOD)
    with pytest.raises(ValidationError) as refused:
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(content="  "))
    assert set(refused.value.message_dict) == {"content"}
    assert services.feedback_talk_record(actor=leader, grade=grade, data=talk_data()).pk


GRADE_TEXT_LABELS = {"reasons": "评为“好”的原因", "shortcomings": "存在的不足", "improvements": "改进方向"}


@pytest.mark.parametrize(
    ("grade_value", "text"),
    [
        (Grade.FAIRLY_GOOD, "reasons"),
        (Grade.FAIRLY_GOOD, "shortcomings"),
        (Grade.FAIRLY_GOOD, "improvements"),
        (Grade.GOOD, "shortcomings"),
        (Grade.AVERAGE, "reasons"),
    ],
)
def test_a_text_written_for_another_grade_is_refused(leader, staff, quarter, grade_value, text):
    grade = locked_grade(staff, quarter, grade_value)
    own = dict.fromkeys(selectors.talk_texts_for(grade_value), "写了")
    with pytest.raises(ValidationError) as refused:
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(**own, **{text: "另一等次的话"}))
    assert set(refused.value.message_dict) == {text}
    said = f"等次为“{Grade(grade_value).label}”的谈话不填写“{GRADE_TEXT_LABELS[text]}”。"
    assert refused.value.message_dict[text] == [said]
    assert not FeedbackTalk.objects.exists()


@pytest.mark.parametrize(
    ("grade_value", "shown"),
    [
        (Grade.GOOD, {"reasons"}),
        (Grade.FAIRLY_GOOD, set()),
        (Grade.AVERAGE, {"shortcomings", "improvements"}),
        (Grade.POOR, {"shortcomings", "improvements"}),
    ],
)
def test_the_talk_form_shows_only_the_texts_of_the_persons_grade(
    client_for, leader, staff, quarter, grade_value, shown
):
    grade = locked_grade(staff, quarter, grade_value)
    form = (
        client_for(leader)
        .get(reverse("publicity:feedback_record", args=[grade.pk]))
        .content.decode()
        .split('data-testid="feedback-form"', 1)[1]
    )
    assert 'name="content"' in form
    for name, label in GRADE_TEXT_LABELS.items():
        assert (f'name="{name}"' in form, label in form) == (name in shown, name in shown), name


def test_a_fairly_good_talk_is_saved_from_its_form_without_the_texts_of_other_grades(
    client_for, leader, staff, quarter
):
    grade = locked_grade(staff, quarter, Grade.FAIRLY_GOOD)
    response = client_for(leader).post(
        reverse("publicity:feedback_record", args=[grade.pk]),
        {"talked_on": "2026-10-12", "content": "谈话", "reasons": "旧表单里的原因", "shortcomings": "旧表单里的不足"},
    )
    talk = FeedbackTalk.objects.get()
    assert response.status_code == 302 and (talk.content, talk.reasons, talk.shortcomings) == ("谈话", "", "")


def test_the_talk_date_lies_between_locking_and_today(leader, staff, quarter):
    grade = locked_grade(staff, quarter, Grade.FAIRLY_GOOD)
    for day in (date(2026, 9, 29), TODAY + timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(talked_on=day))
        assert "talked_on" in refused.value.message_dict


# --- Only after locking, only by the talker -----------------------------------------------------


def test_no_talk_is_recorded_before_the_grade_is_locked(leader, staff, quarter):
    grade = locked_grade(staff, quarter, Grade.GOOD, locked_at=None)
    with pytest.raises(ValidationError, match="尚未定等"):
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="原因"))
    assert not FeedbackTalk.objects.exists()


def test_only_the_supervising_leader_records_the_talk_by_default(leader, head, staff, colleague, outsider, quarter):
    grade = locked_grade(staff, quarter)
    for someone in (head, colleague, staff, outsider):
        with pytest.raises(PermissionDenied):
            services.feedback_talk_record(actor=someone, grade=grade, data=talk_data(reasons="原因"))
    assert (
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="原因")).recorded_by == leader
    )


def test_by_policy_the_head_talks_with_the_staff_and_the_leader_with_the_head(
    organisation, leader, head, staff, quarter
):
    policy_with(organisation, feedback_talk_by=FeedbackTalkBy.DEPARTMENT_HEAD)
    staff_grade, head_grade = locked_grade(staff, quarter), locked_grade(head, quarter)

    with pytest.raises(PermissionDenied):
        services.feedback_talk_record(actor=leader, grade=staff_grade, data=talk_data(reasons="原因"))
    with pytest.raises(PermissionDenied):
        services.feedback_talk_record(actor=head, grade=head_grade, data=talk_data(reasons="原因"))
    services.feedback_talk_record(actor=head, grade=staff_grade, data=talk_data(reasons="原因"))
    services.feedback_talk_record(actor=leader, grade=head_grade, data=talk_data(reasons="原因"))
    assert [g.pk for g in selectors.locked_grades_for_talker(talker=head)] == [staff_grade.pk]
    assert [g.pk for g in selectors.locked_grades_for_talker(talker=leader)] == [head_grade.pk]


def test_recording_tells_the_person_and_is_audited(leader, staff, quarter):
    grade = locked_grade(staff, quarter)
    talk = services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="原因"))
    notice = Notification.objects.get(recipient=staff)
    assert notice.url == talk.get_absolute_url() and "请阅读并确认" in notice.message
    entry = AuditEntry.objects.get(content_type__model="feedbacktalk", object_pk=str(talk.pk))
    # The auditor reads which quarter's talk it was (a user test read only the person and the date).
    assert quarter.period.label in entry.auditor_object_text and staff.get_full_name() in entry.auditor_object_text


# --- Confirmation by the person only ------------------------------------------------------------


def test_only_the_person_confirms_and_only_once(leader, head, staff, colleague, quarter):
    talk = services.feedback_talk_record(
        actor=leader, grade=locked_grade(staff, quarter), data=talk_data(reasons="原因")
    )
    for someone in (leader, head, colleague):
        with pytest.raises(PermissionDenied):
            services.feedback_talk_confirm(actor=someone, talk=talk)

    services.feedback_talk_confirm(actor=staff, talk=talk, opinion="同意，继续努力。")
    talk.refresh_from_db()
    assert talk.is_confirmed and talk.opinion == "同意，继续努力。"
    with pytest.raises(ValidationError, match="已于"):
        services.feedback_talk_confirm(actor=staff, talk=talk)
    # The talker hears of it in the daily digest, not on the bell at once.
    assert Notification.objects.get(recipient=leader).digest_day == TODAY


def test_a_confirmed_talk_can_no_longer_be_changed(leader, staff, quarter):
    grade = locked_grade(staff, quarter)
    talk = services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="原因"))
    services.feedback_talk_confirm(actor=staff, talk=talk)
    with pytest.raises(ValidationError, match="不能再修改"):
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="另一个原因"))


def test_a_review_after_locking_calls_for_a_new_talk_and_a_new_confirmation(client_for, leader, staff, hr, quarter):
    """A user test: HR reviewed a locked 较好 to 一般 (定等后复核); the talk, which had praised the work,
    was then shown as "等次：一般", confirmed, with no shortcomings and nothing for anyone to do."""
    from evaluations.grading.services.locking import grade_review_after_lock

    grade = locked_grade(staff, quarter, grade=Grade.FAIRLY_GOOD)
    talk = services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(content="肯定成绩，指出努力方向"))
    services.feedback_talk_confirm(actor=staff, talk=talk)
    grade_review_after_lock(grade=grade, actor=hr, new_grade=Grade.AVERAGE, reason="复核认定工作有差错")

    # The talker has a talk to record again, the person nothing to confirm yet.
    assert selectors.feedback_counts_for_talker(talker=leader, today=TODAY).to_record == 1
    assert selectors.unconfirmed_count(person=staff) == 0
    listed = client_for(leader).get(reverse("publicity:feedback"), {"show": "pending"}).content.decode()
    assert f'data-testid="feedback-reviewed-{grade.pk}"' in listed and f"feedback-record-{grade.pk}" in listed
    (department,) = selectors.feedback_overview(organisation_id=staff.organisation_id, today=TODAY)
    assert (department.talks_recorded, department.talks_confirmed) == (0, 0)
    page = client_for(staff).get(talk.get_absolute_url()).content.decode()
    assert "较好" in page and "经复核已改为“一般”" in page and "feedback-confirm-form" not in page
    talk.refresh_from_db()
    with pytest.raises(ValidationError, match="重新谈话"):
        services.feedback_talk_confirm(actor=staff, talk=talk)

    # The new talk is about 一般 (its shortcomings and improvement required), and is confirmed anew.
    with pytest.raises(ValidationError):
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(content="再谈"))
    grade.refresh_from_db()
    talk = services.feedback_talk_record(
        actor=leader, grade=grade, data=talk_data(content="再谈", shortcomings="差错", improvements="细致")
    )
    assert talk.grade == Grade.AVERAGE and not talk.is_confirmed and talk.opinion == ""
    assert selectors.unconfirmed_count(person=staff) == 1
    services.feedback_talk_confirm(actor=staff, talk=talk)
    (department,) = selectors.feedback_overview(organisation_id=staff.organisation_id, today=TODAY)
    assert (department.talks_recorded, department.talks_confirmed) == (1, 1)
    # The earlier talk stays in the audit trail.
    assert AuditEntry.objects.filter(object_id=str(talk.pk), changes__content__0="肯定成绩，指出努力方向").exists()


def test_the_person_confirms_on_the_page(client_for, leader, staff, quarter):
    talk = services.feedback_talk_record(
        actor=leader, grade=locked_grade(staff, quarter), data=talk_data(reasons="原因")
    )
    client = client_for(staff)
    page = client.get(reverse("publicity:feedback_detail", args=[talk.pk])).content.decode()
    assert 'data-testid="feedback-confirm-form"' in page and "原因" in page
    response = client.post(
        reverse("publicity:feedback_confirm", args=[talk.pk]), {"opinion": "收到", "seen": seen_on(page)}
    )
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.opinion == "收到" and talk.is_confirmed


def test_a_talk_changed_after_the_person_read_it_is_not_confirmed_unread(leader, staff, quarter):
    grade = locked_grade(staff, quarter)
    talk = services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="原因"))
    read = services.talk_seen_token(talk)
    services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="改写后的原因"))

    with pytest.raises(ValidationError, match="谈话记录已被修改，请阅读最新内容后再确认") as refused:
        services.feedback_talk_confirm(actor=staff, talk=talk, opinion="同意", seen=read)
    assert refused.value.code == services.CHANGED_SINCE_SEEN
    # The talk as the caller holds it is the old one too: refused without a token as well.
    with pytest.raises(ValidationError, match="已被修改"):
        services.feedback_talk_confirm(actor=staff, talk=talk, opinion="同意")
    talk.refresh_from_db()
    assert not talk.is_confirmed and talk.opinion == ""
    services.feedback_talk_confirm(actor=staff, talk=talk, opinion="同意", seen=services.talk_seen_token(talk))
    talk.refresh_from_db()
    assert talk.is_confirmed and talk.reasons == "改写后的原因"


def test_saving_the_same_words_again_does_not_ask_the_person_to_read_again(leader, staff, quarter):
    grade = locked_grade(staff, quarter)
    talk = services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="原因"))
    read = services.talk_seen_token(talk)
    told = staff.notifications.count()
    services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="原因"))
    # Nor is the person told it was changed (a user test: Back, then 保存, said 修改了…请阅读).
    assert staff.notifications.count() == told
    services.feedback_talk_confirm(actor=staff, talk=talk, seen=read)
    talk.refresh_from_db()
    assert talk.is_confirmed


def test_the_confirm_page_shows_the_changed_talk_and_keeps_the_typed_opinion(client_for, leader, staff, quarter):
    grade = locked_grade(staff, quarter)
    talk = services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="旧的原因"))
    client = client_for(staff)
    old_page = client.get(reverse("publicity:feedback_detail", args=[talk.pk])).content.decode()
    services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="新的原因"))

    url = reverse("publicity:feedback_confirm", args=[talk.pk])
    response = client.post(url, {"opinion": "我的意见", "seen": seen_on(old_page)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "谈话记录已被修改，请阅读最新内容后再确认。" in page and "已确认谈话记录" not in page
    assert "新的原因" in page and "旧的原因" not in page and "我的意见" in page
    talk.refresh_from_db()
    assert not talk.is_confirmed
    # A form that carries no token was read from no known version: the same.
    assert client.post(url, {"opinion": "我的意见"}).status_code == 400
    talk.refresh_from_db()
    assert not talk.is_confirmed

    assert client.post(url, {"opinion": "我的意见", "seen": seen_on(page)}).status_code == 302
    talk.refresh_from_db()
    assert talk.is_confirmed and talk.opinion == "我的意见"


def test_a_too_long_opinion_comes_back_with_its_text_and_the_limit_for_a_talk_and_a_year(
    client_for, leader, staff, quarter, decided
):
    talk = services.feedback_talk_record(
        actor=leader, grade=locked_grade(staff, quarter), data=talk_data(reasons="原因")
    )
    client = client_for(staff)
    too_long = "我" * 501
    for url in (
        reverse("publicity:feedback_confirm", args=[talk.pk]),
        reverse("publicity:feedback_annual_confirm", args=[decided.pk]),
    ):
        response = client.post(url, {"opinion": too_long})
        body = response.content.decode()
        assert response.status_code == 400
        assert too_long in body and "不能超过500字（现为501字）" in body and "该变量" not in body
    talk.refresh_from_db()
    assert not talk.is_confirmed
    assert not AnnualConfirmation.objects.filter(annual_result=decided).exists()


# --- Pages: who sees what -----------------------------------------------------------------------


def test_a_talk_is_shown_to_the_person_and_the_talker_only(
    client, client_for, leader, head, staff, colleague, outsider, quarter
):
    talk = services.feedback_talk_record(
        actor=leader, grade=locked_grade(staff, quarter), data=talk_data(reasons="原因")
    )
    url = reverse("publicity:feedback_detail", args=[talk.pk])
    for someone, status in ((staff, 200), (leader, 200), (head, 404), (colleague, 404), (outsider, 404)):
        client.force_login(someone)
        assert client.get(url).status_code == status, someone
    # The talker may read it but not confirm it in the person's place.
    client.force_login(leader)
    client.post(reverse("publicity:feedback_confirm", args=[talk.pk]))
    talk.refresh_from_db()
    assert not talk.is_confirmed


def test_the_record_page_refuses_another_talkers_person(client_for, leader, staff, organisation, quarter):
    other_leader = UserFactory(organisation=organisation, department=None, roles=["supervising_leader"])
    grade = locked_grade(staff, quarter)
    assert client_for(other_leader).get(reverse("publicity:feedback_record", args=[grade.pk])).status_code == 404
    assert client_for(staff).get(reverse("publicity:feedback_record", args=[grade.pk])).status_code == 403


def test_the_record_page_says_when_the_grade_is_not_locked_yet(client_for, leader, staff, quarter):
    grade = locked_grade(staff, quarter, locked_at=None)
    client = client_for(leader)
    page = client.get(reverse("publicity:feedback_record", args=[grade.pk])).content.decode()
    assert 'data-testid="feedback-not-locked"' in page


def test_the_leader_records_a_talk_through_the_form(client_for, leader, staff, quarter):
    grade = locked_grade(staff, quarter, Grade.AVERAGE)
    client = client_for(leader)
    url = reverse("publicity:feedback_record", args=[grade.pk])
    refused = client.post(url, {"talked_on": "2026-10-12", "content": "谈话"})
    assert refused.status_code == 200 and "请指出存在的不足" in refused.content.decode()
    done = client.post(
        url, {"talked_on": "2026-10-12", "content": "谈话", "shortcomings": "不足", "improvements": "改进"}
    )
    talk = FeedbackTalk.objects.get()
    assert done.status_code == 302 and done["Location"] == talk.get_absolute_url()


def test_a_talk_saved_from_a_tab_opened_before_another_tabs_save_is_refused_with_its_text_kept(
    client_for, leader, staff, quarter
):
    """A user test: two tabs on 修改谈话记录; the older tab's save silently replaced the newer one's."""
    grade = locked_grade(staff, quarter, Grade.FAIRLY_GOOD)
    services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(content="第一版"))
    client = client_for(leader)
    url = reverse("publicity:feedback_record", args=[grade.pk])
    tab_a, tab_b = (seen_on_form(client.get(url).content.decode()) for _ in range(2))
    assert client.post(url, {"talked_on": "2026-10-12", "content": "A 的版本", "based_on": tab_a}).status_code == 302
    refused = client.post(url, {"talked_on": "2026-10-12", "content": "B 的版本", "based_on": tab_b})
    page = refused.content.decode()
    assert refused.status_code == 200 and "已在其他页面保存过" in page
    # A's record shown above, B's text kept in the form; nothing overwritten, the person told once more only.
    assert 'data-testid="feedback-current"' in page and "A 的版本" in page and "B 的版本" in page
    assert FeedbackTalk.objects.get().content == "A 的版本"
    notices = Notification.objects.filter(recipient=staff).count()
    # Saved again from that page (now based on A's record), B's text replaces it knowingly.
    assert (
        client.post(url, {"talked_on": "2026-10-12", "content": "B 的版本", "based_on": seen_on_form(page)}).status_code
        == 302
    )
    assert FeedbackTalk.objects.get().content == "B 的版本"
    assert Notification.objects.filter(recipient=staff).count() == notices + 1


def test_a_talk_typed_while_the_session_ended_comes_back_to_its_page_after_signing_in(
    client, client_for, leader, staff, quarter
):
    """A user test: the talk's text typed, the idle timeout passed, 保存 led to the sign-in page with
    no word of why, and after signing in the form was empty (a 退回 reason's next= even led to 405)."""
    from django.contrib.sessions.models import Session

    grade = locked_grade(staff, quarter, Grade.FAIRLY_GOOD)
    url = reverse("publicity:feedback_record", args=[grade.pk])
    client_for(leader).get(url)
    Session.objects.all().delete()  # the session ended on the server; the browser keeps its cookie
    typed = {"talked_on": "2026-10-12", "content": "肯定了本季度的工作，谈了下季度的打算。", "based_on": ""}
    sent = client.post(url, typed, HTTP_REFERER=f"http://testserver{url}")
    login = reverse("accounts:login")
    assert sent.status_code == 302 and sent["Location"] == f"{login}?next={url.replace('/', '%2F')}"
    page = client.get(sent["Location"]).content.decode()
    assert 'data-testid="session-ended"' in page and "您刚才填写的内容已保留" in page
    assert FeedbackTalk.objects.count() == 0  # nothing saved for them

    signed_in = client.post(login, {"username": leader.username, "password": PASSWORD, "next": url})
    assert signed_in.status_code == 302 and signed_in["Location"] == url
    back = client.get(url).content.decode()
    kept = re.search(r'<script id="restored-form" type="application/json">(.*?)</script>', back, re.S).group(1)
    assert json.loads(kept) == {"action": url, "fields": {name: [value] for name, value in typed.items()}}
    # Handed back once; a newcomer's sign-in page says nothing of an ended session.
    assert "restored-form" not in client.get(url).content.decode()
    client.post(reverse("accounts:logout"))
    assert 'data-testid="session-ended"' not in client.get(f"{login}?next={url}").content.decode()
    # A link followed after the session ended: the sign-in page says why.
    client_for(leader).get(url)
    Session.objects.all().delete()
    said = client.get(url, follow=True).content.decode()
    assert 'data-testid="session-ended"' in said and "您刚才填写的内容已保留" not in said


def test_the_record_page_is_titled_for_editing_once_a_talk_is_recorded(client_for, leader, staff, quarter):
    grade = locked_grade(staff, quarter)
    client = client_for(leader)
    url = reverse("publicity:feedback_record", args=[grade.pk])
    title = re.compile(r'data-testid="feedback-record-title">([^<]*)<')
    page = client.get(url).content.decode()
    assert title.search(page).group(1) == "记录结果反馈谈话" and "<title>记录结果反馈谈话" in page
    services.feedback_talk_record(actor=leader, grade=grade, data=talk_data(reasons="原因"))
    page = client.get(url).content.decode()
    assert title.search(page).group(1) == "修改结果反馈谈话" and "<title>修改结果反馈谈话" in page


def test_an_empty_talk_date_is_asked_for_by_name(client_for, leader, staff, quarter):
    grade = locked_grade(staff, quarter)
    response = client_for(leader).post(
        reverse("publicity:feedback_record", args=[grade.pk]), {"talked_on": "", "content": "谈话", "reasons": "原因"}
    )
    page = response.content.decode()
    assert "请填写谈话日期。" in page and "这个字段是必填项" not in page
    assert not FeedbackTalk.objects.exists()


def test_the_to_confirm_badges_keep_their_height_beside_a_long_line_on_a_phone(
    client_for, leader, staff, quarter, decided
):
    services.feedback_talk_record(actor=leader, grade=locked_grade(staff, quarter), data=talk_data(reasons="原因"))
    page = client_for(staff).get(reverse("publicity:feedback_mine")).content.decode()
    lists = page.split('data-testid="feedback-annual-list"', 1)[1]
    badges = re.findall(r'<span class="(badge [^"]*)"', lists)
    assert len(badges) == 2 and all("align-self-start" in b and "text-nowrap" in b for b in badges), badges


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_talkers_list_costs_the_same_queries_for_few_and_many_people(
    client_for, leader, department, staff, quarter
):
    locked_grade(staff, quarter)
    client = client_for(leader)
    url = reverse("publicity:feedback")
    client.get(url)  # warm the session
    few = _list_queries(client, url)
    for n in range(6):
        grade = locked_grade(UserFactory(department=department), quarter, Grade.FAIRLY_GOOD)
        if n % 2:
            services.feedback_talk_record(actor=leader, grade=grade, data=talk_data())
    many = _list_queries(client, url)
    assert few == many
    page = client.get(url).content.decode()
    assert page.count('data-testid="feedback-row-') == 7


def test_the_talker_finds_a_person_by_name_and_keeps_the_search_on_the_pending_toggle(
    client_for, leader, department, staff, quarter
):
    """A user test's leader with 29 people paged through three pages to find one: ``?q=`` was ignored."""
    locked_grade(staff, quarter)
    talked = locked_grade(UserFactory(department=department, full_name="王谈过"), quarter, Grade.FAIRLY_GOOD)
    services.feedback_talk_record(actor=leader, grade=talked, data=talk_data())
    locked_grade(UserFactory(department=department, full_name="王未谈"), quarter, Grade.FAIRLY_GOOD)
    client = client_for(leader)
    url = reverse("publicity:feedback")

    page = client.get(url, {"q": "王"}).content.decode()
    assert "王谈过" in page and "王未谈" in page and staff.get_full_name() not in page
    assert 'name="q" value="王"' in page and "show=pending&amp;q=%E7%8E%8B" in page
    page = client.get(url, {"q": "王", "show": "pending"}).content.decode()
    assert "王未谈" in page and "王谈过" not in page
    # The pending toggle alone, as the home page's link opens it.
    page = client.get(url, {"show": "pending"}).content.decode()
    assert "王未谈" in page and staff.get_full_name() in page and "王谈过" not in page


def test_the_persons_page_lists_only_their_own_talks(client_for, leader, staff, colleague, quarter):
    mine = services.feedback_talk_record(
        actor=leader, grade=locked_grade(staff, quarter), data=talk_data(reasons="原因")
    )
    theirs = services.feedback_talk_record(
        actor=leader, grade=locked_grade(colleague, quarter), data=talk_data(reasons="原因")
    )
    page = client_for(staff).get(reverse("publicity:feedback_mine")).content.decode()
    assert f'data-testid="feedback-mine-{mine.pk}"' in page
    assert f'data-testid="feedback-mine-{theirs.pk}"' not in page


# --- The annual result, confirmed and printed ---------------------------------------------------


@pytest.fixture
def decided(staff, chief):
    return AnnualResultFactory(
        person=staff, year=2025, decided_grade=AnnualGrade.EXCELLENT, decided_by=chief, decided_at=LOCKED_AT
    )


def test_the_person_signs_their_decided_annual_result_once(staff, colleague, decided):
    with pytest.raises(PermissionDenied):
        services.annual_result_confirm(actor=colleague, annual_result=decided)
    confirmation = services.annual_result_confirm(actor=staff, annual_result=decided, opinion="无异议")
    assert confirmation.grade == AnnualGrade.EXCELLENT and confirmation.opinion == "无异议"
    with pytest.raises(ValidationError, match="已于"):
        services.annual_result_confirm(actor=staff, annual_result=decided)
    assert AuditEntry.objects.filter(content_type__model="annualconfirmation").exists()


def test_a_grade_the_committee_changed_after_confirmation_is_not_called_a_review(client_for, staff, decided):
    """A user test read 复核后待重新确认 after the committee changed an unlocked decision: no 复核
    took place. The list says the grade changed; the audit entry of the new signature likewise."""
    services.annual_result_confirm(actor=staff, annual_result=decided, opinion="无异议")
    AnnualResult.objects.filter(pk=decided.pk).update(decided_grade=AnnualGrade.COMPETENT)
    mine = client_for(staff).get(reverse("publicity:feedback_mine")).content.decode()
    assert "等次变更后待重新确认" in mine and "复核后待重新确认" not in mine
    decided.refresh_from_db()
    services.annual_result_confirm(actor=staff, annual_result=decided, opinion="服从")
    assert AuditEntry.objects.filter(reason="等次变更后重新确认").exists()


def test_a_grade_changed_by_a_review_after_confirmation_is_confirmed_again(client_for, staff, hr, decided):
    from evaluations.annual.locking import annual_results_lock
    from evaluations.annual.services import annual_review_after_lock

    services.annual_result_confirm(actor=staff, annual_result=decided, opinion="无异议")
    annual_results_lock(result_ids=[decided.pk])
    decided.refresh_from_db()
    annual_review_after_lock(result=decided, actor=hr, new_grade=AnnualGrade.COMPETENT, reason="复核认定")
    assert selectors.unconfirmed_count(person=staff) == 1
    client = client_for(staff)
    page = client.get(reverse("publicity:feedback_annual", args=[decided.pk])).content.decode()
    assert 'data-testid="annual-reconfirm"' in page and "优秀" in page and 'data-testid="annual-confirm-form"' in page
    # Said as it happened, whoever changed it (a user test read 经复核 after a plain change by the committee).
    assert "此后等次已变更为“称职”，请重新确认。" in page
    # A signature cannot be taken back: the browser asks first (static/js/app.js, data-confirm).
    assert "确认后不能撤回" in page.split('data-testid="annual-confirm-form"')[1].split(">")[0]
    assert "复核后待重新确认" in client.get(reverse("publicity:feedback_mine")).content.decode()
    client.post(
        reverse("publicity:feedback_annual_confirm", args=[decided.pk]), {"opinion": "服从", "seen": seen_on(page)}
    )
    confirmation = AnnualConfirmation.objects.get(annual_result=decided)
    assert (confirmation.grade, confirmation.opinion) == (AnnualGrade.COMPETENT, "服从")
    assert selectors.unconfirmed_count(person=staff) == 0
    # The earlier confirmation is kept in the audit trail: grade and opinion, old -> new.
    entry = AuditEntry.objects.filter(content_type__model="annualconfirmation").order_by("-pk").first()
    assert entry.changes_dict["grade"] == [AnnualGrade.EXCELLENT, AnnualGrade.COMPETENT]
    assert entry.changes_dict["opinion"] == ["无异议", "服从"]
    with pytest.raises(ValidationError, match="已于"):
        services.annual_result_confirm(actor=staff, annual_result=decided)


def test_an_undecided_annual_result_cannot_be_confirmed_nor_opened(client_for, staff):
    undecided = AnnualResultFactory(person=staff, year=2025)
    with pytest.raises(ValidationError, match="尚未确定"):
        services.annual_result_confirm(actor=staff, annual_result=undecided)
    assert client_for(staff).get(reverse("publicity:feedback_annual", args=[undecided.pk])).status_code == 404


def test_the_annual_page_signs_on_screen_and_refuses_others(client, staff, colleague, hr, decided):
    url = reverse("publicity:feedback_annual", args=[decided.pk])
    for someone in (colleague, hr):
        client.force_login(someone)
        assert client.get(url).status_code == 404
        client.post(reverse("publicity:feedback_annual_confirm", args=[decided.pk]))
    assert not AnnualConfirmation.objects.exists()
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert 'data-testid="annual-confirm-form"' in page
    client.post(reverse("publicity:feedback_annual_confirm", args=[decided.pk]), {"opinion": "", "seen": seen_on(page)})
    assert 'data-testid="annual-confirmed"' in client.get(url).content.decode()


def test_an_annual_grade_changed_after_the_page_showed_it_is_not_signed_unread(client_for, staff, hr, decided):
    from evaluations.annual.locking import annual_results_lock
    from evaluations.annual.services import annual_review_after_lock

    client = client_for(staff)
    url = reverse("publicity:feedback_annual", args=[decided.pk])
    old_page = client.get(url).content.decode()
    annual_results_lock(result_ids=[decided.pk])
    decided.refresh_from_db()
    annual_review_after_lock(result=decided, actor=hr, new_grade=AnnualGrade.COMPETENT, reason="复核认定")

    with pytest.raises(ValidationError, match="已变更为“称职”") as refused:
        services.annual_result_confirm(actor=staff, annual_result=decided, seen=AnnualGrade.EXCELLENT)
    assert refused.value.code == services.CHANGED_SINCE_SEEN
    confirm = reverse("publicity:feedback_annual_confirm", args=[decided.pk])
    response = client.post(confirm, {"opinion": "我的意见", "seen": seen_on(old_page)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "请阅读最新结果后再确认" in page and "我的意见" in page
    assert page.split('data-testid="annual-grade">')[1].startswith("称职")
    assert not AnnualConfirmation.objects.exists()

    assert client.post(confirm, {"opinion": "我的意见", "seen": seen_on(page)}).status_code == 302
    confirmation = AnnualConfirmation.objects.get(annual_result=decided)
    assert (confirmation.grade, confirmation.opinion) == (AnnualGrade.COMPETENT, "我的意见")


def test_printing_an_annual_result_is_an_audited_download(client_for, hr, decided):
    client = client_for(hr)
    url = reverse("publicity:feedback_annual_pdf", args=[decided.pk])
    assert client.post(url).status_code == 405  # read, never posted to: nothing made, nothing audited
    assert not AuditEntry.objects.filter(event="download").exists()
    response = client.get(url, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(event="download")
    assert (entry.actor, entry.object_pk, entry.remote_addr) == (hr, str(decided.pk), "10.9.8.7")
    assert "2025年度考核结果" in entry.object_repr


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_printable_annual_result_shows_the_chinese_name_and_grade(client, staff, colleague, hr, decided, tmp_path):
    url = reverse("publicity:feedback_annual_pdf", args=[decided.pk])
    client.force_login(colleague)
    assert client.get(url).status_code == 404
    services.annual_result_confirm(actor=staff, annual_result=decided)
    for reader in (staff, hr):  # HR files the printed, signed form
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "annual.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert staff.full_name in text and "优秀" in text and "2025年度考核结果" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "SC" in fonts and "JP" not in fonts


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_printable_annual_result_dates_the_signature_once_confirmed_and_leaves_it_blank_before(
    client_for, staff, decided, tmp_path
):
    client = client_for(staff)
    url = reverse("publicity:feedback_annual_pdf", args=[decided.pk])

    def pdf_text() -> str:
        path = tmp_path / "annual.pdf"
        path.write_bytes(client.get(url).content)
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout

    assert "日期：______________" in pdf_text()  # unconfirmed: left for a hand signature

    confirmation = services.annual_result_confirm(actor=staff, annual_result=decided, opinion="无异议")
    when = timezone.localtime(confirmation.confirmed_at).strftime("%Y-%m-%d")
    text = pdf_text()
    assert "在系统中确认" in text and f"日期：{when}" in text
    assert "______________" not in text


def test_a_talk_kept_after_the_session_ended_is_never_handed_to_someone_else_signing_in(
    client, client_for, leader, hr, staff, quarter
):
    """A shared office computer: the leader's session ends while typing a talk, and a colleague signs
    in next in that browser. What the leader typed is not shown to them, nor kept for later."""
    from django.contrib.sessions.models import Session

    grade = locked_grade(staff, quarter, Grade.FAIRLY_GOOD)
    url = reverse("publicity:feedback_record", args=[grade.pk])
    client_for(leader).get(url)
    Session.objects.all().delete()
    typed = {"talked_on": "2026-10-12", "content": "只给本人看的谈话内容", "based_on": ""}
    client.post(url, typed, HTTP_REFERER=f"http://testserver{url}")
    login = reverse("accounts:login")
    client.post(login, {"username": hr.username, "password": PASSWORD, "next": "/"})
    for page in ("/", url):
        shown = client.get(page).content.decode()
        assert "restored-form" not in shown and "只给本人看的谈话内容" not in shown
    client.post(reverse("accounts:logout"))
    client.post(login, {"username": leader.username, "password": PASSWORD, "next": url})
    assert "只给本人看的谈话内容" not in client.get(url).content.decode()
