"""定等: a locked grade changes only through the recorded review; a grade sent back for
regrading goes to the evaluator and the leader again; the annual result's lock."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import periods
from accounts.models import AuditEntry
from evaluations.annual.locking import annual_results_lock
from evaluations.annual.models import AnnualGrade
from evaluations.annual.services import annual_decide
from evaluations.grading.services import grading, locking
from evaluations.models import Grade, GradeReview, GradeState, QuarterGrade
from tests.factories import AnnualResultFactory, AppraisalQuarterFactory

# approved_quarter and confirmed (staff's 较好, confirmed by the leader): tests/evaluations/conftest.py


def test_grades_lock_locks_confirmed_grades_once_and_audits_each(approved_quarter, confirmed):
    assert locking.grades_lock(appraisal_quarter=approved_quarter, source="公示期满") == 1
    assert locking.grades_lock(appraisal_quarter=approved_quarter) == 0
    confirmed.refresh_from_db()
    assert confirmed.locked_at is not None
    assert AuditEntry.objects.filter(object_pk=str(confirmed.pk), changes__has_key="locked_at").exists()
    assert locking.appraisal_quarter_lock(appraisal_quarter=approved_quarter)
    approved_quarter.refresh_from_db()
    assert approved_quarter.locked_at is not None


def test_an_open_quarter_cannot_be_locked(organisation, staff):
    open_quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=4)
    with pytest.raises(ValidationError):
        locking.grades_lock(appraisal_quarter=open_quarter)


def test_a_locked_grade_refuses_the_evaluator_the_leader_and_a_send_back(approved_quarter, confirmed, hr, leader):
    locking.grades_lock(appraisal_quarter=approved_quarter)
    with pytest.raises(ValidationError, match="已定等"):
        grading.grade_assign(grade_row=confirmed, actor=leader, grade=Grade.GOOD, comment="好")
    with pytest.raises(ValidationError, match="已定等"):
        grading.grade_confirm(grade_row=confirmed, actor=leader, new_grade=Grade.AVERAGE, reason="差")
    with pytest.raises(ValidationError, match="已定等"):
        locking.grade_reopen_for_regrading(grade=confirmed, actor=hr, reason="x")


@pytest.mark.usefixtures("room_for_one_good")
def test_a_locked_grade_changes_through_the_recorded_review(client_for, approved_quarter, confirmed, hr, staff):
    locking.grades_lock(appraisal_quarter=approved_quarter)
    review = locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.GOOD, reason="复核认定")
    confirmed.refresh_from_db()
    assert confirmed.grade == Grade.GOOD
    assert (review.old_grade, review.new_grade, review.reviewed_by) == (Grade.FAIRLY_GOOD, Grade.GOOD, hr)
    assert AuditEntry.objects.filter(event="grade_reviewed_after_lock", actor=hr).exists()
    history = client_for(staff).get(reverse("evaluations:my_history"))
    assert "复核认定" in history.content.decode()


def test_the_review_page_shows_the_discipline_the_grader_and_the_approver_saw(
    client_for, approved_quarter, confirmed, hr, staff
):
    """A review: HR's 定等后复核 page showed the grade alone, not the veto beside it."""
    from tests.factories import VetoFlagFactory

    url = reverse("evaluations:grade_review", args=[confirmed.pk])
    locking.grades_lock(appraisal_quarter=approved_quarter)
    assert 'data-testid="discipline-marks"' not in client_for(hr).get(url).content.decode()
    VetoFlagFactory(person=staff, year=approved_quarter.year, reason="上班时间饮酒")
    page = client_for(hr).get(url).content.decode()
    assert "一票否决：上班时间饮酒" in page.split('data-testid="current-grade"', 1)[1].split("</dd>", 1)[0]


@pytest.mark.usefixtures("room_for_one_good")
def test_a_review_to_good_past_the_quota_is_refused_as_in_grading(client_for, approved_quarter, confirmed, hr):
    """A security test reviewed ten locked grades to 好, one POST each, and the quarter went from 15
    好 to 25 against a quota of 23: the quota binds a review as it binds grading (DOMAIN.md §4)."""
    locking.grades_lock(appraisal_quarter=approved_quarter)
    others = QuarterGrade.objects.filter(appraisal_quarter=approved_quarter).exclude(pk=confirmed.pk)
    assert others.count() == 2
    url = reverse("evaluations:grade_review", args=[confirmed.pk])
    assert f'value="{Grade.GOOD}"' in client_for(hr).get(url).content.decode()  # room for one: offered
    others.update(grade=Grade.GOOD)  # three participants, one place for 好: already taken (twice)
    with pytest.raises(ValidationError, match="名额已满"):
        locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.GOOD, reason="复核认定")
    # Not offered on the page, the reason said under the field; a POST all the same is refused.
    page = client_for(hr).get(url).content.decode()
    select = page.split('name="new_grade"')[1].split("</select>")[0]
    assert f'value="{Grade.GOOD}"' not in select and f'value="{Grade.AVERAGE}"' in select
    assert "“好”等次名额已满：本季度可评“好”1人，已评2人。" in page
    # After 定等 the other 好 change only by a review of their own (a review of the advice).
    assert "须先经定等后复核将同一名额内一名已评“好”的人员改为其他等次" in page and "请与其评鉴人协商" not in page
    response = client_for(hr).post(url, {"new_grade": Grade.GOOD, "reason": "复核认定"})
    assert response.status_code == 400 and "名额已满" in response.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.grade == Grade.FAIRLY_GOOD and not GradeReview.objects.exists()


def test_the_review_is_refused_to_others_and_on_an_unlocked_grade(approved_quarter, confirmed, hr, head):
    with pytest.raises(ValidationError, match="尚未定等"):
        locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.GOOD, reason="r")
    locking.grades_lock(appraisal_quarter=approved_quarter)
    with pytest.raises(PermissionDenied):
        locking.grade_review_after_lock(grade=confirmed, actor=head, new_grade=Grade.GOOD, reason="r")
    with pytest.raises(ValidationError):
        locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.GOOD, reason="  ")
    assert not GradeReview.objects.exists()


def test_the_review_page_records_a_review(client_for, approved_quarter, confirmed, hr, staff):
    locking.grades_lock(appraisal_quarter=approved_quarter)
    url = reverse("evaluations:grade_review", args=[confirmed.pk])
    assert client_for(staff).get(url).status_code == 403
    client = client_for(hr)
    page = client.get(url)
    assert page.status_code == 200
    # It changes a locked grade and tells the person: the browser asks first.
    assert "复核将更改已定等的等次并告知本人，记录不能撤销。确定记录复核？" in page.content.decode()
    response = client.post(url, {"new_grade": Grade.AVERAGE, "reason": "群众反映属实"})
    assert response.status_code == 302
    assert QuarterGrade.objects.get(pk=confirmed.pk).grade == Grade.AVERAGE


def test_a_grade_sent_back_is_regraded_and_confirmed_again_then_lockable(approved_quarter, confirmed, hr, head, leader):
    locking.grade_reopen_for_regrading(grade=confirmed, actor=hr, reason="异议属实")
    confirmed.refresh_from_db()
    assert confirmed.reopened_at is not None and confirmed.state == GradeState.PENDING
    assert locking.grades_lock(appraisal_quarter=approved_quarter) == 0
    with pytest.raises(ValidationError):
        grading.grade_confirm(grade_row=confirmed, actor=leader)
    grading.grade_assign(grade_row=confirmed, actor=head, grade=Grade.AVERAGE, comment="重评", reason="工作有差错")
    confirmed.refresh_from_db()
    assert confirmed.state == GradeState.GRADED and confirmed.reopened_at is not None
    grading.grade_confirm(grade_row=confirmed, actor=leader)
    confirmed.refresh_from_db()
    assert confirmed.state == GradeState.CONFIRMED and confirmed.reopened_at is None
    assert confirmed.grade == Grade.AVERAGE
    assert locking.grades_lock(appraisal_quarter=approved_quarter) == 1


def test_only_hr_sends_a_grade_back_and_not_twice(approved_quarter, confirmed, hr, head):
    with pytest.raises(PermissionDenied):
        locking.grade_reopen_for_regrading(grade=confirmed, actor=head, reason="r")
    locking.grade_reopen_for_regrading(grade=confirmed, actor=hr, reason="r")
    with pytest.raises(ValidationError):
        locking.grade_reopen_for_regrading(grade=confirmed, actor=hr, reason="r")


def test_an_approved_grade_not_sent_back_stays_unchangeable(approved_quarter, confirmed, head):
    with pytest.raises(ValidationError, match="已审批"):
        grading.grade_assign(grade_row=confirmed, actor=head, grade=Grade.GOOD, comment="好")


def test_a_locked_annual_result_refuses_the_committee(organisation, staff, chief):
    result = AnnualResultFactory(
        person=staff, suggested_grade=AnnualGrade.COMPETENT, decided_grade=AnnualGrade.COMPETENT
    )
    assert annual_results_lock(result_ids=[result.pk]) == 1
    assert annual_results_lock(result_ids=[result.pk]) == 0
    result.refresh_from_db()
    assert result.locked_at is not None and result.locked_at <= periods.now()  # the application clock
    with pytest.raises(ValidationError, match="定等"):
        annual_decide(result=result, actor=chief, grade=AnnualGrade.COMPETENT, reason="")


@pytest.mark.usefixtures("room_for_one_good")
def test_hr_recuse_themselves_from_reviewing_their_own_locked_grade_unless_they_are_the_only_one(
    approved_quarter, confirmed, hr, staff
):
    from accounts.models import Role, RoleAssignment

    locking.grades_lock(appraisal_quarter=approved_quarter)
    # The person whose grade it is is an HR administrator too.
    RoleAssignment.objects.create(organisation=staff.organisation, user=staff, role=Role.HR_ADMIN)
    with pytest.raises(PermissionDenied, match="回避"):
        locking.grade_review_after_lock(grade=confirmed, actor=staff, new_grade=Grade.GOOD, reason="复核认定")
    assert not GradeReview.objects.exists()
    # The other HR administrator reviews it; left the only one, they would review it themselves.
    locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.GOOD, reason="复核认定")
    RoleAssignment.objects.filter(user=hr, role=Role.HR_ADMIN).delete()
    locking.grade_review_after_lock(grade=confirmed, actor=staff, new_grade=Grade.FAIRLY_GOOD, reason="再次复核")
    assert GradeReview.objects.count() == 2


def test_the_review_page_of_hrs_own_locked_grade_says_it_is_their_own_matter(
    client_for, approved_quarter, confirmed, hr, staff
):
    from accounts.models import Role, RoleAssignment

    locking.grades_lock(appraisal_quarter=approved_quarter)
    RoleAssignment.objects.create(organisation=staff.organisation, user=staff, role=Role.HR_ADMIN)
    url = reverse("evaluations:grade_review", args=[confirmed.pk])
    page = client_for(staff).get(url).content.decode()
    assert 'data-testid="recused"' in page and "本人事项" in page and 'data-testid="review-submit"' not in page
    assert "本人事项" not in client_for(hr).get(url).content.decode()
    RoleAssignment.objects.filter(user=hr, role=Role.HR_ADMIN).delete()
    page = client_for(staff).get(url).content.decode()
    assert 'data-testid="sole-handler"' in page and "本人事项" in page and 'data-testid="review-submit"' in page


@pytest.mark.parametrize("change", ["regrade", "review"])
def test_a_grade_changed_after_the_approval_makes_the_years_suggestions_stale_until_recomputed(
    change, client_for, organisation, approved_quarter, confirmed, hr, head, leader, chief
):
    from accounts.models import Job
    from evaluations.annual import services as annual

    annual.rollup_year(organisation=organisation, year=2026)
    result = confirmed.person.annual_results.get(year=2026)
    assert "无一般以下等次" in " ".join(result.suggestion_reasons)
    assert not annual.suggestions_freshness(organisation=organisation, year=2026).stale
    if change == "regrade":
        locking.grade_reopen_for_regrading(grade=confirmed, actor=hr, reason="异议属实")
        grading.grade_assign(grade_row=confirmed, actor=head, grade=Grade.AVERAGE, comment="重评", reason="工作有差错")
        grading.grade_confirm(grade_row=confirmed, actor=leader)
    else:
        locking.grades_lock(appraisal_quarter=approved_quarter)
        locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.AVERAGE, reason="复核认定")

    # The committee cannot decide on the old suggestion, and the recomputation is asked for.
    assert annual.suggestions_freshness(organisation=organisation, year=2026).stale
    with pytest.raises(ValidationError, match="等次重评或复核"):
        annual_decide(result=result, actor=chief, grade=AnnualGrade.COMPETENT, reason="")
    assert Job.objects.filter(kind="evaluations.rollup_year", organisation=organisation, params={"year": 2026}).exists()
    # The quarter's page says its results changed after the approval, and when.
    page = client_for(hr).get(reverse("evaluations:quarters"), {"q": approved_quarter.pk}).content.decode()
    approved_quarter.refresh_from_db()
    assert approved_quarter.results_changed_at is not None
    assert f"审批后最近一次更改于{timezone.localtime(approved_quarter.results_changed_at):%Y-%m-%d %H:%M}" in page

    annual.rollup_year(organisation=organisation, year=2026)
    assert not annual.suggestions_freshness(organisation=organisation, year=2026).stale
    result.refresh_from_db()
    assert "1个“一般”或“较差”" in " ".join(result.suggestion_reasons)


def test_the_grading_page_lists_a_regrade_and_says_no_other_quarter_is_open(client_for, confirmed, hr, head):
    locking.grade_reopen_for_regrading(grade=confirmed, actor=hr, reason="异议属实")
    page = client_for(head).get(reverse("evaluations:grading")).content.decode()
    assert 'data-testid="regrade"' in page and "待重新评鉴" in page
    assert "除上面退回重评的等次外，目前没有开放评鉴的季度。" in page


def test_the_quarterly_review_page_leads_back_to_the_grade(client_for, approved_quarter, confirmed, hr):
    """A user test: the page had no way back, neither before the grade was locked nor after."""
    url = reverse("evaluations:grade_review", args=[confirmed.pk])
    back = f'href="{reverse("evaluations:grade_detail", args=[confirmed.pk])}" data-testid="back-to-grade"'
    assert back in client_for(hr).get(url).content.decode()
    locking.grades_lock(appraisal_quarter=approved_quarter)
    assert back in client_for(hr).get(url).content.decode()
