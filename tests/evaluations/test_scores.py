"""The score model: indicator sets, indicator scores, department linkage, suggestions within the quota,
and HR's pages for indicators and department scores."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry, Policy, PositionCategory, Role
from evaluations.grading.services import quota
from evaluations.grading.services.grading import appraisal_quarter_open
from evaluations.grading.services.scores import (
    default_indicator_set,
    department_score_save,
    indicator_scores_save,
    indicator_set_save,
    indicators_for,
    suggested_grades,
    suggested_grades_of,
)
from evaluations.models import (
    DepartmentScore,
    Grade,
    Indicator,
    IndicatorGroup,
    IndicatorScore,
    IndicatorSet,
    IndicatorSource,
    QuarterGrade,
    QuarterState,
    ServiceEvent,
)
from tests.factories import (
    DepartmentFactory,
    DepartmentScoreFactory,
    SatisfactionScoreFactory,
    UserFactory,
    save_fields,
)


@pytest.fixture
def policy(score_model_on):
    return score_model_on


def set_policy(policy, **values):
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()


def manual_scores(row, common, individual=None):
    """Scores for every manual indicator of the row's person: ``common`` for 共性, ``individual`` for 个性."""
    individual = common if individual is None else individual
    return {
        indicator.pk: Decimal(str(common if indicator.group == IndicatorGroup.COMMON else individual))
        for indicator in indicators_for(grade_row=row)
        if indicator.source == IndicatorSource.MANUAL
    }


def score(row, actor, common, individual=None):
    return indicator_scores_save(grade_row=row, actor=actor, scores=manual_scores(row, common, individual))


def rows_payload(rows):
    data = {
        "indicators-TOTAL_FORMS": str(len(rows)),
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
    }
    for i, (name, group, weight, source) in enumerate(rows):
        data.update(
            {
                f"indicators-{i}-sort_order": str(i + 1),
                f"indicators-{i}-name": name,
                f"indicators-{i}-group": group,
                f"indicators-{i}-weight": str(weight),
                f"indicators-{i}-source": source,
            }
        )
    return data


def as_rows(weights):
    return [
        {"name": f"指标{i}", "group": IndicatorGroup.INDIVIDUAL, "weight": w, "source": IndicatorSource.MANUAL}
        for i, w in enumerate(weights)
    ]


# --- Indicator sets ---------------------------------------------------------------------------


def test_the_default_set_splits_the_policy_weights_over_the_five_common_and_four_individual_indicators(
    organisation, policy
):
    indicator_set = default_indicator_set(organisation=organisation, position_category=PositionCategory.GENERAL)
    indicators = list(indicator_set.indicators.all())
    assert [i.name for i in indicators] == [
        "政治品质",
        "职业道德",
        "工作作风",
        "廉洁自律",
        "出勤情况",
        "工作数量",
        "工作质量",
        "工作效率",
        "工作成效",
    ]
    assert [i.weight for i in indicators] == [8] * 5 + [15] * 4
    assert {i.source for i in indicators} == {IndicatorSource.MANUAL}
    assert default_indicator_set(organisation=organisation, position_category="general") == indicator_set


def test_the_default_service_set_adds_satisfaction_and_service_events_as_automatic_indicators(organisation, policy):
    indicator_set = default_indicator_set(organisation=organisation, position_category=PositionCategory.SERVICE)
    sources = {i.name: (i.source, i.weight) for i in indicator_set.indicators.filter(group="individual")}
    assert sources["满意度"] == (IndicatorSource.SATISFACTION, 10)
    assert sources["表扬与投诉"] == (IndicatorSource.SERVICE_EVENTS, 10)
    assert sum(i.weight for i in indicator_set.indicators.all()) == 100


@pytest.mark.parametrize("last_weight", [19, 21])
def test_it_refuses_weights_that_do_not_total_exactly_100(organisation, policy, last_weight):
    indicator_set = default_indicator_set(organisation=organisation, position_category=PositionCategory.GENERAL)
    total = 80 + last_weight
    with pytest.raises(ValidationError, match=f"当前为{total}"):
        indicator_set_save(indicator_set=indicator_set, indicators=as_rows([40, 40, last_weight]))
    assert indicator_set.indicators.count() == 9  # nothing replaced


def test_weights_totalling_100_replace_the_indicators(organisation, policy):
    indicator_set = default_indicator_set(organisation=organisation, position_category=PositionCategory.GENERAL)
    kept = indicator_set.indicators.first()
    rows = [{"id": kept.pk, "name": "政治素质", "group": "common", "weight": 50, "source": "manual"}, *as_rows([50])]
    indicator_set_save(indicator_set=indicator_set, indicators=rows)
    assert [(i.name, i.weight) for i in indicator_set.indicators.all()] == [("政治素质", 50), ("指标0", 50)]
    assert Indicator.objects.get(pk=kept.pk).name == "政治素质"  # updated in place, not recreated


def test_it_refuses_duplicate_names_and_weights_outside_0_to_100(organisation, policy):
    indicator_set = default_indicator_set(organisation=organisation, position_category=PositionCategory.GENERAL)
    duplicate = [*as_rows([50]), *as_rows([50])]
    with pytest.raises(ValidationError, match="重复"):
        indicator_set_save(indicator_set=indicator_set, indicators=duplicate)
    with pytest.raises(ValidationError, match="0至100"):
        indicator_set_save(indicator_set=indicator_set, indicators=as_rows([101, -1]))


# --- Department scores --------------------------------------------------------------------


def test_the_department_score_weights_party_building_by_the_policy(department, hr, policy):
    saved = department_score_save(
        department=department,
        year=2026,
        quarter=4,
        party_building_score=Decimal("85.5"),
        work_score=Decimal("71.25"),
        actor=hr,
    )
    # 85.5 × 60 % + 71.25 × 40 % = 51.30 + 28.50
    assert saved.total == Decimal("79.80")
    assert saved.party_building_weight == 60


@pytest.mark.parametrize("weight", [50, 30])
def test_it_refuses_a_party_building_weight_of_half_or_less(department, hr, policy, weight):
    Policy.objects.filter(pk=policy.pk).update(party_building_weight=weight)
    with pytest.raises(ValidationError, match="超过50%"):
        department_score_save(
            department=department, year=2026, quarter=4, party_building_score=90, work_score=90, actor=hr
        )
    assert not DepartmentScore.objects.exists()
    unsaved = DepartmentScore(department=department, year=2026, quarter=4, party_building_weight=weight)
    with pytest.raises(ValidationError):
        unsaved.clean()


@pytest.mark.parametrize("who", ["head", "leader", "outside_hr"])
def test_only_hr_of_the_organisation_enters_department_scores(request, department, policy, who, other_organisation):
    if who == "outside_hr":
        actor = UserFactory(organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        department_score_save(
            department=department, year=2026, quarter=4, party_building_score=90, work_score=90, actor=actor
        )


# --- Indicator scores ---------------------------------------------------------------------


def test_the_personal_score_is_the_weighted_sum_and_without_linkage_the_composite_equals_it(
    quarter, head, staff, grade_of, policy
):
    row = score(grade_of(staff), head, common=90, individual=80)
    # 5 × 90 × 8 % + 4 × 80 × 15 % = 36 + 48
    assert row.personal_score == Decimal("84.00")
    assert row.composite_score == Decimal("84.00")
    assert row.suggested_grade == Grade.FAIRLY_GOOD
    assert IndicatorScore.objects.filter(quarter_grade=row).count() == 9


def test_with_linkage_the_department_score_pulls_the_composite_by_k(
    quarter, head, hr, staff, department, grade_of, policy
):
    set_policy(policy, linkage_enabled=True, linkage_coefficient=Decimal("0.30"))
    department_score_save(department=department, year=2026, quarter=4, party_building_score=70, work_score=70, actor=hr)
    row = score(grade_of(staff), head, common=90, individual=80)
    # 84 × 0.7 + 70 × 0.3 = 58.80 + 21.00
    assert row.personal_score == Decimal("84.00")
    assert row.composite_score == Decimal("79.80")
    assert row.suggested_grade == Grade.AVERAGE


def test_with_linkage_but_no_department_score_the_composite_is_the_personal_score(
    quarter, head, staff, grade_of, policy
):
    set_policy(policy, linkage_enabled=True)
    assert score(grade_of(staff), head, common=90, individual=80).composite_score == Decimal("84.00")


def test_a_department_score_entered_later_updates_the_composites_already_computed(
    quarter, head, hr, staff, department, grade_of, policy
):
    set_policy(policy, linkage_enabled=True)
    score(grade_of(staff), head, common=100)
    department_score_save(department=department, year=2026, quarter=4, party_building_score=50, work_score=50, actor=hr)
    row = grade_of(staff)
    assert (row.personal_score, row.composite_score, row.suggested_grade) == (
        Decimal("100.00"),
        Decimal("85.00"),
        Grade.FAIRLY_GOOD,
    )


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("100", Grade.GOOD),
        ("90", Grade.GOOD),
        ("89.99", Grade.FAIRLY_GOOD),
        ("80", Grade.FAIRLY_GOOD),
        ("79.99", Grade.AVERAGE),
        ("60", Grade.AVERAGE),
        ("59.99", Grade.POOR),
        ("0", Grade.POOR),
    ],
)
def test_the_bands_suggest_the_grade_including_the_boundaries(quarter, head, staff, grade_of, policy, value, grade):
    row = score(grade_of(staff), head, common=value)
    assert row.personal_score == Decimal(value)
    assert row.suggested_grade == grade


def test_a_head_cannot_score_someone_outside_their_department(quarter, organisation, head, second_head, policy):
    other = UserFactory(department=second_head.department)
    row = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4).grades.get(person=other)
    with pytest.raises(PermissionDenied):
        indicator_scores_save(grade_row=row, actor=head, scores={})
    assert not IndicatorScore.objects.exists()


@pytest.mark.parametrize("who", ["colleague", "leader", "hr", "outsider"])
def test_nobody_but_the_evaluator_scores_a_staff_member(request, quarter, staff, grade_of, policy, who):
    row = grade_of(staff)
    with pytest.raises(PermissionDenied):
        indicator_scores_save(grade_row=row, actor=request.getfixturevalue(who), scores=manual_scores(row, 90))


def test_the_leader_scores_the_head(quarter, leader, head, grade_of, policy):
    assert score(grade_of(head), leader, common=95).suggested_grade == Grade.GOOD


def test_scores_are_refused_once_the_quarter_is_approved(quarter, head, staff, grade_of, policy):
    quarter.state = QuarterState.APPROVED
    quarter.save()
    with pytest.raises(ValidationError, match="已审批"):
        score(grade_of(staff), head, common=90)


def test_scores_are_refused_when_the_score_model_is_off(quarter, head, staff, grade_of, policy):
    set_policy(policy, score_model_enabled=False)
    with pytest.raises(ValidationError, match="未启用"):
        score(grade_of(staff), head, common=90)


def test_every_manual_indicator_needs_a_score_between_0_and_100(quarter, head, staff, grade_of, policy):
    row = grade_of(staff)
    scores = manual_scores(row, 90)
    first = next(iter(scores))
    with pytest.raises(ValidationError, match="0至100"):
        indicator_scores_save(grade_row=row, actor=head, scores={**scores, first: Decimal("100.01")})
    del scores[first]
    with pytest.raises(ValidationError, match="请为以下指标打分"):
        indicator_scores_save(grade_row=row, actor=head, scores=scores)
    assert grade_of(staff).personal_score is None


# --- Automatic indicators --------------------------------------------------------------------


@pytest.fixture
def service_staff(staff):
    staff.position_category = PositionCategory.SERVICE
    staff.save()
    return staff


def automatic(row, source):
    indicator = next(i for i in indicators_for(grade_row=row) if i.source == source)
    return IndicatorScore.objects.get(quarter_grade=row, indicator=indicator).score


def test_satisfaction_is_the_persons_survey_score_else_their_departments(
    organisation, quarter, head, service_staff, department, grade_of, policy
):
    SatisfactionScoreFactory(department=department, score=Decimal("85"))
    row = score(grade_of(service_staff), head, common=90)
    assert automatic(row, IndicatorSource.SATISFACTION) == Decimal("85.00")
    SatisfactionScoreFactory(person=service_staff, score=Decimal("92.5"))
    row = score(grade_of(service_staff), head, common=90)
    assert automatic(row, IndicatorSource.SATISFACTION) == Decimal("92.50")


def test_without_a_satisfaction_score_the_service_staff_cannot_be_scored_yet(
    quarter, head, service_staff, grade_of, policy
):
    with pytest.raises(ValidationError, match="满意度"):
        score(grade_of(service_staff), head, common=90)


def test_an_automatic_indicator_cannot_be_scored_by_hand(
    organisation, quarter, head, service_staff, department, grade_of, policy
):
    SatisfactionScoreFactory(department=department, score=80)
    row = grade_of(service_staff)
    satisfaction = next(i for i in indicators_for(grade_row=row) if i.source == IndicatorSource.SATISFACTION)
    with pytest.raises(ValidationError):
        indicator_scores_save(
            grade_row=row, actor=head, scores={**manual_scores(row, 90), satisfaction.pk: Decimal("100")}
        )


def add_events(organisation, person, *events, day=date(2026, 11, 3)):
    for kind, handled in events:
        ServiceEvent.objects.create(
            organisation=organisation, person=person, date=day, kind=kind, handled=handled, description="来电"
        )


def test_service_events_score_100_minus_5_per_unhandled_and_2_per_handled_complaint_plus_2_per_praise(
    organisation, quarter, head, service_staff, department, grade_of, policy
):
    SatisfactionScoreFactory(department=department, score=80)
    add_events(
        organisation,
        service_staff,
        ("praise", None),
        ("praise", None),
        ("complaint", True),
        ("complaint", False),
        ("complaint", None),
    )
    add_events(organisation, service_staff, ("complaint", False), day=date(2026, 9, 30))  # previous quarter
    row = score(grade_of(service_staff), head, common=90)
    # 100 + 2 × 2 − 2 − 5 − 5
    assert automatic(row, IndicatorSource.SERVICE_EVENTS) == Decimal("92.00")
    # 40 × 90 % + 40 × 90 % (four manual individual indicators) + 10 × 80 % + 10 × 92 %
    assert row.personal_score == Decimal("89.20")


@pytest.mark.parametrize(
    ("events", "expected"),
    [([("complaint", False)] * 21, Decimal("0")), ([("praise", None)] * 6, Decimal("100"))],
)
def test_the_service_events_score_stays_between_0_and_100(
    organisation, quarter, head, service_staff, department, grade_of, policy, events, expected
):
    SatisfactionScoreFactory(department=department, score=80)
    add_events(organisation, service_staff, *events)
    row = score(grade_of(service_staff), head, common=90)
    assert automatic(row, IndicatorSource.SERVICE_EVENTS) == expected


def test_the_points_per_service_event_are_the_organisations_policy(
    organisation, quarter, head, service_staff, department, grade_of, policy
):
    SatisfactionScoreFactory(department=department, score=80)
    add_events(organisation, service_staff, ("praise", None), ("complaint", True), ("complaint", False))
    set_policy(policy, unhandled_complaint_deduction=10, handled_complaint_deduction=3, praise_bonus=1)
    row = score(grade_of(service_staff), head, common=90)
    # 100 + 1 − 3 − 10 instead of the defaults' 100 + 2 − 2 − 5
    assert automatic(row, IndicatorSource.SERVICE_EVENTS) == Decimal("88.00")

    set_policy(policy, unhandled_complaint_deduction=0, handled_complaint_deduction=0, praise_bonus=0)
    row = score(grade_of(service_staff), head, common=90)
    assert automatic(row, IndicatorSource.SERVICE_EVENTS) == Decimal("100.00")


def test_another_organisations_event_points_do_not_count(
    organisation, other_organisation, quarter, head, service_staff, department, grade_of, policy
):
    theirs = Policy.objects.get_or_create(organisation=other_organisation)[0]
    set_policy(theirs, unhandled_complaint_deduction=50)
    SatisfactionScoreFactory(department=department, score=80)
    add_events(organisation, service_staff, ("complaint", False))
    row = score(grade_of(service_staff), head, common=90)
    assert automatic(row, IndicatorSource.SERVICE_EVENTS) == Decimal("95.00")


# --- Suggestions within the quota ------------------------------------------------------------


def set_scores(quarter, person, composite, personal=None):
    QuarterGrade.objects.filter(appraisal_quarter=quarter, person=person).update(
        composite_score=Decimal(str(composite)), personal_score=Decimal(str(personal or composite))
    )


def test_within_the_quota_only_the_highest_composites_keep_the_good_suggestion(
    quarter, head, team, policy, django_assert_num_queries
):
    # 7 participants once the head is 不确定等次 → 40 % → 2 places for 好.
    save_fields(
        QuarterGrade.objects.filter(appraisal_quarter=quarter, person=head),
        grade=Grade.UNCERTAIN,
        uncertain_reason="long_leave",
    )
    for person, composite in zip(team, [91, 95, 90, 93, 92, 85, 59.99], strict=True):
        set_scores(quarter, person, composite)
    with django_assert_num_queries(2):
        suggestions = suggested_grades(appraisal_quarter=quarter)
    assert [suggestions[p.pk] for p in team] == [
        Grade.FAIRLY_GOOD,
        Grade.GOOD,
        Grade.FAIRLY_GOOD,
        Grade.GOOD,
        Grade.FAIRLY_GOOD,
        Grade.FAIRLY_GOOD,
        Grade.POOR,
    ]
    assert suggestions[head.pk] == Grade.UNCERTAIN
    assert_a_page_of_people_gets_the_same(quarter, suggestions)
    # The policy, the page's rows, the quarter's counters, one cut-off per pool: as many for 7 people
    # as for 1.
    with django_assert_num_queries(3 + len(quota.pool_kinds(policy))):
        suggested_grades(appraisal_quarter=quarter, person_ids=[p.pk for p in team])
    with django_assert_num_queries(3 + len(quota.pool_kinds(policy))):
        suggested_grades(appraisal_quarter=quarter, person_ids=[team[0].pk])


def assert_a_page_of_people_gets_the_same(quarter, suggestions):
    """The grading page asks for its own people only (counted in the database, not the quarter's
    rows read): each person alone, and all together, get what the whole quarter's ranking says."""
    everyone = list(QuarterGrade.objects.filter(appraisal_quarter=quarter).values_list("person_id", flat=True))
    for person_id in everyone:
        alone = suggested_grades(appraisal_quarter=quarter, person_ids=[person_id])
        assert alone == ({person_id: suggestions[person_id]} if person_id in suggestions else {}), person_id
    assert suggested_grades(appraisal_quarter=quarter, person_ids=everyone) == suggestions


def test_a_tie_at_the_cut_off_goes_to_the_higher_personal_score_then_the_lower_person_id(quarter, team, policy):
    # 8 participants → 3 places; four people share the third-best composite.
    set_scores(quarter, team[0], 99)
    set_scores(quarter, team[1], 98)
    set_scores(quarter, team[2], 95, personal=90)
    set_scores(quarter, team[3], 95, personal=96)
    set_scores(quarter, team[4], 95, personal=96)
    suggestions = suggested_grades(appraisal_quarter=quarter)
    winner = min(team[3].pk, team[4].pk)
    assert [p.pk for p in team[:5] if suggestions[p.pk] == Grade.GOOD] == sorted([team[0].pk, team[1].pk, winner])
    assert suggestions[team[2].pk] == Grade.FAIRLY_GOOD
    assert_a_page_of_people_gets_the_same(quarter, suggestions)


def test_separate_pools_keep_their_own_good_places(quarter, organisation, head, team, policy):
    set_policy(policy, good_quota_separate_pools=True)
    save_fields(QuarterGrade.objects.filter(appraisal_quarter=quarter, person=head), is_leader_position=True)
    set_scores(quarter, head, 95)  # alone in the leaders' pool: 40 % of 1 → no place
    for person in team:
        set_scores(quarter, person, 92)
    suggestions = suggested_grades(appraisal_quarter=quarter)
    assert suggestions[head.pk] == Grade.FAIRLY_GOOD
    assert sum(suggestions[p.pk] == Grade.GOOD for p in team) == 2  # 40 % of 7
    assert_a_page_of_people_gets_the_same(quarter, suggestions)


@pytest.mark.parametrize("separate_pools", [False, True])
def test_a_page_of_rows_gets_the_suggestions_of_the_whole_quarter_in_the_same_queries(
    quarter, head, team, policy, separate_pools, django_assert_num_queries
):
    """The grading page asks for its 20 rows only (scores.suggested_grades_of): the same answers
    as reading every row of the quarter, in as many queries for one row as for all."""
    set_policy(policy, good_quota_separate_pools=separate_pools)
    save_fields(QuarterGrade.objects.filter(appraisal_quarter=quarter, person=head), is_leader_position=True)
    save_fields(
        QuarterGrade.objects.filter(appraisal_quarter=quarter, person=team[6]),
        grade=Grade.UNCERTAIN,
        uncertain_reason="long_leave",
    )
    set_scores(quarter, head, 96)
    # Ties on the composite broken by the personal score, then the person id; one unscored.
    for person, (composite, personal) in zip(
        team[:6], [(95, 90), (95, 96), (95, 96), (93, 93), (91, 91), (80, 80)], strict=True
    ):
        set_scores(quarter, person, composite, personal)
    save_fields(QuarterGrade.objects.filter(appraisal_quarter=quarter, person=team[5]), composite_score=None)
    expected = suggested_grades(appraisal_quarter=quarter)
    rows = list(QuarterGrade.objects.filter(appraisal_quarter=quarter))
    with django_assert_num_queries(1 + len(quota.pool_kinds(policy))):
        assert suggested_grades_of(appraisal_quarter=quarter, rows=rows, policy=policy) == expected
    for row in rows:
        with django_assert_num_queries(1 + len(quota.pool_kinds(policy))):
            one = suggested_grades_of(appraisal_quarter=quarter, rows=[row], policy=policy)
        assert one == ({row.person_id: expected[row.person_id]} if row.person_id in expected else {})


@pytest.mark.parametrize("separate_pools", [False, True])
def test_given_the_pools_a_page_has_read_the_suggestions_are_the_same_in_one_query_fewer(
    quarter, head, team, policy, separate_pools, django_assert_num_queries
):
    """The grading pages read the quota's pools for their banner and hand them to the suggestions
    (one read of the quarter's counters, not two): the same answers."""
    set_policy(policy, good_quota_separate_pools=separate_pools)
    for i, person in enumerate(team[:6]):
        set_scores(quarter, person, 96 - i, 90)
    rows = list(QuarterGrade.objects.filter(appraisal_quarter=quarter))
    expected = suggested_grades_of(appraisal_quarter=quarter, rows=rows, policy=policy)
    pools = quota.quota_status(appraisal_quarter=quarter, policy=policy)
    with django_assert_num_queries(len(quota.pool_kinds(policy))):
        assert suggested_grades_of(appraisal_quarter=quarter, rows=rows, policy=policy, pools=pools) == expected
    assert Grade.GOOD in expected.values()


def test_the_grade_page_reads_the_quarters_counters_once(client_for, quarter, head, staff, grade_of, policy):
    """Its quota banner and the person's suggestion under the score model share one read."""
    with CaptureQueriesContext(connection) as captured:
        response = client_for(head).get(reverse("evaluations:grade_detail", args=[grade_of(staff).pk]))
    assert response.status_code == 200 and 'data-testid="quota"' in response.content.decode()
    assert sum("evaluations_quartergradecount" in query["sql"] for query in captured.captured_queries) == 1


def test_unscored_people_get_no_suggestion_but_count_as_participants(quarter, team, policy):
    set_scores(quarter, team[0], 95)
    set_scores(quarter, team[1], 94)
    suggestions = suggested_grades(appraisal_quarter=quarter)
    assert suggestions == {team[0].pk: Grade.GOOD, team[1].pk: Grade.GOOD}
    assert_a_page_of_people_gets_the_same(quarter, suggestions)


# --- HR pages ----------------------------------------------------------------------------------


@pytest.fixture
def outside_hr(other_organisation):
    return UserFactory(organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])


PAGES = ["evaluations:score_indicator_set_list", "evaluations:score_departments"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["staff", "head", "leader", "sysadmin"])
def test_the_score_pages_are_for_hr_only(request, client_for, page, who):
    assert client_for(request.getfixturevalue(who)).get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_strangers_are_sent_to_sign_in(client, page, db):
    assert client.get(reverse(page)).status_code == 302


def test_the_department_scores_quarters_read_in_the_readers_language(client_for, hr, policy):
    """A user test saw 第1季度…第4季度 in English: the labels were formatted once, at start-up."""
    client = client_for(hr)
    chinese = client.get(reverse("evaluations:score_departments")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("evaluations:score_departments")).content.decode()

    assert '<option value="2">第2季度</option>' in chinese
    assert '<option value="2">Q2</option>' in english and "季度</option>" not in english


def test_hr_sees_one_indicator_set_per_position_category(client_for, hr, policy):
    response = client_for(hr).get(reverse("evaluations:score_indicator_set_list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="indicator-set"') == 3
    assert "合计 100" in response.content.decode()


def test_hr_of_another_organisation_gets_404_for_our_indicator_set(client_for, organisation, outside_hr, policy):
    indicator_set = default_indicator_set(organisation=organisation, position_category="general")
    url = reverse("evaluations:score_indicator_set_edit", args=[indicator_set.pk])
    client = client_for(outside_hr)
    assert client.get(url).status_code == 404
    assert client.post(url, rows_payload([("指标", "common", 100, "manual")])).status_code == 404
    assert indicator_set.indicators.count() == 9


def test_the_indicator_page_refuses_99_and_shows_the_total(client_for, hr, organisation, policy):
    indicator_set = default_indicator_set(organisation=organisation, position_category="general")
    url = reverse("evaluations:score_indicator_set_edit", args=[indicator_set.pk])
    response = client_for(hr).post(
        url, rows_payload([("品德", "common", 40, "manual"), ("业绩", "individual", 59, "manual")])
    )
    assert response.status_code == 400
    assert "当前为99" in response.content.decode()
    assert indicator_set.indicators.count() == 9


def test_the_indicator_page_saves_a_set_totalling_100(client_for, hr, organisation, policy):
    indicator_set = default_indicator_set(organisation=organisation, position_category="service")
    url = reverse("evaluations:score_indicator_set_edit", args=[indicator_set.pk])
    client = client_for(hr)
    assert client.get(url).status_code == 200
    response = client.post(
        url, rows_payload([("品德", "common", 40, "manual"), ("满意度", "individual", 60, "satisfaction")])
    )
    assert response.status_code == 302
    assert list(indicator_set.indicators.values_list("name", "weight", "source")) == [
        ("品德", 40, "manual"),
        ("满意度", 60, "satisfaction"),
    ]


def _department_row(pk: int, **parts: str) -> dict[str, str]:
    """One department's row of the departments' score form: the three 党建 parts and the work score."""
    return {f"{part}_{pk}": value for part, value in parts.items()}


def test_hr_enters_every_departments_scores_in_one_form(client_for, hr, organisation, department, policy, outsider):
    second = DepartmentFactory(organisation=organisation, name="二科")
    url = reverse("evaluations:score_departments") + "?year=2026&quarter=3"
    response = client_for(hr).post(
        url,
        {
            **_department_row(department.pk, basics="100", education="80", bottom_line="85", work="80"),
            f"basics_{outsider.department_id}": "10",  # another organisation's: not a field, ignored
            f"work_{outsider.department_id}": "10",
        },
    )
    assert response.status_code == 302
    score = DepartmentScore.objects.get()
    # 党建 = 100 × 40 % + 80 × 30 % + 85 × 30 % = 89.5; total = 89.5 × 60 % + 80 × 40 %
    assert (score.party_building_score, score.total) == (Decimal("89.50"), Decimal("85.70"))
    assert (score.party_basics_score, score.party_education_score, score.party_bottom_line_score) == (100, 80, 85)
    assert not DepartmentScore.objects.filter(department=second).exists()
    page = client_for(hr).get(url).content.decode()
    assert "85.70" in page and page.count('data-testid="party-part"') == 3
    assert "基础工作（24%）" in page and "底线约束（18%）" in page


def test_one_missing_department_score_refuses_the_whole_form(client_for, hr, organisation, department, policy):
    second = DepartmentFactory(organisation=organisation, name="二科")
    url = reverse("evaluations:score_departments") + "?year=2026&quarter=3"
    response = client_for(hr).post(
        url,
        {
            **_department_row(department.pk, basics="90", education="90", bottom_line="90", work="80"),
            f"basics_{second.pk}": "70",
        },
    )
    assert response.status_code == 400
    assert "请同时填写" in response.content.decode()
    assert not DepartmentScore.objects.exists()


def test_the_department_scores_page_queries_do_not_grow_with_departments(
    client_for, hr, organisation, department, policy, django_assert_num_queries
):
    client = client_for(hr)
    url = reverse("evaluations:score_departments") + "?year=2026&quarter=3"
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(5):
        second = DepartmentFactory(organisation=organisation, name=f"加科{i}")
        DepartmentScoreFactory(department=second)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('data-testid="department-row"') == 6


def test_the_indicator_page_updates_kept_rows_and_deletes_ticked_ones(client_for, hr, organisation, policy):
    indicator_set = default_indicator_set(organisation=organisation, position_category="general")
    first, second, *rest = indicator_set.indicators.all()
    data = rows_payload([("政治品质", "common", 60, "manual"), ("职业道德", "common", 40, "manual")])
    data.update({"indicators-INITIAL_FORMS": "2", "indicators-0-id": str(first.pk), "indicators-1-id": str(second.pk)})
    for i, indicator in enumerate(rest, start=2):
        data.update(
            {
                f"indicators-{i}-id": str(indicator.pk),
                f"indicators-{i}-name": indicator.name,
                f"indicators-{i}-group": indicator.group,
                f"indicators-{i}-weight": str(indicator.weight),
                f"indicators-{i}-source": indicator.source,
                f"indicators-{i}-DELETE": "on",
            }
        )
    data.update({"indicators-TOTAL_FORMS": str(len(rest) + 2), "indicators-INITIAL_FORMS": str(len(rest) + 2)})
    response = client_for(hr).post(reverse("evaluations:score_indicator_set_edit", args=[indicator_set.pk]), data)
    assert response.status_code == 302
    assert list(indicator_set.indicators.values_list("pk", "weight")) == [(first.pk, 60), (second.pk, 40)]


def test_opening_the_indicator_page_shows_the_defaults_without_creating_them(client_for, hr, organisation):
    Policy.objects.filter(organisation=organisation).update(score_model_enabled=True)
    page = client_for(hr).get(reverse("evaluations:score_indicator_set_list")).content.decode()
    assert 'data-testid="indicator-sets-missing"' in page
    assert page.count('data-testid="indicator-set"') == 3
    assert not IndicatorSet.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="indicator").exists()


def test_hr_creates_the_default_sets_with_an_explicit_action(client_for, hr, organisation):
    client = client_for(hr)
    assert client.post(reverse("evaluations:score_indicator_sets_create")).status_code == 302
    assert IndicatorSet.objects.filter(organisation=organisation).count() == 3
    client.post(reverse("evaluations:score_indicator_sets_create"))  # again: nothing more
    assert IndicatorSet.objects.filter(organisation=organisation).count() == 3
    assert (
        'data-testid="indicator-sets-missing"'
        not in client.get(reverse("evaluations:score_indicator_set_list")).content.decode()
    )


def test_it_refuses_creating_indicator_sets_on_get_or_for_anyone_but_hr(client_for, staff, hr):
    assert client_for(hr).get(reverse("evaluations:score_indicator_sets_create")).status_code == 405
    assert client_for(staff).post(reverse("evaluations:score_indicator_sets_create")).status_code == 403
    assert not IndicatorSet.objects.exists()


def test_opening_a_quarter_under_the_score_model_creates_the_missing_sets(organisation, staff):
    Policy.objects.filter(organisation=organisation).update(score_model_enabled=True)
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert IndicatorSet.objects.filter(organisation=organisation).count() == 3


def test_without_the_score_model_opening_a_quarter_creates_no_indicator_set(organisation, staff):
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert not IndicatorSet.objects.exists()


def test_the_three_party_building_parts_are_weighted_by_the_policys_shares(department, hr, policy):
    Policy.objects.filter(pk=policy.pk).update(
        party_building_weight=70, party_basics_share=50, party_education_share=25, party_bottom_line_share=25
    )
    saved = department_score_save(
        department=department,
        year=2026,
        quarter=4,
        party_parts={"basics": 80, "education": 100, "bottom_line": 60},
        work_score=90,
        actor=hr,
    )
    # 党建 = 80 × 50 % + 100 × 25 % + 60 × 25 % = 80; total = 80 × 70 % + 90 × 30 % = 83
    assert (saved.party_building_score, saved.total) == (Decimal("80.00"), Decimal("83.00"))
    assert (saved.party_basics_share, saved.party_education_share, saved.party_bottom_line_share) == (50, 25, 25)


def test_it_refuses_a_missing_party_building_part(department, hr, policy):
    with pytest.raises(ValidationError):
        department_score_save(
            department=department,
            year=2026,
            quarter=4,
            party_parts={"basics": 80, "education": 100},
            work_score=90,
            actor=hr,
        )
    assert not DepartmentScore.objects.exists()


def test_the_policy_refuses_party_building_shares_that_do_not_add_up_to_100(policy):
    policy.party_basics_share, policy.party_education_share, policy.party_bottom_line_share = 40, 40, 30
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert "party_bottom_line_share" in refused.value.message_dict


def test_indicator_scores_are_audited_for_their_own_organisations_auditor_only(
    quarter, head, staff, grade_of, policy, auditor, other_organisation
):
    """A user test: a new agency's auditor read the demo agency's 指标得分 entries, written with no
    organisation and so shown to every auditor."""
    from accounts.selectors import audit_entries_for

    row = score(grade_of(staff), head, common=90, individual=80)
    entries = AuditEntry.objects.filter(content_type__model="indicatorscore")
    assert entries.exists()
    assert set(entries.values_list("organisation", flat=True)) == {row.appraisal_quarter.organisation_id}
    elsewhere = UserFactory(organisation=other_organisation, department=None, roles=[Role.AUDITOR])
    assert not audit_entries_for(auditor=elsewhere).filter(content_type__model="indicatorscore").exists()
    assert audit_entries_for(auditor=auditor).filter(content_type__model="indicatorscore").exists()
    # An entry written before the fix (a change naming no organisation) is nobody's to read; an event
    # of no organisation (a sign-in failed with a made-up name) is every auditor's.
    legacy = AuditEntry.objects.create(
        content_type=entries.first().content_type, object_pk="1", object_repr="旧记录", action=AuditEntry.Action.CREATE
    )
    event = AuditEntry.objects.create(
        content_type=entries.first().content_type, object_pk="2", object_repr="nobody", action=AuditEntry.Action.ACCESS
    )
    for reader in (auditor, elsewhere):
        readable = set(audit_entries_for(auditor=reader).values_list("pk", flat=True))
        assert legacy.pk not in readable and event.pk in readable
