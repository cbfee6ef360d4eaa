from datetime import date

import pytest

from accounts.models import Role
from evaluations.grading.models import Grade, GradeState, QuarterState
from evaluations.grading.services.grading import appraisal_quarter_open
from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory, UserFactory, WelfarePostFactory

# The grading window of 2026 Q4 opens when the quarter ends: these tests grade it on a clock moved
# to the first working days of 2027 (accounts.periods.today() honours settings.APPRAISAL_TODAY).
GRADING_DAY = date(2027, 1, 4)
# 2026 Q3 is two quarters back on GRADING_DAY, beyond the default policy: tests open it on its own day.
Q3_GRADING_DAY = date(2026, 10, 8)
# The first day of the default public-welfare window (1–15 December).
WELFARE_DAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def grading_clock(settings):
    settings.APPRAISAL_TODAY = GRADING_DAY
    return GRADING_DAY


@pytest.fixture
def team(department, head, staff, colleague):
    """The department of `head`: staff, colleague and five more (seven staff, one head)."""
    extra = [UserFactory(department=department, full_name=f"队员{i}") for i in range(5)]
    return [staff, colleague, *extra]


@pytest.fixture
def today(monkeypatch):
    """1 December 2026, the first day of the default public-welfare window (1–15 December)."""
    monkeypatch.setattr("accounts.periods.today", lambda now=None: WELFARE_DAY)
    return WELFARE_DAY


@pytest.fixture
def worker(department, head):
    """A public-welfare worker of ``department`` (保洁员甲), with a post."""
    return WelfarePostFactory(person__department=department, person__full_name="保洁员甲").person


@pytest.fixture
def people(department):
    """Five people to rate in a 民主测评 (被测评人0–4); a test takes as many of them as it needs."""
    return [UserFactory(department=department, full_name=f"被测评人{n}") for n in range(5)]


@pytest.fixture
def voters(department):
    """Three raters of a 民主测评 (测评人0–2)."""
    return [UserFactory(department=department, full_name=f"测评人{n}") for n in range(3)]


@pytest.fixture
def quarter(organisation, team, leader):
    return appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)


@pytest.fixture
def grade_of(quarter):
    def find(person):
        return quarter.grades.get(person=person)

    return find


@pytest.fixture
def all_confirmed(quarter, head, leader, team, grade_of):
    """The quarter with everyone graded 较好 and confirmed, their inputs handed in: nothing but what a
    test adds (the discipline office's opinion, say) can stand in the way of its approval."""
    from evaluations.grading.services.grading import grade_assign, grades_confirm_all
    from evaluations.models import Grade
    from tests.factories import hand_in_quarter_inputs

    hand_in_quarter_inputs(quarter)
    for person in team:
        grade_assign(grade_row=grade_of(person), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_assign(grade_row=grade_of(head), actor=leader, grade=Grade.FAIRLY_GOOD, comment="认真")
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    return quarter


@pytest.fixture
def second_head(organisation, leader):
    from tests.factories import DepartmentFactory

    department = DepartmentFactory(organisation=organisation, name="第二科", supervising_leader=leader)
    person = UserFactory(department=department, roles=[Role.STAFF, Role.DEPARTMENT_HEAD], full_name="二科科长")
    department.head = person
    department.save()
    return person


@pytest.fixture
def approved_quarter(organisation):
    """2026 Q4, approved (its grades can be locked)."""
    return AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=4, state=QuarterState.APPROVED)


@pytest.fixture
def room_for_one_good(approved_quarter, staff, head, leader):
    """Two more people's confirmed 较好 in the approved quarter: with staff, three participants, so
    the default 40 % quota leaves one 好 (which a review to 好 needs, as grading does)."""
    for _number in range(2):
        QuarterGradeFactory(
            appraisal_quarter=approved_quarter,
            person=UserFactory(organisation=approved_quarter.organisation, department=staff.department),
            grade=Grade.FAIRLY_GOOD,
            comment="稳定",
            state=GradeState.CONFIRMED,
            evaluator=head,
            confirmed_by=leader,
        )


@pytest.fixture
def confirmed(approved_quarter, staff, head, leader):
    """staff's 较好 of the approved quarter, given by head and confirmed by leader."""
    return QuarterGradeFactory(
        appraisal_quarter=approved_quarter,
        person=staff,
        grade=Grade.FAIRLY_GOOD,
        comment="稳定",
        state=GradeState.CONFIRMED,
        evaluator=head,
        confirmed_by=leader,
    )


@pytest.fixture
def ballot(hr, heads, staff, colleague):
    """A 民主测评 of the module's ``heads``, rated by staff and a colleague, with two service-user codes."""
    from tests.evaluations.helpers import open_ballot

    return open_ballot(hr, subjects=heads, raters=[staff, colleague], service_user_codes=2)


@pytest.fixture
def score_model_on(organisation):
    """The organisation's policy with the score model on and its default indicator sets (HR creates
    them: an explicit action; opening a quarter does it too)."""
    from accounts.models import Policy
    from evaluations.grading.services.scores import indicator_sets_ensure

    policy = Policy.objects.get(organisation=organisation)
    policy.score_model_enabled = True
    policy.save()
    indicator_sets_ensure(organisation=organisation)
    return policy
