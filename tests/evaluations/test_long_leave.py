"""Long leave beyond the policy's share of the quarter: 不确定等次 is suggested, with the reason.

The fourth quarter of 2026 (the `quarter` fixture) has 92 days: 46 days on leave is exactly half,
47 is more.
"""

from datetime import date

from django.urls import reverse

from accounts.models import Policy, StaffStatusKind
from evaluations.grading.services.suggestions import long_leave_in_quarter
from evaluations.models import Grade, QuarterGrade, UncertainReason
from tests.factories import StaffStatusFactory

GRADING = reverse("evaluations:grading")


def leave(person, start, end=None, kind=StaffStatusKind.LONG_LEAVE):
    return StaffStatusFactory(user=person, kind=kind, start_date=start, end_date=end)


def on_leave(organisation, **kwargs):
    return long_leave_in_quarter(organisation_id=organisation.pk, year=2026, quarter=4, **kwargs)


def set_share(organisation, percent):
    Policy.objects.filter(organisation=organisation).update(uncertain_leave_share_percent=percent)


def test_leave_over_half_the_quarter_suggests_uncertain_for_long_leave(organisation, staff):
    leave(staff, date(2026, 10, 1), date(2026, 11, 16))  # 47 days
    found = on_leave(organisation)[staff.pk]
    assert (found.grade, found.uncertain_reason) == (Grade.UNCERTAIN, UncertainReason.LONG_LEAVE)
    assert (found.days, found.quarter_days, found.limit_percent) == (47, 92, 50)
    assert found.explanation == "休假47天，占本季度51.1%，超过规定的50%，建议定为不确定等次。"


def test_leave_of_exactly_half_the_quarter_is_not_enough(organisation, staff):
    leave(staff, date(2026, 10, 1), date(2026, 11, 15))  # 46 days
    assert on_leave(organisation) == {}


def test_the_share_is_the_organisations_policy(organisation, staff, colleague):
    leave(staff, date(2026, 12, 2), date(2026, 12, 31))  # 30 days: 32.6 %
    assert on_leave(organisation) == {}
    set_share(organisation, 30)
    found = on_leave(organisation)[staff.pk]
    assert found.explanation == "休假30天，占本季度32.6%，超过规定的30%，建议定为不确定等次。"


def test_a_leave_without_an_end_date_runs_to_the_end_of_the_quarter(organisation, staff):
    leave(staff, date(2026, 11, 1))  # 61 days to 31 December
    assert on_leave(organisation)[staff.pk].days == 61


def test_only_days_inside_the_quarter_count_and_overlapping_leaves_count_once(organisation, staff, colleague):
    leave(staff, date(2026, 8, 1), date(2026, 10, 31))  # 31 days of the quarter
    leave(staff, date(2026, 10, 20), date(2026, 11, 15))  # 15 more days beyond 31 October
    leave(colleague, date(2026, 10, 1), date(2026, 10, 31))
    leave(colleague, date(2026, 11, 1), date(2026, 11, 16))  # 31 + 16 = 47 days, back to back
    found = on_leave(organisation)
    assert staff.pk not in found  # 46 days: exactly half
    assert found[colleague.pk].days == 47


def test_leave_outside_the_quarter_other_statuses_and_other_organisations_do_not_count(
    organisation, staff, colleague, outsider
):
    leave(staff, date(2026, 7, 1), date(2026, 9, 30))
    leave(staff, date(2027, 1, 1))
    leave(colleague, date(2026, 10, 1), kind=StaffStatusKind.PROBATION)
    leave(outsider, date(2026, 10, 1))
    assert on_leave(organisation) == {}
    assert outsider.pk in long_leave_in_quarter(organisation_id=outsider.organisation_id, year=2026, quarter=4)


def test_it_can_be_limited_to_some_people(organisation, staff, colleague):
    leave(staff, date(2026, 10, 1))
    leave(colleague, date(2026, 10, 1))
    assert set(on_leave(organisation, person_ids=[colleague.pk])) == {colleague.pk}


# --- The grading page ---------------------------------------------------------------------


def test_the_evaluator_sees_uncertain_suggested_with_the_reason(client_for, quarter, head, staff, colleague, grade_of):
    leave(staff, date(2026, 10, 1), date(2026, 11, 16))
    html = client_for(head).get(GRADING).content.decode()
    assert html.count('data-testid="suggestion-explanation"') == 1
    assert "休假47天，占本季度51.1%，超过规定的50%，建议定为不确定等次。" in html
    assert "建议等次：不确定等次" in html

    detail = client_for(head).get(reverse("evaluations:grade_detail", args=[grade_of(staff).pk])).content.decode()
    assert "建议定为不确定等次" in detail
    other = client_for(head).get(reverse("evaluations:grade_detail", args=[grade_of(colleague).pk])).content.decode()
    assert "建议定为不确定等次" not in other


def test_long_leave_wins_over_the_score_models_suggestion(client_for, organisation, quarter, head, staff, grade_of):
    Policy.objects.filter(organisation=organisation).update(score_model_enabled=True)
    QuarterGrade.objects.filter(pk=grade_of(staff).pk).update(
        composite_score=95, personal_score=95, suggested_grade=Grade.GOOD
    )
    leave(staff, date(2026, 10, 1))
    html = client_for(head).get(reverse("evaluations:grade_detail", args=[grade_of(staff).pk])).content.decode()
    assert "建议等次：不确定等次" in html


def test_no_suggestion_when_the_policy_allows_the_whole_quarter(client_for, organisation, quarter, head, staff):
    set_share(organisation, 100)
    leave(staff, date(2026, 10, 1))
    html = client_for(head).get(GRADING).content.decode()
    assert "建议定为不确定等次" not in html


# --- Under investigation (立案审查): not graded either (DOMAIN.md §4) --------------------------


def test_someone_under_investigation_is_suggested_uncertain_whichever_way_hr_recorded_it(
    client_for, organisation, quarter, head, staff, colleague, grade_of, hr
):
    """A user test: a person with a 立案审查 special status and sanction was graded 好 and confirmed
    with nothing said; long leave was suggested 不确定等次, the investigation not."""
    from tests.factories import SanctionFactory

    leave(staff, date(2026, 11, 20), kind=StaffStatusKind.UNDER_INVESTIGATION)
    SanctionFactory(organisation=organisation, person=colleague, kind="investigation", decided_on=date(2026, 12, 1))
    html = client_for(head).get(GRADING).content.decode()
    assert "自2026-11-20起立案审查，建议定为不确定等次（原因：立案审查）。" in html
    assert "自2026-12-01起立案审查，建议定为不确定等次（原因：立案审查）。" in html
    assert html.count("建议等次：不确定等次") == 2


def test_an_investigation_ended_in_the_quarter_says_when(client_for, organisation, quarter, head, staff, colleague):
    """A re-test: a 立案审查 special status ended on 12-10 read on the grading card as if still open."""
    from tests.factories import SanctionFactory, StaffStatusFactory

    StaffStatusFactory(
        user=staff, kind=StaffStatusKind.UNDER_INVESTIGATION, start_date=date(2026, 11, 2), end_date=date(2026, 12, 10)
    )
    SanctionFactory(
        organisation=organisation,
        person=colleague,
        kind="investigation",
        decided_on=date(2026, 10, 20),
        closed_on=date(2026, 12, 15),
    )
    html = client_for(head).get(GRADING).content.decode()
    assert "2026-11-02至2026-12-10立案审查，建议定为不确定等次（原因：立案审查）。" in html
    assert "2026-10-20至2026-12-15立案审查，建议定为不确定等次（原因：立案审查）。" in html


def test_an_investigation_closed_before_the_quarter_or_begun_after_it_suggests_nothing(
    client_for, organisation, quarter, head, staff, colleague
):
    from tests.factories import SanctionFactory

    leave(staff, date(2026, 3, 1), date(2026, 9, 30), kind=StaffStatusKind.UNDER_INVESTIGATION)
    SanctionFactory(
        organisation=organisation,
        person=colleague,
        kind="investigation",
        decided_on=date(2026, 5, 1),
        closed_on=date(2026, 9, 1),
    )
    leave(colleague, date(2027, 1, 2), kind=StaffStatusKind.UNDER_INVESTIGATION)
    assert "立案审查，建议定为不确定等次" not in client_for(head).get(GRADING).content.decode()


def test_a_seconded_persons_card_says_the_host_appraises_them(client_for, organisation, quarter, head, staff):
    """A user test: someone 挂职/援派 since March was graded by the head all year with nothing said;
    DOMAIN.md §2 has the host organisation appraise them."""
    leave(staff, date(2026, 3, 1), kind=StaffStatusKind.SECONDED)
    html = client_for(head).get(GRADING).content.decode()
    card = html.split('data-testid="suggestion-explanation">', 1)[1].split("</div>", 1)[0]
    assert card == "挂职/援派（自2026-03-01起）：由接收单位考核，请依据接收单位的考核意见评定等次。"
    assert html.count("由接收单位考核") == 1
