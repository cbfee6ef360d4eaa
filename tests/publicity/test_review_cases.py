"""复核/申诉 of an annual 不称职: a recorded case with its 30-day deadlines and HR's reminders."""

from datetime import date

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
    client.post(case.get_absolute_url(), {"action": "request", "day": "2026-01-20"})
    client.post(case.get_absolute_url(), {"action": "decide", "day": "2026-02-01", "decision": "撤销原等次"})
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
        {"action": "decide", "day": "2026-02-01", "decision": "复核认定称职", "new_grade": AnnualGrade.COMPETENT},
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
