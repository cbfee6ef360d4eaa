"""Publication of results (结果公示): the window in working days, the board, scores by policy,
objections refused outside the window, locking that waits for open objections, the regrade loop,
the notice PDF and the DingTalk messages on opening and closing."""

import re
import shutil
import subprocess
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import periods
from accounts.models import AuditEntry, Job, Notification, Role, RoleAssignment, WorkingDayOverride
from accounts.selectors import policy_for_organisation
from evaluations.grading.services import grading
from evaluations.models import Grade, GradeState, QuarterGrade, QuarterState
from publicity.dingtalk.models import DingTalkKind, DingTalkMessage
from publicity.publication import services
from publicity.publication.models import EntryState, Objection, ObjectionState, Publication
from publicity.publication.selectors import open_objections_count
from publicity.publication.tasks import lock_publications_now
from tests.factories import (
    AppraisalQuarterFactory,
    DepartmentFactory,
    QuarterGradeFactory,
    UserFactory,
    policy_with,
)
from tests.support.home import todo, todo_link

# 2026 Q3 is gradable from early October; these tests publish it on 20 October (a Tuesday):
# five working days are 20, 21, 22, 23 and 26 October.
PUBLISH_DAY = date(2026, 10, 20)
WINDOW_END = date(2026, 10, 26)
AFTER_WINDOW = date(2026, 10, 27)


@pytest.fixture
def clock(settings):
    def move(day):
        settings.APPRAISAL_TODAY = day

    move(PUBLISH_DAY)
    return move


@pytest.fixture
def quarter(organisation, staff, colleague, head, leader):
    quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=3, state=QuarterState.APPROVED)
    for person, grade, score in ((staff, Grade.FAIRLY_GOOD, "88.50"), (colleague, Grade.GOOD, "93.00")):
        QuarterGradeFactory(
            appraisal_quarter=quarter,
            person=person,
            grade=grade,
            comment="评语",
            composite_score=score,
            state=GradeState.CONFIRMED,
            evaluator=head,
            confirmed_by=leader,
        )
    return quarter


@pytest.fixture
def publication(clock, quarter, hr, security_admin):
    return services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)


def entry_of(publication, person):
    return publication.entries.get(person=person)


# --- the window -----------------------------------------------------------------------------------


def test_the_window_skips_the_national_day_holiday_and_counts_the_make_up_saturday(organisation):
    # 29 Sep 2026 (Tue): 29, 30 Sep, then 1–7 Oct off, 8 and 9 Oct, and Saturday 10 Oct is a 调休 working day.
    start, end = services.publication_window(organisation_id=organisation.pk, starts=date(2026, 9, 29))
    assert (start, end) == (date(2026, 9, 29), date(2026, 10, 10))


def test_a_window_published_in_the_holiday_starts_on_the_first_working_day(organisation):
    start, end = services.publication_window(organisation_id=organisation.pk, starts=date(2026, 10, 3))
    assert start == date(2026, 10, 8)
    assert end == date(2026, 10, 13)  # 8, 9, Saturday 10 (调休), 12, 13


def test_hr_overrides_move_the_window_end(organisation):
    WorkingDayOverride.objects.create(organisation=organisation, date=date(2026, 10, 10), is_working_day=False)
    start, end = services.publication_window(organisation_id=organisation.pk, starts=date(2026, 9, 29))
    assert end == date(2026, 10, 12)


def test_the_window_length_is_the_policys(organisation):
    policy_with(organisation, publication_working_days=7)
    assert services.publication_window(organisation_id=organisation.pk, starts=PUBLISH_DAY)[1] == date(2026, 10, 28)


# --- publishing -----------------------------------------------------------------------------------


def test_hr_publishes_an_approved_quarter_for_the_window(publication, staff, colleague):
    assert (publication.starts_on, publication.ends_on) == (PUBLISH_DAY, WINDOW_END)
    assert publication.entries.count() == 2
    assert entry_of(publication, colleague).rank == 1
    assert AuditEntry.objects.filter(event="publication_opened").exists()
    # On the bell at once, not in the evening's digest: the window to object is a few days.
    assert Notification.objects.get(recipient=staff, url=publication.get_absolute_url()).digest_day is None
    # The security administrator (三员分立) cannot open the board, so is not sent there.
    told = Notification.objects.filter(url=publication.get_absolute_url())
    assert told.exclude(recipient__in=[staff, colleague]).exists()
    assert not told.filter(recipient__username="secadmin").exists()


def test_only_hr_publishes_and_only_an_approved_quarter_once(clock, quarter, hr, head, organisation):
    with pytest.raises(PermissionDenied):
        services.publication_open_quarter(actor=head, appraisal_quarter=quarter)
    open_quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=4)
    with pytest.raises(ValidationError, match="审批"):
        services.publication_open_quarter(actor=hr, appraisal_quarter=open_quarter)
    services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)
    with pytest.raises(ValidationError, match="已经公示"):
        services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)


def test_hr_publishes_through_the_board(client_for, clock, quarter, hr, staff):
    client = client_for(hr)
    board = client.get(reverse("publicity:board"))
    assert board.status_code == 200
    # Nothing is chosen until HR chooses: a publication cannot be undone.
    assert '<option value="" selected>请选择要公示的内容</option>' in board.content.decode()
    # Styled as the other selects (a user test: a bare browser select beside a Bootstrap button).
    assert 'name="target" class="form-select form-select-sm"' in board.content.decode()
    refused = client.post(reverse("publicity:publish"), {"target": ""})
    assert refused.status_code == 400 and "请选择要公示的内容。" in refused.content.decode()
    assert not Publication.objects.exists()
    response = client.post(reverse("publicity:publish"), {"target": f"q:{quarter.pk}"})
    publication = Publication.objects.get()
    assert response.status_code == 302 and response["Location"] == publication.get_absolute_url()
    assert client_for(staff).post(reverse("publicity:publish"), {"target": f"q:{quarter.pk}"}).status_code == 403


def test_publishing_the_same_again_from_an_old_page_says_it_is_no_longer_offered(client_for, clock, quarter, hr):
    """A user test posted a publication's choice a second time (a double submit, an old tab): the
    board came back without a word and without its list."""
    client = client_for(hr)
    assert client.post(reverse("publicity:publish"), {"target": f"q:{quarter.pk}"}).status_code == 302
    again = client.post(reverse("publicity:publish"), {"target": f"q:{quarter.pk}"})
    body = again.content.decode()
    assert again.status_code == 400 and "所选内容已经公示或当前不能公示，请在列表中重新选择。" in body
    assert Publication.objects.count() == 1
    # The board's list is there as on the board itself.
    assert Publication.objects.get().get_absolute_url() in body


def test_every_staff_member_sees_names_departments_and_grades_but_no_scores_by_default(
    client_for, publication, outsider
):
    page = client_for(UserFactory(department=publication.entries.first().department)).get(
        publication.get_absolute_url()
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "科员甲" in text and "较好" in text and "2026-10-26" in text
    assert "88.50" not in text and "综合得分" not in text
    assert "还剩5个工作日" in text
    assert client_for(outsider).get(publication.get_absolute_url()).status_code == 404


def test_scores_and_ranking_show_when_the_policy_publishes_them(client_for, publication, staff):
    policy = policy_for_organisation(organisation_id=publication.organisation_id)
    policy.publish_scores = True
    policy.save()
    text = client_for(staff).get(publication.get_absolute_url()).content.decode()
    assert "88.50" in text and "综合得分" in text and "排名" in text


def test_past_publications_stay_listed_on_the_board(client_for, publication, staff, clock):
    clock(date(2026, 12, 1))
    text = client_for(staff).get(reverse("publicity:board")).content.decode()
    assert publication.title in text


def test_the_list_follows_the_organisations_order_of_departments(
    client_for, clock, quarter, organisation, department, staff, hr
):
    # By character code 人事人才科 would come first; the organisation puts 办公室 first.
    department.sort_order = 1
    department.save()
    for sort_order, name, person in ((3, "人事人才科", "人事甲"), (2, "劳动关系科", "劳动甲")):
        other = DepartmentFactory(organisation=organisation, name=name, sort_order=sort_order)
        QuarterGradeFactory(
            appraisal_quarter=quarter,
            person=UserFactory(department=other, full_name=person),
            grade=Grade.GOOD,
            state=GradeState.CONFIRMED,
        )
    publication = services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)
    body = client_for(staff).get(publication.get_absolute_url()).content.decode()
    departments = re.findall(r"<td data-label=\"科室\">(.*?)</td>", body)
    assert departments == ["办公室", "办公室", "劳动关系科", "人事人才科"]


# --- objections -----------------------------------------------------------------------------------


def test_staff_lodge_an_objection_with_an_attachment_during_the_window(client_for, publication, staff, colleague, hr):
    entry = entry_of(publication, colleague)
    client = client_for(staff)
    assert client.get(reverse("publicity:objection_new", args=[entry.pk])).status_code == 200
    response = client.post(
        reverse("publicity:objection_new", args=[entry.pk]),
        {"text": "该同志本季度有工作失误", "attachment": SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n")},
    )
    objection = Objection.objects.get()
    assert response.status_code == 302
    assert objection.objector == staff and objection.attachment_name == "证明.pdf"
    assert Notification.objects.filter(recipient=hr, url=objection.get_absolute_url()).exists()
    download = client.get(reverse("publicity:objection_attachment", args=[objection.pk]))
    assert download.status_code == 200


def test_an_attachment_above_the_pages_body_cap_but_within_the_policy_is_accepted(
    client_for, publication, staff, colleague, settings
):
    # The pages refuse bodies above REQUEST_BODY_MAX_BYTES; an objection's evidence may be larger,
    # up to the organisation's attachment limit.
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    scan = b"%PDF-1.4\n" + b"0" * (1536 * 1024) + b"\n%%EOF\n"
    response = client_for(staff).post(
        reverse("publicity:objection_new", args=[entry_of(publication, colleague).pk]),
        {"text": "附扫描件", "attachment": SimpleUploadedFile("扫描件.pdf", scan)},
    )
    assert response.status_code == 302
    assert Objection.objects.get().attachment.size == len(scan)


def test_an_attachment_above_the_policys_limit_is_refused_before_it_is_read(client_for, publication, staff, colleague):
    policy = publication.organisation.policy
    policy.attachment_max_mb = 1
    policy.save()
    response = client_for(staff).post(
        reverse("publicity:objection_new", args=[entry_of(publication, colleague).pk]),
        {"text": "太大", "attachment": SimpleUploadedFile("大.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))},
    )
    assert response.status_code == 413
    assert "1 MB" in response.content.decode()
    assert not Objection.objects.exists()


def test_an_empty_objection_is_refused_under_its_box_by_the_page_not_the_browser(
    client_for, publication, staff, colleague
):
    """A user test: 提交异议 with nothing typed showed the browser's own bubble ("Please fill out
    this field."): the form leaves checking to the page (novalidate), which says it in Chinese."""
    url = reverse("publicity:objection_new", args=[entry_of(publication, colleague).pk])
    client = client_for(staff)
    assert 'enctype="multipart/form-data" novalidate>' in client.get(url).content.decode()
    response = client.post(url, {"text": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == ["请填写异议内容。"]
    assert not Objection.objects.exists()


def test_an_objection_outside_the_window_is_refused_with_the_dates(client_for, publication, staff, colleague, clock):
    entry = entry_of(publication, colleague)
    clock(AFTER_WINDOW)
    with pytest.raises(ValidationError, match="2026-10-20至2026-10-26"):
        services.objection_lodge(actor=staff, entry=entry, text="晚了")
    response = client_for(staff).post(reverse("publicity:objection_new", args=[entry.pk]), {"text": "晚了"})
    assert response.status_code == 400
    assert "2026-10-20至2026-10-26" in response.content.decode()
    assert not Objection.objects.exists()


def test_an_objection_typed_in_the_window_and_sent_after_it_is_said_back_to_copy(
    client_for, publication, staff, colleague, clock
):
    """A user test: typed on the window's last day and sent the next, the refusal showed no form and
    the text was gone."""
    entry = entry_of(publication, colleague)
    clock(AFTER_WINDOW)
    page = client_for(staff).post(reverse("publicity:objection_new", args=[entry.pk]), {"text": "评分依据有误"})
    assert "您填写的异议内容未提交：评分依据有误" in page.content.decode()
    # A GET says why only: nothing typed, nothing said back.
    assert (
        "异议内容未提交"
        not in client_for(staff).get(reverse("publicity:objection_new", args=[entry.pk])).content.decode()
    )


def test_an_objection_before_the_window_is_refused_too(publication, staff, colleague):
    entry = entry_of(publication, colleague)
    with pytest.raises(ValidationError, match="尚未开始，2026-10-20起可以提出异议"):
        services.objection_lodge(actor=staff, entry=entry, text="早了", today=date(2026, 10, 19))


def test_another_organisations_person_cannot_object(publication, colleague, outsider):
    with pytest.raises(PermissionDenied):
        services.objection_lodge(actor=outsider, entry=entry_of(publication, colleague), text="x")


def test_a_second_objection_to_the_same_entry_is_refused_while_the_first_is_unanswered(
    publication, staff, colleague, hr
):
    entry = entry_of(publication, colleague)
    first = services.objection_lodge(actor=staff, entry=entry, text="有异议")
    with pytest.raises(ValidationError) as refused:
        services.objection_lodge(actor=staff, entry=entry, text="有异议")
    assert refused.value.code == "objection_still_open" and refused.value.objection == first
    assert "尚未答复，不能重复提出" in refused.value.messages[0]
    # Still refused once HR is handling it: accepted is not answered.
    services.objection_accept(actor=hr, objection=first)
    with pytest.raises(ValidationError):
        services.objection_lodge(actor=staff, entry=entry, text="再提一次")
    assert Objection.objects.count() == 1
    # Someone else may object to the same entry.
    assert services.objection_lodge(actor=hr, entry=entry, text="我也有异议").objector == hr


def test_the_form_sent_again_after_going_back_shows_the_first_objection_and_creates_none(
    client_for, publication, staff, colleague
):
    entry = entry_of(publication, colleague)
    client = client_for(staff)
    url = reverse("publicity:objection_new", args=[entry.pk])
    first = client.post(url, {"text": "该同志本季度有工作失误"})
    objection = Objection.objects.get()
    assert first.status_code == 302 and first["Location"] == objection.get_absolute_url()
    again = client.post(url, {"text": "该同志本季度有工作失误"}, follow=True)
    assert Objection.objects.count() == 1
    assert again.redirect_chain == [(objection.get_absolute_url(), 302)]
    assert "尚未答复，不能重复提出" in again.content.decode()
    # Opened again, the page says so before anything is typed, and links the first objection.
    page = client.get(url).content.decode()
    assert "尚未答复，不能重复提出" in page and objection.get_absolute_url() in page
    assert 'data-testid="objection-submit"' not in page


def test_after_the_answer_the_same_person_may_object_again_during_the_window(publication, staff, colleague, hr):
    # The answer closes that objection (it no longer holds the entry's lock); one who finds it
    # wanting has no other way to say so before the result is locked, so a new one is allowed.
    entry = entry_of(publication, colleague)
    first = services.objection_lodge(actor=staff, entry=entry, text="有异议")
    services.objection_accept(actor=hr, objection=first)
    services.objection_verify(actor=hr, objection=first, notes="已调阅季度目标。")
    services.objection_answer(actor=hr, objection=first, answer="经核实，等次无误。")
    second = services.objection_lodge(actor=staff, entry=entry, text="对答复仍有异议")
    assert second.pk != first.pk and Objection.objects.filter(entry=entry, objector=staff).count() == 2


def test_the_database_holds_one_unanswered_objection_per_person_and_entry(publication, staff, colleague):
    from django.db import IntegrityError, transaction

    entry = entry_of(publication, colleague)
    first = services.objection_lodge(actor=staff, entry=entry, text="有异议")
    with pytest.raises(IntegrityError), transaction.atomic():
        Objection.objects.create(
            organisation_id=first.organisation_id, entry=entry, objector=staff, text="并发", lodged_at=timezone.now()
        )


def test_hr_accepts_verifies_and_answers_and_the_objector_sees_it(client_for, publication, staff, colleague, hr):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    url = objection.get_absolute_url()
    assert client_for(staff).post(url, {"action": "accept"}).status_code == 403
    hr_client = client_for(hr)
    assert hr_client.post(url, {"action": "accept"}).status_code == 302
    assert hr_client.post(url, {"action": "verify", "notes": "经核实无误"}).status_code == 302
    assert hr_client.post(url, {"action": "answer", "answer": "经核实，等次无误。"}).status_code == 302
    objection.refresh_from_db()
    assert objection.state == ObjectionState.ANSWERED and objection.notes == "经核实无误"
    page = client_for(staff).get(url).content.decode()
    assert "经核实，等次无误。" in page and "已答复" in page
    assert Notification.objects.filter(recipient=staff, url=url).count() == 2  # accepted, answered
    # HR reads who handled it (a user test's answered objection named nobody); the objector reads
    # the organisation's answer.
    assert 'data-testid="handled-by">' + hr.get_full_name() in client_for(hr).get(url).content.decode()
    assert 'data-testid="handled-by"' not in page


def _flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_an_objection_is_answered_only_after_its_verification_is_recorded(
    client_for, publication, staff, colleague, hr
):
    """A user test: 答复并办结 was offered, and taken, straight after 受理 (DOMAIN §6: 受理 → 核实 → 答复)."""
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    services.objection_accept(actor=hr, objection=objection)
    with pytest.raises(ValidationError, match="请先记录核实情况，核实后才能答复。"):
        services.objection_answer(actor=hr, objection=objection, answer="等次无误。")
    url = objection.get_absolute_url()
    hr_client = client_for(hr)
    page = hr_client.get(url).content.decode()
    assert 'data-testid="answer-submit"' not in page and 'data-testid="answer-after-verify"' in page
    response = hr_client.post(url, {"action": "answer", "answer": "等次无误。"})
    assert response.status_code == 400 and "请先记录核实情况，核实后才能答复。" in " ".join(_flashed(response))
    objection.refresh_from_db()
    assert objection.state == ObjectionState.ACCEPTED and objection.answer == "" and objection.answered_at is None
    assert not Notification.objects.filter(recipient=staff, message__contains="已答复").exists()

    assert hr_client.post(url, {"action": "verify", "notes": "已调阅季度目标。"}).status_code == 302
    page = hr_client.get(url).content.decode()
    assert 'data-testid="answer-submit"' in page and 'data-testid="answer-after-verify"' not in page
    assert hr_client.post(url, {"action": "answer", "answer": "等次无误。"}).status_code == 302
    objection.refresh_from_db()
    assert objection.state == ObjectionState.ANSWERED


def test_each_step_on_an_objection_says_what_was_done(client_for, publication, staff, colleague, hr):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    url = objection.get_absolute_url()
    hr_client = client_for(hr)
    said = [
        _flashed(hr_client.post(url, data, follow=True))
        for data in (
            {"action": "accept"},
            {"action": "verify", "notes": "经核实无误"},
            {"action": "send_back", "reason": "核实发现有工作失误"},
            {"action": "answer", "answer": "已退回重评。"},
        )
    ]
    assert said == [["已受理异议。"], ["已记录核实情况。"], ["已将科员乙的等次退回评鉴人重评。"], ["已答复并办结。"]]


# Each step, what the objection must have gone through before it, and the state the first of two
# requests leaves it in.
RACED_STEPS = {
    "accept": ((), {"action": "accept"}, "已受理"),
    "verify": (("accept",), {"action": "verify", "notes": "经核实无误"}, "已核实"),
    "send_back": (("accept",), {"action": "send_back", "reason": "核实发现有工作失误"}, "已受理"),
    "answer": (("accept", "verify"), {"action": "answer", "answer": "经核实，等次无误。"}, "已答复"),
}


@pytest.mark.parametrize("step", RACED_STEPS)
def test_a_step_refused_because_another_request_took_it_first_shows_the_objection_as_it_is_now(
    client_for, publication, staff, colleague, hr, monkeypatch, step
):
    """A user test: 受理 double-clicked: the second request had read the objection before the first
    was saved; its refusal named 已受理 beside the badge 已提出 and the 受理 button."""
    done_before, data, state_now = RACED_STEPS[step]
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    if "accept" in done_before:
        services.objection_accept(actor=hr, objection=objection)
    if "verify" in done_before:
        services.objection_verify(actor=hr, objection=objection, notes="已调阅季度目标。")
    service_name = {"accept": "objection_accept", "verify": "objection_verify"}.get(step, f"objection_{step}")
    real = getattr(services, service_name)

    def first_the_other_request(**kwargs):
        # The other request (the first click) goes through between this one's read and its step.
        real(**{**kwargs, "objection": Objection.objects.get(pk=objection.pk)})
        return real(**kwargs)

    monkeypatch.setattr(services, service_name, first_the_other_request)
    response = client_for(hr).post(objection.get_absolute_url(), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(rf'data-testid="objection-state">{state_now}<', page)
    refusal = " ".join(_flashed(response))
    if step != "send_back":
        assert f"异议当前状态为“{state_now}”，不能办理此步骤。" in refusal
    assert 'data-testid="accept"' not in page
    if step == "send_back":
        assert 'data-testid="sent-back"' in page and 'data-testid="send-back"' not in page


def _objection_form(body: str, testid: str) -> str:
    """The <form> on an objection page whose button has ``data-testid=testid``."""
    forms = re.findall(r"<form\b.*?</form>", body, re.S)
    return next(form for form in forms if f'data-testid="{testid}"' in form)


def test_the_text_boxes_show_their_limit_and_reply_and_close_asks_first(client_for, publication, staff, colleague, hr):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    services.objection_accept(actor=hr, objection=objection)
    body = client_for(hr).get(objection.get_absolute_url()).content.decode()
    # maxlength gives each box the counter (static/js/app.js) every long text of the app has.
    assert 'maxlength="2000"' in _objection_form(body, "verify")
    assert 'maxlength="500"' in _objection_form(body, "send-back")
    assert "data-confirm=" in _objection_form(body, "send-back")
    assert "data-confirm=" not in _objection_form(body, "verify")
    services.objection_verify(actor=hr, objection=objection, notes="已调阅季度目标。")
    body = client_for(hr).get(objection.get_absolute_url()).content.decode()
    answer = _objection_form(body, "answer-submit")
    assert 'maxlength="2000"' in answer
    # Closing is final, like sending back: the browser asks first.
    assert 'data-confirm="答复后将通知科员甲，本异议随即办结，答复不能再修改。确定答复并办结？"' in answer


def test_a_too_long_verification_comes_back_with_its_text_and_the_limit_under_its_box(
    client_for, publication, staff, colleague, hr
):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    services.objection_accept(actor=hr, objection=objection)
    too_long = "核" * 2001
    response = client_for(hr).post(objection.get_absolute_url(), {"action": "verify", "notes": too_long})
    assert response.status_code == 400
    verify = _objection_form(response.content.decode(), "verify")
    assert f">\n{too_long}</textarea>" in verify
    assert 'data-testid="field-error">不能超过2000字（现为2001字）。</div>' in verify
    objection.refresh_from_db()
    assert objection.state == ObjectionState.ACCEPTED and objection.notes == ""


@pytest.mark.parametrize(
    ("data", "testid", "error"),
    [
        ({"action": "answer", "answer": "答" * 2001}, "answer-submit", "不能超过2000字（现为2001字）。"),
        ({"action": "answer", "answer": "   "}, "answer-submit", "请填写答复内容。"),
        ({"action": "send_back", "reason": "理" * 501}, "send-back", "不能超过500字（现为501字）。"),
    ],
)
def test_a_refused_answer_or_send_back_keeps_what_was_typed(
    client_for, publication, staff, colleague, hr, data, testid, error
):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    services.objection_accept(actor=hr, objection=objection)
    services.objection_verify(actor=hr, objection=objection, notes="已调阅季度目标。")
    response = client_for(hr).post(objection.get_absolute_url(), data)
    assert response.status_code == 400
    form = _objection_form(response.content.decode(), testid)
    typed = next(value for key, value in data.items() if key != "action")
    assert f"{typed}</textarea>" in form and error in form
    objection.refresh_from_db()
    assert objection.state == ObjectionState.VERIFIED and objection.sent_back_at is None


def test_the_service_refuses_a_too_long_verification_or_answer_too(publication, staff, colleague, hr):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    services.objection_accept(actor=hr, objection=objection)
    with pytest.raises(ValidationError) as refused:
        services.objection_verify(actor=hr, objection=objection, notes="核" * 2001)
    assert refused.value.message_dict["notes"] == ["“核实情况”不能超过2000字（现为2001字）。"]
    services.objection_verify(actor=hr, objection=objection, notes="已调阅季度目标。")
    with pytest.raises(ValidationError) as refused:
        services.objection_answer(actor=hr, objection=objection, answer="答" * 2001)
    assert refused.value.message_dict["answer"] == ["“答复”不能超过2000字（现为2001字）。"]


def test_the_objector_is_told_which_objection_and_only_the_start_of_a_long_answer(
    client_for, publication, staff, colleague, hr
):
    title = publication.title
    theirs = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="一")
    mine = services.objection_lodge(actor=staff, entry=entry_of(publication, staff), text="二")
    for objection in (theirs, mine):
        services.objection_accept(actor=hr, objection=objection)
        services.objection_verify(actor=hr, objection=objection, notes="已调阅季度目标。")
    lodged = timezone.localtime(theirs.lodged_at).strftime("%Y-%m-%d")
    accepted = Notification.objects.filter(recipient=staff, message__contains="已受理").order_by("pk")
    assert [(n.message, n.url) for n in accepted] == [
        (f"您于{lodged}对科员乙的{title}提出的异议已受理。", theirs.get_absolute_url()),
        (f"您于{lodged}对科员甲的{title}提出的异议已受理。", mine.get_absolute_url()),
    ]
    answer = "经核实，" + "该同志全年工作表现良好。\n" * 150
    services.objection_answer(actor=hr, objection=theirs, answer=answer)
    told = Notification.objects.get(recipient=staff, message__contains="已答复")
    prefix = f"您于{lodged}对科员乙的{title}提出的异议已答复："
    excerpt = told.message.removeprefix(prefix)
    assert told.message.startswith(prefix) and excerpt.endswith("…") and len(excerpt) == 100
    assert excerpt.startswith("经核实，该同志全年工作表现良好。 该同志") and "\n" not in excerpt
    # The whole answer is on the page the notification links to.
    assert answer.strip().replace("\n", "<br>") in client_for(staff).get(told.url).content.decode()
    # A short answer is quoted whole.
    services.objection_answer(actor=hr, objection=mine, answer="等次无误。")
    short = Notification.objects.get(recipient=staff, url=mine.get_absolute_url(), message__contains="已答复")
    assert short.message == f"您于{lodged}对科员甲的{title}提出的异议已答复：等次无误。"


def test_hr_are_told_of_an_objection_to_ones_own_result_as_such(publication, staff, hr):
    """A user test's bell read "科员甲对公示中科员甲的结果提出了异议"."""
    services.objection_lodge(actor=staff, entry=entry_of(publication, staff), text="本人对等次有异议")
    told = Notification.objects.get(recipient=hr, message__contains="提出了异议")
    assert told.message == f"{staff}对公示中其本人的{publication.title}提出了异议。"


def test_an_objections_notices_name_the_list_it_is_on(publication, staff, colleague, hr):
    """A user test handled objections to a quarter's list and to the year's 优秀 list at once: HR's
    bell read "…对公示中邹霞国的结果提出了异议" with nothing to tell which."""
    services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="等次偏高")
    told = Notification.objects.get(recipient=hr, message__contains="提出了异议")
    assert told.message == f"{staff}对公示中{colleague}的2026年第3季度平时考核结果提出了异议。"
    # And so does the audit trail's name of it (the auditor read only 对某某的异议).
    objection = Objection.objects.get()
    entry = AuditEntry.objects.filter(content_type__model="objection", object_pk=str(objection.pk)).first()
    assert entry.auditor_object_text == f"异议：对{colleague}的异议（{publication.display_title}）"


def test_hr_recuse_themselves_from_an_objection_about_their_own_result_or_lodged_by_them(
    client_for, publication, staff, colleague, hr, department
):
    # The colleague whose 好 is objected to is an HR administrator too.
    RoleAssignment.objects.create(organisation=colleague.organisation, user=colleague, role=Role.HR_ADMIN)
    about_them = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    lodged_by_them = services.objection_lodge(actor=colleague, entry=entry_of(publication, staff), text="有异议")
    # Only the HR administrator who handles them is told of them.
    told = set(Notification.objects.filter(message__contains="提出了异议").values_list("recipient_id", flat=True))
    assert told == {hr.pk}
    for objection in (about_them, lodged_by_them):
        with pytest.raises(PermissionDenied, match="回避"):
            services.objection_accept(actor=colleague, objection=objection)
        page = client_for(colleague).get(objection.get_absolute_url()).content.decode()
        assert 'data-testid="recused"' in page and 'data-testid="accept"' not in page
        assert client_for(colleague).post(objection.get_absolute_url(), {"action": "accept"}).status_code == 403
        objection.refresh_from_db()
        assert objection.state == ObjectionState.LODGED
        # Another HR administrator handles it, and is asked before sending the grade back for regrading.
        page = client_for(hr).get(objection.get_absolute_url()).content.decode()
        assert 'data-testid="recused"' not in page and 'data-testid="accept"' in page
        services.objection_accept(actor=hr, objection=objection)
        page = client_for(hr).get(objection.get_absolute_url()).content.decode()
        assert "确定退回重评？" in page
    # Their home page counts only the objections they may handle.
    assert open_objections_count(organisation_id=hr.organisation_id, handler=colleague) == 0
    assert open_objections_count(organisation_id=hr.organisation_id, handler=hr) == 2

    # Left the organisation's only HR administrator, they handle it all the same (it never waits for
    # nobody), and the page says so.
    RoleAssignment.objects.filter(user=hr, role=Role.HR_ADMIN).delete()
    page = client_for(colleague).get(about_them.get_absolute_url()).content.decode()
    assert 'data-testid="sole-handler"' in page and 'data-testid="recused"' not in page
    services.objection_verify(actor=colleague, objection=about_them, notes="已调阅季度目标。")
    services.objection_answer(actor=colleague, objection=about_them, answer="经核实，等次无误。")
    about_them.refresh_from_db()
    assert about_them.state == ObjectionState.ANSWERED
    assert open_objections_count(organisation_id=hr.organisation_id, handler=colleague) == 1


def test_someone_who_is_not_hr_is_told_so_not_to_recuse(publication, staff, colleague):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    with pytest.raises(PermissionDenied, match="只有本单位人事干部"):
        services.objection_accept(actor=staff, objection=objection)


def test_objections_are_seen_by_their_objector_and_hr_only(client_for, publication, staff, colleague, head):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    assert client_for(head).get(objection.get_absolute_url()).status_code == 404
    assert list(client_for(colleague).get(reverse("publicity:objections")).context["page"]) == []


# --- locking --------------------------------------------------------------------------------------


def test_lock_waits_for_the_window_then_locks_and_skips_an_entry_with_an_open_objection(
    client_for, publication, staff, colleague, hr, clock
):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    assert services.publications_lock_due(organisation_id=publication.organisation_id)["locked"] == 0
    clock(AFTER_WINDOW)
    # Before the night's lock: only the line with the open objection holds it back, not every line.
    board = client_for(hr).get(reverse("publicity:board")).content.decode()
    assert "1人待定等（异议办理中或重评后重新公示），详见公示页" in board
    outcome = services.publications_lock_due(organisation_id=publication.organisation_id)
    assert outcome == {"publications": 1, "locked": 1, "republished": 0, "waiting": 1}
    assert entry_of(publication, staff).state == EntryState.LOCKED
    assert QuarterGrade.objects.get(person=staff).locked_at is not None
    assert entry_of(publication, colleague).state == EntryState.PUBLISHED
    assert QuarterGrade.objects.get(person=colleague).locked_at is None
    # The board says how many lines wait, not only that the list does.
    board = client_for(hr).get(reverse("publicity:board")).content.decode()
    assert "1人待定等（异议办理中或重评后重新公示），详见公示页" in board
    # Idempotent: nothing more while the objection is open.
    assert services.publications_lock_due(organisation_id=publication.organisation_id)["locked"] == 0
    services.objection_accept(actor=hr, objection=objection)
    services.objection_verify(actor=hr, objection=objection, notes="已调阅季度目标。")
    services.objection_answer(actor=hr, objection=objection, answer="等次无误")
    assert services.publications_lock_due(organisation_id=publication.organisation_id)["locked"] == 1
    publication.refresh_from_db()
    assert publication.closed_at is not None
    assert publication.appraisal_quarter.__class__.objects.get(pk=publication.appraisal_quarter_id).locked_at
    assert AuditEntry.objects.filter(event="publication_locked").count() == 1


def test_after_the_window_a_line_waiting_for_its_objection_is_not_said_to_be_published(
    client_for, publication, staff, colleague, hr, clock
):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    clock(AFTER_WINDOW)
    page = client_for(staff).get(publication.get_absolute_url()).content.decode()
    (line,) = [row for row in page.split('data-testid="entry"')[1:] if colleague.full_name in row]
    state = line.split('data-testid="entry-state">')[1].split("</td>")[0]
    assert state.startswith("公示期满，待定等") and "异议办理中" in state and "公示中" not in state
    assert "请在公示期内" not in page and "公示期已结束，不再受理异议。" in page
    # The objection's page says the same of the line it holds back.
    page = client_for(hr).get(objection.get_absolute_url()).content.decode()
    assert "公示期满，待定等" in page and "，公示中）" not in page


def test_the_command_runs_the_lock_as_a_job(publication, clock):
    clock(AFTER_WINDOW)
    call_command("lock_publications")
    job = Job.objects.get(kind="publicity.lock_publications")
    assert job.state == Job.State.DONE and job.summary["locked"] == 2
    assert lock_publications_now() == []  # every publication is locked: no further job


def test_a_locked_result_cannot_be_edited_but_by_the_recorded_review(publication, staff, head, leader, hr, clock):
    clock(AFTER_WINDOW)
    services.publications_lock_due(organisation_id=publication.organisation_id)
    grade = QuarterGrade.objects.get(person=staff)
    with pytest.raises(ValidationError, match="已定等"):
        grading.grade_confirm(grade_row=grade, actor=leader, new_grade=Grade.GOOD, reason="改")
    from evaluations.grading.services.locking import grade_review_after_lock

    # (To 一般: the colleague's 好 is the quarter's whole quota, which binds a review too.)
    grade_review_after_lock(grade=grade, actor=hr, new_grade=Grade.AVERAGE, reason="复核")
    assert QuarterGrade.objects.get(person=staff).grade == Grade.AVERAGE


def test_the_board_notes_a_grade_changed_by_a_review_after_it_was_locked(
    client_for, publication, staff, colleague, hr, clock
):
    from evaluations.grading.services.locking import grade_review_after_lock

    clock(AFTER_WINDOW)
    services.publications_lock_due(organisation_id=publication.organisation_id)
    posted = entry_of(publication, staff).grade_label
    grade_review_after_lock(
        grade=QuarterGrade.objects.get(person=staff), actor=hr, new_grade=Grade.AVERAGE, reason="复核"
    )
    body = client_for(colleague).get(publication.get_absolute_url()).content.decode()
    # What was posted stays, with the review's grade beside it; the other line has no note.
    assert posted in body and body.count('data-testid="entry-reviewed"') == 1
    assert "定等后复核为“一般”" in body


def test_under_a_moved_clock_the_lock_is_stamped_on_the_moved_day_and_no_talk_is_overdue_at_once(
    publication, staff, clock
):
    """A user test walked a year-end with APPRAISAL_TODAY: the grades locked that day were stamped on
    the machine's date, weeks apart, so every feedback talk was 逾期 at once and a talk on the day of
    the lock was refused as before it. The workflow's stamps follow the application's clock."""
    from django.contrib.auth import get_user_model

    from publicity.feedback import selectors as feedback

    clock(AFTER_WINDOW)
    services.publications_lock_due(organisation_id=publication.organisation_id)
    grade = QuarterGrade.objects.get(person=staff)
    assert periods.today(grade.locked_at) == AFTER_WINDOW
    assert periods.today(entry_of(publication, staff).locked_at) == AFTER_WINDOW
    talker = get_user_model().objects.get(pk=feedback.talker_id_of_grade(grade=grade))
    counts = feedback.feedback_counts_for_talker(talker=talker, today=AFTER_WINDOW)
    assert counts.to_record >= 1 and counts.overdue == 0


def test_the_regrade_loop_sends_back_regrades_confirms_republishes_and_locks(
    client_for, publication, staff, colleague, head, leader, hr, clock
):
    entry = entry_of(publication, colleague)
    objection = services.objection_lodge(actor=staff, entry=entry, text="“好”等次依据不足")
    services.objection_accept(actor=hr, objection=objection)
    services.objection_send_back(actor=hr, objection=objection, reason="核实发现有工作失误")
    entry.refresh_from_db()
    assert entry.state == EntryState.REGRADING
    # The person whose result it is is told it is being graded again, and later of the new grade.
    assert Notification.objects.filter(recipient=colleague, message__contains="重新评鉴，重评后将重新公示").exists()
    with pytest.raises(ValidationError):
        services.entry_republish(actor=hr, entry=entry)
    # Nor is the button offered until then: the line says what it waits for.
    page = client_for(hr).get(publication.get_absolute_url()).content.decode()
    assert 'data-testid="republish-waiting"' in page and 'data-testid="republish"' not in page
    objection_url = reverse("publicity:objection_detail", args=[objection.pk])
    assert 'data-testid="may-republish"' not in client_for(hr).get(objection_url).content.decode()
    grade = QuarterGrade.objects.get(person=colleague)
    grading.grade_assign(grade_row=grade, actor=head, grade=Grade.FAIRLY_GOOD, comment="重评为较好")
    grading.grade_confirm(grade_row=QuarterGrade.objects.get(pk=grade.pk), actor=leader)
    page = client_for(hr).get(publication.get_absolute_url()).content.decode()
    assert 'data-testid="republish"' in page and 'data-testid="republish-waiting"' not in page
    # The objection's page, where HR sent the line back, says so too and leads to the publication's
    # page where the step is (a user test's HR looked for it there); the objector is not offered it.
    page = client_for(hr).get(objection_url).content.decode()
    assert "重评结果已确认，可以重新公示" in page
    assert f'href="{publication.get_absolute_url()}" class="alert-link" data-testid="to-republish"' in page
    objector_page = client_for(staff).get(objection_url)
    assert objector_page.status_code == 200 and 'data-testid="may-republish"' not in objector_page.content.decode()
    # HR's home says a line waits to be published again, and leads to its list (a user test's HR
    # heard nothing of it).
    home = client_for(hr).get(reverse("home")).content.decode()
    assert todo(home, "republish") == 1 and todo_link(home, "republish") == publication.get_absolute_url()
    services.objection_verify(actor=hr, objection=objection, notes="重评为较好，已确认。")
    services.objection_answer(actor=hr, objection=objection, answer="已重评为较好")
    clock(date(2026, 10, 22))
    response = client_for(hr).post(reverse("publicity:entry_republish", args=[entry.pk]))
    assert response.status_code == 302 and response["Location"] == publication.get_absolute_url()
    entry.refresh_from_db()
    assert (entry.state, entry.grade_label) == (EntryState.PUBLISHED, "较好")
    assert 'data-testid="may-republish"' not in client_for(hr).get(objection_url).content.decode()
    assert todo(client_for(hr).get(reverse("home")).content.decode(), "republish") is None
    assert (entry.window_starts_on, entry.window_ends_on) == (date(2026, 10, 22), date(2026, 10, 28))
    # Pressed again in a tab opened before: said as it is (it said 尚未重评并经分管领导确认).
    with pytest.raises(ValidationError, match="已重新公示或已处理完毕"):
        services.entry_republish(actor=hr, entry=entry)
    # The page's window says the list's end and, beside it, the later end of the line published again.
    page = client_for(staff).get(publication.get_absolute_url()).content.decode()
    assert "重新公示的人员至 2026-10-28（见该行）" in page
    assert Notification.objects.filter(recipient=colleague, message__contains="重新评鉴为“较好”").exists()
    clock(AFTER_WINDOW)
    services.publications_lock_due(organisation_id=publication.organisation_id)
    entry.refresh_from_db()
    assert entry.state == EntryState.PUBLISHED  # its own window runs to the 28th
    page = client_for(staff).get(publication.get_absolute_url()).content.decode()
    assert "公示期已结束，重新公示的人员仍在公示期内" in page
    clock(date(2026, 10, 29))
    services.publications_lock_due(organisation_id=publication.organisation_id)
    entry.refresh_from_db()
    assert entry.state == EntryState.LOCKED
    assert QuarterGrade.objects.get(pk=grade.pk).locked_at is not None


def test_republishing_asks_first_and_comes_back_to_the_list_as_it_was_searched(
    client_for, publication, staff, colleague, head, leader, hr, clock
):
    entry = entry_of(publication, colleague)
    regraded(services.objection_lodge(actor=staff, entry=entry, text="依据不足"), hr=hr, head=head, leader=leader)
    hr_client = client_for(hr)
    page = hr_client.get(publication.get_absolute_url(), {"q": "科员乙"}).content.decode()
    form = _objection_form(page, "republish")
    # Published again, the line cannot be taken back and people are told: the browser asks first.
    assert "data-confirm=" in form and "确定重新公示？" in form and "科员乙的重评结果" in form
    assert 'name="back" value="q=%E7%A7%91%E5%91%98%E4%B9%99"' in form
    response = hr_client.post(reverse("publicity:entry_republish", args=[entry.pk]), {"back": "q=科员乙"})
    assert response["Location"] == publication.get_absolute_url() + "?q=%E7%A7%91%E5%91%98%E4%B9%99"
    assert entry_of(publication, colleague).state == EntryState.PUBLISHED
    # Only a query is taken from the form, never a place to go (refused or not, it comes back here).
    elsewhere = hr_client.post(reverse("publicity:entry_republish", args=[entry.pk]), {"back": "//elsewhere.example/"})
    assert elsewhere["Location"].startswith(publication.get_absolute_url() + "?")


def _board_waiting(client) -> str:
    board = client.get(reverse("publicity:board")).content.decode()
    return re.search(r'data-testid="waiting-count">([^<]*)<', board).group(1)


def test_the_board_counts_as_waiting_only_the_lines_locking_would_leave_waiting(
    client_for, publication, staff, colleague, head, leader, hr, clock
):
    """A user test: the board said 2人待定等 while 定等 then locked one of the two (a line published
    again whose own window had passed) and left only the line with the open objection waiting."""
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="依据不足")
    services.objection_lodge(actor=colleague, entry=entry_of(publication, staff), text="有异议")
    regraded(objection, hr=hr, head=head, leader=leader)
    services.objection_verify(actor=hr, objection=objection, notes="重评为较好，已确认。")
    services.objection_answer(actor=hr, objection=objection, answer="已重评为较好")
    clock(date(2026, 10, 22))
    services.entry_republish(actor=hr, entry=entry_of(publication, colleague))
    assert entry_of(publication, colleague).window_ends_on == date(2026, 10, 28)
    hr_client = client_for(hr)

    # After the list's window, the line published again is still in its own: both wait.
    clock(AFTER_WINDOW)
    assert _board_waiting(hr_client).startswith("2人待定等")
    # Once its own window has passed, only the line with the open objection does.
    clock(date(2026, 10, 29))
    assert _board_waiting(hr_client).startswith("1人待定等")
    locked = hr_client.post(reverse("publicity:publication_lock", args=[publication.pk]), follow=True)
    assert "已定等1人；1人等待异议答复或重新公示后定等" in locked.content.decode()
    assert entry_of(publication, colleague).state == EntryState.LOCKED
    assert _board_waiting(hr_client).startswith("1人待定等")


def test_hr_lock_a_publication_themselves_once_its_window_has_closed(
    client_for, publication, staff, colleague, hr, outsider, clock
):
    url = reverse("publicity:publication_lock", args=[publication.pk])
    # During the window there is no button, and the server refuses too.
    assert 'data-testid="lock"' not in client_for(hr).get(publication.get_absolute_url()).content.decode()
    response = client_for(hr).post(url, follow=True)
    assert "期满后才能定等" in response.content.decode()
    assert not publication.entries.filter(state=EntryState.LOCKED).exists()
    services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="依据不足")

    clock(AFTER_WINDOW)
    # Nobody but the organisation's HR administrator may lock it.
    assert client_for(staff).post(url).status_code == 403
    RoleAssignment.objects.create(organisation=outsider.organisation, user=outsider, role=Role.HR_ADMIN)
    assert client_for(outsider).post(url).status_code == 404
    assert not publication.entries.filter(state=EntryState.LOCKED).exists()
    page = client_for(hr).get(publication.get_absolute_url()).content.decode()
    assert 'data-testid="lock"' in page and "确定定等" in page
    response = client_for(hr).post(url, follow=True)
    # The staff member's own entry is locked; the colleague's waits for the objection's answer.
    assert "已定等1人；1人等待异议答复或重新公示后定等" in response.content.decode()
    assert entry_of(publication, staff).state == EntryState.LOCKED
    assert entry_of(publication, colleague).state == EntryState.PUBLISHED
    # Recorded as HR's: who, and why (the entry's state change under the 定等 source).
    locked = entry_of(publication, staff)
    change = AuditEntry.objects.filter(object_pk=str(locked.pk), reason__contains="公示期满定等").get()
    assert change.actor == hr and change.changes_dict["state"] == [EntryState.PUBLISHED, EntryState.LOCKED]
    # The button stays while the colleague's entry waits; once the objection is answered, it locks too.
    assert 'data-testid="lock"' in client_for(hr).get(publication.get_absolute_url()).content.decode()
    objection = Objection.objects.get(entry=entry_of(publication, colleague))
    services.objection_accept(actor=hr, objection=objection)
    services.objection_verify(actor=hr, objection=objection, notes="已调阅季度目标。")
    services.objection_answer(actor=hr, objection=objection, answer="经核实，维持“好”等次")
    assert "已定等1人，本次公示已全部定等" in client_for(hr).post(url, follow=True).content.decode()
    assert entry_of(publication, colleague).state == EntryState.LOCKED
    page = client_for(hr).get(publication.get_absolute_url()).content.decode()
    assert 'data-testid="lock"' not in page and "已定等" in page
    assert "该公示已定等" in client_for(hr).post(url, follow=True).content.decode()


def test_a_grade_sent_back_waits_on_the_evaluators_then_the_leaders_home_and_grading_page(
    client_for, publication, staff, colleague, head, leader, hr
):
    entry = entry_of(publication, colleague)
    objection = services.objection_lodge(actor=staff, entry=entry, text="“好”等次依据不足")
    services.objection_accept(actor=hr, objection=objection)
    services.objection_send_back(actor=hr, objection=objection, reason="核实发现有工作失误")
    grade = QuarterGrade.objects.get(person=colleague)

    def waiting(person):
        home = client_for(person).get(reverse("home")).content.decode()
        work = client_for(person).get(reverse("evaluations:grading")).content.decode()
        return ('data-testid="todo-regrade"' in home, work.count('data-testid="regrade"'))

    # No quarter is open for grading: the head still finds it, on the home page and the grading page.
    assert waiting(head) == (True, 1) and waiting(leader) == (False, 0)
    work = client_for(head).get(reverse("evaluations:grading")).content.decode()
    assert reverse("evaluations:grade_detail", args=[grade.pk]) in work and "核实发现有工作失误" in work
    # The person's page says it was sent back after the approval, not 已审批 beside 退回重评 (a user test).
    detail = client_for(head).get(reverse("evaluations:grade_detail", args=[grade.pk])).content.decode()
    assert 'data-testid="reopened"' in detail and "审批后退回重评" in detail and 'data-testid="approved"' not in detail
    grading.grade_assign(grade_row=grade, actor=head, grade=Grade.FAIRLY_GOOD, comment="重评为较好")
    # The leader is told, and finds it the same way.
    assert Notification.objects.filter(
        recipient=leader, url=reverse("evaluations:grade_detail", args=[grade.pk]), message__contains="请确认"
    ).exists()
    assert waiting(head) == (False, 0) and waiting(leader) == (True, 1)
    grading.grade_confirm(grade_row=QuarterGrade.objects.get(pk=grade.pk), actor=leader)
    assert waiting(head) == (False, 0) and waiting(leader) == (False, 0)
    # Published again (here by the daily job), the new grade may be objected to by the same person:
    # the objection that sent it back concerned the grade before.
    services.entry_republish(actor=None, entry=entry)
    again = services.objection_lodge(actor=staff, entry=entry, text="对重评结果仍有异议")
    assert again.pk != objection.pk and again.state == ObjectionState.LODGED


def test_a_regrade_waits_for_the_head_of_the_department_the_person_is_in_now(
    client_for, publication, staff, colleague, head, other_head, other_department, hr
):
    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="依据不足")
    services.objection_accept(actor=hr, objection=objection)
    # Moved after the quarter was approved: the new head grades them now (rules.is_evaluator).
    colleague.department = other_department
    colleague.save()
    services.objection_send_back(actor=hr, objection=objection, reason="核实发现有工作失误")
    grade = QuarterGrade.objects.get(person=colleague)
    work = client_for(other_head).get(reverse("evaluations:grading")).content.decode()
    assert work.count('data-testid="regrade"') == 1 and reverse("evaluations:grade_detail", args=[grade.pk]) in work
    assert client_for(other_head).get(reverse("evaluations:grade_detail", args=[grade.pk])).status_code == 200
    # The former head neither sees it (nor the reason) nor may grade it.
    work = client_for(head).get(reverse("evaluations:grading")).content.decode()
    assert 'data-testid="regrade"' not in work and "核实发现有工作失误" not in work


def regraded(objection, *, hr, head, leader):
    """HR accepts the objection and sends the grade back; the head regrades it 较好, the leader confirms."""
    services.objection_accept(actor=hr, objection=objection)
    services.objection_send_back(actor=hr, objection=objection, reason="核实发现有工作失误")
    grade = QuarterGrade.objects.get(pk=objection.entry.quarter_grade_id)
    grading.grade_assign(grade_row=grade, actor=head, grade=Grade.FAIRLY_GOOD, comment="重评为较好")
    grading.grade_confirm(grade_row=QuarterGrade.objects.get(pk=grade.pk), actor=leader)


def test_hr_do_not_republish_their_own_regraded_result_where_another_can(
    client_for, publication, staff, colleague, head, leader, hr
):
    # The colleague whose 好 is sent back for regrading is an HR administrator too.
    RoleAssignment.objects.create(organisation=colleague.organisation, user=colleague, role=Role.HR_ADMIN)
    entry = entry_of(publication, colleague)
    objection = services.objection_lodge(actor=staff, entry=entry, text="“好”等次依据不足")
    # The objection list marks it for them, not for the HR administrator who handles it.
    rows = client_for(colleague).get(reverse("publicity:objections")).content.decode()
    assert rows.count('data-testid="objection-recused"') == 1
    assert 'data-testid="objection-recused"' not in client_for(hr).get(reverse("publicity:objections")).content.decode()
    regraded(objection, hr=hr, head=head, leader=leader)

    page = client_for(colleague).get(publication.get_absolute_url()).content.decode()
    assert 'data-testid="republish-recused"' in page and 'data-testid="republish"' not in page
    with pytest.raises(PermissionDenied, match="回避"):
        services.entry_republish(actor=colleague, entry=entry)
    response = client_for(colleague).post(reverse("publicity:entry_republish", args=[entry.pk]))
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.state == EntryState.REGRADING
    # The other HR administrator publishes it again.
    page = client_for(hr).get(publication.get_absolute_url()).content.decode()
    assert 'data-testid="republish"' in page and 'data-testid="republish-recused"' not in page
    services.entry_republish(actor=hr, entry=entry)
    entry.refresh_from_db()
    assert (entry.state, entry.grade_label) == (EntryState.PUBLISHED, "较好")

    # The organisation's only HR administrator publishes their own again themselves.
    RoleAssignment.objects.filter(user=hr, role=Role.HR_ADMIN).delete()
    assert client_for(colleague).get(reverse("publicity:objections")).content.decode().count("objection-recused") == 0
    assert colleague.has_perm("publicity.republish_entry", entry)


def test_hr_who_objected_to_an_entry_do_not_republish_it_where_another_can(
    client_for, publication, staff, colleague, head, leader, hr
):
    # The staff member who objects to a colleague's 好 is an HR administrator too.
    RoleAssignment.objects.create(organisation=staff.organisation, user=staff, role=Role.HR_ADMIN)
    entry = entry_of(publication, colleague)
    objection = services.objection_lodge(actor=staff, entry=entry, text="“好”等次依据不足")
    regraded(objection, hr=hr, head=head, leader=leader)

    page = client_for(staff).get(publication.get_absolute_url()).content.decode()
    assert 'data-testid="republish-recused"' in page and 'data-testid="republish"' not in page
    with pytest.raises(PermissionDenied, match="回避"):
        services.entry_republish(actor=staff, entry=entry)
    assert client_for(staff).post(reverse("publicity:entry_republish", args=[entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert entry.state == EntryState.REGRADING
    page = client_for(hr).get(publication.get_absolute_url()).content.decode()
    assert 'data-testid="republish"' in page and 'data-testid="republish-recused"' not in page

    # The organisation's only HR administrator publishes it again themselves.
    RoleAssignment.objects.filter(user=hr, role=Role.HR_ADMIN).delete()
    page = client_for(staff).get(publication.get_absolute_url()).content.decode()
    assert 'data-testid="republish"' in page and 'data-testid="republish-recused"' not in page
    assert client_for(staff).post(reverse("publicity:entry_republish", args=[entry.pk])).status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.grade_label) == (EntryState.PUBLISHED, "较好")


# --- the notice -----------------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"), reason="poppler-utils missing")
def test_the_notice_pdf_is_chinese_with_the_names_and_embeds_a_cjk_sc_font(
    client_for, publication, hr, staff, tmp_path
):
    assert client_for(staff).get(reverse("publicity:publication_notice", args=[publication.pk])).status_code == 403
    assert client_for(hr).post(reverse("publicity:publication_notice", args=[publication.pk])).status_code == 405
    response = client_for(hr).get(reverse("publicity:publication_notice", args=[publication.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "notice.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "科员甲" in text and "公示期" in text and "盖章" in text and publication.organisation.name in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and "SC" in fonts and "JP" not in fonts
    assert " yes " in fonts  # embedded


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_the_notice_pdf_leaves_out_a_line_taken_off_the_list(client_for, publication, hr, staff, tmp_path):
    """A person sent back to the committee and decided other than 优秀 is 已撤下: not on the printed notice."""
    withdrawn = publication.entries.get(person=staff)
    kept = publication.entries.exclude(pk=withdrawn.pk).select_related("person").first()
    withdrawn.state = EntryState.WITHDRAWN
    withdrawn.save(update_fields=["state"])
    response = client_for(hr).get(reverse("publicity:publication_notice", args=[publication.pk]))
    path = tmp_path / "notice.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert staff.get_full_name() not in text and kept.person.get_full_name() in text


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_the_notice_pdf_says_a_grade_changed_by_a_review_after_it_was_locked(
    client_for, publication, staff, hr, clock, tmp_path
):
    """As the board does: a user test's printed notice still listed a grade reviewed after 定等 as posted."""
    from evaluations.grading.services.locking import grade_review_after_lock

    clock(AFTER_WINDOW)
    services.publications_lock_due(organisation_id=publication.organisation_id)
    grade_review_after_lock(
        grade=QuarterGrade.objects.get(person=staff), actor=hr, new_grade=Grade.AVERAGE, reason="复核"
    )
    response = client_for(hr).get(reverse("publicity:publication_notice", args=[publication.pk]))
    path = tmp_path / "notice.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    line = next(line for line in text.splitlines() if staff.get_full_name() in line)
    assert "定等后复核为“一般”" in line
    assert text.count("定等后复核为") == 1


# --- DingTalk -------------------------------------------------------------------------------------


def test_dingtalk_hears_of_the_opening_and_the_closing(
    clock, quarter, hr, robot, dingtalk_configured, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publication = services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)
    clock(AFTER_WINDOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.publications_lock_due(organisation_id=publication.organisation_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.publications_lock_due(organisation_id=publication.organisation_id)  # once per event
    titles = [request["body"]["markdown"]["title"] for request in robot.received]
    assert len(titles) == 2 and all(request["signed"] for request in robot.received)
    assert "结果公示开始" in titles[0] and "结果公示结束" in titles[1]
    assert "2026-10-26" in robot.received[0]["body"]["markdown"]["text"]


def test_the_work_group_is_reminded_once_on_the_windows_last_working_day(
    clock, quarter, hr, robot, dingtalk_configured, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publication = services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)
    # Friday 23 October: Monday the 26th is still to come; Saturday and Sunday are not working days.
    for day in (date(2026, 10, 23), date(2026, 10, 24), date(2026, 10, 25)):
        clock(day)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("lock_publications")
    assert len(robot.received) == 1  # the opening only
    clock(WINDOW_END)
    for _ in range(2):  # the daily job run twice on the last day: one reminder
        with django_capture_on_commit_callbacks(execute=True):
            call_command("lock_publications")
    assert len(robot.received) == 2
    reminder = robot.received[1]
    assert reminder["signed"] is True
    assert "公示期提醒" in reminder["body"]["markdown"]["title"]
    assert "2026-10-20 至 2026-10-26" in reminder["body"]["markdown"]["text"]
    sent = DingTalkMessage.objects.get(kind=DingTalkKind.WINDOW_REMINDER)
    assert (sent.key, sent.state) == (f"publication:{publication.pk}:reminder", DingTalkMessage.State.SENT)
    clock(AFTER_WINDOW)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("lock_publications")
    titles = [request["body"]["markdown"]["title"] for request in robot.received]
    assert len(titles) == 3 and "结果公示结束" in titles[2]


def test_a_robot_that_fails_does_not_stop_the_publication(
    clock, quarter, hr, robot, dingtalk_configured, django_capture_on_commit_callbacks
):
    robot.expect(500, 500, 500)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)
    assert Publication.objects.filter(appraisal_quarter=quarter).exists()


# --- query counts ---------------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_pages_cost_the_same_queries_for_few_and_many_rows(
    client_for, publication, organisation, staff, colleague, hr, department
):
    services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="一")
    client = client_for(hr)
    urls = [reverse("publicity:board"), publication.get_absolute_url(), reverse("publicity:objections")]
    few = [_count(client, url) for url in urls]
    for i in range(4):
        person = UserFactory(department=department, full_name=f"新人{i}")
        quarter = AppraisalQuarterFactory(
            organisation=organisation, year=2025, quarter=i + 1, state=QuarterState.APPROVED
        )
        QuarterGradeFactory(appraisal_quarter=quarter, person=person, grade=Grade.GOOD, state=GradeState.CONFIRMED)
        services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)
        publication.entries.create(
            person=person,
            department=department,
            grade_label="好",
            window_starts_on=publication.starts_on,
            window_ends_on=publication.ends_on,
        )
        services.objection_lodge(actor=person, entry=entry_of(publication, staff), text=f"异议{i}")
    assert [_count(client, url) for url in urls] == few


def test_a_long_list_is_searched_by_name_and_each_objection_link_names_its_person(
    client_for, publication, staff, colleague, department, other_department
):
    client = client_for(staff)
    url = publication.get_absolute_url()
    everyone = client.get(url).content.decode()
    assert everyone.count('data-testid="entry"') == 2
    # 提出异议 read out with the person it is about, not 2 (or 60) links of the same name.
    assert f'提出异议<span class="visually-hidden">：{colleague.get_full_name()}</span>' in everyone
    found = client.get(url, {"q": colleague.full_name}).content.decode()
    assert found.count('data-testid="entry"') == 1 and f'data-testid="entry-name">{colleague.get_full_name()}<' in found
    assert client.get(url, {"q": colleague.employee_number}).content.decode().count('data-testid="entry"') == 1
    assert client.get(url, {"department": department.pk}).content.decode().count('data-testid="entry"') == 2
    nobody = client.get(url, {"department": other_department.pk}).content.decode()
    assert 'data-testid="entry"' not in nobody and "没有符合条件的记录。" in nobody


# --- the year's 优秀 list -------------------------------------------------------------------------


def test_a_year_locked_before_the_system_is_not_offered_for_publication(staff, colleague, hr):
    from evaluations.annual.locking import annual_results_lock
    from evaluations.annual.models import AnnualGrade, AnnualResult
    from tests.factories import AnnualResultFactory

    for year in (2024, 2025):
        AnnualResultFactory(person=staff, year=year, decided_grade=AnnualGrade.EXCELLENT, rank=1)
        AnnualResultFactory(person=colleague, year=year, decided_grade=AnnualGrade.COMPETENT)
    assert services.publishable_years(organisation_id=staff.organisation_id) == [2025, 2024]
    # 2024's results entered from the paper records, final before the system: nothing to publish.
    annual_results_lock(result_ids=AnnualResult.objects.filter(year=2024).values_list("pk", flat=True))
    assert services.publishable_years(organisation_id=staff.organisation_id) == [2025]


def test_a_years_list_offered_before_its_quarters_are_published_says_so(client_for, quarter, staff, colleague, hr):
    from evaluations.annual.models import AnnualGrade
    from tests.factories import AnnualResultFactory

    AnnualResultFactory(person=staff, year=2026, decided_grade=AnnualGrade.EXCELLENT, rank=1)
    AnnualResultFactory(person=colleague, year=2026, decided_grade=AnnualGrade.COMPETENT)
    page = client_for(hr).get(reverse("publicity:board")).content.decode()
    # The third quarter is approved and not published yet: the year's option says so.
    assert ">2026年度考核优秀等次人选（第3季度结果尚未公示）</option>" in page
    published = services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)
    # Published, in its window: an objection may still change a grade and who qualifies (a user
    # test's list went up then, and an upheld objection left a listed 优秀 unqualified).
    page = client_for(hr).get(reverse("publicity:board")).content.decode()
    assert ">2026年度考核优秀等次人选（第3季度结果尚未定等，等次仍可能因异议改变）</option>" in page
    Publication.objects.filter(pk=published.pk).update(closed_at=timezone.now())
    page = client_for(hr).get(reverse("publicity:board")).content.decode()
    assert ">2026年度考核优秀等次人选</option>" in page


def test_the_annual_excellent_list_is_published_and_locked(clock, staff, colleague, hr):
    from evaluations.annual.models import AnnualGrade, AnnualResult
    from tests.factories import AnnualResultFactory

    policy_with(staff.organisation, excellent_quota_percent=50)  # one 优秀 of two within the quota

    AnnualResultFactory(person=staff, year=2025, decided_grade=AnnualGrade.EXCELLENT, rank=1)
    AnnualResultFactory(person=colleague, year=2025, decided_grade=AnnualGrade.COMPETENT)
    publication = services.publication_open_annual(actor=hr, organisation=staff.organisation, year=2025)
    assert [entry.person for entry in publication.entries.all()] == [staff]
    assert entry_of(publication, staff).grade_label == "优秀"
    with pytest.raises(ValidationError, match="已经公示"):
        services.publication_open_annual(actor=hr, organisation=staff.organisation, year=2025)
    clock(AFTER_WINDOW)
    services.publications_lock_due(organisation_id=publication.organisation_id)
    assert AnnualResult.objects.get(person=staff).locked_at is not None
    publication.refresh_from_db()
    assert publication.closed_at is not None


def test_a_veto_on_a_published_excellent_keeps_it_for_the_lock_and_asks_hr_to_review(
    client_for, clock, staff, colleague, hr, inspector
):
    from evaluations.annual import services as annual
    from evaluations.annual.models import AnnualGrade, AnnualResult
    from evaluations.discipline.services import veto
    from tests.factories import AnnualResultFactory, FindingFactory

    policy_with(staff.organisation, excellent_quota_percent=50)  # one 优秀 of two within the quota

    AnnualResultFactory(person=staff, year=2025, decided_grade=AnnualGrade.EXCELLENT, rank=1)
    AnnualResultFactory(person=colleague, year=2025, decided_grade=AnnualGrade.COMPETENT)
    publication = services.publication_open_annual(actor=hr, organisation=staff.organisation, year=2025)
    finding = FindingFactory(inspection__inspector=inspector, inspection__date=date(2025, 12, 1), person=staff)
    veto.veto_flags_for_finding(finding_id=finding.pk)
    annual.rollup_year(organisation=staff.organisation, year=2025)
    # On the posted list: the decision stays (the lock needs it), HR is asked to review it.
    assert AnnualResult.objects.get(person=staff).decided_grade == AnnualGrade.EXCELLENT
    assert hr.notifications.filter(message__contains="已公示或定等，但存在一票否决事项或处分影响，请复核").exists()
    # HR's board marks the line, and 定等 asks with the name (a user test: the board kept 优秀 公示中
    # and 定等 locked it without a word); others on the board read nothing of the veto.
    url = reverse("publicity:publication_detail", args=[publication.pk])
    clock(AFTER_WINDOW)
    board = client_for(hr).get(url).content.decode()
    assert 'data-testid="entry-vetoed"' in board
    assert f"其中1人（{staff.get_full_name()}）公示期间新增一票否决事项，定等后须经复核改定等次。" in board
    assert "一票否决" not in client_for(colleague).get(url).content.decode()
    services.publications_lock_due(organisation_id=publication.organisation_id)
    assert AnnualResult.objects.get(person=staff).locked_at is not None
    assert 'data-testid="entry-vetoed"' not in client_for(hr).get(url).content.decode()


def test_an_undecided_year_cannot_be_published(clock, staff, hr):
    from tests.factories import AnnualResultFactory

    AnnualResultFactory(person=staff, year=2025)
    with pytest.raises(ValidationError, match="尚未全部确定"):
        services.publication_open_annual(actor=hr, organisation=staff.organisation, year=2025)


def test_an_objection_attachment_hiding_a_compressed_program_in_a_document_is_refused(
    client_for, publication, staff, colleague
):
    import gzip
    import tarfile
    import zipfile
    from io import BytesIO

    program = BytesIO()
    with tarfile.open(fileobj=program, mode="w") as archive:
        info = tarfile.TarInfo("invoice.exe")
        info.size = 64
        archive.addfile(info, BytesIO(b"MZ" + bytes(62)))
    document = BytesIO()
    with zipfile.ZipFile(document, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
        package.writestr("word/media/image1.png", gzip.compress(program.getvalue()))
    response = client_for(staff).post(
        reverse("publicity:objection_new", args=[entry_of(publication, colleague).pk]),
        {"text": "附证明", "attachment": SimpleUploadedFile("证明.docx", document.getvalue())},
    )
    assert response.status_code == 400 and "不支持此文件类型" in response.content.decode()
    assert not Objection.objects.exists()


def test_someone_without_the_right_to_object_is_refused_before_the_body_is_parsed(
    client_for, publication, colleague, sysadmin
):
    response = client_for(sysadmin).post(
        reverse("publicity:objection_new", args=[entry_of(publication, colleague).pk]),
        {"text": "x", "attachment": SimpleUploadedFile("大文件.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024))},
    )
    assert response.status_code == 403
    assert not response.wsgi_request.META["wsgi.input"].read_started
    assert not Objection.objects.exists()


def test_the_home_page_points_staff_to_their_own_line_while_its_window_is_open(
    client_for, publication, staff, hr, clock
):
    # A user test: the bell said the list was on show; the person had to find their own line among
    # everyone's. The home page's to-do opens the list filtered to them, during the window only.
    html = client_for(staff).get(reverse("home")).content.decode()
    todo = html.split('data-testid="todo-own-results-on-show"', 1)[1].split("</li>", 1)[0]
    assert "本人考核结果正在公示" in todo and 'data-testid="todo-count">1<' in todo
    href = todo.split('href="', 1)[1].split('"', 1)[0]
    page = client_for(staff).get(href.replace("&amp;", "&"))
    assert [entry.person for entry in page.context["page"]] == [staff]
    # Someone not on the list (HR) has no such to-do; nor has the person once the window is over.
    assert 'data-testid="todo-own-results-on-show"' not in client_for(hr).get(reverse("home")).content.decode()
    clock(AFTER_WINDOW)
    assert 'data-testid="todo-own-results-on-show"' not in client_for(staff).get(reverse("home")).content.decode()


def test_hr_handling_an_objection_see_the_persons_discipline_and_the_objector_does_not(
    client_for, publication, staff, colleague, hr, inspector
):
    """A user test: the objection page showed none of the veto, sanctions and serious findings
    the grade was decided beside; HR had to look the person up elsewhere."""
    from tests.factories import FindingFactory, SanctionFactory, VetoFlagFactory

    objection = services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="有异议")
    url = objection.get_absolute_url()
    assert 'data-testid="objection-discipline"' not in client_for(hr).get(url).content.decode()
    inspection = {"inspection__inspector": inspector, "inspection__date": date(2026, 8, 3)}
    VetoFlagFactory(person=colleague, year=2026, reason="上班时间饮酒", finding__inspection__inspector=inspector)
    FindingFactory(person=colleague, **inspection)
    SanctionFactory(person=colleague, decided_on=date(2026, 8, 10))
    # Of another quarter: not this grade's.
    SanctionFactory(person=colleague, decided_on=date(2026, 3, 1))
    page = client_for(hr).get(url).content.decode()
    marks = page.split('data-testid="objection-discipline"')[1].split("</dd>")[0]
    assert "上班时间饮酒" in marks and "警告" in marks and "2026-08-10" in marks
    assert "2026-03-01" not in marks and 'data-testid="serious-findings"' in marks
    assert 'data-testid="objection-discipline"' not in client_for(staff).get(url).content.decode()


def test_an_objection_to_the_years_excellent_list_shows_the_discipline_of_the_whole_year(
    client_for, clock, staff, colleague, hr
):
    from evaluations.annual.models import AnnualGrade
    from tests.factories import AnnualResultFactory, SanctionFactory

    policy_with(staff.organisation, excellent_quota_percent=50)
    AnnualResultFactory(person=staff, year=2025, decided_grade=AnnualGrade.EXCELLENT, rank=1)
    AnnualResultFactory(person=colleague, year=2025, decided_grade=AnnualGrade.COMPETENT)
    publication = services.publication_open_annual(actor=hr, organisation=staff.organisation, year=2025)
    SanctionFactory(person=staff, decided_on=date(2025, 2, 3))
    SanctionFactory(person=staff, decided_on=date(2024, 12, 30))
    objection = services.objection_lodge(actor=colleague, entry=entry_of(publication, staff), text="有异议")
    page = client_for(hr).get(objection.get_absolute_url()).content.decode()
    marks = page.split('data-testid="objection-discipline"')[1].split("</dd>")[0]
    assert "2025-02-03" in marks and "2024-12-30" not in marks


def test_hr_locking_on_the_english_pages_records_the_reasons_in_the_sites_language(
    client_for, publication, staff, hr, clock
):
    """A re-test: HR's 定等 from the English pages wrote English reasons into the audit log that
    Chinese auditors read ("Locked after the publication window: …")."""
    clock(AFTER_WINDOW)
    client = client_for(hr)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    answer = client.post(reverse("publicity:publication_lock", args=[publication.pk]), follow=True)
    assert "Locked" in answer.content.decode() or "locked" in answer.content.decode()  # HR's page: English
    locked = entry_of(publication, staff)
    assert locked.state == EntryState.LOCKED
    reasons = set(AuditEntry.objects.filter(object_pk=str(locked.pk)).values_list("reason", flat=True))
    assert any("公示期满定等" in reason for reason in reasons), reasons
    assert not any("Locked after" in reason for reason in reasons), reasons
