"""The year's close: when the 优秀 list is wholly locked, every decided result of the year is locked
(已定等) with it, not only the 优秀 lines; the committee changes none of them afterwards, and a
复核/申诉 case on a 不称职 changes the grade through the recorded review."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry
from evaluations.annual.locking import annual_year_close
from evaluations.annual.models import AnnualGrade, AnnualResult, AnnualReview
from evaluations.annual.services import annual_adopt_suggestions, annual_decide
from publicity.publication import review_cases
from publicity.publication import services as publication
from publicity.publication.models import ReviewCase, ReviewCaseState
from tests.factories import AnnualResultFactory, UserFactory

YEAR = 2025
# Published on Tuesday 20 October 2026: the five working days end on 26 October.
PUBLISH_DAY = date(2026, 10, 20)
AFTER_WINDOW = date(2026, 10, 27)


@pytest.fixture
def year(settings, staff, colleague):
    """A decided year: the staff member 优秀, the colleague 不称职 (a 50 % share: one 优秀 of two
    people is within the quota, which the list's publication checks)."""
    from tests.factories import policy_with

    policy_with(staff.organisation, excellent_quota_percent=50)
    settings.APPRAISAL_TODAY = PUBLISH_DAY
    excellent = AnnualResultFactory(
        person=staff, year=YEAR, suggested_grade=AnnualGrade.EXCELLENT, decided_grade=AnnualGrade.EXCELLENT, rank=1
    )
    incompetent = AnnualResultFactory(
        person=colleague,
        year=YEAR,
        suggested_grade=AnnualGrade.INCOMPETENT,
        decided_grade=AnnualGrade.INCOMPETENT,
    )
    return excellent, incompetent


def _close(settings, hr, organisation):
    listed = publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    publication.publications_lock_due(organisation_id=organisation.pk)
    listed.refresh_from_db()
    assert listed.closed_at is not None
    return listed


def test_the_years_close_locks_every_decided_result_not_only_the_excellent_ones(settings, year, organisation, hr):
    excellent, incompetent = year

    listed = _close(settings, hr, organisation)

    excellent.refresh_from_db()
    incompetent.refresh_from_db()
    assert excellent.locked_at is not None and incompetent.locked_at is not None
    # Audited as the 优秀 line's lock is: old → new, the publication as the reason.
    entry = AuditEntry.objects.filter(
        content_type__model="annualresult", object_pk=str(incompetent.pk), action=AuditEntry.Action.UPDATE
    ).latest("pk")
    assert entry.changes_dict["locked_at"][0] == "None"
    assert entry.reason == f"公示期满定等：{listed.title}"
    assert entry.organisation_id == organisation.pk


def test_the_committee_cannot_change_a_closed_years_incompetent_and_is_told_to_ask_for_a_review(
    client_for, settings, year, organisation, hr, chief
):
    _, incompetent = year
    _close(settings, hr, organisation)

    with pytest.raises(ValidationError, match="已公示定等，不能再修改；如需更改，请由人事部门通过复核办理"):
        annual_decide(result=incompetent, actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="改")

    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, incompetent.pk])).content.decode()
    assert 'data-testid="decision-closed"' in page and "请由人事部门通过复核办理" in page
    assert 'data-testid="decide-submit"' not in page
    # Sent from a tab opened before the close: refused, with the reason in an alert (a user test
    # saw the page come back with nothing said).
    stale = client_for(chief).post(
        reverse("evaluations:annual_decide", args=[YEAR, incompetent.pk]),
        {"grade": "basically_competent", "reason": "改"},
    )
    assert stale.status_code == 409
    assert "未保存：该年度结果已公示定等，不能再修改" in stale.content.decode()
    assert AnnualResult.objects.get(pk=incompetent.pk).decided_grade == AnnualGrade.INCOMPETENT


def test_a_review_case_on_a_closed_years_incompetent_changes_the_grade_audited(
    settings, year, organisation, hr, colleague
):
    _, incompetent = year
    _close(settings, hr, organisation)
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=AFTER_WINDOW)
    case = review_cases.review_case_request(actor=hr, case=case, requested_on=AFTER_WINDOW)

    case = review_cases.review_case_decide(
        actor=hr,
        case=case,
        decided_on=AFTER_WINDOW,
        decision="复核认定基本称职",
        new_grade=AnnualGrade.BASICALLY_COMPETENT,
    )

    incompetent.refresh_from_db()
    assert (case.state, case.changed_to) == (ReviewCaseState.DECIDED, AnnualGrade.BASICALLY_COMPETENT)
    assert incompetent.decided_grade == AnnualGrade.BASICALLY_COMPETENT and incompetent.locked_at is not None
    review = AnnualReview.objects.get(annual_result=incompetent)
    assert (review.old_grade, review.new_grade, review.reviewed_by) == (
        AnnualGrade.INCOMPETENT,
        AnnualGrade.BASICALLY_COMPETENT,
        hr,
    )
    event = AuditEntry.objects.get(event="annual_reviewed_after_lock", object_pk=str(incompetent.pk))
    assert event.actor == hr
    change = AuditEntry.objects.filter(
        content_type__model="annualresult", object_pk=str(incompetent.pk), action=AuditEntry.Action.UPDATE
    ).latest("pk")
    assert change.changes_dict["decided_grade"] == [AnnualGrade.INCOMPETENT, AnnualGrade.BASICALLY_COMPETENT]
    assert change.reason == "复核认定基本称职"


def test_a_result_still_undecided_at_the_close_stays_open_for_the_committee(
    settings, year, organisation, department, hr, chief
):
    listed = publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    # Someone whose year reached the organisation after the list was posted.
    newcomer = UserFactory(username="newcomer", full_name="调入者", department=department)
    late = AnnualResultFactory(person=newcomer, year=YEAR, suggested_grade=AnnualGrade.COMPETENT)
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    publication.publications_lock_due(organisation_id=organisation.pk)
    listed.refresh_from_db()
    assert listed.closed_at is not None

    late.refresh_from_db()
    assert late.locked_at is None
    decided = annual_decide(result=late, actor=chief, grade=AnnualGrade.COMPETENT, reason="")
    assert decided.decided_grade == AnnualGrade.COMPETENT


def test_the_close_is_one_update_whatever_the_number_of_results_and_safe_to_run_twice(organisation, department):
    for number in range(6):
        person = UserFactory(username=f"p{number}", department=department)
        AnnualResultFactory(person=person, year=YEAR, decided_grade=AnnualGrade.COMPETENT)

    with CaptureQueriesContext(connection) as queries:
        assert annual_year_close(organisation_id=organisation.pk, year=YEAR) == 6
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "evaluations_annualresult"')]
    assert len(updates) == 1
    entries = AuditEntry.objects.filter(content_type__model="annualresult", action=AuditEntry.Action.UPDATE)
    assert sorted(entry.changes_dict.keys() for entry in entries) == [{"locked_at": None}.keys()] * 6
    assert annual_year_close(organisation_id=organisation.pk, year=YEAR) == 0


def _late_result(department, username: str, full_name: str) -> AnnualResult:
    """Someone whose year reached the organisation after the 优秀 list was posted: undecided at the close."""
    person = UserFactory(username=username, full_name=full_name, department=department)
    return AnnualResultFactory(person=person, year=YEAR, suggested_grade=AnnualGrade.INCOMPETENT)


def test_a_result_the_committee_decides_after_the_close_is_locked_as_the_close_locked_the_others(
    client_for, settings, year, organisation, department, hr, chief
):
    publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    late = _late_result(department, "newcomer", "调入者")
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    publication.publications_lock_due(organisation_id=organisation.pk)
    listed = publication.Publication.objects.get(organisation=organisation, year=YEAR)
    assert listed.closed_at is not None and AnnualResult.objects.get(pk=late.pk).locked_at is None

    decided = annual_decide(result=late, actor=chief, grade=AnnualGrade.INCOMPETENT, reason="")

    assert decided.locked_at is not None and AnnualResult.objects.get(pk=late.pk).locked_at is not None
    # Audited as the close audits the year's others: old → new, the publication as the reason.
    entry = AuditEntry.objects.filter(
        content_type__model="annualresult", object_pk=str(late.pk), action=AuditEntry.Action.UPDATE
    ).latest("pk")
    assert entry.changes_dict["locked_at"][0] == "None"
    assert entry.reason == f"公示期满定等：{listed.title}"
    # The committee's page says it is closed, and a change goes through HR's review (复核).
    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, late.pk])).content.decode()
    assert 'data-testid="decision-closed"' in page and 'data-testid="decide-submit"' not in page
    with pytest.raises(ValidationError, match="已公示定等，不能再修改"):
        annual_decide(result=late, actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="改")


def test_results_adopted_after_the_close_are_locked_too(settings, year, organisation, department, hr, chief):
    for number in range(3):  # enough people for the one 优秀 place the quota check counts
        person = UserFactory(username=f"p{number}", department=department)
        AnnualResultFactory(person=person, year=YEAR, decided_grade=AnnualGrade.COMPETENT)
    publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    late = _late_result(department, "newcomer", "调入者")
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    publication.publications_lock_due(organisation_id=organisation.pk)

    assert annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief) == 1

    late.refresh_from_db()
    assert (late.decided_grade, late.locked_at is not None) == (AnnualGrade.INCOMPETENT, True)


def test_a_result_decided_while_the_list_is_still_posted_stays_open_for_the_committee(
    settings, year, organisation, department, hr, chief
):
    listed = publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    late = _late_result(department, "newcomer", "调入者")

    decided = annual_decide(result=late, actor=chief, grade=AnnualGrade.INCOMPETENT, reason="")

    listed.refresh_from_db()
    assert listed.closed_at is None
    assert decided.locked_at is None and AnnualResult.objects.get(pk=late.pk).locked_at is None
    changed = annual_decide(result=late, actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="改")
    assert changed.decided_grade == AnnualGrade.BASICALLY_COMPETENT


def _decide_case_on_its_page(client, case, grade: str, decision: str):
    return client.post(
        case.get_absolute_url(),
        {"action": "decide", "decided_on": AFTER_WINDOW.isoformat(), "decision": decision, "new_grade": grade},
    )


def test_a_review_case_opened_before_the_close_changes_the_grade_once_the_year_is_closed(
    client_for, settings, year, organisation, hr, colleague
):
    """The 不称职 was decided, and its 复核 asked for, while the 优秀 list was posted: the case is
    decided after the close, which locked the result, and its new grade stands."""
    _, incompetent = year
    listed = publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=PUBLISH_DAY)
    case = review_cases.review_case_request(actor=hr, case=case, requested_on=PUBLISH_DAY)
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    publication.publications_lock_due(organisation_id=organisation.pk)
    listed.refresh_from_db()
    assert listed.closed_at is not None

    response = _decide_case_on_its_page(client_for(hr), case, AnnualGrade.BASICALLY_COMPETENT, "复核认定基本称职")

    assert response.status_code == 302
    assert "尚未定等" not in client_for(hr).get(case.get_absolute_url()).content.decode()
    incompetent.refresh_from_db()
    assert incompetent.decided_grade == AnnualGrade.BASICALLY_COMPETENT and incompetent.locked_at is not None
    assert ReviewCase.objects.get(pk=case.pk).changed_to == AnnualGrade.BASICALLY_COMPETENT
    assert AnnualReview.objects.get(annual_result=incompetent).old_grade == AnnualGrade.INCOMPETENT


def test_a_review_case_decided_while_the_year_is_still_open_leaves_the_change_to_the_committee(
    client_for, settings, year, organisation, hr
):
    """Before the close the committee still changes its decision itself: the case's change of grade
    is refused, said on the page, and nothing changes."""
    _, incompetent = year
    publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    case = review_cases.review_case_open(actor=hr, annual_result=incompetent, notified_on=PUBLISH_DAY)
    case = review_cases.review_case_request(actor=hr, case=case, requested_on=PUBLISH_DAY)

    response = client_for(hr).post(
        case.get_absolute_url(),
        {"action": "decide", "decided_on": PUBLISH_DAY.isoformat(), "decision": "改", "new_grade": "competent"},
    )

    assert response.status_code == 400 and "该年度结果尚未定等，不需要复核" in response.content.decode()
    assert AnnualResult.objects.get(pk=incompetent.pk).decided_grade == AnnualGrade.INCOMPETENT
    assert ReviewCase.objects.get(pk=case.pk).state == ReviewCaseState.REQUESTED


def test_hr_reviews_on_its_page_a_result_decided_before_the_close(client_for, settings, year, organisation, hr):
    excellent, _ = year
    _close(settings, hr, organisation)
    url = reverse("evaluations:annual_review", args=[YEAR, excellent.pk])

    response = client_for(hr).post(url, {"new_grade": AnnualGrade.COMPETENT, "reason": "复核发现年底重大失误"})

    assert response.status_code == 302
    assert AnnualResult.objects.get(pk=excellent.pk).decided_grade == AnnualGrade.COMPETENT


def test_the_committees_list_offers_to_read_what_it_can_no_longer_change(
    client_for, settings, year, organisation, hr, chief
):
    """A user test: the agency head's list offered 修改 on results the decision page then refused
    (on the posted 优秀 list, then locked). They read 查看; one still open reads 修改."""
    excellent, incompetent = year
    url = reverse("evaluations:annual", args=[YEAR])

    def buttons() -> dict[str, str]:
        page = client_for(chief).get(url).content.decode()
        rows = page.split('data-testid="annual-row"')[1:]
        return {
            name: re.search(r'data-testid="decide">([^<]*)<', row).group(1)
            for row in rows
            for name in (excellent.person.get_full_name(), incompetent.person.get_full_name())
            if name in row
        }

    assert set(buttons().values()) == {"修改"}
    listed = publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    assert buttons() == {excellent.person.get_full_name(): "查看", incompetent.person.get_full_name(): "修改"}
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    publication.publications_lock_due(organisation_id=organisation.pk)
    listed.refresh_from_db()
    assert listed.closed_at is not None
    assert set(buttons().values()) == {"查看"}


def test_the_review_makes_nobody_excellent_who_was_not_on_the_posted_list(client_for, settings, year, organisation, hr):
    """A user test made two people 优秀 by 定等后复核 after the list was locked: over the quota,
    never eligible, never public. One who was not on the posted list is refused, said beside the
    grade; one who stood on it, reviewed down, may be given it back."""
    excellent, incompetent = year
    _close(settings, hr, organisation)
    client = client_for(hr)
    url = reverse("evaluations:annual_review", args=[YEAR, incompetent.pk])

    response = client.post(url, {"new_grade": AnnualGrade.EXCELLENT, "reason": "复核认为全年表现突出"})

    assert response.status_code == 400
    assert "未列入2025年度优秀公示名单：优秀须经考核委员会确定并公示" in response.content.decode()
    assert "不在可用的选项中" not in response.content.decode()
    assert AnnualResult.objects.get(pk=incompetent.pk).decided_grade == AnnualGrade.INCOMPETENT
    assert not AnnualReview.objects.filter(annual_result=incompetent).exists()
    listed = reverse("evaluations:annual_review", args=[YEAR, excellent.pk])
    assert client.post(listed, {"new_grade": AnnualGrade.COMPETENT, "reason": "复核发现失误"}).status_code == 302
    assert client.post(listed, {"new_grade": AnnualGrade.EXCELLENT, "reason": "再次复核予以纠正"}).status_code == 302
    assert AnnualResult.objects.get(pk=excellent.pk).decided_grade == AnnualGrade.EXCELLENT


def test_the_review_page_offers_excellent_only_where_a_review_may_give_it(client_for, settings, year, organisation, hr):
    """A user test found 优秀 among the choices of a person who was never on the posted list, refused
    only after submitting; the committee's page leaves it out. Now the review page does too, and says why."""
    excellent, incompetent = year
    _close(settings, hr, organisation)
    client = client_for(hr)

    def offered(result) -> tuple[bool, str]:
        page = client.get(reverse("evaluations:annual_review", args=[YEAR, result.pk])).content.decode()
        select = page.split('name="new_grade"')[1].split("</select>")[0]
        return f'value="{AnnualGrade.EXCELLENT}"' in select, page

    excellent_offered, page = offered(incompetent)
    assert not excellent_offered
    assert "不可复核为优秀。" in page and "未列入2025年度优秀公示名单" in page
    assert offered(excellent)[0]
    # The reason names the person: escaped, though crispy writes help texts as they are (a security
    # test's name, typed by the system administrator, redirected HR's browser with a <meta>).
    type(incompetent.person).objects.filter(pk=incompetent.person_id).update(full_name='<meta http-equiv="refresh">乙')
    page = offered(incompetent)[1]
    helptext = page.split('id="id_new_grade_helptext"')[1].split("</div>")[0]
    assert "&lt;meta http-equiv=&quot;refresh&quot;&gt;乙" in helptext and "<meta http-equiv" not in page


def test_a_review_case_on_an_incompetent_decided_after_the_close_changes_the_grade(
    client_for, settings, year, organisation, department, hr, chief
):
    """The committee decided a late 不称职 after the close: its 复核 case was refused as 尚未定等
    (nothing had locked the result) until the decision locked it as the close would have."""
    publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    late = _late_result(department, "newcomer", "调入者")
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    publication.publications_lock_due(organisation_id=organisation.pk)
    late = annual_decide(result=late, actor=chief, grade=AnnualGrade.INCOMPETENT, reason="")
    case = review_cases.review_case_open(actor=hr, annual_result=late, notified_on=AFTER_WINDOW)
    case = review_cases.review_case_request(actor=hr, case=case, requested_on=AFTER_WINDOW)

    response = _decide_case_on_its_page(client_for(hr), case, AnnualGrade.COMPETENT, "复核认定称职")

    assert response.status_code == 302
    late.refresh_from_db()
    assert (late.decided_grade, ReviewCase.objects.get(pk=case.pk).state) == (
        AnnualGrade.COMPETENT,
        ReviewCaseState.DECIDED,
    )


def test_the_close_leaves_a_decision_a_later_sanction_forbids_for_the_committee(
    client_for, settings, year, organisation, department, hr, chief
):
    """A user test: a 记过 recorded after the committee adopted the suggestions (称职); 定等 of the
    优秀 list said nothing and the close locked 称职 for a year the rules leave 不定等次."""
    from accounts.models import Notification
    from evaluations.discipline.models import SanctionKind
    from tests.factories import SanctionFactory

    sanctioned = UserFactory(department=department, full_name="黄飞")
    result = AnnualResultFactory(
        person=sanctioned, year=YEAR, suggested_grade=AnnualGrade.COMPETENT, decided_grade=AnnualGrade.COMPETENT
    )
    SanctionFactory(person=sanctioned, kind=SanctionKind.DEMERIT, decided_on=date(YEAR, 12, 20))
    listed = publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    page = client_for(hr).get(reverse("publicity:publication_detail", args=[listed.pk])).content.decode()
    assert "黄飞的年度等次与处分或试用期规定不符，不随年度定等锁定" in page
    publication.publications_lock_due(organisation_id=organisation.pk)

    result.refresh_from_db()
    excellent, incompetent = year
    incompetent.refresh_from_db()
    assert result.locked_at is None and incompetent.locked_at is not None
    assert Notification.objects.filter(
        recipient=chief, message__contains="黄飞的2025年度确定的“称职”与规定不符"
    ).exists()
    # Open for the committee's decision (which, after the close, locks it as the close would have).
    from evaluations.annual.services import decision_closed

    assert decision_closed(result) == ""


def test_a_posted_excellent_points_to_one_way_while_the_list_is_on_show(
    client_for, settings, year, organisation, hr, chief
):
    """A user test: the decide page sent HR to 复核, the review page sent them back to the committee."""
    excellent, _incompetent = year
    publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    decide = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, excellent.pk])).content.decode()
    assert "公示期满定等后，如需更改，请由人事部门通过复核办理" in decide
    review = client_for(hr).get(reverse("evaluations:annual_review", args=[YEAR, excellent.pk])).content.decode()
    assert "公示期满定等后可在此复核" in review and "定等前由考核委员会" not in review


def test_hrs_lock_of_the_excellent_list_says_first_and_after_that_the_years_other_results_lock_with_it(
    client_for, settings, year, organisation, hr
):
    """A user test: 定等 of the 优秀 list locked 称职 and 不称职 too, its question and its message
    speaking of the list's lines alone."""
    excellent, incompetent = year
    listed = publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    client = client_for(hr)
    page = client.get(listed.get_absolute_url()).content.decode()
    # The decided results besides the list, as the message after 定等 counts them (a re-test read 61 then 52).
    assert "本年度其他已确定等次、尚未定等的1人的年度考核结果一并定等。" in page
    response = client.post(reverse("publicity:publication_lock", args=[listed.pk]), follow=True)
    text = response.content.decode()
    assert "已定等1人，本次公示已全部定等。本年度其他已确定等次的1人的年度考核结果一并定等。" in text
    incompetent.refresh_from_db()
    assert incompetent.locked_at is not None


def test_the_question_counts_a_line_withdrawn_from_the_list_which_the_close_locks_too(settings, year, organisation, hr):
    """A review: a line sent back and decided other than 优秀 (已撤下) is locked by the year's close like
    any decided result, but 定等's question left it out of its count."""
    from publicity.publication.models import EntryState
    from publicity.publication.selectors import decided_not_locked_count

    listed = publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    count = decided_not_locked_count(organisation_id=organisation.pk, year=YEAR, publication_id=listed.pk)
    assert count == 1  # the 不称职 beside the list
    listed.entries.update(state=EntryState.WITHDRAWN)
    assert decided_not_locked_count(organisation_id=organisation.pk, year=YEAR, publication_id=listed.pk) == 2


def test_a_list_over_the_quota_after_the_share_was_cut_is_not_published_and_a_published_list_keeps_its_share(
    client_for, settings, year, organisation, hr, chief
):
    """A user test: HR cut the 优秀 share after the committee decided; the annual page said nothing,
    the list over the quota was published and locked, and the locked year read 8 优秀 against 5."""
    from evaluations.annual.models import AnnualRollupRun
    from evaluations.annual.services import excellent_status
    from tests.factories import policy_with

    AnnualRollupRun.objects.get_or_create(organisation=organisation, year=YEAR)
    policy_with(organisation, excellent_quota_percent=20)  # 2 people: no 优秀 place now
    page = client_for(chief).get(reverse("evaluations:annual", args=[YEAR])).content.decode()
    assert "已确定或建议优秀1人，超出优秀名额0人" in page.split('data-testid="over-quota"', 1)[1]
    with pytest.raises(ValidationError, match="超出优秀名额0人"):
        publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    policy_with(organisation, excellent_quota_percent=50)
    publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    # Published: the share is the year's; a cut now does not move the list's quota.
    policy_with(organisation, excellent_quota_percent=20)
    assert (
        excellent_status(organisation=organisation, year=YEAR).quota,
        excellent_status(organisation=organisation, year=YEAR).percent,
    ) == (1, 50)
    assert (
        'data-testid="over-quota"'
        not in client_for(chief).get(reverse("evaluations:annual", args=[YEAR])).content.decode()
    )


def test_the_lock_question_names_a_decision_the_suggestion_left_with_no_reason(
    settings, year, organisation, hr, client_for
):
    """A user test: another's veto re-ranked the year after the list was posted; a 称职 decided on
    its suggestion now stood against a suggested 优秀 with no reason, and 定等 locked it unsaid."""
    excellent, incompetent = year
    listed = publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)
    AnnualResult.objects.filter(pk=incompetent.pk).update(suggested_grade=AnnualGrade.BASICALLY_COMPETENT)
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    page = client_for(hr).get(listed.get_absolute_url()).content.decode()
    question = page.split('data-testid="lock"', 1)[0].rsplit("data-confirm=", 1)[1]
    assert f"{incompetent.person.get_full_name()}的确定等次与现在的建议等次不一致且未说明理由" in question
    # With the reason given, nothing is named.
    AnnualResult.objects.filter(pk=incompetent.pk).update(decision_reason="多次误期")
    page = client_for(hr).get(listed.get_absolute_url()).content.decode()
    assert "未说明理由" not in page.split('data-testid="lock"', 1)[0].rsplit("data-confirm=", 1)[1]
