"""民主测评: the reads — the tally, the suggestions it feeds, and the access helpers of a paper."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.selectors import policy_for_organisation

from .models import (
    LOW_CHOICES,
    SCALE_CHOICES,
    VOID_REASONS,
    Ballot,
    BallotRater,
    BallotScale,
    BallotState,
    BallotSubject,
    Choice,
    Paper,
    PaperAnswer,
    RaterGroup,
    normalise_code,
)

# The year-end suggestion a ballot can give (the value of evaluations.annual's AnnualGrade; on a
# public-welfare ballot it means 基本合格: ``Ballot.suggestion_label`` says it in the right words).
SUGGEST_BASIC = "basically_competent"
DIMENSIONS = ("de", "neng", "qin", "ji", "lian")


def percent(part: int, whole: int) -> Decimal:
    """``part`` of ``whole`` in per cent, one decimal (0 of nothing is 0)."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ChoiceCount:
    choice: str
    label: str
    count: int
    percent: Decimal


@dataclass
class PersonTally:
    """One person's result on a ballot."""

    subject_id: int
    person: User
    valid: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    low: int = 0
    service_valid: int = 0
    service_dissatisfied: int = 0
    scores_counted: int = 0
    trimmed: bool = False
    average_total: Decimal | None = None
    dimension_averages: dict[str, Decimal] = field(default_factory=dict)
    suggestion: str = ""
    reasons: list[str] = field(default_factory=list)
    choices: list[ChoiceCount] = field(default_factory=list)

    @property
    def low_percent(self) -> Decimal:
        return percent(self.low, self.valid)

    @property
    def service_dissatisfied_percent(self) -> Decimal:
        return percent(self.service_dissatisfied, self.service_valid)


@dataclass
class Tally:
    ballot: Ballot
    raters: int
    voted: int
    papers: int
    void: int
    people: list[PersonTally]
    # (reason, papers) of the void papers, most first: why they were left out.
    void_reasons: list[tuple[str, int]] = field(default_factory=list)
    # People rated who are raters too: their own paper does not rate them, so each has one valid
    # answer fewer than the valid papers once they have voted (their percentages are over their own).
    rated_raters: int = 0

    @property
    def valid(self) -> int:
        return self.papers - self.void

    @property
    def low_turnout(self) -> bool:
        """Fewer than two thirds of the raters voted (:data:`LOW_TURNOUT`): said with the tally."""
        return _is_low(self.voted, self.raters)


def _reasons(ballot: Ballot) -> tuple[str, str]:
    """The two reasons of a suggestion (the low share, the service users' 不满意) in the words of the
    people rated: a public-welfare worker's ballot offers 满意/基本满意/不满意/不了解, so its only
    low vote is 不满意, and it suggests their 基本合格 (合格/基本合格/不合格), not 基本称职."""
    if ballot.is_welfare:
        return (
            _("民主测评“%(title)s”中“不满意”票占有效票%(share)s%%，达到%(threshold)s%%，建议基本合格"),
            _("民主测评“%(title)s”中服务对象“不满意”占%(share)s%%，达到%(threshold)s%%，建议基本合格"),
        )
    # The low votes of the ballot's own scale (a user test read 不满意 named on a 优秀/称职 ballot).
    if ballot.scale == BallotScale.SATISFACTION:
        low = _("民主测评“%(title)s”中“不满意”票占有效票%(share)s%%，达到%(threshold)s%%，建议基本称职")
    else:
        low = _("民主测评“%(title)s”中“基本称职/不称职”票占有效票%(share)s%%，达到%(threshold)s%%，建议基本称职")
    return low, _("民主测评“%(title)s”中服务对象“不满意”占%(share)s%%，达到%(threshold)s%%，建议基本称职")


def _suggest(ballot: Ballot, p: PersonTally) -> None:
    """The thresholds of the ballot's policy: the low share, and the service users' 不满意."""
    low_reason, service_reason = _reasons(ballot)
    if p.valid and p.low * 100 >= ballot.low_share_percent * p.valid:
        p.suggestion = SUGGEST_BASIC
        p.reasons.append(
            low_reason % {"title": ballot.title, "share": p.low_percent, "threshold": ballot.low_share_percent}
        )
    if p.service_valid and p.service_dissatisfied * 100 >= ballot.dissatisfied_percent * p.service_valid:
        p.suggestion = SUGGEST_BASIC
        p.reasons.append(
            service_reason
            % {
                "title": ballot.title,
                "share": p.service_dissatisfied_percent,
                "threshold": ballot.dissatisfied_percent,
            }
        )


def _count_rows(answers: QuerySet[PaperAnswer]) -> Iterable[dict]:
    """Per (ballot, subject, group, choice) the valid answers: one GROUP BY over the papers."""
    return (
        answers.filter(paper__void=False)
        .values("paper__ballot_id", "subject_id", "paper__group", "choice")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _add_count(p: PersonTally, group: str, choice: str, n: int) -> None:
    p.valid += n
    p.counts[choice] = p.counts.get(choice, 0) + n
    if choice in LOW_CHOICES:
        p.low += n
    if group == RaterGroup.SERVICE_USER:
        p.service_valid += n
        if choice == Choice.DISSATISFIED:
            p.service_dissatisfied += n


def _scores(ballot: Ballot, people: dict[int, PersonTally]) -> None:
    """The average total and per-dimension averages per person, the highest and the lowest total
    dropped when the ballot has more valid papers than its policy's floor (one query)."""
    rows = (
        PaperAnswer.objects.filter(paper__ballot=ballot, paper__void=False, subject_id__in=list(people))
        .exclude(total=None)
        .values_list("subject_id", "total", *DIMENSIONS)
        .order_by("subject_id", "total")
    )
    by_subject: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        by_subject[row[0]].append(row)
    for subject_id, items in by_subject.items():
        p = people[subject_id]
        if ballot.trim_extremes and len(items) > ballot.trim_above_papers:
            items = items[1:-1]
            p.trimmed = True
        p.scores_counted = len(items)
        if not items:
            continue
        p.average_total = (Decimal(sum(row[1] for row in items)) / len(items)).quantize(Decimal("0.01"))
        for index, dimension in enumerate(DIMENSIONS, start=2):
            p.dimension_averages[dimension] = (Decimal(sum(row[index] or 0 for row in items)) / len(items)).quantize(
                Decimal("0.01")
            )


def ballot_tally(*, ballot: Ballot, subject_ids: Iterable[int] | None = None) -> Tally:
    """Per person the counts and percentages of each choice over the valid papers, the trimmed
    average score, and the suggestion with its reasons. ``subject_ids`` limits it to one page of
    people (the page's query count does not grow with the ballot)."""
    subjects = (
        BallotSubject.objects.filter(ballot=ballot)
        .select_related("person", "person__department")
        .order_by("sort_order", "pk")
    )
    if subject_ids is not None:
        subjects = subjects.filter(pk__in=list(subject_ids))
    people = {s.pk: PersonTally(subject_id=s.pk, person=s.person) for s in subjects}
    for row in _count_rows(PaperAnswer.objects.filter(paper__ballot=ballot, subject_id__in=list(people))):
        _add_count(people[row["subject_id"]], row["paper__group"], row["choice"], row["n"])
    if ballot.with_scores:
        _scores(ballot, people)
    labels = dict(Choice.choices)
    for p in people.values():
        p.choices = [
            ChoiceCount(choice, labels[choice], p.counts.get(choice, 0), percent(p.counts.get(choice, 0), p.valid))
            for choice in SCALE_CHOICES[ballot.scale]
        ]
        _suggest(ballot, p)
    papers = Paper.objects.filter(ballot=ballot).aggregate(all=Count("pk"), void=Count("pk", filter=Q(void=True)))
    void_reasons = (
        Paper.objects.filter(ballot=ballot, void=True)
        .values("void_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "void_reason")
        .values_list("void_reason", "n")
        if papers["void"]
        else []
    )
    raters = BallotRater.objects.filter(ballot=ballot).aggregate(
        all=Count("pk"),
        voted=Count("pk", filter=Q(has_voted=True)),
        rated=Count("pk", filter=Q(user_id__in=BallotSubject.objects.filter(ballot=ballot).values("person_id"))),
    )
    return Tally(
        ballot=ballot,
        raters=raters["all"],
        voted=raters["voted"],
        papers=papers["all"],
        void=papers["void"],
        # A code said in the reader's language; the text a paper of before stored, as it is.
        void_reasons=[(str(VOID_REASONS.get(reason, reason)), n) for reason, n in void_reasons],
        people=list(people.values()),
        rated_raters=raters["rated"],
    )


def organisations_with_closed_ballots(*, organisation_ids: list[int], year: int, purpose: str) -> set[int]:
    """Which of the organisations closed a ballot of ``year`` (of ``purpose``): one query."""
    return set(
        Ballot.objects.filter(
            organisation_id__in=organisation_ids, year=year, state=BallotState.CLOSED, purpose=purpose
        ).values_list("organisation_id", flat=True)
    )


def last_closed(*, organisation: Organisation, year: int, purpose: str) -> datetime | None:
    """When the organisation last closed a ballot of ``year`` (of ``purpose``), or None: one query
    (the year's suggestions read the closed ballots' thresholds)."""
    return Ballot.objects.filter(
        organisation=organisation, year=year, state=BallotState.CLOSED, purpose=purpose
    ).aggregate(at=Max("closed_at"))["at"]


def ballot_suggestions(*, organisation: Organisation, year: int, purpose: str | None = None) -> dict[int, list[str]]:
    """Person id → the reasons for 基本称职 from the year's closed ballots (only people a threshold
    caught are listed). One GROUP BY over every paper of the year's ballots; the year-end roll-up
    reads it (evaluations.annual) and so can the public-welfare room (``purpose``)."""
    ballots = Ballot.objects.filter(organisation=organisation, year=year, state=BallotState.CLOSED)
    if purpose is not None:
        ballots = ballots.filter(purpose=purpose)
    by_pk = {b.pk: b for b in ballots}
    if not by_pk:
        return {}
    subjects = dict(BallotSubject.objects.filter(ballot_id__in=list(by_pk)).values_list("pk", "person_id"))
    tallies: dict[int, PersonTally] = {}
    for row in _count_rows(PaperAnswer.objects.filter(paper__ballot_id__in=list(by_pk))):
        p = tallies.get(row["subject_id"])
        if p is None:
            p = tallies[row["subject_id"]] = PersonTally(subject_id=row["subject_id"], person=None)
        p.ballot_id = row["paper__ballot_id"]
        _add_count(p, row["paper__group"], row["choice"], row["n"])
    reasons: dict[int, list[str]] = defaultdict(list)
    for subject_id, p in sorted(tallies.items()):
        _suggest(by_pk[p.ballot_id], p)
        if p.suggestion:
            reasons[subjects[subject_id]].extend(p.reasons)
    return dict(reasons)


def subject_suggestions(*, subject_ids: Iterable[int]) -> dict[int, list[str]]:
    """Subject id → the reasons its ballot's thresholds give for the lower grade (基本合格 on a
    public-welfare ballot, 基本称职 on HR's own), as the ballot's tally says them: only closed
    ballots, only people a threshold caught. For a page of people across ballots (a unit's workers
    each on their own ballot) in two queries, whatever their number."""
    ballots = {
        subject.pk: subject.ballot
        for subject in BallotSubject.objects.filter(
            pk__in=list(subject_ids), ballot__state=BallotState.CLOSED
        ).select_related("ballot")
    }
    if not ballots:
        return {}
    people: dict[int, PersonTally] = {}
    for row in _count_rows(PaperAnswer.objects.filter(subject_id__in=list(ballots))):
        p = people.setdefault(row["subject_id"], PersonTally(subject_id=row["subject_id"], person=None))
        _add_count(p, row["paper__group"], row["choice"], row["n"])
    reasons: dict[int, list[str]] = {}
    for subject_id, p in people.items():
        _suggest(ballots[subject_id], p)
        if p.suggestion:
            reasons[subject_id] = p.reasons
    return reasons


# --- Access helpers --------------------------------------------------------------------------------


def paper_subjects(*, ballot: Ballot, rater: BallotRater | None = None) -> QuerySet[BallotSubject]:
    """The people on a paper, in the ballot's order: everyone rated, except the rater themselves
    (a head on the heads' ballot rates the other heads, not their own work; a code holder has no
    account, so is never among the people rated). Without ``rater``: every person rated."""
    subjects = BallotSubject.objects.filter(ballot=ballot).order_by("sort_order", "pk")
    if rater is not None and rater.user_id is not None:
        subjects = subjects.exclude(person_id=rater.user_id)
    return subjects


def rater_for_user(*, ballot_id: int, user: User) -> BallotRater:
    """The signed-in person's own rater row of a ballot, or 404 (not a rater: no paper to open)."""
    rater = (
        BallotRater.objects.select_related("ballot").filter(ballot_id=ballot_id, user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    if rater is None:
        raise Http404
    return rater


def rater_for_code(*, code: str) -> BallotRater | None:
    """The rater row of a single-use code, while it can still be used (not cast, ballot open)."""
    code = normalise_code(code)
    if not code:
        return None
    return (
        BallotRater.objects.select_related("ballot")
        .filter(code=code, has_voted=False, ballot__state=BallotState.OPEN)
        .first()
    )


def _count_of(queryset: QuerySet) -> Subquery:
    return Subquery(queryset.order_by().values("ballot_id").annotate(n=Count("pk")).values("n")[:1])


def ballots_for_organisation(*, organisation: Organisation) -> QuerySet[Ballot]:
    """HR's list, newest first, with the counts of people, raters and votes (three correlated
    counts over indexed ballot ids, so a page costs one query whatever the ballots' size)."""
    raters = BallotRater.objects.filter(ballot_id=OuterRef("pk"))
    return Ballot.objects.filter(organisation=organisation).annotate(
        subject_count=Coalesce(_count_of(BallotSubject.objects.filter(ballot_id=OuterRef("pk"))), 0),
        rater_count=Coalesce(_count_of(raters), 0),
        voted_count=Coalesce(_count_of(raters.filter(has_voted=True)), 0),
    )


# Fewer papers than this share of the raters: the page and the close's confirmation say the result
# rests on few votes (a usual rule of 民主测评 and of meetings: two thirds of those called).
LOW_TURNOUT = (2, 3)


def _is_low(voted: int, raters: int) -> bool:
    share, whole = LOW_TURNOUT
    return voted * whole < raters * share


def ballot_turnout(*, ballot: Ballot) -> dict[str, int]:
    """How many raters there are and how many have voted (one query); ``low`` when fewer than two
    thirds of them have."""
    counts = BallotRater.objects.filter(ballot=ballot).aggregate(
        raters=Count("pk"), voted=Count("pk", filter=Q(has_voted=True))
    )
    counts["low"] = _is_low(counts["voted"], counts["raters"])
    return counts


def ballots_with_low_turnout(*, ballot_ids) -> set[int]:
    """Of ``ballot_ids``, those fewer than two thirds of whose raters voted (one GROUP BY): a list
    of workers from several ballots says it beside each (the welfare year's tally)."""
    rows = (
        BallotRater.objects.filter(ballot_id__in=list(ballot_ids))
        .values("ballot_id")
        .annotate(raters=Count("pk"), voted=Count("pk", filter=Q(has_voted=True)))
        .order_by()
    )
    return {row["ballot_id"] for row in rows if _is_low(row["voted"], row["raters"])}


def service_user_codes_left(*, ballot: Ballot) -> int | None:
    """How many more service-user codes a public-welfare ballot may issue: its service users stay
    within the policy's bounds (DOMAIN.md §8: 2–4), as when it was opened, counting every code
    issued, used or not. None for any other ballot (no limit but the room's own)."""
    if not ballot.is_welfare:
        return None
    most = policy_for_organisation(organisation_id=ballot.organisation_id).welfare_service_users_max
    issued = BallotRater.objects.filter(ballot=ballot, code__isnull=False, group=RaterGroup.SERVICE_USER).count()
    return max(0, most - issued)


def papers_to_fill(*, user: User) -> QuerySet[BallotRater]:
    """The person's papers still to fill: their own rater rows (by account, not by code) of open
    ballots, not cast yet. The public-welfare room's 民主测评 are ballots of this room too, so this
    is every paper waiting for the person, whatever the scheme."""
    return BallotRater.objects.filter(user=user, has_voted=False, ballot__state=BallotState.OPEN)


def ballots_for_rater(*, user: User) -> QuerySet[BallotRater]:
    """The ballots a person rates, open ones first."""
    return (
        BallotRater.objects.filter(user=user)
        .select_related("ballot")
        .order_by("-ballot__state", "-ballot__opened_at", "-pk")
        .only("pk", "has_voted", "group", "ballot__title", "ballot__year", "ballot__state", "ballot__opened_at")
    )
