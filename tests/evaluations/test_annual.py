"""The year-end roll-up: suggested annual grades with reasons, the 优秀 quota, the committee's
decisions, the result-use lists, and who may see and do what."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Job, Notification, Policy, StaffStatusKind
from evaluations.annual import services as annual
from evaluations.annual.tasks import rollup_year as rollup_year_task
from evaluations.discipline.services import veto
from evaluations.grading.services import counts
from evaluations.models import (
    AnnualGrade,
    AnnualResult,
    AppraisalQuarter,
    Grade,
    QuarterGrade,
    QuarterState,
    SanctionEffect,
    SanctionKind,
)
from tests.factories import (
    AnnualResultFactory,
    AppraisalQuarterFactory,
    DepartmentFactory,
    FindingFactory,
    QuarterGradeFactory,
    SanctionFactory,
    SanctionRuleFactory,
    StaffStatusFactory,
    UserFactory,
    save_fields,
)

YEAR = 2026
SHORT = {
    "好": Grade.GOOD,
    "较好": Grade.FAIRLY_GOOD,
    "一般": Grade.AVERAGE,
    "较差": Grade.POOR,
    "不确定": Grade.UNCERTAIN,
    "": "",
}


def record(person, grades: str, *, score=None, year=YEAR, state=QuarterState.APPROVED, first=1):
    """Give ``person`` quarter grades, e.g. ``"好/好/较好/好"`` (from quarter ``first`` on), written
    straight to QuarterGrade (the grade counts recounted once at the end, as a service saving many
    rows does)."""
    with counts.deferred():
        for quarter, short in enumerate(grades.split("/"), start=first):
            grade = SHORT[short]
            QuarterGradeFactory(
                person=person,
                appraisal_quarter__year=year,
                appraisal_quarter__quarter=quarter,
                appraisal_quarter__state=state,
                state="confirmed" if grade else "pending",
                grade=grade,
                uncertain_reason="other" if grade == Grade.UNCERTAIN else "",
                composite_score=Decimal(score) if score is not None else None,
            )


def rollup(organisation, year=YEAR):
    annual.rollup_year(organisation=organisation, year=year)


def result_of(person, year=YEAR) -> AnnualResult:
    return AnnualResult.objects.get(person=person, year=year)


@pytest.fixture
def crowd(department, head):
    """Nine people with a plain 称职 record: with one more person, ten are graded and 优秀 has 2 places."""
    people = [UserFactory(department=department, full_name=f"群众{i}") for i in range(9)]
    with counts.deferred():
        for person in people:
            record(person, "较好/较好/较好/较好", score="85")
    return people


# --- Eligibility -------------------------------------------------------------------------------


def test_three_good_quarters_of_four_make_a_person_eligible_for_excellent(organisation, staff, crowd):
    record(staff, "好/好/较好/好", score="95")
    rollup(organisation)
    result = result_of(staff)
    assert (result.graded_quarters, result.good_quarters) == (4, 3)
    assert result.eligible_excellent and result.rank == 1
    assert result.suggested_grade == AnnualGrade.EXCELLENT
    assert "4个季度中3个“好”，无一般以下等次" in result.suggestion_reasons


def test_two_good_quarters_of_four_are_not_more_than_half(organisation, staff, crowd):
    record(staff, "好/好/较好/较好", score="95")
    rollup(organisation)
    result = result_of(staff)
    assert not result.eligible_excellent and result.rank is None
    assert result.suggested_grade == AnnualGrade.COMPETENT
    assert any("未超过已评季度的50%" in reason for reason in result.suggestion_reasons)


def test_an_uncertain_quarter_is_not_a_graded_quarter(organisation, staff, crowd):
    record(staff, "好/好/好/不确定", score="92")
    rollup(organisation)
    result = result_of(staff)
    assert (result.graded_quarters, result.good_quarters) == (3, 3)
    assert result.suggested_grade == AnnualGrade.EXCELLENT
    assert any("不计入已评季度" in reason for reason in result.suggestion_reasons)


@pytest.mark.parametrize("grades", ["好/好/好/一般", "好/好/好/较差"])
def test_any_average_or_poor_quarter_blocks_excellent(organisation, staff, crowd, grades):
    record(staff, grades, score="95")
    rollup(organisation)
    result = result_of(staff)
    assert not result.eligible_excellent
    assert result.suggested_grade == AnnualGrade.COMPETENT
    assert result.average_or_below_quarters == 1
    assert any("有“一般”或“较差”等次" in reason for reason in result.suggestion_reasons)


def test_the_policy_may_allow_an_average_quarter_for_excellent(organisation, staff, crowd):
    Policy.objects.filter(organisation=organisation).update(excellent_forbids_average_or_below=False)
    record(staff, "好/好/好/一般", score="95")
    rollup(organisation)
    assert result_of(staff).suggested_grade == AnnualGrade.EXCELLENT


def test_a_poor_quarter_keeps_competent_and_asks_the_committee(organisation, staff, crowd):
    record(staff, "较好/较差/较好/较好", score="70")
    rollup(organisation)
    result = result_of(staff)
    assert result.suggested_grade == AnnualGrade.COMPETENT
    assert any("请委员会审议" in reason for reason in result.suggestion_reasons)


def test_poor_quarters_count_towards_basically_competent_as_average_ones_do(organisation, staff, colleague, crowd):
    # 较差 is worse than 一般: three of them cannot suggest a better grade than three 一般.
    record(staff, "较差/较差/较好/较差", score="60")
    record(colleague, "一般/较差/较好/一般", score="62")
    rollup(organisation)
    for person in (staff, colleague):
        result = result_of(person)
        assert result.suggested_grade == AnnualGrade.BASICALLY_COMPETENT
        assert any("“一般”及以下季度3个，达到3个，建议基本称职" in r for r in result.suggestion_reasons)
        assert any("请委员会审议是否评为更低等次" in r for r in result.suggestion_reasons)


def test_three_average_quarters_suggest_basically_competent(organisation, staff, colleague, crowd):
    record(staff, "一般/一般/较好/一般", score="65")
    record(colleague, "一般/一般/较好/较好", score="70")
    rollup(organisation)
    assert result_of(staff).suggested_grade == AnnualGrade.BASICALLY_COMPETENT
    assert any("建议基本称职" in reason for reason in result_of(staff).suggestion_reasons)
    assert result_of(colleague).suggested_grade == AnnualGrade.COMPETENT


def test_a_year_with_no_graded_quarter_is_not_graded(organisation, staff, crowd):
    record(staff, "不确定/不确定//")
    rollup(organisation)
    result = result_of(staff)
    assert result.suggested_grade == AnnualGrade.NOT_GRADED
    assert result.graded_quarters == 0


# --- Veto and sanctions ------------------------------------------------------------------------


def test_a_veto_flag_blocks_excellent_and_is_named_and_lifting_it_restores_eligibility(
    organisation, inspector, staff, crowd
):
    record(staff, "好/好/好/好", score="98")
    flag = veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=staff).pk)
    rollup(organisation)
    result = result_of(staff)
    assert result.suggested_grade == AnnualGrade.COMPETENT and not result.eligible_excellent
    assert any(
        reason.startswith("存在一票否决事项：2026年05月12日纪律作风检查发现严重问题：上班时间饮酒")
        for reason in result.suggestion_reasons
    )

    veto.veto_lift(flag=flag, actor=inspector, reason="经复核，系误报")
    rollup(organisation)
    result = result_of(staff)
    assert result.suggested_grade == AnnualGrade.EXCELLENT and result.eligible_excellent
    assert not any("一票否决" in reason for reason in result.suggestion_reasons)


@pytest.mark.parametrize(
    "kind, rule, expected",
    [
        (SanctionKind.WARNING, None, AnnualGrade.COMPETENT),
        (SanctionKind.DEMERIT, None, AnnualGrade.NOT_GRADED),
        (SanctionKind.MAJOR_DEMERIT, None, AnnualGrade.NOT_GRADED),
        (SanctionKind.INVESTIGATION, None, AnnualGrade.NOT_GRADED),
        (SanctionKind.DEMOTION, SanctionEffect.INCOMPETENT, AnnualGrade.INCOMPETENT),
    ],
)
def test_each_sanction_effect_shapes_the_suggestion(organisation, staff, crowd, kind, rule, expected):
    if rule:
        SanctionRuleFactory(organisation=organisation, kind=kind, effect=rule)
    # No veto flag here, so the sanction's own effect is what is tested.
    SanctionFactory(person=staff, kind=kind, decided_on=date(YEAR, 3, 1))
    record(staff, "好/好/好/好", score="98")
    rollup(organisation)
    result = result_of(staff)
    assert result.suggested_grade == expected
    assert not result.eligible_excellent
    assert any(
        reason.startswith("处分影响：2026年03月01日") and str(SanctionKind(kind).label) in reason
        for reason in result.suggestion_reasons
    )


def test_a_major_demerit_last_year_still_leaves_this_year_not_graded(organisation, staff, crowd):
    SanctionFactory(person=staff, kind=SanctionKind.MAJOR_DEMERIT, decided_on=date(YEAR - 1, 11, 1))
    record(staff, "好/好/好/好", score="98")
    rollup(organisation)
    assert result_of(staff).suggested_grade == AnnualGrade.NOT_GRADED


def test_an_investigation_begun_years_ago_and_still_open_leaves_this_year_not_graded(organisation, staff, crowd):
    SanctionFactory(person=staff, kind=SanctionKind.INVESTIGATION, decided_on=date(YEAR - 2, 6, 1))
    record(staff, "好/好/好/好", score="98")
    rollup(organisation)
    result = result_of(staff)
    assert result.suggested_grade == AnnualGrade.NOT_GRADED
    assert any(reason.startswith("处分影响：2024年06月01日被立案审查") for reason in result.suggestion_reasons)


def test_an_investigation_recorded_as_a_special_status_leaves_the_year_not_graded(
    organisation, staff, colleague, chief, crowd
):
    """HR may record 立案审查 on the person (特殊状态) rather than as a sanction: the year reads both,
    as the quarter's suggestions do, and the committee cannot decide 优秀 for the person."""
    StaffStatusFactory(user=staff, kind=StaffStatusKind.UNDER_INVESTIGATION, start_date=date(YEAR, 11, 20))
    # Closed before the year began: no effect on it.
    StaffStatusFactory(
        user=colleague,
        kind=StaffStatusKind.UNDER_INVESTIGATION,
        start_date=date(YEAR - 1, 3, 1),
        end_date=date(YEAR - 1, 9, 30),
    )
    record(staff, "好/好/好/不确定", score="98")
    record(colleague, "好/好/好/好", score="97")
    rollup(organisation)
    result = result_of(staff)
    assert result.suggested_grade == AnnualGrade.NOT_GRADED and not result.eligible_excellent
    assert "处分影响：2026年11月20日起立案审查（人员特殊状态）（结案前不确定等次）" in result.suggestion_reasons
    assert result_of(colleague).suggested_grade == AnnualGrade.EXCELLENT
    with pytest.raises(ValidationError, match="受处分或立案审查影响"):
        annual.annual_decide(result=result, actor=chief, grade=AnnualGrade.EXCELLENT, reason="表现突出")


@pytest.mark.parametrize("recorded_as", ["sanction", "special status"])
def test_an_investigation_closed_after_the_year_end_leaves_the_year_to_be_graded(
    organisation, staff, colleague, chief, crowd, recorded_as
):
    """立案审查 open on 31 December and closed on 3 January: not graded until closed (DOMAIN.md §5),
    so once closed the year is graded (补定等次). A review found it 不定等次 for good, the
    committee's 称职 (已结案，未受处分) refused; a case still open keeps the year ungraded."""
    if recorded_as == "sanction":
        closed = {"person": staff, "kind": SanctionKind.INVESTIGATION, "decided_on": date(YEAR, 6, 1)}
        SanctionFactory(**closed, closed_on=date(YEAR + 1, 1, 3))
        SanctionFactory(person=colleague, kind=SanctionKind.INVESTIGATION, decided_on=date(YEAR, 6, 1))
    else:
        closed = {"user": staff, "kind": StaffStatusKind.UNDER_INVESTIGATION, "start_date": date(YEAR, 6, 1)}
        StaffStatusFactory(**closed, end_date=date(YEAR + 1, 1, 3))
        StaffStatusFactory(user=colleague, kind=StaffStatusKind.UNDER_INVESTIGATION, start_date=date(YEAR, 6, 1))
    record(staff, "好/好/好/好", score="95")
    record(colleague, "好/好/好/好", score="96")
    rollup(organisation)
    assert result_of(staff).suggested_grade == AnnualGrade.EXCELLENT
    assert not any("立案审查" in reason for reason in result_of(staff).suggestion_reasons)
    assert annual.grade_fixed(result_of(staff)) is None
    decided = annual.annual_decide(
        result=result_of(staff), actor=chief, grade=AnnualGrade.COMPETENT, reason="已结案，未受处分，补定等次"
    )
    assert decided.decided_grade == AnnualGrade.COMPETENT
    assert result_of(colleague).suggested_grade == AnnualGrade.NOT_GRADED
    with pytest.raises(ValidationError, match="当年不确定等次"):
        annual.annual_decide(result=result_of(colleague), actor=chief, grade=AnnualGrade.COMPETENT, reason="理由")


@pytest.mark.parametrize(
    "kind, after, expected",
    [
        # 警告 made 当年不确定等次: no flag changes (both reach the sanction's year only).
        (SanctionKind.WARNING, SanctionEffect.NOT_GRADED, AnnualGrade.NOT_GRADED),
        # 记过 made 当年不得评为优秀: the person is graded again, and counts towards the quota.
        (SanctionKind.DEMERIT, SanctionEffect.NO_EXCELLENT, AnnualGrade.COMPETENT),
        # 立案审查 recorded as the person's special status, acting as the table gives the kind.
        (SanctionKind.INVESTIGATION, SanctionEffect.NO_EXCELLENT, AnnualGrade.COMPETENT),
    ],
)
def test_a_changed_sanction_table_recomputes_the_years_its_sanctions_reach(
    organisation, staff, hr, chief, crowd, django_capture_on_commit_callbacks, kind, after, expected
):
    """A review changed the table after the year was computed: the suggestions said they were
    current and 采用全部建议 decided 称职 against the new rule (or 不定等次 against the old one)."""
    from evaluations.discipline.services.sanctions import sanction_rules_save

    record(staff, "较好/较好/较好/较好", score="90")
    if kind == SanctionKind.INVESTIGATION:
        StaffStatusFactory(user=staff, kind=StaffStatusKind.UNDER_INVESTIGATION, start_date=date(YEAR, 5, 1))
    else:
        SanctionFactory(person=staff, kind=kind, decided_on=date(YEAR, 5, 1))
    with django_capture_on_commit_callbacks(execute=True):
        veto.veto_reconcile(organisation=organisation)
        rollup(organisation)
    assert not annual.suggestions_freshness(organisation=organisation, year=YEAR).stale
    with django_capture_on_commit_callbacks() as callbacks:
        sanction_rules_save(organisation=organisation, effects={kind: after}, actor=hr, reason="依据新规")
    asked = Job.objects.filter(kind=annual.ROLLUP_YEAR, organisation=organisation, state=Job.State.PENDING)
    # The year it reaches (an open 立案审查 reaches this year too).
    assert {"year": YEAR} in list(asked.values_list("params", flat=True))
    # Stale until the recomputation asked for has run: the committee's decisions wait for it.
    assert annual.suggestions_freshness(organisation=organisation, year=YEAR).stale
    for callback in callbacks:
        callback()
    assert result_of(staff).suggested_grade == expected
    annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief)
    assert result_of(staff).decided_grade == expected
    assert annual.decisions_against_the_rules(organisation_id=organisation.pk, year=YEAR) == []


@pytest.mark.parametrize(
    "kind, decided_on",
    [
        # Recorded in the former organisation the year before: 当年及次年不确定等次.
        (SanctionKind.MAJOR_DEMERIT, date(YEAR - 1, 6, 1)),
        # Recorded there this January, just before the move.
        (SanctionKind.DEMERIT, date(YEAR, 1, 10)),
    ],
)
def test_a_sanction_of_the_former_organisation_follows_the_person_who_moved(
    organisation, department, other_organisation, chief, crowd, kind, decided_on
):
    """A review: a person moved in before the year, graded in every quarter by the new organisation,
    had a 记大过 of the former one; the year was suggested 称职 and the committee could decide so
    (the veto flag, the person's, barred 优秀 only)."""
    former = DepartmentFactory(organisation=other_organisation, code="X009", name="原单位科室")
    person = UserFactory(department=former, full_name="调入人员")
    SanctionFactory(person=person, organisation=other_organisation, kind=kind, decided_on=decided_on)
    person.organisation, person.department = organisation, department
    person.save()
    record(person, "较好/较好/较好/较好", score="85")
    rollup(organisation)
    result = result_of(person)
    assert result.suggested_grade == AnnualGrade.NOT_GRADED
    assert any(
        reason.startswith("处分影响：") and str(SanctionKind(kind).label) in reason
        for reason in result.suggestion_reasons
    )
    with pytest.raises(ValidationError, match="当年不确定等次"):
        annual.annual_decide(result=result, actor=chief, grade=AnnualGrade.COMPETENT, reason="理由")
    assert annual.annual_decide(result=result, actor=chief, grade=AnnualGrade.NOT_GRADED, reason="").decided_grade
    # The year's close names it among the decisions the rules forbid, were it decided 称职 before.
    AnnualResult.objects.filter(pk=result.pk).update(decided_grade=AnnualGrade.COMPETENT)
    against = annual.decisions_against_the_rules(organisation_id=organisation.pk, year=YEAR)
    assert [row.person_id for row, _why in against] == [person.pk]


def test_nobody_decides_their_own_year(organisation, department, crowd):
    """A review: an agency head appraised in a department too decided their own 优秀 against a 称职
    suggestion (谁管理谁认定; HR's review after the lock recuses alike)."""
    from accounts.models import Role

    boss = UserFactory(department=department, full_name="局长兼科员", roles=[Role.STAFF, Role.AGENCY_HEAD])
    record(boss, "好/好/较好/较好", score="90")
    rollup(organisation)
    with pytest.raises(ValidationError, match="本人的年度等次不能由本人确定"):
        annual.annual_decide(result=result_of(boss), actor=boss, grade=AnnualGrade.EXCELLENT, reason="工作突出")
    assert result_of(boss).decided_grade == ""


# --- Quota and ranking -------------------------------------------------------------------------


def test_ten_people_give_two_excellent_places_and_the_rest_are_told_why(organisation, department, head):
    people = [UserFactory(department=department, full_name=f"优{i}") for i in range(10)]
    for i, person in enumerate(people):
        record(person, "好/好/好/好", score=str(90 + i))
    stats = annual.rollup_year(organisation=organisation, year=YEAR)
    assert (stats.graded_people, stats.excellent_quota, stats.eligible, stats.excellent_suggested) == (10, 2, 10, 2)
    excellent = AnnualResult.objects.filter(suggested_grade=AnnualGrade.EXCELLENT)
    assert set(excellent.values_list("person_id", flat=True)) == {people[9].pk, people[8].pk}
    third = result_of(people[7])
    assert third.rank == 3 and third.suggested_grade == AnnualGrade.COMPETENT
    assert "超出优秀名额（名额2人，排第3）" in third.suggestion_reasons


def test_people_not_graded_do_not_count_towards_the_quota(organisation, department, head):
    people = [UserFactory(department=department) for _ in range(10)]
    for person in people:
        record(person, "好/好/好/好", score="95")
    for person in people[:5]:
        StaffStatusFactory(user=person, kind=StaffStatusKind.PROBATION, start_date=date(YEAR, 6, 1))
    stats = annual.rollup_year(organisation=organisation, year=YEAR)
    assert (stats.graded_people, stats.excellent_quota) == (5, 1)


def test_the_page_says_why_fewer_are_graded_than_have_a_result(client_for, organisation, department, head, hr):
    # 10 results, 5 of them probationers without a grade: "确定等次人数5人" beside "待确定10人" said nothing
    # of the other five.
    people = [UserFactory(department=department) for _ in range(10)]
    for person in people:
        record(person, "好/好/好/好", score="95")
    for person in people[:5]:
        StaffStatusFactory(user=person, kind=StaffStatusKind.PROBATION, start_date=date(YEAR, 6, 1))
    rollup(organisation)
    page = client_for(hr).get(reverse("evaluations:annual", args=[YEAR])).content.decode()
    assert "确定等次人数5人" in page and "待确定10人" in page
    assert "共10人，其中5人不确定等次，不计入确定等次人数。" in page


def test_ranking_is_by_good_quarters_then_score_then_employee_number(organisation, department, head, crowd):
    four_good_low = UserFactory(department=department, employee_number="Z9")
    three_good_high = UserFactory(department=department, employee_number="A1")
    record(four_good_low, "好/好/好/好", score="80")
    record(three_good_high, "好/好/好/较好", score="99")
    tie_a = UserFactory(department=department, employee_number="B2")
    tie_b = UserFactory(department=department, employee_number="B1")
    record(tie_a, "好/好/好/较好", score="90")
    record(tie_b, "好/好/好/较好", score="90")
    rollup(organisation)  # 13 graded → 2 places
    ranks = dict(AnnualResult.objects.filter(rank__isnull=False).values_list("person_id", "rank"))
    assert ranks == {four_good_low.pk: 1, three_good_high.pk: 2, tie_b.pk: 3, tie_a.pk: 4}
    assert not any("名额线" in reason for reason in result_of(tie_b).suggestion_reasons)


def test_a_tie_across_the_quota_line_is_named_in_the_reasons(organisation, department, head, crowd):
    first, second, third = (UserFactory(department=department, employee_number=f"T{i}") for i in (1, 2, 3))
    for person in (first, second, third):
        record(person, "好/好/好/好", score="95")
    rollup(organisation)  # 12 graded → 2 places; second and third tie on the line
    assert result_of(second).suggested_grade == AnnualGrade.EXCELLENT
    assert result_of(third).suggested_grade == AnnualGrade.COMPETENT
    for person in (first, second, third):
        assert any("名额线" in reason for reason in result_of(person).suggestion_reasons)


# --- Probation ---------------------------------------------------------------------------------


def test_a_probationer_at_year_end_is_not_graded(organisation, staff, colleague, crowd):
    StaffStatusFactory(user=staff, kind=StaffStatusKind.PROBATION, start_date=date(YEAR, 3, 1))
    StaffStatusFactory(
        user=colleague, kind=StaffStatusKind.PROBATION, start_date=date(YEAR - 1, 3, 1), end_date=date(YEAR, 3, 1)
    )
    record(staff, "好/好/好/好", score="95")
    record(colleague, "好/好/好/好", score="95")
    rollup(organisation)
    assert result_of(staff).suggested_grade == AnnualGrade.NOT_GRADED
    assert "试用期人员不确定年度等次" in result_of(staff).suggestion_reasons
    assert result_of(colleague).suggested_grade == AnnualGrade.EXCELLENT


def test_the_committee_cannot_grade_a_probationer_or_one_a_sanction_leaves_ungraded(
    client_for, organisation, staff, colleague, chief, crowd
):
    """A user test decided a probationer 称职 against the suggestion's 不定等次 (with a reason): the
    rule is not the committee's to set aside. Likewise a sanction whose effect is 不定等次 or 不称职."""
    StaffStatusFactory(user=staff, kind=StaffStatusKind.PROBATION, start_date=date(YEAR, 3, 1))
    SanctionFactory(person=colleague, kind=SanctionKind.DEMOTION, decided_on=date(YEAR, 3, 1))
    record(staff, "好/好/好/好", score="95")
    record(colleague, "较好/较好/较好/较好", score="85")
    rollup(organisation)
    with pytest.raises(ValidationError, match="试用期人员不确定年度等次：其试用期覆盖2026年12月31日"):
        annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.COMPETENT, reason="试用期已满")
    assert result_of(staff).decided_grade == ""
    decided = annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.NOT_GRADED, reason="")
    assert decided.decided_grade == AnnualGrade.NOT_GRADED
    expected = result_of(colleague).suggested_grade
    for grade in (AnnualGrade.COMPETENT, AnnualGrade.NOT_GRADED):
        if grade != expected:
            with pytest.raises(ValidationError, match="当年"):
                annual.annual_decide(result=result_of(colleague), actor=chief, grade=grade, reason="理由")
    # The decide page offers only the grade the rules leave, and says why.
    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk])).content
    page = page.decode()
    assert 'value="not_graded"' in page and 'value="competent"' not in page
    assert "如试用期已满，请先更正人员的特殊状态" in page


def test_the_policy_may_grade_probationers(organisation, staff, crowd):
    Policy.objects.filter(organisation=organisation).update(probation_gets_annual_grade=True)
    StaffStatusFactory(user=staff, kind=StaffStatusKind.PROBATION, start_date=date(YEAR, 3, 1))
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    assert result_of(staff).suggested_grade == AnnualGrade.EXCELLENT


# --- Idempotency and query count ---------------------------------------------------------------


def test_rolling_up_twice_writes_the_same_rows_and_keeps_decisions(organisation, staff, chief, crowd):
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    first = list(AnnualResult.objects.order_by("person_id").values("person_id", "suggested_grade", "rank"))
    annual.annual_decide(
        result=result_of(crowd[0]), actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="群众评议较差"
    )
    rollup_year_task(organisation.pk, YEAR)
    second = list(AnnualResult.objects.order_by("person_id").values("person_id", "suggested_grade", "rank"))
    assert first == second and len(second) == 10
    kept = result_of(crowd[0])
    assert (kept.decided_grade, kept.decision_reason) == (AnnualGrade.BASICALLY_COMPETENT, "群众评议较差")


def test_the_rollup_issues_the_same_number_of_queries_for_more_people(organisation, department, head, inspector):
    def measure(count: int) -> int:
        for person in [UserFactory(department=department) for _ in range(count)]:
            record(person, "好/好/较好/好", score="90")
        with CaptureQueriesContext(connection) as queries:
            rollup(organisation)
        return len(queries)

    small = measure(3)
    AnnualResult.objects.all().delete()
    QuarterGrade.objects.all().delete()
    assert measure(12) == small  # the roll-up's chunks are of 1 000 and 5 000 people: one each way


def test_the_command_rolls_up_every_organisation(organisation, staff, crowd, outsider, capsys):
    record(outsider, "好/好/好/好", score="90")
    call_command("rollup_year", str(YEAR))
    assert AnnualResult.objects.filter(person=outsider).exists()
    assert AnnualResult.objects.filter(organisation=organisation).count() == 9
    assert "testorg" in capsys.readouterr().out


# --- The committee's decisions -----------------------------------------------------------------


def test_a_decision_that_differs_from_the_suggestion_requires_a_reason(organisation, staff, chief, crowd):
    record(staff, "较好/较好/较好/较好", score="85")
    rollup(organisation)
    result = result_of(staff)
    with pytest.raises(ValidationError) as error:
        annual.annual_decide(result=result, actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="  ")
    assert "reason" in error.value.message_dict
    assert result_of(staff).decided_grade == ""

    annual.annual_decide(result=result, actor=chief, grade=AnnualGrade.COMPETENT, reason="")
    assert result_of(staff).decided_grade == AnnualGrade.COMPETENT
    annual.annual_decide(result=result, actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="年底出现重大失误")
    decided = result_of(staff)
    assert (decided.decided_grade, decided.decided_by) == (AnnualGrade.BASICALLY_COMPETENT, chief)
    entry = AuditEntry.objects.filter(object_pk=str(decided.pk)).latest("timestamp")
    assert entry.reason == "年底出现重大失误"


def test_excellent_beyond_the_quota_is_refused_until_a_place_is_freed(organisation, department, head, chief):
    people = [UserFactory(department=department) for _ in range(10)]
    for i, person in enumerate(people):
        record(person, "好/好/好/好", score=str(90 + i))
    rollup(organisation)
    third = result_of(people[7])
    with pytest.raises(ValidationError) as error:
        annual.annual_decide(result=third, actor=chief, grade=AnnualGrade.EXCELLENT, reason="贡献突出")
    # The quota and the count the decision would have made (the two suggested plus this one), not
    # "already 3", which read as if the page's count of 2 were wrong.
    assert "名额2人" in str(error.value)
    assert "这样确定后评为或建议为优秀的将有3人" in str(error.value)
    assert result_of(people[7]).decided_grade == ""

    annual.annual_decide(result=result_of(people[9]), actor=chief, grade=AnnualGrade.COMPETENT, reason="本人谦让")
    annual.annual_decide(result=third, actor=chief, grade=AnnualGrade.EXCELLENT, reason="贡献突出")
    assert annual.excellent_status(organisation=organisation, year=YEAR).used == 2


def test_excellent_is_refused_for_a_vetoed_person(organisation, inspector, staff, chief, crowd):
    record(staff, "好/好/好/好", score="98")
    veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=staff).pk)
    rollup(organisation)
    with pytest.raises(ValidationError):
        annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.EXCELLENT, reason="表现突出")


def test_excellent_sent_by_hand_for_a_vetoed_person_is_named_not_quoted(
    client_for, organisation, inspector, staff, chief, crowd
):
    """A user test posted grade=excellent by hand for a vetoed person: refused, rightly, as
    "选择一个有效的选项。 excellent 不在可用的选项中。" (the raw value, in English)."""
    record(staff, "好/好/好/好", score="98")
    veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=staff).pk)
    rollup(organisation)
    url = reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk])
    page = client_for(chief).post(url, {"grade": AnnualGrade.EXCELLENT, "reason": "表现突出"}).content.decode()
    assert "请选择有效的等次。" in page and "excellent" not in page.split("<main")[1]


def test_a_veto_raised_after_excellent_was_decided_takes_the_decision_back_and_tells_the_committee(
    organisation, inspector, staff, chief, hr, crowd
):
    record(staff, "好/好/好/好", score="98")
    rollup(organisation)
    annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.EXCELLENT, reason="")
    assert result_of(staff).decided_grade == AnnualGrade.EXCELLENT
    # A serious finding afterwards: the year's recomputation (which the veto asks for) withdraws it.
    veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=staff).pk)
    rollup(organisation)
    result = result_of(staff)
    assert (result.decided_grade, result.suggested_grade) == ("", AnnualGrade.COMPETENT)
    assert annual.excellent_status(organisation=organisation, year=YEAR).used == 0
    entry = AuditEntry.objects.filter(object_pk=str(result.pk), content_type__model="annualresult").latest("timestamp")
    assert "不得评为优秀" in entry.reason
    for person in (chief, hr):
        assert person.notifications.filter(message__contains="“优秀”因一票否决事项或处分影响已撤回").exists()
    # A locked result keeps its decision; HR is told to review it.
    other = crowd[0]
    annual.annual_decide(result=result_of(other), actor=chief, grade=AnnualGrade.EXCELLENT, reason="贡献突出")
    AnnualResult.objects.filter(person=other).update(locked_at=timezone.now())
    veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=other).pk)
    rollup(organisation)
    assert result_of(other).decided_grade == AnnualGrade.EXCELLENT
    assert hr.notifications.filter(message__contains="已公示或定等，但存在一票否决事项或处分影响，请复核").exists()


def test_a_decided_excellent_whose_quarters_change_so_that_it_no_longer_qualifies_is_told_of(
    organisation, department, staff, chief, hr, crowd
):
    """A user test's regrade (an objection to a 好 upheld) left a 优秀 decided on the suggestion
    without the eligibility it was decided on, posted and locked with nobody told. The decision
    stands (the committee may keep it, with a reason), but the agency head and HR are told, once;
    once posted or locked, HR is told to review it."""
    record(staff, "好/好/好/好", score="98")
    rollup(organisation)
    annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.EXCELLENT, reason="")
    QuarterGrade.objects.filter(person=staff, appraisal_quarter__quarter=3).update(grade=Grade.AVERAGE)
    rollup(organisation)
    rollup(organisation)
    result = result_of(staff)
    assert (result.decided_grade, result.eligible_excellent) == (AnnualGrade.EXCELLENT, False)
    for person in (chief, hr):
        told = person.notifications.filter(message__contains="确定后季度等次有变，已不具备优秀资格")
        assert told.count() == 1
    # A 优秀 the committee chose against the suggestion, with its reason, is its own choice: no notice.
    chosen = crowd[0]
    annual.annual_decide(result=result_of(chosen), actor=chief, grade=AnnualGrade.EXCELLENT, reason="贡献突出")
    rollup(organisation)
    assert not hr.notifications.filter(message__contains=chosen.get_full_name()).exists()
    # Locked: HR alone, told to review it.
    other = UserFactory(department=department, full_name="锁定者")
    record(other, "好/好/好/好", score="97")
    rollup(organisation)
    AnnualResult.objects.filter(person=other).update(
        decided_grade=AnnualGrade.EXCELLENT, decided_at=timezone.now(), locked_at=timezone.now()
    )
    QuarterGrade.objects.filter(person=other, appraisal_quarter__quarter=2).update(grade=Grade.POOR)
    rollup(organisation)
    message = "锁定者的2026年度“优秀”已公示或定等，但其季度等次有变，已不具备优秀资格，请复核"
    assert hr.notifications.filter(message__contains=message).count() == 1
    assert not chief.notifications.filter(message__contains="锁定者").exists()


def test_a_withdrawn_excellent_frees_its_place_in_the_same_run(organisation, department, staff, chief):
    # Ten graded, two 优秀 places: staff decided 优秀; two more eligible compete for the second place.
    others = [UserFactory(department=department) for _ in range(9)]
    record(staff, "好/好/好/好", score="98")
    for n, person in enumerate(others):
        record(person, "好/好/好/好" if n < 2 else "较好/较好/较好/较好", score=str(90 - n))
    rollup(organisation)
    annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.EXCELLENT, reason="")
    # A 记过 afterwards: staff is not graded this year (nine graded, one place), the decision withdrawn;
    # the same run ranks the others for the one place, not for the two the stage would have kept.
    SanctionFactory(person=staff, kind=SanctionKind.DEMERIT, decided_on=date(YEAR, 11, 1))
    rollup(organisation)
    assert result_of(staff).decided_grade == ""
    suggested = AnnualResult.objects.filter(year=YEAR, suggested_grade=AnnualGrade.EXCELLENT)
    assert list(suggested.values_list("person", flat=True)) == [others[0].pk]
    status = annual.excellent_status(organisation=organisation, year=YEAR)
    assert (status.quota, status.used) == (1, 1)


@pytest.mark.parametrize("persona", ["hr", "head", "staff", "outsider_chief"])
def test_only_the_agency_head_of_the_organisation_decides(request, organisation, staff, crowd, persona):
    if persona == "outsider_chief":
        from accounts.models import Role

        actor = UserFactory(department=request.getfixturevalue("outsider").department, roles=[Role.AGENCY_HEAD])
    else:
        actor = request.getfixturevalue(persona)
    record(staff, "较好/较好/较好/较好", score="85")
    rollup(organisation)
    with pytest.raises(PermissionDenied):
        annual.annual_decide(result=result_of(staff), actor=actor, grade=AnnualGrade.COMPETENT, reason="")
    with pytest.raises(PermissionDenied):
        annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=actor)


def test_adopting_all_suggestions_decides_only_the_undecided(organisation, staff, chief, crowd):
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    annual.annual_decide(result=result_of(crowd[0]), actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="理由")
    assert annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief) == 9
    assert result_of(staff).decided_grade == AnnualGrade.EXCELLENT
    assert result_of(crowd[0]).decided_grade == AnnualGrade.BASICALLY_COMPETENT
    assert not AnnualResult.objects.filter(decided_grade="").exists()


def test_the_person_is_told_when_the_committee_decides_or_changes_their_grade(organisation, staff, chief, crowd):
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    crowd[1].is_active = False
    crowd[1].save(update_fields=["is_active"])

    def notices(person):
        return list(Notification.objects.filter(recipient=person).order_by("pk").values_list("message", "url"))

    history = reverse("evaluations:my_history")
    annual.annual_decide(result=result_of(crowd[0]), actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="理由")
    assert notices(crowd[0]) == [(f"考核委员会已确定您的{YEAR}年度考核等次为“基本称职”，请查看。", history)]
    # Decided again as it stands: nothing new to tell. Changed: told the old and the new grade.
    annual.annual_decide(result=result_of(crowd[0]), actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="理由")
    annual.annual_decide(result=result_of(crowd[0]), actor=chief, grade=AnnualGrade.COMPETENT, reason="")
    assert notices(crowd[0])[1:] == [(f"考核委员会已将您的{YEAR}年度考核等次由“基本称职”改为“称职”，请查看。", history)]
    assert len(notices(crowd[0])) == 2

    # 采用全部建议: each person decided hears of their own grade; a departed person is not written to.
    annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief)
    assert notices(staff) == [(f"考核委员会已确定您的{YEAR}年度考核等次为“优秀”，请查看。", history)]
    assert notices(crowd[2]) == [(f"考核委员会已确定您的{YEAR}年度考核等次为“称职”，请查看。", history)]
    assert notices(crowd[1]) == [] and len(notices(crowd[0])) == 2


def test_a_decision_back_on_the_suggestion_keeps_no_deviation_reason(organisation, staff, chief, crowd):
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    result = result_of(crowd[0])
    assert result.suggested_grade == AnnualGrade.COMPETENT
    annual.annual_decide(result=result, actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="工作不够扎实")
    assert result_of(crowd[0]).decision_reason == "工作不够扎实"
    # Back to 称职 with the box as the page filled it: the reason no longer stands under the grade.
    annual.annual_decide(result=result_of(crowd[0]), actor=chief, grade=AnnualGrade.COMPETENT, reason="工作不够扎实")
    assert (result_of(crowd[0]).decided_grade, result_of(crowd[0]).decision_reason) == (AnnualGrade.COMPETENT, "")
    entry = AuditEntry.objects.filter(object_pk=str(result.pk), content_type__model="annualresult").latest("pk")
    assert entry.reason == "采纳建议等次"


def test_a_reason_typed_for_a_decision_on_the_suggestion_is_kept_in_the_audit_entry(organisation, staff, chief, crowd):
    """A user test: "委员会复议后改回称职，见第3次会议纪要" typed with 称职 (the suggestion) was
    dropped, the audit entry saying only 采纳建议等次."""
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    result = result_of(crowd[0])
    annual.annual_decide(
        result=result, actor=chief, grade=AnnualGrade.COMPETENT, reason="委员会复议后改回称职，见第3次会议纪要"
    )
    assert result_of(crowd[0]).decision_reason == ""  # no deviation to explain on the list or the forms
    entry = AuditEntry.objects.filter(object_pk=str(result.pk), content_type__model="annualresult").latest("pk")
    assert entry.reason == "采纳建议等次：委员会复议后改回称职，见第3次会议纪要"


def test_the_year_is_decided_only_when_its_quarters_are_approved(organisation, staff, chief, client_for):
    # Three quarters graded and approved; the fourth not opened yet (December of the year).
    record(staff, "好/好/好", score="95")
    rollup(organisation)
    for decide in (
        lambda: annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.COMPETENT, reason="理由"),
        lambda: annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief),
    ):
        with pytest.raises(ValidationError, match="2026年第4季度尚未审批"):
            decide()
    assert not AnnualResult.objects.exclude(decided_grade="").exists()

    # The pages say why, and offer no decision: the list, one person's page, the adopt page, and a POST.
    client = client_for(chief)
    body = client.get(reverse("evaluations:annual", args=[YEAR])).content.decode()
    assert "第4季度" in body and "才能确定年度等次" in body
    assert 'data-testid="decide"' not in body and 'data-testid="adopt"' not in body
    decide_url = reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk])
    body = client.get(decide_url).content.decode()
    assert "才能确定年度等次" in body and 'data-testid="decide-submit"' not in body
    body = client.get(reverse("evaluations:annual_adopt", args=[YEAR])).content.decode()
    assert "才能确定年度等次" in body and 'data-testid="adopt-confirm"' not in body
    response = client.post(decide_url, {"grade": AnnualGrade.COMPETENT, "reason": "理由"})
    assert response.status_code == 200 and "才能确定年度等次" in response.content.decode()
    assert result_of(staff).decided_grade == ""

    # Graded but not approved: still refused. Approved (and the suggestions computed again): decided.
    record(staff, "好", score="95", first=4, state=QuarterState.OPEN)
    with pytest.raises(ValidationError, match="第4季度尚未审批"):
        annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief)
    AppraisalQuarter.objects.filter(organisation=organisation, year=YEAR, quarter=4).update(state=QuarterState.APPROVED)
    rollup(organisation)
    assert annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief) == 1


def test_a_year_begun_in_the_system_mid_year_or_brought_in_from_before_it_is_decided(organisation, staff, chief):
    # The organisation's first quarter in the system was the third: the third and fourth count.
    record(staff, "好/好", score="95", first=3)
    rollup(organisation)
    annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.COMPETENT, reason="理由")
    assert result_of(staff).decided_grade == AnnualGrade.COMPETENT
    # A year from before the system: results without any quarter.
    AnnualResultFactory(person=staff, year=YEAR - 2, suggested_grade=AnnualGrade.COMPETENT)
    assert annual.annual_adopt_suggestions(organisation=organisation, year=YEAR - 2, actor=chief) == 1


def test_an_organisation_appraised_the_year_before_needs_the_years_first_quarter_too(organisation, staff, chief):
    AppraisalQuarterFactory(organisation=organisation, year=YEAR - 1, quarter=4, state=QuarterState.APPROVED)
    record(staff, "好/好/好", score="95", first=2)
    rollup(organisation)
    with pytest.raises(ValidationError, match="2026年第1季度尚未审批"):
        annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.COMPETENT, reason="理由")


def test_a_grade_being_regraded_holds_the_years_decision_until_it_is_confirmed(organisation, staff, chief):
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    # An objection sent the fourth quarter's grade back to its evaluator (the quarter stays approved).
    grade = QuarterGrade.objects.get(person=staff, appraisal_quarter__quarter=4)
    save_fields([grade], reopened_at=timezone.now())
    with pytest.raises(ValidationError, match="2026年第4季度尚未审批或有等次正在重评"):
        annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief)
    save_fields([grade], reopened_at=None)  # regraded and confirmed
    assert annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief) == 1


def test_a_moved_persons_open_quarter_in_the_former_organisation_holds_their_decision(
    organisation, staff, chief, outsider
):
    # Graded by the former organisation in the first quarter, not approved there yet; here since.
    with counts.deferred():
        QuarterGradeFactory(
            person=staff,
            department=outsider.department,
            appraisal_quarter=AppraisalQuarterFactory(
                organisation=outsider.organisation, year=YEAR, quarter=1, state=QuarterState.OPEN
            ),
            state="confirmed",
            grade=Grade.GOOD,
            composite_score=Decimal("95"),
        )
    record(staff, "好/好/好", score="95", first=2)
    rollup(organisation)
    for decide in (
        lambda: annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.COMPETENT, reason="理由"),
        lambda: annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief),
    ):
        with pytest.raises(ValidationError, match=f"{staff.full_name}在原单位的2026年季度考核结果尚未审批"):
            decide()
    AppraisalQuarter.objects.filter(organisation=outsider.organisation).update(state=QuarterState.APPROVED)
    annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.COMPETENT, reason="理由")
    assert result_of(staff).decided_grade == AnnualGrade.COMPETENT


# --- Use of results ----------------------------------------------------------------------------


def _past(person, year, grade):
    AnnualResultFactory(person=person, year=year, suggested_grade=grade, decided_grade=grade)


def test_result_use_lists_look_across_years(organisation, department, head, chief, crowd):
    merit, once, admonished, dismissed, first_incompetent = (UserFactory(department=department) for _ in range(5))
    _past(merit, YEAR - 2, AnnualGrade.EXCELLENT)
    _past(merit, YEAR - 1, AnnualGrade.EXCELLENT)
    _past(once, YEAR - 2, AnnualGrade.EXCELLENT)  # a gap in YEAR - 1: no 三等功
    _past(dismissed, YEAR - 1, AnnualGrade.INCOMPETENT)
    record(merit, "好/好/好/好", score="99")
    record(once, "好/好/好/好", score="98")
    record(admonished, "一般/一般/一般/较好", score="60")
    record(dismissed, "较好/较好/较好/较好", score="70")
    record(first_incompetent, "较好/较好/较好/较好", score="70")
    rollup(organisation)  # 14 graded → 2 places: merit and once
    for person in (dismissed, first_incompetent):
        annual.annual_decide(result=result_of(person), actor=chief, grade=AnnualGrade.INCOMPETENT, reason="长期旷工")

    lists = annual.annual_use_lists(organisation=organisation, year=YEAR)
    assert {row.person_id for row in lists.excellent} == {merit.pk, once.pk}
    assert [row.person_id for row in lists.three_years_excellent] == [merit.pk]
    assert [row.person_id for row in lists.admonition] == [admonished.pk]
    assert [row.person_id for row in lists.dismissal_review] == [dismissed.pk]


# --- Pages and denials -------------------------------------------------------------------------


def test_hr_sees_the_suggestions_with_quarter_record_and_reasons(client_for, organisation, staff, hr, crowd):
    record(staff, "好/好/较好/好", score="95")
    rollup(organisation)
    response = client_for(hr).get(reverse("evaluations:annual", args=[YEAR]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "好/好/较好/好" in page
    assert "4个季度中3个“好”，无一般以下等次" in page
    assert 'data-testid="recompute"' in page and 'data-testid="decide"' not in page
    filtered = client_for(hr).get(reverse("evaluations:annual", args=[YEAR]), {"suggested_grade": "excellent"})
    assert len(filtered.context["page"]) == 1


def test_the_page_lists_with_a_constant_number_of_queries(client_for, organisation, department, hr, crowd):
    client = client_for(hr)
    rollup(organisation)
    url = reverse("evaluations:annual", args=[YEAR])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for person in [UserFactory(department=department) for _ in range(10)]:
        record(person, "好/较好/较好/好", score="88")
    rollup(organisation)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_hr_recomputes_through_a_job_whose_page_links_back_to_the_year(
    client_for, organisation, staff, hr, crowd, django_capture_on_commit_callbacks
):
    record(staff, "好/好/好/好", score="95")
    client = client_for(hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:annual_recompute", args=[YEAR]))
    job = Job.objects.get()
    # The view answered before the commit ran the job: it sent HR to the progress page.
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.state, job.params, job.requested_by) == (
        annual.ROLLUP_YEAR,
        Job.State.DONE,
        {"year": YEAR},
        hr,
    )
    assert (job.summary["people"], job.summary["excellent_suggested"]) == (10, 1)
    assert result_of(staff).suggested_grade == AnnualGrade.EXCELLENT
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已重新计算10人的建议等次" in page
    assert f'href="{reverse("evaluations:annual", args=[YEAR])}" data-testid="job-return"' in page


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_recompute_has_run_when_the_page_answers(client_for, organisation, staff, hr, crowd):
    record(staff, "好/好/好/好", score="95")
    response = client_for(hr).post(reverse("evaluations:annual_recompute", args=[YEAR]), follow=True)
    assert response.redirect_chain == [(reverse("evaluations:annual", args=[YEAR]), 302)]
    assert "已重新计算10人的建议等次：优秀名额2人，建议优秀1人。" in response.content.decode()
    assert result_of(staff).suggested_grade == AnnualGrade.EXCELLENT
    assert Job.objects.get().state == Job.State.DONE


def test_a_chief_of_another_organisation_cannot_follow_the_recompute_job(
    client_for, organisation, hr, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(hr).post(reverse("evaluations:annual_recompute", args=[YEAR]))
    job = Job.objects.get()
    assert client_for(outsider).get(job.get_absolute_url()).status_code == 404


def test_the_agency_head_decides_and_adopts_through_the_pages(client_for, organisation, staff, chief, crowd):
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    client = client_for(chief)
    listing = client.get(reverse("evaluations:annual", args=[YEAR])).content.decode()
    assert 'data-testid="decide"' in listing and 'data-testid="adopt"' in listing
    url = reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk])
    response = client.post(url, {"grade": AnnualGrade.COMPETENT, "reason": ""})
    assert response.status_code == 200 and "须说明理由" in response.content.decode()
    assert 'data-testid="decide-change"' not in client.get(url).content.decode()  # a first decision: no question
    response = client.post(url, {"grade": AnnualGrade.COMPETENT, "reason": "本人申请让出名额"})
    assert response.status_code == 302 and result_of(staff).decided_grade == AnnualGrade.COMPETENT
    # Changing a decided grade asks first, naming the grade it replaces.
    page = client.get(url).content.decode()
    assert 'data-testid="decide-change"' in page and "年度等次已确定为“称职”" in page
    # The list offers 修改 on a decided row, 确定 on the others (a user test: 确定 on every row).
    listing = client.get(reverse("evaluations:annual", args=[YEAR]), {"q": staff.full_name}).content.decode()
    links = re.findall(r'href="([^"]+)" data-testid="decide">([^<]+)<', listing)
    assert (url, "修改") in links and all(text == "确定" for link, text in links if link != url), links

    adopt = reverse("evaluations:annual_adopt", args=[YEAR])
    assert "确认采用" in client.get(adopt).content.decode()
    assert AnnualResult.objects.filter(decided_grade="").count() == 9
    client.post(adopt)
    assert not AnnualResult.objects.filter(decided_grade="").exists()


def test_a_decision_from_a_stale_second_tab_is_refused_not_saved_over_the_first(
    client_for, organisation, staff, chief, crowd
):
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    client = client_for(chief)
    url = reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk])
    # Two tabs open on the undecided person, each carrying what it showed.
    tabs = [client.get(url).context["form"]["seen"].value() for _ in range(2)]
    assert tabs == ["", ""]
    first = client.post(url, {"grade": AnnualGrade.COMPETENT, "reason": "本人申请让出名额", "seen": tabs[0]})
    assert first.status_code == 302
    stale = client.post(url, {"grade": AnnualGrade.BASICALLY_COMPETENT, "reason": "另一意见", "seen": tabs[1]})
    assert stale.status_code == 200 and "已被他人确定为“称职”" in stale.content.decode()
    assert result_of(staff).decided_grade == AnnualGrade.COMPETENT
    # Reloaded, the page carries the decision it shows, and a change from it is taken.
    seen = client.get(url).context["form"]["seen"].value()
    assert seen == result_of(staff).decided_at.isoformat()
    again = client.post(url, {"grade": AnnualGrade.BASICALLY_COMPETENT, "reason": "复议后调整", "seen": seen})
    assert again.status_code == 302 and result_of(staff).decided_grade == AnnualGrade.BASICALLY_COMPETENT


def test_the_use_page_shows_the_lists(client_for, organisation, staff, hr, crowd):
    record(staff, "好/好/好/好", score="95")
    rollup(organisation)
    response = client_for(hr).get(reverse("evaluations:annual_use", args=[YEAR]))
    assert response.status_code == 200
    award = response.context["tables"][0]
    assert award["testid"] == "award-list" and [r.person for r in award["page"]] == [staff]


def test_each_use_list_pages_on_its_own_with_the_same_queries_for_few_and_many(
    client_for, organisation, department, hr
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AnnualResultFactory, UserFactory

    client = client_for(hr)
    url = reverse("evaluations:annual_use", args=[YEAR])

    def add(n: int, grade: str) -> None:
        for _ in range(n):
            AnnualResultFactory(person=UserFactory(department=department), year=YEAR, decided_grade=grade)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(2, AnnualGrade.EXCELLENT)
    add(1, AnnualGrade.BASICALLY_COMPETENT)
    few = queries()
    add(40, AnnualGrade.EXCELLENT)
    add(30, AnnualGrade.BASICALLY_COMPETENT)
    assert queries() == few
    page = client.get(url, {"admonition": 2}).content.decode()
    admonition = page[page.index('data-testid="admonition-list"') :]
    admonition = admonition[: admonition.index("</section>")]
    assert "共 31 条" in admonition and admonition.count("<tr>") == 1 + 6  # header + the 6 on page 2
    award = page[page.index('data-testid="award-list"') :]
    assert "第 1 / 2 页" in award[: award.index("</section>")]


@pytest.mark.parametrize("persona", ["staff", "head", "leader", "inspector", "auditor", "sysadmin"])
def test_others_are_refused_every_annual_page(request, client_for, organisation, staff, persona):
    record(staff, "较好/较好/较好/较好", score="85")  # one result is enough to be refused
    rollup(organisation)
    client = client_for(request.getfixturevalue(persona))
    pk = result_of(staff).pk
    assert client.get(reverse("evaluations:annual_index")).status_code == 403
    assert client.get(reverse("evaluations:annual", args=[YEAR])).status_code == 403
    assert client.get(reverse("evaluations:annual_use", args=[YEAR])).status_code == 403
    assert client.post(reverse("evaluations:annual_recompute", args=[YEAR])).status_code == 403
    assert client.get(reverse("evaluations:annual_decide", args=[YEAR, pk])).status_code == 403
    assert client.post(reverse("evaluations:annual_adopt", args=[YEAR])).status_code == 403


def test_hr_may_not_decide(client_for, organisation, hr, staff):
    record(staff, "较好/较好/较好/较好", score="85")
    rollup(organisation)
    client = client_for(hr)
    pk = result_of(staff).pk
    assert client.get(reverse("evaluations:annual_decide", args=[YEAR, pk])).status_code == 403
    assert client.post(reverse("evaluations:annual_adopt", args=[YEAR])).status_code == 403


def test_another_organisations_result_is_not_found(client_for, outsider, chief, organisation, crowd):
    from accounts.models import Role

    record(outsider, "好/好/好/好", score="90")
    rollup(outsider.organisation)
    foreign = result_of(outsider)
    assert client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, foreign.pk])).status_code == 404
    assert Role.AGENCY_HEAD in chief.roles


def test_the_menu_shows_the_annual_page_to_hr_only(client_for, hr, staff):
    assert "年度考核" in client_for(hr).get(reverse("home")).content.decode()
    assert reverse("evaluations:annual_index") not in client_for(staff).get(reverse("home")).content.decode()


def test_a_large_years_committee_list_opens_on_its_first_department_and_all_stays_a_choice(
    client_for, organisation, department, head, hr, crowd, monkeypatch
):
    from evaluations.annual import selectors as annual_selectors

    later = DepartmentFactory(
        organisation=organisation, code="D009", name="后勤科", sort_order=department.sort_order + 1
    )
    client = client_for(hr)
    url = reverse("evaluations:annual", args=[YEAR])
    for person in [UserFactory(department=later) for _ in range(3)]:
        record(person, "好/较好/较好/好", score="88")
    rollup(organisation)
    everyone = AnnualResult.objects.filter(year=YEAR).count()
    assert len(client.get(url).context["page"]) == everyone  # a small year: everyone, as before
    monkeypatch.setattr(annual_selectors, "COMMITTEE_ALL_LIMIT", 3)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert {row.department_id for row in response.context["page"]} == {department.pk}
    for person in [UserFactory(department=department) for _ in range(10)]:
        record(person, "好/较好/较好/好", score="88")
    rollup(organisation)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert {row.department_id for row in response.context["page"]} == {department.pk}
    assert len(client.get(url, {"department": ""}).context["page"]) == everyone + 10
    assert {row.department_id for row in client.get(url, {"department": later.pk}).context["page"]} == {later.pk}


def test_a_large_years_committee_list_asks_as_many_queries_as_a_small_years(
    client_for, organisation, department, head, hr, crowd, monkeypatch
):
    from evaluations.annual import selectors as annual_selectors

    later = DepartmentFactory(
        organisation=organisation, code="D009", name="后勤科", sort_order=department.sort_order + 1
    )
    for person in [UserFactory(department=later) for _ in range(3)]:
        record(person, "好/较好/较好/好", score="88")
    rollup(organisation)
    client = client_for(hr)
    url = reverse("evaluations:annual", args=[YEAR])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as everyone:
        assert client.get(url).context["filter"].form.cleaned_data["department"] is None
    monkeypatch.setattr(annual_selectors, "COMMITTEE_ALL_LIMIT", 3)
    with CaptureQueriesContext(connection) as first_department:
        response = client.get(url)
    assert response.context["filter"].form.cleaned_data["department"] == department
    assert len(first_department) == len(everyone)
    assert client.get(url, {"department": later.pk}).context["filter"].form.cleaned_data["department"] == later
    refused = client.get(url, {"department": "nonsense"})
    assert refused.status_code == 200 and "department" in refused.context["filter"].form.errors


def test_the_year_roll_up_records_whose_suggestion_it_changed_and_nothing_when_nothing_changed(
    organisation, department, head
):
    first, second = UserFactory(department=department), UserFactory(department=department)
    record(first, "好/好/好/好", score="95")
    record(second, "好/好/好/好", score="90")
    rollup(organisation)
    entry = AuditEntry.objects.get(event="job_run")
    assert entry.organisation_id == organisation.pk and entry.object_repr == "年度建议等次计算"
    assert entry.changes_dict["suggestions_changed"][1] == "2"
    assert str(first.pk) in entry.changes_dict["people"][1]
    rollup(organisation)  # the same suggestions again: nothing changed, nothing recorded
    assert AuditEntry.objects.filter(event="job_run").count() == 1
    save_fields(QuarterGrade.objects.filter(person=first, appraisal_quarter__quarter=4), grade=Grade.AVERAGE)
    rollup(organisation)
    latest = AuditEntry.objects.filter(event="job_run").latest("pk")
    assert str(first.pk) in latest.changes_dict["people"][1].split(", ")


# --- Decisions and the posted 优秀 list ----------------------------------------------------------


@pytest.fixture
def posted(organisation, staff, chief, hr, crowd):
    """The year decided (staff 优秀 by suggestion, the crowd 称职) and its 优秀 list posted."""
    from publicity.publication import services as publication

    record(staff, "好/好/好/好", score="98")
    rollup(organisation)
    annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief)
    return publication.publication_open_annual(actor=hr, organisation=organisation, year=YEAR)


def test_a_decision_on_the_posted_list_is_not_changed_behind_it(client_for, posted, staff, chief):
    """The list would go on saying 优秀 while the result said 称职: the change is HR's review (复核)."""
    with pytest.raises(ValidationError, match="已列入2026年度优秀公示名单"):
        annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.COMPETENT, reason="改变主意")
    assert result_of(staff).decided_grade == AnnualGrade.EXCELLENT
    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk]))
    content = page.content.decode()
    assert 'data-testid="decision-closed"' in content and "通过复核办理" in content
    assert 'data-testid="decide-submit"' not in content


def test_nobody_is_added_to_a_posted_list(client_for, posted, crowd, chief):
    someone = result_of(crowd[0])
    with pytest.raises(ValidationError, match="2026年度优秀名单已公示，不能再增加优秀人选"):
        annual.annual_decide(result=someone, actor=chief, grade=AnnualGrade.EXCELLENT, reason="贡献突出")
    # Other grades are still the committee's to decide; 优秀 is not offered.
    annual.annual_decide(result=someone, actor=chief, grade=AnnualGrade.BASICALLY_COMPETENT, reason="全年工作有差错")
    assert result_of(crowd[0]).decided_grade == AnnualGrade.BASICALLY_COMPETENT
    form = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, someone.pk])).context["form"]
    assert AnnualGrade.EXCELLENT not in dict(form.fields["grade"].choices)
    assert "不能再增加优秀人选" in form.fields["grade"].help_text


def test_a_vetoed_person_is_told_of_the_veto_before_any_reason_is_asked(
    client_for, organisation, inspector, staff, chief, crowd
):
    record(staff, "好/好/好/好", score="98")
    veto.veto_flags_for_finding(finding_id=FindingFactory(inspection__inspector=inspector, person=staff).pk)
    rollup(organisation)
    with pytest.raises(ValidationError, match="一票否决"):
        annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.EXCELLENT, reason="")
    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk]))
    assert AnnualGrade.EXCELLENT not in dict(page.context["form"].fields["grade"].choices)


# --- An objection to a posted 优秀, upheld: the committee decides again ---------------------------


def _object_and_send_back(posted, staff, objector, hr):
    from publicity.publication import services as publication

    entry = posted.entries.get(person=staff)
    objection = publication.objection_lodge(
        actor=objector, entry=entry, text="其全年有两个季度未完成任务。", today=entry.window_starts_on
    )
    publication.objection_accept(actor=hr, objection=objection)
    publication.objection_send_back(actor=hr, objection=objection, reason="核实属实，请委员会重新确定。")
    entry.refresh_from_db()
    return entry


def test_an_upheld_objection_sends_the_excellent_back_to_the_committee(client_for, posted, staff, crowd, chief, hr):
    """A user test found no way to act on an upheld objection to a year's 优秀: the objection page
    offered only an answer, and the committee's decision could not change behind the posted list."""
    from publicity.publication import services as publication

    entry = posted.entries.get(person=staff)
    objection = publication.objection_lodge(
        actor=crowd[0], entry=entry, text="其全年有两个季度未完成任务。", today=entry.window_starts_on
    )
    publication.objection_accept(actor=hr, objection=objection)
    url = reverse("publicity:objection_detail", args=[objection.pk])
    assert "退回考核委员会重新确定" in client_for(hr).get(url).content.decode()
    # The reason's box is not "退回重评理由" here (a user test): the grade goes back to the committee.
    page = client_for(hr).get(url).content.decode()
    assert 'for="send-back-text">退回理由</label>' in page and "退回重评理由" not in page
    response = client_for(hr).post(url, {"action": "send_back", "reason": "核实属实，请委员会重新确定。"}, follow=True)
    assert "已将" in response.content.decode() and "退回考核委员会重新确定" in response.content.decode()

    entry.refresh_from_db()
    assert entry.state == "regrading"
    # Its state says who acts now: the committee decides again, nobody regrades (a user test read 退回重评).
    page = client_for(hr).get(url).content.decode()
    assert "已退回考核委员会重新确定" in page and "退回重评" not in page
    # Beside the objection's own step (已受理 until answered), the badge says where the grade went.
    assert 'data-testid="objection-sent-back">已退回考核委员会<' in page
    assert result_of(staff).decided_grade == ""  # taken back, audited with the reason
    assert AuditEntry.objects.filter(object_pk=str(result_of(staff).pk), reason__contains="核实属实").exists()
    assert chief.notifications.filter(message__contains="退回委员会重新确定").exists()
    # The committee decides again, on its page, and may give 优秀 again (the list is posted, but this
    # line is waiting for it).
    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk]))
    assert 'data-testid="decision-closed"' not in page.content.decode()
    assert AnnualGrade.EXCELLENT in dict(page.context["form"].fields["grade"].choices)


def test_publishing_a_decision_again_asks_of_the_committees_decision_not_a_regrade(
    client_for, posted, staff, crowd, chief, hr
):
    """A user test: the 重新公示 button of a line the committee decided again asked to publish its 重评结果."""
    _object_and_send_back(posted, staff, crowd[0], hr)
    annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.EXCELLENT, reason="")
    board = client_for(hr).get(posted.get_absolute_url()).content.decode()
    assert 'data-testid="republish"' in board
    assert f"考核委员会对{staff.get_full_name()}重新确定的结果将另行公示" in board and "重评结果" not in board
    # The objection's page says the committee has decided and leads to the step.
    objection = posted.entries.get(person=staff).objections.get()
    page = client_for(hr).get(reverse("publicity:objection_detail", args=[objection.pk])).content.decode()
    assert "考核委员会已重新确定为优秀，可以重新公示" in page and 'data-testid="to-republish"' in page


def test_the_committee_deciding_again_sees_why_the_result_came_back(client_for, posted, staff, crowd, chief, hr):
    """A user test found the re-decision page silent on why the result was back: the objection, who
    lodged it and when, and HR's reason for sending it back, were only in the audit log and a notice."""
    entry = _object_and_send_back(posted, staff, crowd[0], hr)
    objection = entry.objections.get()

    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk]))

    shown = page.content.decode().split('data-testid="sent-back-cases"', 1)[1].split("</div>\n", 1)[0]
    assert "因公示期内的异议退回考核委员会重新确定" in shown
    assert f"{crowd[0].get_full_name()} · {timezone.localtime(objection.lodged_at):%Y-%m-%d %H:%M}" in shown
    assert "其全年有两个季度未完成任务。" in shown
    sent_back_at = timezone.localtime(objection.sent_back_at)
    assert f"{sent_back_at:%Y-%m-%d %H:%M}<div>理由：核实属实，请委员会重新确定。" in shown
    assert f'处理人</dt><dd class="col-8">{hr.get_full_name()}<' in shown
    assert "答复" not in shown
    # Once answered, the answer too.
    from publicity.publication import services as publication

    publication.objection_verify(actor=hr, objection=objection, notes="委员会已重新确定。")
    publication.objection_answer(actor=hr, objection=objection, answer="已退回考核委员会重新确定。")
    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, result_of(staff).pk]))
    shown = page.content.decode().split('data-testid="sent-back-cases"', 1)[1].split("</div>\n", 1)[0]
    assert "答复</dt>" in shown and "已退回考核委员会重新确定。" in shown
    # A result nobody objected to shows nothing of the kind.
    other = client_for(chief).get(reverse("evaluations:annual_decide", args=[YEAR, result_of(crowd[1]).pk]))
    assert 'data-testid="sent-back-cases"' not in other.content.decode()


def test_decided_excellent_again_the_line_is_posted_again_and_otherwise_it_leaves_the_list(
    posted, staff, crowd, chief, hr
):
    from publicity.publication import services as publication
    from publicity.publication.models import EntryState

    entry = _object_and_send_back(posted, staff, crowd[0], hr)
    annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.EXCELLENT, reason="")
    entry.refresh_from_db()
    assert publication.entry_may_republish(entry)
    publication.entry_republish(actor=hr, entry=entry, today=entry.window_ends_on)
    entry.refresh_from_db()
    assert (entry.state, entry.grade_label) == (EntryState.PUBLISHED, "优秀") and entry.republished_at

    # Sent back again, and decided 称职 this time: the decision takes the line off the list at once
    # (a user test: the board said 已退回考核委员会重新确定 until the next locking job), and the
    # daily job leaves it so.
    objection = publication.objection_lodge(actor=crowd[1], entry=entry, text="仍有异议。", today=entry.window_ends_on)
    publication.objection_accept(actor=hr, objection=objection)
    publication.objection_send_back(actor=hr, objection=objection, reason="再次核实。")
    annual.annual_decide(result=result_of(staff), actor=chief, grade=AnnualGrade.COMPETENT, reason="异议属实")
    entry.refresh_from_db()
    assert entry.state == EntryState.WITHDRAWN
    assert staff.notifications.filter(message__startswith="您的", message__contains="已从公示名单撤下").exists()
    publication.publication_lock_due(publication=posted, today=entry.window_ends_on)
    entry.refresh_from_db()
    assert entry.state == EntryState.WITHDRAWN
    # Each objection keeps the grade it questioned and the one its handling came to (the year's workbook).
    assert list(entry.objections.order_by("pk").values_list("grade_label", "regraded_label")) == [
        ("优秀", "优秀"),
        ("优秀", "称职"),
    ]
    assert staff.notifications.filter(message__contains="已从公示名单撤下").exists()
    assert crowd[1].notifications.filter(message__contains="已从公示名单撤下").exists()
    # The line sent back is publicity's to tell of: after the first decision's notice (the year's
    # adoption), no "已确定…为" for each re-decision, as if decided afresh (a review found them).
    assert list(staff.notifications.filter(message__startswith="考核委员会").values_list("message", flat=True)) == [
        f"考核委员会已确定您的{YEAR}年度考核等次为“优秀”，请查看。"
    ]


def test_a_long_decision_reason_is_shortened_in_the_list_and_kept_whole_in_its_title(client_for, hr, staff):
    """A 2 000-character reason squeezed every other column to a character a line."""
    reason = "经考核委员会研究，" + "该同志全年表现突出。" * 200
    AnnualResultFactory(person=staff, year=YEAR, decided_grade=AnnualGrade.COMPETENT, decision_reason=reason)
    html = client_for(hr).get(reverse("evaluations:annual", args=[YEAR])).content.decode()
    shown = html.split('data-testid="decision-reason"', 1)[1].split("</div>", 1)[0]
    assert f'title="{reason}"' in shown
    assert len(shown.split(">", 1)[1]) <= 80


def test_the_year_list_says_who_has_left(client_for, organisation, staff, hr, crowd):
    """A user test: people who had left were listed and counted with nothing to say so."""
    record(staff, "好/好/较好/好", score="95")
    rollup(organisation)
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    page = client_for(hr).get(reverse("evaluations:annual", args=[YEAR])).content.decode()
    assert page.count('data-testid="left">已离开（账号已停用）<') == 1


def test_a_decided_years_page_keeps_the_share_it_was_decided_under(client_for, organisation, department, head, hr):
    """A review: the policy's 优秀 share lowered after the year was 定等 (the policy page says it
    applies to the years not yet decided) rewrote the decided year's header to the new share."""
    from accounts.services import policy_update

    people = [UserFactory(department=department, full_name=f"优{i}") for i in range(10)]
    for i, person in enumerate(people):
        record(person, "好/好/好/好", score=str(90 + i))
    rollup(organisation)
    url = reverse("evaluations:annual", args=[YEAR])
    assert "优秀名额2人（20%，向下取整）" in client_for(hr).get(url).content.decode()
    from evaluations.annual.locking import annual_results_lock, annual_year_close

    AnnualResult.objects.filter(organisation=organisation, year=YEAR).update(
        decided_grade=F("suggested_grade"), decided_at=timezone.now()
    )
    annual_year_close(organisation_id=organisation.pk, year=YEAR, exclude=[result_of(people[0]).pk])
    policy = Policy.objects.get_or_create(organisation=organisation)[0]
    policy.excellent_quota_percent = 10
    policy_update(policy=policy, reason="下调优秀比例")
    assert "优秀名额2人（20%，向下取整）" in client_for(hr).get(url).content.decode()
    # A result locked after the change (a late decision, the review's 定等) keeps the year's share
    # (a review: the share read from the last lock's moment turned to the new one).
    annual_results_lock(result_ids=[result_of(people[0]).pk])
    assert "优秀名额2人（20%，向下取整）" in client_for(hr).get(url).content.decode()
    # So does the year workbook's department sheet.
    from io import BytesIO

    from openpyxl import load_workbook

    from publicity.reports.exports import write_workbook

    buffer = BytesIO()
    write_workbook(buffer, organisation=organisation, year=YEAR)
    rows = [[cell.value for cell in row] for row in load_workbook(buffer)["科室统计"].iter_rows()]
    column = rows[0].index("优秀参考名额（按本科室人数折算，名额按全单位计算）")
    assert next(row[column] for row in rows[1:] if row[0] == department.name) == 2
    # Recomputed (a veto change asks for it), the year ranks under its own share.
    stats = annual.rollup_year(organisation=organisation, year=YEAR)
    assert stats.excellent_quota == 2 and "超出优秀名额（名额2人，排第3）" in result_of(people[7]).suggestion_reasons
    # The dashboard's and the bureau's figures read it so too; the next year, not decided, takes the new share.
    policy.refresh_from_db()
    assert annual.year_quota_percents(year=YEAR, policies={organisation.pk: policy}) == {organisation.pk: 20}
    assert annual.excellent_status(organisation=organisation, year=YEAR + 1).percent == 10


def test_the_migration_keeps_the_share_of_the_years_already_decided(organisation, department, head):
    """evaluations 0044: a year 定等 before the share was kept takes the organisation's share."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    from evaluations.annual.models import AnnualRollupRun

    migration = importlib.import_module("evaluations.migrations.0044_annual_year_keeps_its_share")
    person = UserFactory(department=department)
    record(person, "好/好/好/好", score="95")
    rollup(organisation)
    AnnualResult.objects.filter(person=person).update(decided_grade=AnnualGrade.EXCELLENT, locked_at=timezone.now())
    Policy.objects.update_or_create(organisation=organisation, defaults={"excellent_quota_percent": 15})
    AnnualRollupRun.objects.filter(organisation=organisation).update(excellent_quota_percent=None)
    rollup(organisation, year=YEAR + 1)  # a year not decided keeps none
    migration.keep_the_decided_years_share(apps, SimpleNamespace(connection=connection))
    kept = dict(
        AnnualRollupRun.objects.filter(organisation=organisation).values_list("year", "excellent_quota_percent")
    )
    assert kept == {YEAR: 15, YEAR + 1: None}


def test_a_change_of_the_years_rules_recomputes_the_years_not_yet_decided(
    client_for, organisation, department, head, hr, django_capture_on_commit_callbacks
):
    """A re-test: the policy's 优秀 share lowered, the header said the new quota beside suggestions
    ranked under the old one, and nothing said they were out of date."""
    from accounts.services import policy_update

    people = [UserFactory(department=department, full_name=f"优{i}") for i in range(10)]
    for i, person in enumerate(people):
        record(person, "好/好/好/好", score=str(90 + i))
    rollup(organisation)
    assert AnnualResult.objects.filter(suggested_grade=AnnualGrade.EXCELLENT).count() == 2
    policy = Policy.objects.get_or_create(organisation=organisation)[0]
    policy.excellent_quota_percent = 10
    with django_capture_on_commit_callbacks(execute=True):
        policy_update(policy=policy, reason="下调优秀比例")
    assert AnnualResult.objects.filter(suggested_grade=AnnualGrade.EXCELLENT).count() == 1
    assert "超出优秀名额（名额1人，排第2）" in result_of(people[8]).suggestion_reasons
    # A change of no rule of the year asks for nothing.
    policy.refresh_from_db()
    policy.feedback_talk_by = policy.feedback_talk_by
    policy.grading_deadline_days += 1
    with django_capture_on_commit_callbacks() as callbacks:
        policy_update(policy=policy, reason="延长评鉴期限")
    assert not callbacks
