"""What each quarter's grade row knows of its person's documents: whether the quarter's targets are
approved (``targets_approved``) and which months' summaries are handed in (``summary_months``, a
bit per month of the quarter). The approval blockers read these two columns through partial
indexes, so "who still lacks targets or a summary" costs as much as the people who lack them.

:func:`grade_documents_refresh` is the one writer: set-based, one UPDATE per appraisal quarter
concerned. It runs when a quarter opens (new rows) and, through ``counts.watch`` (the receivers of
the grade counters), after every save or delete of a target set or monthly summary, in whatever
service or import it happens: at once, or once per quarter at the end of a ``counts.deferred()``
block for every owner whose documents changed inside it.
Bulk loaders that bypass ``save()`` (the benchmarks) call it themselves afterwards.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts import periods, shapes
from accounts.models import StaffStatus, StaffStatusKind, User
from accounts.selectors import policy_for_organisation, seconded_through
from accounts.workflow import ReviewStatus, handed_in
from summaries.models import MonthlySummary
from targets.models import TargetSet

from ..models import AppraisalQuarter, QuarterGrade
from . import counts


def grade_documents_refresh(*, rows: QuerySet[QuarterGrade], quarter: periods.Quarter | None = None) -> int:
    """Recompute ``targets_approved`` and ``summary_months`` of ``rows`` from the documents; returns
    how many rows were written. One UPDATE per appraisal quarter among the rows, or, given the
    ``quarter`` every row belongs to, one UPDATE and no query to find it. ``rows`` must not select
    by those two columns: it is read again after the first UPDATE wrote them (:func:`_newcomers_write`)."""
    if quarter is not None:
        return _write(rows, quarter)
    written = 0
    quarters = AppraisalQuarter.objects.filter(pk__in=rows.values("appraisal_quarter_id")).values_list(
        "pk", "year", "quarter"
    )
    for pk, year, number in quarters:
        written += _write(rows.filter(appraisal_quarter_id=pk), periods.Quarter(year, number))
    return written


def _write(rows: QuerySet[QuarterGrade], quarter: periods.Quarter) -> int:
    written = rows.update(**_columns(quarter.year, quarter.quarter, *quarter.months))
    _newcomers_write(rows, quarter)
    return written


def _columns(year: int, number: int, *months: int) -> dict:
    """The two columns' values from the documents of ``year``'s quarter ``number`` (``months``, its
    months, in order), as expressions on the grade row."""
    approved = TargetSet.objects.filter(
        owner_id=OuterRef("person_id"), year=year, quarter=number, status=ReviewStatus.APPROVED
    )
    handed = (
        MonthlySummary.objects.filter(owner_id=OuterRef("person_id"), year=year, month__in=months)
        .filter(handed_in())
        .order_by()
        .values("owner_id")
        .annotate(
            bits=Sum(
                Case(*(When(month=m, then=Value(1 << i)) for i, m in enumerate(months)), default=Value(0)),
            )
        )
        .values("bits")
    )
    return {
        "targets_approved": Exists(approved),
        "summary_months": Coalesce(Subquery(handed, output_field=IntegerField()), Value(0)),
    }


def _write_rows(pks: list[int], quarter: periods.Quarter) -> None:
    """:func:`_write` of the grade rows ``pks`` (distinct, all of ``quarter``), after every save of
    a document: its UPDATE composed once per number of rows (``accounts.shapes``; composing it had
    been most of its time)."""
    update = shapes.composed(
        "grade_documents",
        lambda year, number, first, second, third, *ids: shapes.update(
            QuarterGrade.objects.filter(pk__in=ids), **_columns(year, number, first, second, third)
        ),
        (quarter.year, quarter.quarter, *quarter.months, *pks),
    )
    with connection.cursor() as cursor:
        cursor.execute(*update)
    _newcomers_write(QuarterGrade.objects.filter(pk__in=pks), quarter)


def _newcomers_write(rows: QuerySet[QuarterGrade], quarter: periods.Quarter) -> None:
    """A newcomer who began after a month (the quarter) ended owes nothing of it
    (periods.person_policy), nor does someone seconded out for the whole of it (挂职/援派,
    ``accounts.selectors.seconded_through``: the host appraises them): its bit is set, and their
    targets count as approved, so the approval blockers, the grading page and the roll-up do not
    ask for it. A second UPDATE of the rows of such people only, when there are any (usually
    none: a look first), so the quarter's own UPDATE stays as cheap as it was."""
    months = [periods.Month(quarter.year, m) for m in quarter.months]

    def not_owed(period: periods.Quarter | periods.Month):
        began_after = Exists(User.objects.filter(pk=OuterRef("person_id"), appraisal_start__gt=period.last_day))
        return began_after | seconded_through(period, "person_id")

    concerned = rows.filter(
        Q(person__appraisal_start__gt=months[0].last_day)
        | Q(Exists(StaffStatus.objects.filter(user_id=OuterRef("person_id"), kind=StaffStatusKind.SECONDED)))
    )
    if not concerned.exists():
        return
    bits = F("summary_months")
    for i, month in enumerate(months):
        bits = bits.bitor(Case(When(not_owed(month), then=Value(1 << i)), default=Value(0)))
    concerned.update(
        summary_months=bits,
        targets_approved=Case(
            When(not_owed(quarter), then=Value(True)),
            default=F("targets_approved"),
            output_field=BooleanField(),
        ),
    )


def months_begun_mask(*, appraisal_quarter: AppraisalQuarter, policy=None) -> int:
    """The ``summary_months`` bits of the quarter's months begun by today (all three once it ended),
    none that ended before the organisation began in the system (``Policy.started_on``: nobody
    owes it, as the summaries page and the roll-up say); ``policy``, the organisation's when the
    caller has read it."""
    today = periods.today()
    period = appraisal_quarter.period
    if policy is None:
        policy = policy_for_organisation(organisation_id=appraisal_quarter.organisation_id)
    return sum(
        1 << i
        for i, m in enumerate(period.months)
        if (period.year, m) <= (today.year, today.month) and periods.is_due(policy, periods.Month(period.year, m))
    )


def _refresh_owners(scope: tuple[int, int], owner_ids: set[int]) -> None:
    """Target sets or summaries of ``scope`` (year, quarter) changed: their owners' grade rows of
    that quarter show it (one UPDATE for every owner changed inside a ``counts.deferred()`` block)."""
    year, number = scope
    _write_found(
        QuarterGrade.objects.filter(
            person_id__in=sorted(owner_ids), appraisal_quarter__year=year, appraisal_quarter__quarter=number
        )
    )


def _refresh_people(scope: tuple, person_ids: set[int]) -> None:
    """Special statuses changed (a secondment: whole months away are not owed): the people's rows."""
    _write_found(QuarterGrade.objects.filter(person_id__in=sorted(person_ids - {None})))


def _refresh_rows(scope: tuple, pks: set[int]) -> None:
    """New grade rows (``pks``), of one quarter or more."""
    _write_found(QuarterGrade.objects.filter(pk__in=sorted(pks)))


def _write_found(rows: QuerySet[QuarterGrade]) -> None:
    """:func:`_write_rows` of ``rows``, one UPDATE per quarter among them. The rows are looked up
    first: until a quarter opens for grading there are none, and a plain SELECT costs a fifth of
    composing the UPDATE afresh (measured: 1.5 against 8.8 ms)."""
    of_quarter: dict[tuple[int, int], list[int]] = {}
    for year, number, pk in rows.values_list("appraisal_quarter__year", "appraisal_quarter__quarter", "pk"):
        of_quarter.setdefault((year, number), []).append(pk)
    for (year, number), pks in sorted(of_quarter.items()):
        _write_rows(sorted(pks), periods.Quarter(year, number))


def _grade_row_created(sender, instance: QuarterGrade, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        # Now, or once for every row made inside a counts.deferred() block, at its end.
        counts.recount_later(_refresh_rows, [((), instance.pk)])


def connect() -> None:
    """Called once from the app's ``ready()``."""
    from django.db.models.signals import post_save

    # The handed-in state is the status: a save that writes neither it nor where the document
    # belongs (``update_fields``) changes nothing here. ``quarter`` is a summary's property.
    for model, period, uid in ((TargetSet, "quarter", "targets"), (MonthlySummary, "month", "summaries")):
        counts.watch(
            model,
            fields=frozenset({"status", "owner", "year", period}),
            key=lambda document: ((document.year, document.quarter), document.owner_id),
            refresh=_refresh_owners,
            uid=f"grade_documents_{uid}",
        )
    post_save.connect(_grade_row_created, sender=QuarterGrade, dispatch_uid="grade_documents_new_row")
    # A secondment recorded, changed or removed: the person's rows say again which months they owe.
    counts.watch(
        StaffStatus,
        fields=frozenset({"kind", "start_date", "end_date", "user"}),
        key=lambda status: ((), status.user_id),
        refresh=_refresh_people,
        uid="grade_documents_statuses",
    )
