"""复核/申诉 of an annual 不称职: a recorded case with its 30-day deadlines and HR's reminders."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEntry, Notification
from evaluations.annual.models import AnnualGrade
from publicity.publication import review_cases
from publicity.publication.models import ReviewCase, ReviewCaseState
from tests.factories import AnnualResultFactory


@pytest.fixture
def incompetent(staff):
    return AnnualResultFactory(person=staff, year=2025, decided_grade=AnnualGrade.INCOMPETENT)


def test_a_case_runs_with_its_deadlines(incompetent, hr):
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    assert case.request_by == date(2026, 2, 9)
    case = review_cases.review_case_request(actor=hr, case=case, requested_on=date(2026, 2, 1))
    assert (case.state, case.decide_by) == (ReviewCaseState.REQUESTED, date(2026, 3, 3))
    case = review_cases.review_case_decide(actor=hr, case=case, decided_on=date(2026, 2, 20), decision="维持原等次")
    assert case.state == ReviewCaseState.DECIDED


def test_a_request_after_thirty_days_is_refused(incompetent, hr):
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    with pytest.raises(ValidationError, match="2026-02-09"):
        review_cases.review_case_request(actor=hr, case=case, requested_on=date(2026, 2, 10))


def test_only_hr_opens_a_case_and_only_for_an_incompetent_year(incompetent, hr, head, colleague):
    with pytest.raises(PermissionDenied):
        review_cases.review_case_open(actor=head, annual_result=incompetent, notified_on=date(2026, 1, 10))
    competent = AnnualResultFactory(person=colleague, year=2025, decided_grade=AnnualGrade.COMPETENT)
    with pytest.raises(ValidationError):
        review_cases.review_case_open(actor=hr, annual_result=competent, notified_on=date(2026, 1, 10))


def test_hr_is_reminded_before_a_deadline_once_and_a_missed_request_lapses(incompetent, hr):
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    assert review_cases.review_cases_remind(today=date(2026, 1, 20)) == 0
    assert review_cases.review_cases_remind(today=date(2026, 2, 3)) == 1
    assert review_cases.review_cases_remind(today=date(2026, 2, 4)) == 0
    assert Notification.objects.filter(recipient=hr, url=case.get_absolute_url()).exists()
    review_cases.review_cases_remind(today=date(2026, 2, 10))
    assert ReviewCase.objects.get(pk=case.pk).state == ReviewCaseState.LAPSED


def test_hr_opens_and_records_a_case_on_its_pages(client_for, incompetent, hr, staff):
    assert client_for(staff).get(reverse("publicity:review_cases")).status_code == 403
    client = client_for(hr)
    response = client.post(
        reverse("publicity:review_cases"),
        {"annual_result": incompetent.pk, "kind": "review", "notified_on": "2026-01-10"},
    )
    case = ReviewCase.objects.get()
    assert response.status_code == 302
    client.post(case.get_absolute_url(), {"action": "request", "requested_on": "2026-01-20"})
    client.post(case.get_absolute_url(), {"action": "decide", "decided_on": "2026-02-01", "decision": "撤销原等次"})
    case.refresh_from_db()
    assert case.state == ReviewCaseState.DECIDED and case.decision == "撤销原等次"


def test_a_lapse_is_audited_old_to_new_with_its_reason(incompetent, hr):
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    review_cases.review_cases_remind(today=date(2026, 2, 10))
    entry = AuditEntry.objects.filter(object_pk=str(case.pk), content_type__model="reviewcase").latest("pk")
    assert entry.changes_dict["state"] == [ReviewCaseState.AWAITING_REQUEST.value, ReviewCaseState.LAPSED.value]
    assert entry.reason == "申请期限已过，未提出申请" and entry.organisation_id == incompetent.organisation_id


def test_a_decision_that_changes_the_grade_changes_the_locked_result_through_the_recorded_review(
    client_for, incompetent, hr, staff
):
    from evaluations.annual.locking import annual_results_lock
    from evaluations.annual.models import AnnualReview

    annual_results_lock(result_ids=[incompetent.pk])
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    review_cases.review_case_request(actor=hr, case=case, requested_on=date(2026, 1, 20))
    client = client_for(hr)
    response = client.post(
        case.get_absolute_url(),
        {
            "action": "decide",
            "decided_on": "2026-02-01",
            "decision": "复核认定称职",
            "new_grade": AnnualGrade.COMPETENT,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    incompetent.refresh_from_db()
    assert (case.state, case.changed_to) == (ReviewCaseState.DECIDED, AnnualGrade.COMPETENT)
    assert incompetent.decided_grade == AnnualGrade.COMPETENT
    review = AnnualReview.objects.get(annual_result=incompetent)
    assert (review.old_grade, review.new_grade, review.reason) == (
        AnnualGrade.INCOMPETENT,
        AnnualGrade.COMPETENT,
        "复核认定称职",
    )
    assert Notification.objects.filter(recipient=staff, message__contains="复核").exists()
    assert 'data-testid="case-changed-to">称职<' in client.get(case.get_absolute_url()).content.decode()


def test_a_decision_keeping_the_grade_leaves_the_result_alone(incompetent, hr):
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    review_cases.review_case_request(actor=hr, case=case, requested_on=date(2026, 1, 20))
    case = review_cases.review_case_decide(
        actor=hr, case=case, decided_on=date(2026, 2, 1), decision="维持", new_grade=AnnualGrade.INCOMPETENT
    )
    incompetent.refresh_from_db()
    assert (case.changed_to, incompetent.decided_grade) == ("", AnnualGrade.INCOMPETENT)


def test_a_changed_grade_on_a_result_not_yet_locked_is_refused_and_nothing_is_decided(incompetent, hr):
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    review_cases.review_case_request(actor=hr, case=case, requested_on=date(2026, 1, 20))
    with pytest.raises(ValidationError, match="尚未定等"):
        review_cases.review_case_decide(
            actor=hr, case=case, decided_on=date(2026, 2, 1), decision="改", new_grade=AnnualGrade.COMPETENT
        )
    case.refresh_from_db()
    assert case.state == ReviewCaseState.REQUESTED


def test_hr_recuse_themselves_from_their_own_case_where_another_can_take_it(incompetent, hr, staff):
    from accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(organisation=staff.organisation, user=staff, role=Role.HR_ADMIN)
    with pytest.raises(PermissionDenied, match="回避"):
        review_cases.review_case_open(actor=staff, annual_result=incompetent, notified_on=date(2026, 1, 10))
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    with pytest.raises(PermissionDenied, match="回避"):
        review_cases.review_case_request(actor=staff, case=case, requested_on=date(2026, 2, 1))
    assert ReviewCase.objects.get().state == ReviewCaseState.AWAITING_REQUEST


def test_hrs_own_case_page_says_it_is_their_own_matter(client_for, incompetent, hr, staff):
    from accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(organisation=staff.organisation, user=staff, role=Role.HR_ADMIN)
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    page = client_for(staff).get(case.get_absolute_url()).content.decode()
    assert 'data-testid="recused"' in page and "本人事项：这是您本人的复核申诉案件" in page
    assert 'data-testid="case-request"' not in page
    assert "本人事项" not in client_for(hr).get(case.get_absolute_url()).content.decode()
    RoleAssignment.objects.filter(user=hr, role=Role.HR_ADMIN).delete()
    page = client_for(staff).get(case.get_absolute_url()).content.decode()
    assert 'data-testid="sole-handler"' in page and 'data-testid="case-request"' in page


# --- the case page: each step's box shows its limit; a refused step keeps what was typed -----------


def _requested(incompetent, hr):
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    return review_cases.review_case_request(actor=hr, case=case, requested_on=date(2026, 1, 20))


def _step_form(body: str, testid: str) -> str:
    """The <form> on a case page whose button has ``data-testid=testid``."""
    forms = re.findall(r"<form\b.*?</form>", body, re.S)
    return next(form for form in forms if f'data-testid="{testid}"' in form)


def _flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_decision_box_shows_its_limit_and_recording_the_decision_asks_first(client_for, incompetent, hr):
    case = _requested(incompetent, hr)
    decide = _step_form(client_for(hr).get(case.get_absolute_url()).content.decode(), "case-decide")
    # maxlength gives the box the counter (static/js/app.js) every long text of the app has.
    assert 'maxlength="2000"' in decide and 'id="case-decision"' in decide
    # The counter counts to 2000; a changed grade allows 500, which the box says before it is refused.
    assert "变更等次时，决定作为复核理由记入年度结果，不能超过500字。" in decide
    # The decision closes the case and may change the year's grade: the browser asks first.
    assert (
        'data-confirm="记录后本复核案件即办结，决定不能再修改；选择了新等次的，科员甲的年度考核等次随之变更并告知本人。'
        '确定记录决定？"' in decide
    )


def test_registering_the_request_asks_first_as_its_date_sets_the_deadline(client_for, incompetent, hr):
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    body = client_for(hr).get(case.get_absolute_url()).content.decode()
    assert "决定的截止日按申请日起算30日，申请日不能再修改。确定登记？" in _step_form(body, "case-request")
    assert 'data-testid="case-decide"' not in body


def _refused_decision(client, case, **data) -> str:
    """POST the decide step with ``data``; it is refused (400): the step's form as it comes back."""
    response = client.post(case.get_absolute_url(), {"action": "decide", **data})
    assert response.status_code == 400
    return _step_form(response.content.decode(), "case-decide")


def test_a_too_long_decision_comes_back_with_its_text_and_the_limit_under_its_box(client_for, incompetent, hr):
    case = _requested(incompetent, hr)
    too_long = "决" * 2001
    decide = _refused_decision(
        client_for(hr), case, decided_on="2026-02-01", decision=too_long, new_grade=AnnualGrade.COMPETENT
    )
    assert f">\n{too_long}</textarea>" in decide
    assert 'id="id_decision_error" data-testid="field-error">不能超过2000字（现为2001字）。</div>' in decide
    # The date and the chosen grade stay too.
    assert 'value="2026-02-01"' in decide and '<option value="competent" selected>' in decide
    case.refresh_from_db()
    assert case.state == ReviewCaseState.REQUESTED and case.decision == ""


def test_an_empty_decision_is_asked_for_under_its_box(client_for, incompetent, hr):
    case = _requested(incompetent, hr)
    response = client_for(hr).post(case.get_absolute_url(), {"action": "decide", "decided_on": "2026-02-01"})
    assert response.status_code == 400
    assert "请填写决定内容。</div>" in _step_form(response.content.decode(), "case-decide")


def test_a_decision_refused_by_the_service_keeps_what_was_typed_and_says_why_at_the_box(client_for, incompetent, hr):
    case = _requested(incompetent, hr)
    decide = _refused_decision(client_for(hr), case, decided_on="2026-01-15", decision="经复核，维持原等次。")
    assert ">\n经复核，维持原等次。</textarea>" in decide
    assert 'id="id_decided_on_error" data-testid="field-error">决定日不能早于申请日。</div>' in decide
    case.refresh_from_db()
    assert case.state == ReviewCaseState.REQUESTED


def test_a_grade_changing_decision_longer_than_a_review_reason_is_told_at_the_decision(client_for, incompetent, hr):
    from evaluations.annual.locking import annual_results_lock

    annual_results_lock(result_ids=[incompetent.pk])
    case = _requested(incompetent, hr)
    decision = "复" * 501
    decide = _refused_decision(
        client_for(hr), case, decided_on="2026-02-01", decision=decision, new_grade=AnnualGrade.COMPETENT
    )
    assert f">\n{decision}</textarea>" in decide
    assert (
        'id="id_decision_error" data-testid="field-error">'
        "变更等次时，决定作为复核理由记入年度结果，不能超过500字（现为501字）。</div>" in decide
    )
    incompetent.refresh_from_db()
    assert incompetent.decided_grade == AnnualGrade.INCOMPETENT


def test_a_late_request_keeps_its_date_and_says_why_at_the_box(client_for, incompetent, hr):
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    response = client_for(hr).post(case.get_absolute_url(), {"action": "request", "requested_on": "2026-02-10"})
    assert response.status_code == 400
    form = _step_form(response.content.decode(), "case-request")
    assert 'value="2026-02-10"' in form
    assert 'data-testid="field-error">申请期限已于2026-02-09届满。</div>' in form
    # Said once, at the box; the message above the page points to it.
    assert _flashed(response) == ["请按提示修改后再提交。"]


def test_each_step_on_a_case_says_what_was_done(client_for, incompetent, hr):
    from evaluations.annual.locking import annual_results_lock

    annual_results_lock(result_ids=[incompetent.pk])
    kept = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    client = client_for(hr)
    said = [
        _flashed(client.post(kept.get_absolute_url(), data, follow=True))
        for data in (
            {"action": "request", "requested_on": "2026-01-20"},
            {"action": "decide", "decided_on": "2026-02-01", "decision": "维持原等次。"},
        )
    ]
    # The appeal against the 复核's decision, once it is decided.
    changed = review_cases.review_case_open(
        actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10), kind="appeal"
    )
    said += [
        _flashed(client.post(changed.get_absolute_url(), data, follow=True))
        for data in (
            {"action": "request", "requested_on": "2026-01-21"},
            {"action": "decide", "decided_on": "2026-02-02", "decision": "改为称职。", "new_grade": "competent"},
        )
    ]
    assert said == [
        ["已登记复核申请，决定截止日为2026-02-19。"],
        ["已记录复核决定：科员甲的2025年度考核等次维持不变。"],
        ["已登记申诉申请，决定截止日为2026-02-20。"],
        ["已记录申诉决定：科员甲的2025年度考核等次改为称职，已告知本人。"],
    ]


def test_a_post_without_a_step_is_refused_and_changes_nothing(client_for, incompetent, hr):
    case = _requested(incompetent, hr)
    response = client_for(hr).post(case.get_absolute_url(), {"action": "reopen", "decision": "x"})
    assert response.status_code == 400 and _flashed(response) == ["请按提示填写。"]
    case.refresh_from_db()
    assert case.state == ReviewCaseState.REQUESTED


def test_a_day_still_to_come_is_refused_at_every_step(incompetent, hr):
    """A mistyped 结果告知日 (2030 for 2026) would set a deadline nobody meets, with no way to correct it."""
    from accounts import periods

    tomorrow = periods.today() + timedelta(days=1)
    with pytest.raises(ValidationError, match="结果告知日"):
        review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=tomorrow)
    assert not ReviewCase.objects.exists()
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    with pytest.raises(ValidationError, match="申请日"):
        review_cases.review_case_request(actor=hr, case=case, requested_on=tomorrow)


def test_a_step_refused_because_another_request_took_it_first_shows_the_case_as_it_is_now(
    client_for, incompetent, hr, monkeypatch
):
    """As on an objection's page: the refusal and the page agree on the case's state."""
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    real = review_cases.review_case_request

    def first_the_other_request(**kwargs):
        real(**kwargs)  # the first click goes through between this request's read and its step
        return real(**kwargs)

    monkeypatch.setattr(review_cases, "review_case_request", first_the_other_request)
    response = client_for(hr).post(case.get_absolute_url(), {"action": "request", "requested_on": "2026-01-20"})
    assert response.status_code == 400 and _flashed(response) == ["该案件已登记申请。"]
    page = response.content.decode()
    assert 'data-testid="case-state">已申请，待决定<' in page
    assert 'value="decide"' in page and 'value="request"' not in page


def test_an_appeal_is_registered_after_a_review_kept_the_incompetent_grade(client_for, incompetent, hr):
    """A user test: once the 复核 was decided the person dropped out of the form's list, though the
    page says "对复核决定不服的可以申诉"; a direct POST answered "不在可用的选项中"."""
    client = client_for(hr)
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    # While the 复核 is under way, no appeal is offered for that result.
    assert not client.get(reverse("publicity:review_cases")).context["form"].fields["annual_result"].choices
    review_cases.review_case_request(actor=hr, case=case, requested_on=date(2026, 1, 20))
    review_cases.review_case_decide(actor=hr, case=case, decided_on=date(2026, 2, 1), decision="维持原等次")
    page = client.get(reverse("publicity:review_cases"))
    assert page.context["form"].fields["annual_result"].choices == [
        (incompetent.pk, f"{incompetent.person.get_full_name()}（2025，复核已决定，可登记申诉）")
    ]
    response = client.post(
        reverse("publicity:review_cases"),
        {"annual_result": incompetent.pk, "kind": "appeal", "notified_on": "2026-02-03"},
    )
    assert response.status_code == 302
    assert ReviewCase.objects.filter(annual_result=incompetent, kind="appeal").exists()
    # Both cases listed, each with the year.
    html = client.get(reverse("publicity:review_cases")).content.decode()
    assert html.count('data-testid="review-case-row"') == 2 and html.count(">2025</td>") == 2
    assert not client.get(reverse("publicity:review_cases")).context["form"].fields["annual_result"].choices


def test_a_case_past_its_decision_deadline_is_marked_overdue_and_counted_so_on_home(
    client_for, incompetent, hr, settings
):
    """A user test: a case a month past 决定截止日 read 已申请，待决定 and counted as 临近期限."""
    from tests.support.home import todo

    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    review_cases.review_case_request(actor=hr, case=case, requested_on=date(2026, 1, 20))  # decide by 02-19
    settings.APPRAISAL_TODAY = date(2026, 3, 20)
    client = client_for(hr)
    assert 'data-testid="case-overdue"' in client.get(reverse("publicity:review_cases")).content.decode()
    assert 'data-testid="case-overdue"' in client.get(case.get_absolute_url()).content.decode()
    home = client.get(reverse("home")).content.decode()
    assert todo(home, "review-cases-overdue") == 1 and todo(home, "review-cases") is None
    review_cases.review_case_decide(actor=hr, case=case, decided_on=date(2026, 3, 20), decision="维持原等次")
    detail = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="case-overdue"' not in detail and 'data-testid="case-decided-late"' in detail
    assert todo(client.get(reverse("home")).content.decode(), "review-cases-overdue") is None


def test_the_decision_does_not_offer_a_grade_the_recorded_review_refuses(client_for, incompetent, hr):
    """A user test chose 优秀 for a 不称职 never on the 优秀 list and was refused only after submitting;
    the annual review page leaves it out and says why."""
    from evaluations.annual.locking import annual_results_lock

    annual_results_lock(result_ids=[incompetent.pk])
    case = _requested(incompetent, hr)
    response = client_for(hr).get(case.get_absolute_url())
    choices = [value for value, _label in response.context["decide_form"].fields["new_grade"].choices]
    assert AnnualGrade.EXCELLENT not in choices and AnnualGrade.COMPETENT in choices
    assert "不可改为优秀。" in response.content.decode() and "未列入2025年度优秀公示名单" in response.content.decode()


def test_no_appeal_while_the_review_runs_or_once_it_lapsed(incompetent, hr):
    """A review: the service took an appeal while the 复核 was under way, and a lapsed 复核 was
    offered as 复核已决定."""
    from publicity.publication.selectors import incompetent_results_without_case

    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 10))
    with pytest.raises(ValidationError, match="复核尚未作出决定"):
        review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 1, 20), kind="appeal")
    review_cases.review_cases_remind(today=date(2026, 2, 10))  # the request's 30 days ran out: lapsed
    assert incompetent_results_without_case(organisation_id=incompetent.organisation_id) == []
    with pytest.raises(ValidationError, match="复核尚未作出决定"):
        review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=date(2026, 2, 10), kind="appeal")
    assert ReviewCase.objects.get(pk=case.pk).state == ReviewCaseState.LAPSED
