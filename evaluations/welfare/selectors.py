"""Reads of the welfare room: every list is one query for its page, whatever the unit's size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, CharField, Count, Exists, F, Max, OuterRef, Q, QuerySet, Value, When

from accounts import periods
from accounts.hooks import Hooks
from accounts.models import User
from accounts.workflow import EDITABLE_STATUSES, awaiting_review_by

from ..ballots.models import SCALE_CHOICES, BallotScale, BallotState, Choice, PaperAnswer
from ..ballots.selectors import percent
from .models import ConsequenceKind, WelfareAssessment, WelfareConsequence, WelfarePost, WelfareStage

# publicity.publication locks (定等) a published result once its window is over without an open
# objection, by a nightly job. It stands above this room, so it lends the rule through a reader it
# registers at start-up (PublicityConfig.ready()): ``reader(day)`` → an Exists over the assessment
# (``OuterRef("pk")``), true when its line stands 定等 on ``day``.
_final_by_date_readers: Hooks[Callable[[date], Exists]] = Hooks()
register_final_by_date_reader = _final_by_date_readers.register


def with_stage_today(rows: QuerySet[WelfareAssessment], *, today: date) -> QuerySet[WelfareAssessment]:
    """``rows`` each with ``stage_today``, the step it stands at on ``today`` as the dates have it:
    张榜公示 is 已定 from the day its window is over (no objection open), whether or not the locking
    job has run; 民主测评 is 集体研究 once its ballot is closed (what is left is the unit's decision,
    whose form the page then offers). Every page, filter, count and the workbook read this, never
    ``stage``."""
    rated = When(
        stage=WelfareStage.RATING,
        ballot_subject__ballot__state=BallotState.CLOSED,
        then=Value(WelfareStage.DECISION.value),
    )
    final = [reader(today) for reader in _final_by_date_readers]
    whens = [rated]
    if final:
        due = Q(final[0])
        for more in final[1:]:
            due |= Q(more)
        whens.append(When(due, stage=WelfareStage.PUBLISHED, then=Value(WelfareStage.FINAL.value)))
    return rows.annotate(stage_today=Case(*whens, default=F("stage"), output_field=CharField()))


def assessments_for_unit(
    *, organisation_id: int, year: int, stage: str = "", today: date | None = None
) -> QuerySet[WelfareAssessment]:
    """The unit's workers of ``year``, each with ``stage_today`` (:func:`with_stage_today`); with
    ``stage``, those at that step today."""
    rows = with_stage_today(
        WelfareAssessment.objects.filter(organisation_id=organisation_id, year=year).select_related(
            "owner", "department", "post"
        ),
        today=today or periods.today(),
    )
    if stage in WelfareStage.values:
        rows = rows.filter(stage_today=stage)
    return rows.order_by("department_id", "owner__employee_number", "pk")


def last_opened_on(*, organisation_id: int, year: int) -> date | None:
    """The latest day the unit opened ``year``'s assessment for some of its workers (one query)."""
    return WelfareAssessment.objects.filter(organisation_id=organisation_id, year=year).aggregate(day=Max("opened_on"))[
        "day"
    ]


def stage_counts(*, organisation_id: int, year: int, today: date | None = None) -> dict[str, int]:
    """How many of the unit's workers stand at each step today (one GROUP BY)."""
    rows = with_stage_today(
        WelfareAssessment.objects.filter(organisation_id=organisation_id, year=year), today=today or periods.today()
    )
    counts = dict(rows.values_list("stage_today").annotate(n=Count("pk")).order_by())
    return {value: counts.get(value, 0) for value in WelfareStage.values}


def assessment_for(*, pk: int, user: User, today: date | None = None) -> WelfareAssessment | None:
    """The assessment when ``user`` may read it (the worker, their evaluator, the unit's HR and
    leader), with ``stage_today``; None otherwise, answered as a 404 so another unit learns nothing."""
    found = (
        with_stage_today(
            WelfareAssessment.objects.select_related(
                "owner__department", "department", "organisation", "post", "ballot_subject__ballot"
            ),
            today=today or periods.today(),
        )
        .filter(pk=pk)
        .first()
    )
    if found is None or not user.has_perm("evaluations.view_welfare_assessment", found):
        return None
    return found


@dataclass(frozen=True)
class PublishedWindow:
    """The window of the publication a worker's result stands on, as the board shows it."""

    starts_on: date
    ends_on: date
    url: str


# publicity.publication publishes this room's results and stands above it (it imports this room,
# never the reverse), so it lends the worker's page the window of their line through a reader it
# registers at start-up (PublicityConfig.ready()), as it lends evaluations.annual its posted results.
# ``reader(assessment_id)`` → the window of the publication line of that assessment, or None.
_window_readers: Hooks[Callable[[int], PublishedWindow | None]] = Hooks()
register_publication_window_reader = _window_readers.register


def publication_window_of(*, assessment_id: int) -> PublishedWindow | None:
    """The window the worker's result is (or was) published for: the publication's own dates (its
    first working day on or after the day HR published it), never the day of publishing."""
    return _window_readers.first(assessment_id)


def own_assessments(*, user: User, today: date | None = None) -> QuerySet[WelfareAssessment]:
    return with_stage_today(
        WelfareAssessment.objects.filter(owner=user).select_related("post"), today=today or periods.today()
    ).order_by("-year")


def is_own_assessment(*, pk: int, user: User) -> bool:
    """Whether assessment ``pk`` is ``user``'s own (one query)."""
    return WelfareAssessment.objects.filter(pk=pk, owner_id=user.pk).exists()


def own_reports_to_hand_in(*, user: User) -> QuerySet[WelfareAssessment]:
    """The worker's 述职 still with them: a draft or a returned one. An assessment exists only once
    the unit opened the year (from the first day of the window, ``welfare_assessments_open``), and a
    述职 handed in after the last day is still accepted (recorded as late), so it waits until handed in."""
    return WelfareAssessment.objects.filter(owner=user, stage=WelfareStage.REPORT, status__in=EDITABLE_STATUSES)


def reports_awaiting_review(*, reviewer: User) -> QuerySet[WelfareAssessment]:
    """Handed-in 述职 waiting for ``reviewer``'s decision, oldest first: the worker's evaluator (the
    head of their 科室) reads them in the review inbox and counts them on the home page, as targets
    and summaries (:func:`accounts.workflow.awaiting_review_by`). The unit's HR and leader, who may
    decide them too, find them on the year's page."""
    return (
        WelfareAssessment.objects.filter(awaiting_review_by(reviewer))
        .select_related("owner", "owner__department", "department")
        .order_by("submitted_at", "pk")
    )


def posts_to_open(*, organisation_id: int, year: int) -> QuerySet[WelfarePost]:
    """The unit's current posts (not ended, the worker active) whose agreement ran in ``year`` and
    whose worker has no assessment of it yet: whom 开展本年度考核 would take in (a user test saw a
    worker whose post began in the next year enrolled, assessed 不合格 and refused renewal)."""
    return WelfarePost.objects.filter(
        organisation_id=organisation_id,
        terminated_on__isnull=True,
        person__is_active=True,
        agreement_start__lte=date(year, 12, 31),
        agreement_end__gte=date(year, 1, 1),
    ).exclude(person__welfare_assessments__year=year)


def rating_progress(*, organisation_id: int, year: int) -> dict[str, int]:
    """Of the unit's workers at 民主测评: how many there are, how many have no ballot yet, and how
    many stand on a ballot still open (one query)."""
    return WelfareAssessment.objects.filter(
        organisation_id=organisation_id, year=year, stage=WelfareStage.RATING
    ).aggregate(
        rating=Count("pk"),
        without_ballot=Count("pk", filter=Q(ballot_subject__isnull=True)),
        ballot_open=Count("pk", filter=Q(ballot_subject__ballot__state=BallotState.OPEN)),
    )


def notice_until(*, today: date, policy) -> date:
    """The last agreement end HR is reminded of today: the policy's notice period ahead."""
    return today + timedelta(days=policy.welfare_agreement_notice_days)


def _not_renewal_done():
    # The 不予续签 of one of the post's results recorded as carried out: the worker has left at the
    # agreement's end, nothing more to remind of.
    return Exists(
        WelfareConsequence.objects.filter(
            assessment__post=OuterRef("pk"), kind=ConsequenceKind.NO_RENEWAL, done_at__isnull=False
        )
    )


def agreements_ending(*, organisation_id: int, until: date) -> QuerySet[WelfarePost]:
    """The unit's current posts (not ended, the worker active) whose agreement ends by ``until``
    (:func:`notice_until`) or has ended — a renewal extends it — unless its 不予续签 was carried out."""
    return WelfarePost.objects.filter(
        organisation_id=organisation_id,
        terminated_on__isnull=True,
        person__is_active=True,
        agreement_end__lte=until,
    ).exclude(_not_renewal_done())


def posts_for_unit(*, organisation_id: int, ending_until: date | None = None) -> QuerySet[WelfarePost]:
    """The unit's posts, each with ``not_renewed`` (its 不予续签 carried out); with ``ending_until``,
    only the agreements to remind of (:func:`agreements_ending`)."""
    if ending_until is not None:
        posts = agreements_ending(organisation_id=organisation_id, until=ending_until)
    else:
        posts = WelfarePost.objects.filter(organisation_id=organisation_id)
    return (
        posts.annotate(not_renewed=_not_renewal_done())
        .select_related("person__department")
        .order_by("person__employee_number", "pk")
    )


def open_consequences(*, organisation_id: int) -> QuerySet[WelfareConsequence]:
    return WelfareConsequence.objects.filter(organisation_id=organisation_id, done_at__isnull=True)


def consequences_for_unit(*, organisation_id: int) -> QuerySet[WelfareConsequence]:
    return (
        WelfareConsequence.objects.filter(organisation_id=organisation_id)
        .select_related("assessment__owner", "assessment__department", "done_by")
        .order_by("done_at", "due_on", "pk")
    )


# --- 民主测评 tally -----------------------------------------------------------------------------


@dataclass
class WorkerTally:
    """One worker's 民主测评: valid papers, and per choice the count and share."""

    valid: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def choices(self) -> list[tuple[str, int, Decimal]]:
        labels = dict(Choice.choices)
        return [
            (labels[choice], self.counts.get(choice, 0), percent(self.counts.get(choice, 0), self.valid))
            for choice in SCALE_CHOICES[BallotScale.SATISFACTION]
        ]


def welfare_tally(*, subject_ids: Iterable[int] | QuerySet) -> dict[int, WorkerTally]:
    """Per ballot subject (a worker on a ballot) the valid papers' choices: one GROUP BY over the
    papers of those subjects, whatever the number of units, ballots and papers in the database.
    ``subject_ids`` is a page's ids, or a query of them (a whole unit's year, the bench's province).
    Only closed ballots count: a running count read before and after one person votes tells how they
    voted (a user test watched the unit's tally page move as the 副局长 cast a paper)."""
    tallies: dict[int, WorkerTally] = defaultdict(WorkerTally)
    rows = (
        PaperAnswer.objects.filter(
            subject_id__in=subject_ids, paper__void=False, subject__ballot__state=BallotState.CLOSED
        )
        .values_list("subject_id", "choice")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for subject_id, choice, n in rows:
        tally = tallies[subject_id]
        tally.counts[choice] = tally.counts.get(choice, 0) + n
        tally.valid += n
    return tallies


def assessments_with_ballot(*, organisation_id: int, year: int) -> QuerySet[WelfareAssessment]:
    return (
        WelfareAssessment.objects.filter(organisation_id=organisation_id, year=year, ballot_subject__isnull=False)
        .select_related("owner", "department", "ballot_subject__ballot")
        .order_by("department_id", "owner__employee_number", "pk")
    )
