"""The set-based year roll-up (evaluations/annual/rollup.py) writes what the former Python loop
computed: the same counts, scores, suggestions, ranks and reasons, person by person, on a varied
year (every grade, uncertain and ungraded quarters, missing scores and employee numbers, ties on the
quota line, vetoes, sanctions, probationers, decisions) under two policies."""

import random
from datetime import date

import pytest
from django.test import override_settings

from accounts.models import AuditEntry, Policy, Role, StaffStatusKind
from accounts.selectors import policy_for_organisation
from evaluations.annual import services as annual
from evaluations.models import AnnualGrade, AnnualResult, QuarterGrade, SanctionEffect, SanctionKind
from tests.evaluations.conftest import GRADING_DAY
from tests.evaluations.test_annual import record
from tests.factories import (
    AnnualResultFactory,
    DepartmentFactory,
    OrganisationFactory,
    SanctionFactory,
    SanctionRuleFactory,
    StaffStatusFactory,
    UserFactory,
    VetoFlagFactory,
)
from tests.support.shared_rows import shared_rows

YEAR = 2026
CHOICES = ["好", "好", "好", "较好", "较好", "一般", "较差", "不确定", ""]


def former_suggestions(organisation) -> dict[int, tuple]:
    """What the Python loop of the former roll-up computed (its own helpers, nothing written)."""
    policy = policy_for_organisation(organisation_id=organisation.pk)
    people = annual._quarter_aggregates(organisation=organisation, year=YEAR)
    vetoes = annual.active_veto_reasons(organisation=organisation, year=YEAR)
    impacts = annual.sanction_effects(organisation=organisation, year=YEAR)
    on_probation = annual.probationers(organisation=organisation, year=YEAR)
    decided = dict(
        AnnualResult.objects.filter(organisation=organisation, year=YEAR)
        .exclude(decided_grade="")
        .values_list("person_id", "decided_grade")
    )
    for p in people:
        annual._suggest_before_quota(
            p,
            policy=policy,
            on_probation=p.person_id in on_probation,
            vetoes=vetoes.get(p.person_id, []),
            impact=impacts.get(p.person_id),
        )
    graded = sum(1 for p in people if decided.get(p.person_id, p.grade) != AnnualGrade.NOT_GRADED)
    annual._apply_quota(
        [p for p in people if p.eligible], quota=annual.excellent_quota(graded_people=graded, policy=policy)
    )
    return {
        p.person_id: (
            p.department_id,
            p.graded,
            p.good,
            p.average + p.poor,
            p.average,
            p.score,
            p.eligible,
            p.rank,
            p.grade,
            p.reasons,
        )
        for p in people
    }


# The columns of a year result that the roll-up suggests (the committee's decision apart).
SUGGESTION_COLUMNS = [
    "department_id",
    "graded_quarters",
    "good_quarters",
    "average_or_below_quarters",
    "average_quarters",
    "composite_score",
    "eligible_excellent",
    "rank",
    "suggested_grade",
    "suggestion_reasons",
]


def stored_suggestions(organisation) -> dict[int, tuple]:
    rows = AnnualResult.objects.filter(organisation=organisation, year=YEAR).values_list(
        "person_id", *SUGGESTION_COLUMNS
    )
    return {row[0]: tuple(row[1:]) for row in rows}


@pytest.fixture(scope="class")
def varied_year(django_db_setup, django_db_blocker):
    """Thirty-six people's varied year, built once for the class (each test's own writes, the
    policy change and the roll-ups, are undone after it)."""
    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], APPRAISAL_TODAY=GRADING_DAY
    )
    with shared_rows(django_db_blocker), fast_hashing:
        organisation = OrganisationFactory(code="variedorg", name="多样局")
        leader = UserFactory(organisation=organisation, department=None, roles=[Role.SUPERVISING_LEADER])
        chief = UserFactory(organisation=organisation, department=None, roles=[Role.AGENCY_HEAD])
        department = DepartmentFactory(organisation=organisation, code="D001", supervising_leader=leader)
        department.head = UserFactory(department=department, roles=[Role.STAFF, Role.DEPARTMENT_HEAD])
        department.save()
        rng = random.Random(13)
        people = [
            UserFactory(department=department, employee_number=rng.choice(["", f"E{i:03d}", f"e{i}", f"工{i}"]))
            for i in range(36)
        ]
        for i, person in enumerate(people):
            grades = "/".join(rng.choice(CHOICES) for _ in range(4))
            # Half points only: the former loop averaged binary floats on SQLite, so an exact x.xx5
            # could round down there; multiples of 1/8 are exact in binary and round alike.
            score = None if i % 7 == 0 else str(rng.choice([80, 85.5, 90, 92.5, 95, 95]))
            record(person, grades, score=score)
        for person in people[:3]:  # a tie on the top record
            record(person, "好/好/好/好", score="95", year=YEAR + 1)
        VetoFlagFactory(person=people[1], year=YEAR)
        VetoFlagFactory(person=people[2], year=YEAR, reason="酒驾")
        SanctionRuleFactory(organisation=organisation, kind=SanctionKind.DEMOTION, effect=SanctionEffect.INCOMPETENT)
        SanctionFactory(person=people[3], kind=SanctionKind.DEMOTION, decided_on=date(YEAR, 4, 1))
        SanctionFactory(person=people[4], kind=SanctionKind.WARNING, decided_on=date(YEAR, 5, 1))
        SanctionFactory(person=people[5], kind=SanctionKind.MAJOR_DEMERIT, decided_on=date(YEAR - 1, 11, 1))
        StaffStatusFactory(user=people[6], kind=StaffStatusKind.PROBATION, start_date=date(YEAR, 3, 1))
        StaffStatusFactory(
            user=people[7], kind=StaffStatusKind.PROBATION, start_date=date(YEAR, 1, 1), end_date=date(YEAR, 6, 30)
        )
        AnnualResultFactory(person=people[8], decided_grade=AnnualGrade.NOT_GRADED, decided_by=chief)
        AnnualResultFactory(person=people[9], decided_grade=AnnualGrade.BASICALLY_COMPETENT, decided_by=chief)
        yield organisation


@pytest.mark.django_db
class TestTheVariedYear:
    """Both policies on one varied year, built once for the class."""

    @pytest.mark.parametrize("lenient", [False, True], ids=["default policy", "lenient policy"])
    def test_the_set_based_roll_up_writes_what_the_python_loop_computed(self, varied_year, lenient):
        organisation = varied_year
        if lenient:
            Policy.objects.filter(organisation=organisation).update(
                excellent_forbids_average_or_below=False, probation_gets_annual_grade=True
            )
        expected = former_suggestions(organisation)
        annual.rollup_year(organisation=organisation, year=YEAR)
        stored = stored_suggestions(organisation)
        assert stored == expected
        grades = {row[8] for row in stored.values()}
        assert {AnnualGrade.EXCELLENT, AnnualGrade.COMPETENT, AnnualGrade.NOT_GRADED} <= grades

        annual.rollup_year(organisation=organisation, year=YEAR)  # a rerun writes the same
        assert stored_suggestions(organisation) == expected


def test_a_tie_on_the_quota_line_and_the_ranking_match_the_python_loop(organisation, department, head):
    people = [UserFactory(department=department, employee_number=f"N{99 - i}") for i in range(12)]
    for i, person in enumerate(people):
        record(person, "好/好/好/较好" if i % 3 else "好/好/好/好", score="95" if i % 3 == 0 else ("90", "92.5")[i % 2])
    expected = former_suggestions(organisation)
    annual.rollup_year(organisation=organisation, year=YEAR)
    assert stored_suggestions(organisation) == expected
    assert any("名额线" in reason for row in expected.values() for reason in row[9])


def test_a_person_whose_grade_rows_are_gone_loses_the_suggestion_but_a_decision_is_kept(
    organisation, department, head, chief
):
    gone, decided, stays = (UserFactory(department=department) for _ in range(3))
    for person in (gone, decided, stays):
        record(person, "好/较好/较好/较好", score="88")
    annual.rollup_year(organisation=organisation, year=YEAR)
    AnnualResult.objects.filter(person=decided).update(decided_grade=AnnualGrade.COMPETENT, decided_by=chief)
    QuarterGrade.objects.filter(person__in=[gone, decided]).delete()
    annual.rollup_year(organisation=organisation, year=YEAR)
    assert set(AnnualResult.objects.values_list("person_id", flat=True)) == {decided.pk, stays.pk}
    entry = AuditEntry.objects.filter(event="job_run").latest("pk")
    assert entry.changes_dict["suggestions_removed"][1] == "1"
