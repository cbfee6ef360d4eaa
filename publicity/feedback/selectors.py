"""Reads of the feedback room: who talks with whom, the talks to record, the person's own talks,
and which talks are overdue (the calendar's working days after locking)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet

from accounts import periods
from accounts.models import Department, FeedbackTalkBy, Policy, User
from accounts.selectors import policy_for_organisation, review_scope
from evaluations.annual.models import AnnualResult, AnnualReview
from evaluations.grading.models import Grade, QuarterGrade
from evaluations.grading.selectors import HEADS_ROWS

from .models import AnnualConfirmation, FeedbackTalk

# For 好 the talk says why it was given; for 一般/较差 what fell short and what to improve (seed 002).
GRADES_NEEDING_REASONS = (Grade.GOOD,)
GRADES_NEEDING_SHORTCOMINGS = (Grade.AVERAGE, Grade.POOR)
# The talk's texts beyond its content, each written for some grades only.
GRADE_TEXTS = ("reasons", "shortcomings", "improvements")


def talk_texts_for(grade: str) -> tuple[str, ...]:
    """The texts of :data:`GRADE_TEXTS` a talk about ``grade`` has, all of them required: the
    reasons for 好, the shortcomings and the improvement for 一般/较差, none for 较好 (DOMAIN.md §6).
    The form shows these only and the service refuses the others."""
    if grade in GRADES_NEEDING_REASONS:
        return ("reasons",)
    if grade in GRADES_NEEDING_SHORTCOMINGS:
        return ("shortcomings", "improvements")
    return ()


def talker_id(*, department: Department, person_id: int, by: str, headed: bool = False) -> int | None:
    """Who holds the talk with ``person_id`` of ``department`` under the policy's ``by``: the
    supervising leader, or the head (for the head, and for whoever headed the department in the
    quarter — ``headed``, QuarterGrade.headed — the supervising leader, who graded them). Nobody
    talks to themselves."""
    talker = department.supervising_leader_id
    if by == FeedbackTalkBy.DEPARTMENT_HEAD and department.head_id and department.head_id != person_id and not headed:
        talker = department.head_id
    return talker if talker != person_id else None


def talker_id_of_grade(*, grade: QuarterGrade) -> int | None:
    department = grade.department
    policy = policy_for_organisation(organisation_id=department.organisation_id)
    return talker_id(department=department, person_id=grade.person_id, by=policy.feedback_talk_by, headed=grade.headed)


def _talked_by(*, talker: User, policy: Policy) -> Q:
    """The grades ``talker`` holds the talk for, as a condition starting from the few departments
    they head or supervise (indexed), never a scan of everyone's grades."""
    scope = review_scope(person=talker)
    if policy.feedback_talk_by == FeedbackTalkBy.DEPARTMENT_HEAD:
        condition = Q(department_id__in=scope.headed, headed=False) | (
            Q(department_id__in=scope.supervised) & HEADS_ROWS
        )
        # A department without a head: its leader talks with everyone in it.
        condition |= Q(department_id__in=scope.supervised, department__head__isnull=True)
    else:
        condition = Q(department_id__in=scope.supervised)
    return condition & ~Q(person_id=talker.pk)


def _calls_for_a_talk(prefix: str = "") -> Q:
    """The grades a feedback talk is held for: locked, graded, of a person still active (reached
    through ``prefix``, "quarter_grades__" from a department)."""
    return Q(**{f"{prefix}locked_at__isnull": False, f"{prefix}person__is_active": True}) & ~Q(**{f"{prefix}grade": ""})


def talk_due(prefix: str = "") -> Q:
    """Of the grades a talk is held for, those whose talk is still to record: none recorded, or one
    about an earlier grade (a recorded review, 定等后复核, changed it since)."""
    return Q(**{f"{prefix}feedback_talk__isnull": True}) | ~Q(**{f"{prefix}feedback_talk__grade": F(f"{prefix}grade")})


def talk_current(prefix: str = "") -> Q:
    """Of the grades a talk is held for, those whose talk is recorded about the grade as it stands."""
    return Q(**{f"{prefix}feedback_talk__grade": F(f"{prefix}grade")})


def locked_grades_for_talker(*, talker: User) -> QuerySet[QuarterGrade]:
    """The locked, graded quarter grades of the people ``talker`` talks with (active people only),
    with their talk if recorded: talks still to record (:func:`talk_due`) first, then newest quarter first."""
    policy = policy_for_organisation(organisation_id=talker.organisation_id)
    return (
        QuarterGrade.objects.filter(_talked_by(talker=talker, policy=policy))
        .filter(_calls_for_a_talk())
        .select_related("person", "department", "appraisal_quarter", "feedback_talk")
        .annotate(talk_is_due=ExpressionWrapper(talk_due(), output_field=BooleanField()))
        .order_by(
            F("talk_is_due").desc(),
            "-appraisal_quarter__year",
            "-appraisal_quarter__quarter",
            "department__sort_order",
            "person__employee_number",
            "pk",
        )
    )


def overdue_before(*, organisation_id: int, today: date, working_days: int) -> datetime:
    """Grades locked before this instant have waited more than ``working_days`` working days for
    their talk on ``today``: the locking day does not count, today does not either."""
    day = periods.working_day_back(today - timedelta(days=1), working_days, organisation_id)
    return datetime.combine(day, time.min, tzinfo=periods.CHINA_TZ)


def _talks_overdue_before(policy: Policy, today: date) -> datetime:
    """:func:`overdue_before` for the organisation of ``policy``, after its number of working days."""
    return overdue_before(
        organisation_id=policy.organisation_id, today=today, working_days=policy.feedback_talk_working_days
    )


@dataclass(frozen=True)
class TalkCounts:
    to_record: int
    overdue: int


def feedback_counts_for_talker(*, talker: User, today: date) -> TalkCounts:
    """How many talks ``talker`` has still to record (:func:`talk_due`), and how many of those are
    overdue: not recorded at all N working days after locking (one count query)."""
    policy = policy_for_organisation(organisation_id=talker.organisation_id)
    cutoff = _talks_overdue_before(policy, today)
    counts = (
        QuarterGrade.objects.filter(_talked_by(talker=talker, policy=policy))
        .filter(_calls_for_a_talk() & talk_due())
        .aggregate(
            to_record=Count("pk"), overdue=Count("pk", filter=Q(locked_at__lt=cutoff, feedback_talk__isnull=True))
        )
    )
    return TalkCounts(to_record=counts["to_record"], overdue=counts["overdue"])


def overdue_grades(*, organisation_id: int, today: date) -> QuerySet[QuarterGrade]:
    """Every locked grade of the organisation whose talk is overdue (for the daily reminders)."""
    policy = policy_for_organisation(organisation_id=organisation_id)
    cutoff = _talks_overdue_before(policy, today)
    return (
        QuarterGrade.objects.filter(
            _calls_for_a_talk(),
            department__organisation_id=organisation_id,
            locked_at__lt=cutoff,
            feedback_talk__isnull=True,
        )
        .select_related("department", "appraisal_quarter")
        .order_by("appraisal_quarter_id", "pk")
    )


def talks_of_person(*, person: User) -> QuerySet[FeedbackTalk]:
    """The person's talks, unconfirmed first, then newest."""
    return (
        FeedbackTalk.objects.filter(person=person)
        .select_related("recorded_by", "quarter_grade__appraisal_quarter")
        .order_by(F("confirmed_at").asc(nulls_first=True), "-recorded_at", "-pk")
    )


def unconfirmed_count(*, person: User) -> int:
    """Talks and decided annual results waiting for the person's confirmation (one query)."""
    return (
        # A talk about an earlier grade waits for the talker's new one, not for the person.
        FeedbackTalk.objects.filter(person=person, confirmed_at__isnull=True, grade=F("quarter_grade__grade"))
        .order_by()
        .values("pk")
        .union(
            AnnualResult.objects.filter(person=person)
            .exclude(decided_grade="")
            # Never confirmed, or confirmed before a recorded review changed the grade.
            .exclude(confirmation__grade=F("decided_grade"))
            .order_by()
            .values("pk"),
            all=True,
        )
        .count()
    )


def current_confirmation(result: AnnualResult) -> AnnualConfirmation | None:
    """The person's confirmation of the result as it stands: None when never confirmed, or when a
    recorded review (复核) changed the grade after it was confirmed — then it is to confirm again."""
    confirmation = getattr(result, "confirmation", None)
    if confirmation is None or confirmation.grade != result.decided_grade:
        return None
    return confirmation


def stale_confirmation(result: AnnualResult) -> AnnualConfirmation | None:
    """A confirmation of a grade the result no longer has (a review changed it since)."""
    confirmation = getattr(result, "confirmation", None)
    if confirmation is not None and confirmation.grade != result.decided_grade:
        return confirmation
    return None


def decided_annual_results_of(*, person: User) -> QuerySet[AnnualResult]:
    """The person's decided annual results, newest year first, with their confirmation if any and
    whether a recorded review (复核) changed the grade since (``reviewed_since_confirmed``: the page
    says why it is to confirm again, a review's or the committee's change)."""
    reviewed = AnnualReview.objects.filter(
        annual_result=OuterRef("pk"), reviewed_at__gt=OuterRef("confirmation__confirmed_at")
    )
    return (
        AnnualResult.objects.filter(person=person)
        .exclude(decided_grade="")
        .select_related("confirmation", "department")
        .annotate(reviewed_since_confirmed=Exists(reviewed))
        .order_by("-year")
    )


def talk_for_detail(*, pk: int, organisation_id: int | None) -> FeedbackTalk:
    """One talk with what its page shows, or DoesNotExist (another organisation's too)."""
    return FeedbackTalk.objects.select_related(
        "person",
        "recorded_by",
        "quarter_grade__appraisal_quarter",
        "quarter_grade__department",
    ).get(pk=pk, organisation_id=organisation_id)


def grade_for_talk(*, pk: int, organisation_id: int | None) -> QuarterGrade:
    return QuarterGrade.objects.select_related("person", "department", "appraisal_quarter", "feedback_talk").get(
        pk=pk, department__organisation_id=organisation_id
    )


def annual_result_for_confirmation(*, pk: int, organisation_id: int | None) -> AnnualResult:
    return AnnualResult.objects.select_related("person", "department", "confirmation", "organisation").get(
        pk=pk, organisation_id=organisation_id
    )


def feedback_overview(*, organisation_id: int, today: date, appraisal_quarter_id: int | None = None):
    """HR's overview, per department of the organisation: the locked grades (active people), the
    talks recorded, those the person confirmed, and the talks overdue (not recorded N working days
    after locking). One aggregate query per page of departments, whatever their size."""
    policy = policy_for_organisation(organisation_id=organisation_id)
    cutoff = _talks_overdue_before(policy, today)
    locked = _calls_for_a_talk("quarter_grades__")
    if appraisal_quarter_id is not None:
        locked &= Q(quarter_grades__appraisal_quarter_id=appraisal_quarter_id)
    # Recorded and confirmed about the grade as it stands (a review since calls for a new talk).
    current = talk_current("quarter_grades__")
    return (
        Department.objects.filter(organisation_id=organisation_id)
        .annotate(
            locked_grades=Count("quarter_grades", filter=locked),
            talks_recorded=Count("quarter_grades", filter=locked & current),
            talks_confirmed=Count(
                "quarter_grades", filter=locked & current & Q(quarter_grades__feedback_talk__confirmed_at__isnull=False)
            ),
            talks_overdue=Count(
                "quarter_grades",
                filter=locked & Q(quarter_grades__feedback_talk__isnull=True, quarter_grades__locked_at__lt=cutoff),
            ),
        )
        .filter(locked_grades__gt=0)
        .order_by("sort_order", "code", "pk")
    )
