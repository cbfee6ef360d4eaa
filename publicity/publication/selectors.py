"""Reads of the publication room (paginated by the views in SQL)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts import periods
from accounts.models import User
from accounts.selectors import hr_admin_roles
from evaluations.annual.models import AnnualGrade, AnnualResult, AnnualReview
from evaluations.annual.selectors import SentBack
from evaluations.discipline.models import VetoFlag
from evaluations.discipline.selectors import discipline_marks_of
from evaluations.grading.models import Grade, GradeReview, GradeState
from evaluations.welfare.selectors import PublishedWindow

from .models import (
    EntryState,
    Objection,
    ObjectionState,
    Publication,
    PublicationEntry,
    PublicationKind,
    ReviewCase,
    ReviewCaseKind,
    ReviewCaseState,
)
from .review_cases import REVIEW_REMINDER_DAYS
from .services import entries_due_for_lock, entries_waiting_for_lock


def publications(*, organisation_id: int, today: date) -> QuerySet[Publication]:
    """The organisation's publications, newest first, with their number of entries and of those
    that 定等 on ``today`` would leave waiting (``waiting_count``: an open objection, a regrade, a
    window of its own after one not over yet — :func:`services.entries_waiting_for_lock`, the
    locking's own rule), and the last day of the lines published again (``republished_until``, for
    ``status_on``)."""
    entries = PublicationEntry.objects.filter(publication_id=OuterRef("pk"))
    waiting = entries_waiting_for_lock(entries, day=today).values("publication_id").annotate(n=Count("pk")).values("n")
    # The last day of the lines published again after a regrade (republished_until, per list).
    republished = entries.filter(republished_at__isnull=False).order_by("-window_ends_on").values("window_ends_on")[:1]
    return (
        Publication.objects.filter(organisation_id=organisation_id)
        .select_related("appraisal_quarter")
        .annotate(
            entry_count=Count("entries"),
            waiting_count=Coalesce(Subquery(waiting), 0),
            republished_until=Subquery(republished),
        )
        .order_by("-published_at", "-pk")
    )


def publication_for(*, pk: int, organisation_id: int) -> Publication | None:
    return (
        Publication.objects.select_related("organisation", "published_by", "appraisal_quarter")
        .filter(pk=pk, organisation_id=organisation_id)
        .first()
    )


def _latest_review(model, row: str) -> Subquery:
    """The grade the latest recorded review (复核 after 定等) of the entry's ``row`` set, or NULL."""
    latest = model.objects.filter(**{row: OuterRef(row)}).order_by("-reviewed_at", "-pk")
    return Subquery(latest.values("new_grade")[:1])


def reviewed_grade_label(entry: PublicationEntry) -> str:
    """The label of the grade a review set since the entry was posted ("" for none): a posted grade
    changed since is said on the board, not left standing unnoted."""
    if entry.reviewed_quarter_grade:
        return str(Grade(entry.reviewed_quarter_grade).label)
    if entry.reviewed_annual_result:
        return str(AnnualGrade(entry.reviewed_annual_result).label)
    return ""


def annual_results_published(result_ids: list[int]) -> set[int]:
    """Those of the annual results that stand on a publication (published or locked): their decision
    is what the posted list shows (evaluations.annual reads this, registered at start-up)."""
    return set(
        PublicationEntry.objects.filter(
            annual_result_id__in=result_ids, state__in=[EntryState.PUBLISHED, EntryState.LOCKED]
        ).values_list("annual_result_id", flat=True)
    )


def annual_results_regrading(result_ids: list[int]) -> set[int]:
    """Those of the annual results whose line an upheld objection sent back to the committee: off the
    list until decided again, when 优秀 may be given again (evaluations.annual reads this)."""
    return set(
        PublicationEntry.objects.filter(annual_result_id__in=result_ids, state=EntryState.REGRADING).values_list(
            "annual_result_id", flat=True
        )
    )


def annual_list_posted(organisation_id: int, year: int) -> bool:
    """Whether the organisation's 优秀 list of ``year`` has been posted (evaluations.annual reads
    this, registered at start-up: nobody is decided 优秀 after it but through its review)."""
    return Publication.objects.filter(
        organisation_id=organisation_id, kind=PublicationKind.ANNUAL_EXCELLENT, year=year
    ).exists()


def annual_year_closed(organisation_id: int, year: int) -> str:
    """The reason the organisation's year was closed with (its 优秀 list wholly locked, see
    ``evaluations.annual.locking.annual_year_close``), or "" while it is not: a result decided
    afterwards is locked as the close locked the others (evaluations.annual reads this, registered
    at start-up). One query."""
    closed = (
        Publication.objects.filter(
            organisation_id=organisation_id, kind=PublicationKind.ANNUAL_EXCELLENT, year=year, closed_at__isnull=False
        )
        .only("title")
        .first()
    )
    return closed.lock_reason if closed is not None else ""


def annual_result_sent_back(result_id: int) -> list[SentBack]:
    """The objections upheld against a year's 优秀 that sent it back to the committee, newest first,
    for the committee's decision page in evaluations.annual (registered at start-up): one query."""
    objections = (
        Objection.objects.filter(entry__annual_result_id=result_id, sent_back_at__isnull=False)
        .select_related("objector", "handled_by")
        .order_by("-sent_back_at", "-pk")
    )
    return [
        SentBack(
            objector=objection.objector.get_full_name(),
            lodged_at=objection.lodged_at,
            text=objection.text,
            handled_by=objection.handled_by.get_full_name() if objection.handled_by else "",
            sent_back_at=objection.sent_back_at,
            reason=objection.send_back_reason,
            answer=objection.answer,
            answered_at=objection.answered_at,
        )
        for objection in objections
    ]


def welfare_publication_window(assessment_id: int) -> PublishedWindow | None:
    """The window of a public-welfare worker's line on the board (its latest), for their page in
    evaluations.welfare, which reads it through the reader PublicityConfig.ready() registers: one query."""
    line = (
        PublicationEntry.objects.filter(welfare_assessment_id=assessment_id)
        .order_by("-pk")
        .values_list("window_starts_on", "window_ends_on", "publication_id")
        .first()
    )
    if line is None:
        return None
    starts_on, ends_on, publication_id = line
    return PublishedWindow(
        starts_on=starts_on, ends_on=ends_on, url=reverse("publicity:publication_detail", args=[publication_id])
    )


def welfare_final_by_date(day: date) -> Exists:
    """Whether a public-welfare worker's line (``OuterRef("pk")``: the assessment) stands 定等 on
    ``day`` by the locking job's own rule (:func:`services.entries_due_for_lock`), whether or not the
    job has run yet: evaluations.welfare reads it (registered at start-up) for the step it shows."""
    lines = PublicationEntry.objects.filter(welfare_assessment_id=OuterRef("pk"))
    return Exists(entries_due_for_lock(lines, day=day))


def republished_until(*, publication: Publication) -> date | None:
    """The last day of the windows of the entries published again (after a regrade), or None."""
    return (
        PublicationEntry.objects.filter(publication=publication, republished_at__isnull=False)
        .order_by("-window_ends_on")
        .values_list("window_ends_on", flat=True)
        .first()
    )


def entries(*, publication: Publication) -> QuerySet[PublicationEntry]:
    """The list in the organisation's own order of departments (as every list of people is), each
    line knowing whether an objection is open on it and the grade a later review (复核) set, if any.
    A line without a department comes last."""
    open_objection = Objection.objects.filter(entry_id=OuterRef("pk")).exclude(state=ObjectionState.ANSWERED)
    return (
        PublicationEntry.objects.filter(publication=publication)
        .select_related("person", "department", "quarter_grade", "annual_result")
        .annotate(
            has_open_objection=Exists(open_objection),
            reviewed_quarter_grade=_latest_review(GradeReview, "quarter_grade"),
            reviewed_annual_result=_latest_review(AnnualReview, "annual_result"),
        )
        .order_by(F("department__sort_order").asc(nulls_last=True), "department__code", "person__employee_number", "pk")
    )


def objections_for(*, user: User, state: str = "") -> QuerySet[Objection]:
    """HR sees every objection of the organisation, each marked ``recused`` where they recuse
    themselves from it (:func:`is_recused`); anyone else only their own."""
    queryset = Objection.objects.filter(organisation_id=user.organisation_id)
    # HR (of this organisation: the filter above) sees them all.
    if user.has_perm("publicity.publish_results"):
        queryset = queryset.annotate(recused=ExpressionWrapper(_recused(user), output_field=BooleanField()))
    else:
        queryset = queryset.filter(objector=user)
    if state:
        queryset = queryset.filter(state=state)
    return queryset.select_related(
        "entry__person", "entry__department", "entry__publication__appraisal_quarter", "objector"
    ).order_by("-lodged_at", "-pk")


def objection_for(*, pk: int, user: User) -> Objection | None:
    objection = (
        Objection.objects.select_related(
            "entry__person",
            "entry__department",
            "entry__publication__appraisal_quarter",
            "entry__quarter_grade",
            "objector",
            "handled_by",
        )
        .filter(pk=pk, organisation_id=user.organisation_id)
        .first()
    )
    if objection is None or not user.has_perm("publicity.view_objection", objection):
        return None
    return objection


def objection_discipline(objection: Objection) -> dict:
    """What HR handling an objection weighs beside the published grade, as its deciders saw it: the
    year's veto, the sanctions and serious findings of the quarter (of the whole year for the year's
    优秀 list), as ``discipline_marks_of`` gives a person's entry; {} for a public-welfare result
    (a scheme of its own) or when there is none. A user test: the objection page showed none of it."""
    entry = objection.entry
    year = entry.publication.year
    if entry.quarter_grade_id:
        period = periods.Quarter(year, entry.publication.appraisal_quarter.quarter)
        first_day, last_day = period.first_day, period.last_day
    elif entry.annual_result_id:
        first_day, last_day = date(year, 1, 1), date(year, 12, 31)
    else:
        return {}
    marks = discipline_marks_of(person_ids=[entry.person_id], year=year, first_day=first_day, last_day=last_day)
    return marks.get(entry.person_id, {})


def review_cases(*, organisation_id: int) -> QuerySet[ReviewCase]:
    return (
        ReviewCase.objects.filter(organisation_id=organisation_id)
        .select_related("person", "annual_result")
        .order_by("-notified_on", "-pk")
    )


def incompetent_results_without_case(*, organisation_id: int, limit: int = 200) -> list[AnnualResult]:
    """Annual 不称职 results for HR's form (a handful a year at most): those with no case yet, and
    those whose 复核 has been decided and that have no 申诉 yet — "对复核决定不服的可以申诉" (a user
    test found no way to record the appeal after a 复核 kept 不称职). Not one whose 复核 is under way
    or lapsed (its time to ask ran out: so has the appeal's)."""
    cases = ReviewCase.objects.filter(annual_result_id=OuterRef("pk"))
    reviews = cases.filter(kind=ReviewCaseKind.REVIEW)
    return list(
        AnnualResult.objects.filter(organisation_id=organisation_id, decided_grade=AnnualGrade.INCOMPETENT)
        .exclude(Exists(cases.filter(kind=ReviewCaseKind.APPEAL)))
        .exclude(Exists(reviews.exclude(state=ReviewCaseState.DECIDED)))
        .annotate(reviewed=Exists(reviews))
        .select_related("person")
        .order_by("-year", "person__full_name")[:limit]
    )


def _another_handler() -> Exists:
    """An active HR administrator of the objection's organisation whom it does not concern (neither
    the person whose result it is about nor the one who lodged it)."""
    return Exists(
        hr_admin_roles(OuterRef("organisation_id"))
        .exclude(user_id=OuterRef("objector_id"))
        .exclude(user_id=OuterRef("entry__person_id"))
    )


def _recused(user: User) -> Q:
    """The objections ``user`` recuses themselves from (回避): about their own result or lodged by
    them, where another HR administrator can handle them. Where none can (the organisation's only
    HR administrator), they handle it themselves, and the page says so: it never waits for nobody."""
    return (Q(objector=user) | Q(entry__person=user)) & Q(_another_handler())


def is_recused(*, user: User, objection: Objection) -> bool:
    if user.pk not in (objection.objector_id, objection.entry.person_id):
        return False
    return Objection.objects.filter(pk=objection.pk).filter(_recused(user)).exists()


def objected_to(*, user: User, entry_ids) -> set[int]:
    """Those of the entries the user lodged an objection to (whatever became of it): one query."""
    return set(Objection.objects.filter(objector=user, entry_id__in=entry_ids).values_list("entry_id", flat=True))


def own_entries_on_show(*, person: User, today: date) -> list[int]:
    """The lists (their ids) holding a line of the person's whose window is open today (a few at
    most: a quarter's, the year's 优秀 list): the home page points to them, where the person may read
    the line or object to it. One query of ids, bounded."""
    return list(
        PublicationEntry.objects.filter(
            person=person,
            publication__organisation_id=person.organisation_id,
            state=EntryState.PUBLISHED,
            window_starts_on__lte=today,
            window_ends_on__gte=today,
        ).values_list("publication_id", flat=True)[:10]
    )


def open_objections_count(*, organisation_id: int, handler: User | None = None) -> int:
    """Objections HR has not answered yet (HR's home page): one count query. With ``handler``, only
    those that administrator handles (not those they recuse themselves from: :func:`is_recused`)."""
    queryset = Objection.objects.filter(organisation_id=organisation_id).exclude(state=ObjectionState.ANSWERED)
    if handler is not None:
        queryset = queryset.exclude(_recused(handler))
    return queryset.count()


def entries_to_republish(*, organisation_id: int) -> tuple[int, int | None]:
    """The lines sent back for regrading whose new grade is confirmed (a year's line: decided 优秀
    again), waiting to be published again (HR's home page, services.entry_may_republish's rule),
    and the publication of the first of them: one aggregate query."""
    ready = PublicationEntry.objects.filter(
        publication__organisation_id=organisation_id, state=EntryState.REGRADING
    ).filter(
        Q(annual_result__decided_grade=AnnualGrade.EXCELLENT)
        | Q(quarter_grade__reopened_at__isnull=True, quarter_grade__state=GradeState.CONFIRMED)
    )
    found = ready.aggregate(n=Count("pk"), first=Min("publication_id"))
    return found["n"], found["first"]


def review_cases_due_count(*, organisation_id: int, today: date) -> int:
    """复核/申诉 cases whose next deadline (to ask, or to decide) falls within the reminder days and
    has not passed (HR's home page): one count query. Those past it: :func:`review_cases_overdue_count`."""
    soon = today + timedelta(days=REVIEW_REMINDER_DAYS)
    return ReviewCase.objects.filter(
        Q(state=ReviewCaseState.AWAITING_REQUEST, request_by__range=(today, soon))
        | Q(state=ReviewCaseState.REQUESTED, decide_by__range=(today, soon)),
        organisation_id=organisation_id,
    ).count()


def review_cases_overdue_count(*, organisation_id: int, today: date) -> int:
    """复核/申诉 cases asked for whose decision is past its deadline and not recorded (a user test's
    home page counted one a month overdue as 临近期限)."""
    return ReviewCase.objects.filter(
        organisation_id=organisation_id, state=ReviewCaseState.REQUESTED, decide_by__lt=today
    ).count()


def decided_not_locked_count(
    *, organisation_id: int, year: int, publication_id: int, exclude: Iterable[int] = ()
) -> int:
    """How many of the year's decided results not yet locked are not on the 优秀 list
    ``publication_id`` (nor in ``exclude``, the decisions the rules now forbid): what the year's
    close locks with the list (``annual_year_close_by_the_rules``), said in 定等's question."""
    # A line withdrawn from the list (sent back, decided other than 优秀) is locked by the close
    # like any other decided result: counted here (a review).
    listed = (
        PublicationEntry.objects.filter(publication_id=publication_id)
        .exclude(state=EntryState.WITHDRAWN)
        .values("annual_result_id")
    )
    return (
        AnnualResult.objects.filter(organisation_id=organisation_id, year=year, locked_at__isnull=True)
        .exclude(decided_grade="")
        .exclude(pk__in=listed)
        .exclude(pk__in=list(exclude))
        .count()
    )


def vetoed_on_the_list(*, publication: Publication) -> dict[int, str]:
    """Of a year's 优秀 list still on show, the people with an active one-vote veto on that year
    (a finding or sanction recorded since it was posted): person id → name, in one query. HR sees
    them marked and is told before 定等, which would lock them as 优秀 (a user test: the board kept
    优秀 公示中 and 定等 said nothing)."""
    if publication.kind != PublicationKind.ANNUAL_EXCELLENT or publication.closed_at is not None:
        return {}
    entries = publication.entries.filter(state=EntryState.PUBLISHED)
    flags = VetoFlag.objects.filter(
        year=publication.year, lifted_at__isnull=True, person_id__in=entries.values("person_id")
    ).order_by("person_id")
    return dict(flags.values_list("person_id", "person__full_name").distinct())
