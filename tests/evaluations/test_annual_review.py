"""A locked annual result changes only through HR's recorded review (复核): who, why, old → new,
in the audit log and on the person's history; the committee's decision stays refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEntry, Notification, Role
from evaluations.annual.locking import annual_results_lock
from evaluations.annual.models import AnnualGrade, AnnualResult, AnnualReview
from evaluations.annual.services import annual_decide, annual_review_after_lock
from tests.factories import AnnualResultFactory, UserFactory


@pytest.fixture
def locked_result(organisation, staff):
    result = AnnualResultFactory(
        person=staff, year=2026, suggested_grade=AnnualGrade.COMPETENT, decided_grade=AnnualGrade.COMPETENT
    )
    annual_results_lock(result_ids=[result.pk])
    result.refresh_from_db()
    return result


def test_the_committee_cannot_change_a_locked_result_but_the_recorded_review_can(locked_result, chief, hr, staff):
    with pytest.raises(ValidationError, match="已公示定等"):
        annual_decide(result=locked_result, actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="改")
    review = annual_review_after_lock(
        result=locked_result, actor=hr, new_grade=AnnualGrade.BASICALLY_COMPETENT, reason="复核发现年底重大失误"
    )
    result = AnnualResult.objects.get(pk=locked_result.pk)
    assert result.decided_grade == AnnualGrade.BASICALLY_COMPETENT and result.locked_at is not None
    assert (review.old_grade, review.new_grade, review.reviewed_by, review.reason) == (
        AnnualGrade.COMPETENT,
        AnnualGrade.BASICALLY_COMPETENT,
        hr,
        "复核发现年底重大失误",
    )
    event = AuditEntry.objects.get(event="annual_reviewed_after_lock")
    assert event.actor == hr
    assert Notification.objects.filter(recipient=staff, message__contains="基本称职").exists()


def test_the_review_is_refused_to_others_on_an_unlocked_result_and_without_a_reason(
    organisation, locked_result, head, chief, hr, staff, other_organisation
):
    for actor in (head, chief, staff):
        with pytest.raises(PermissionDenied):
            annual_review_after_lock(result=locked_result, actor=actor, new_grade=AnnualGrade.EXCELLENT, reason="r")
    other_hr = UserFactory(
        username="other_hr_a", organisation=other_organisation, department=None, roles=[Role.HR_ADMIN]
    )
    with pytest.raises(PermissionDenied):
        annual_review_after_lock(result=locked_result, actor=other_hr, new_grade=AnnualGrade.EXCELLENT, reason="r")
    with pytest.raises(ValidationError):
        annual_review_after_lock(result=locked_result, actor=hr, new_grade=AnnualGrade.EXCELLENT, reason="  ")
    with pytest.raises(ValidationError):
        annual_review_after_lock(result=locked_result, actor=hr, new_grade=AnnualGrade.COMPETENT, reason="同等次")
    unlocked = AnnualResultFactory(person=head, year=2026, decided_grade=AnnualGrade.COMPETENT)
    with pytest.raises(ValidationError, match="尚未定等"):
        annual_review_after_lock(result=unlocked, actor=hr, new_grade=AnnualGrade.EXCELLENT, reason="r")
    assert not AnnualReview.objects.exists()


def test_hr_records_the_review_on_its_page_and_the_person_sees_it_on_the_history(
    client_for, locked_result, hr, staff, chief
):
    from evaluations.models import Grade
    from tests.factories import QuarterGradeFactory

    QuarterGradeFactory(
        person=staff,
        appraisal_quarter__organisation=staff.organisation,
        appraisal_quarter__year=2026,
        appraisal_quarter__quarter=2,
        grade=Grade.FAIRLY_GOOD,
    )
    url = reverse("evaluations:annual_review", args=[2026, locked_result.pk])
    assert client_for(staff).get(url).status_code == 403
    assert client_for(chief).get(url).status_code == 403
    client = client_for(hr)
    page = client.get(url)
    assert page.status_code == 200
    # The grade list opens on no grade (a user test: it opened on 优秀 for a 称职 result).
    assert '<option value="" selected>' in page.content.decode()
    # What the grade was drawn from stands beside it (a user test reviewed reading the grade alone).
    assert 'data-testid="suggested-grade">称职' in page.content.decode()
    assert 'data-testid="quarter-record">—/较好/—/—<' in page.content.decode()
    unchosen = client.post(url, {"new_grade": "", "reason": "群众反映属实"})
    assert unchosen.status_code == 400 and "请选择复核后等次。" in unchosen.content.decode()
    assert client.post(url, {"new_grade": AnnualGrade.INCOMPETENT, "reason": ""}).status_code == 400
    response = client.post(url, {"new_grade": AnnualGrade.INCOMPETENT, "reason": "群众反映属实"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "群众反映属实" in page and "不称职" in page
    # The review's reason is the review's, not a deviation from the suggestion (a review read).
    assert "与建议不一致的理由" not in page
    annual_list = client.get(reverse("evaluations:annual", args=[2026])).content.decode()
    assert url in annual_list
    history = client_for(staff).get(reverse("evaluations:my_history")).content.decode()
    assert "复核" in history and "群众反映属实" in history and "不称职" in history


def test_hr_of_another_organisation_gets_a_404(client_for, locked_result, other_organisation):
    other_hr = UserFactory(
        username="other_hr_b", organisation=other_organisation, department=None, roles=[Role.HR_ADMIN]
    )
    url = reverse("evaluations:annual_review", args=[2026, locked_result.pk])
    assert client_for(other_hr).get(url).status_code == 404


def test_hr_reviewing_their_own_result_are_told_it_is_their_own_matter(client_for, staff, colleague, hr):
    """A user test found the page silent when HR opened the 定等后复核 of their own result: where
    another HR administrator reviews it they are told to recuse themselves and offered no form; the
    organisation's only one reviews it all the same, told that it is their own matter."""
    from accounts.models import RoleAssignment

    # The person whose result it is is an HR administrator too.
    RoleAssignment.objects.create(organisation=staff.organisation, user=staff, role=Role.HR_ADMIN)
    own = AnnualResultFactory(person=staff, year=2026, decided_grade=AnnualGrade.COMPETENT)
    annual_results_lock(result_ids=[own.pk])
    url = reverse("evaluations:annual_review", args=[2026, own.pk])

    page = client_for(staff).get(url).content.decode()
    assert 'data-testid="recused"' in page and "本人事项：这是您本人的等次，您须回避" in page
    assert 'data-testid="review-submit"' not in page

    RoleAssignment.objects.filter(user=hr, role=Role.HR_ADMIN).delete()
    page = client_for(staff).get(url).content.decode()
    assert 'data-testid="sole-handler"' in page and "本人事项：这是您本人的等次。本单位没有其他人事干部可以复核" in page
    assert 'data-testid="review-submit"' in page

    # Someone else's result carries no such notice.
    other = AnnualResultFactory(person=colleague, year=2026, decided_grade=AnnualGrade.COMPETENT)
    annual_results_lock(result_ids=[other.pk])
    page = client_for(staff).get(reverse("evaluations:annual_review", args=[2026, other.pk])).content.decode()
    assert "本人事项" not in page and 'data-testid="review-submit"' in page
