"""Grade counts kept as grades change (:class:`~evaluations.grading.models.QuarterGradeCount`): per
quarter, department and position, how many rows have each grade, are 待评鉴 or 待确认.

:func:`grade_counts_refresh` is the one writer: a set-based recount of the departments touched,
in the caller's transaction. It runs through the signal receivers below after every save or delete
of a grade row whose counted fields may have changed, in whatever service, import or test it
happens; writers that bypass ``save()`` (``bulk_create``, ``QuerySet.update()`` of a counted
field: opening a quarter, the benchmarks) call it themselves afterwards. Tests change grades with
``tests.factories.save_fields``, not ``QuerySet.update()``, for the same reason.

The pages read them through ``selectors.quarter_distribution`` and ``selectors.quarter_totals``: a
handful of rows whatever the organisation's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet

from accounts import shapes

from ..models import Grade, GradeState, QuarterGrade, QuarterGradeCount

# What each counter holds, as a condition on the grade rows.
GRADE_COUNTS = {
    "good": Count("pk", filter=Q(grade=Grade.GOOD)),
    "fairly_good": Count("pk", filter=Q(grade=Grade.FAIRLY_GOOD)),
    "average": Count("pk", filter=Q(grade=Grade.AVERAGE)),
    "poor": Count("pk", filter=Q(grade=Grade.POOR)),
    "uncertain": Count("pk", filter=Q(grade=Grade.UNCERTAIN)),
    "ungraded": Count("pk", filter=Q(grade="")),
    # A head's row graded before they headed the department waits for the leader's own grade, not
    # a confirmation (the approval blockers and the grading page say so too).
    "unconfirmed": Count("pk", filter=Q(state=GradeState.GRADED, headed=False)),
    "leader_to_grade": Count("pk", filter=Q(state=GradeState.GRADED, headed=True)),
    "total": Count("pk"),
}
assert tuple(GRADE_COUNTS) == QuarterGradeCount.COUNTS

# The grade row's fields the counts depend on: a save that writes none of them recounts nothing.
COUNTED_FIELDS = frozenset({"appraisal_quarter", "department", "is_leader_position", "grade", "state", "headed"})


def grade_counts_refresh(*, appraisal_quarter_id: int, department_ids: Iterable[int] | None = None) -> None:
    """Recount the quarter's grade rows of ``department_ids`` (default: every department) into
    their counters: three queries when the counters exist (lock, count, write the changed ones)."""
    recount(
        shape="grade_counts",
        model=QuarterGradeCount,
        scope=(appraisal_quarter_id,),
        departments=department_ids,
        counters=lambda quarter, *departments: in_departments(
            QuarterGradeCount.objects.filter(appraisal_quarter_id=quarter), departments
        ),
        rows=lambda quarter, *departments: in_departments(
            QuarterGrade.objects.filter(appraisal_quarter_id=quarter), departments
        ),
        key=("department_id", "is_leader_position"),
        counts=GRADE_COUNTS,
        new_counter=lambda department, leader: QuarterGradeCount(
            appraisal_quarter_id=appraisal_quarter_id, department_id=department, is_leader_position=leader
        ),
    )


def in_departments(queryset: QuerySet, departments: tuple[int, ...], field: str = "department_id") -> QuerySet:
    """The rows of ``departments`` (by ``field``), or all of them when none are named: what the
    ``counters`` and ``rows`` of :func:`recount` do with the departments they are given."""
    return queryset.filter(**{f"{field}__in": departments}) if departments else queryset


def recount(
    *,
    shape: str,
    model,
    scope: tuple[int, ...],
    departments: Iterable[int] | None,
    counters: Callable[..., QuerySet],
    rows: Callable[..., QuerySet],
    key: tuple[str, ...],
    counts: dict,
    new_counter,
) -> None:
    """Recount the rows of ``scope`` and ``departments`` (default: all), grouped by the ``key``
    fields, into their counters (``model``'s rows, whose fields are ``key`` and the names of
    ``counts``); ``new_counter(*key)`` makes a missing counter. Every kind of counter is kept by
    this one recount (the grade counters here, the annual results' in ``evaluations.annual.counts``).

    ``counters(*scope, *departments)`` and ``rows(*scope, *departments)`` are the querysets of the
    counters and of the rows counted, of every department when no department is given. The two
    statements that read them are composed once per ``shape`` and number of departments
    (``accounts.shapes``): composing them had been three quarters of a recount's time.

    The counters are locked before counting: a concurrent recount of the same departments waits
    for this transaction and then counts what it committed (each statement of a READ COMMITTED
    transaction sees what was committed before it began), so the last writer's counts include
    every change. A counter missing for a key is created first (a concurrent creator's row is
    taken as is: ``ignore_conflicts``), then everything is locked and counted again, so no count
    is computed without its lock."""
    if departments is not None:
        departments = sorted(set(departments))
        if not departments:
            return
    values = (*scope, *(departments or ()))
    names = tuple(counts)
    # No savepoint inside a caller's transaction (a SAVEPOINT would be two more queries per save).
    with transaction.atomic(savepoint=False):
        # Inside the transaction: Django composes a SELECT … FOR UPDATE only in one.
        lock = shapes.composed(
            (shape, "lock"), lambda *v: shapes.select(counters(*v).select_for_update().order_by(*key)), values
        )
        count = shapes.composed(
            (shape, "count"), lambda *v: shapes.select(rows(*v).values(*key).annotate(**counts).order_by()), values
        )
        for _attempt in range(2):
            stored = {tuple(getattr(c, field) for field in key): c for c in model.objects.raw(*lock)}
            with connection.cursor() as cursor:
                cursor.execute(*count)
                columns = [column[0] for column in cursor.description]
                counted = {}
                for values_read in cursor.fetchall():
                    row = dict(zip(columns, values_read, strict=True))
                    counted[tuple(row.pop(field) for field in key)] = row
            missing = counted.keys() - stored.keys()
            if not missing:
                break
            model.objects.bulk_create([new_counter(*k) for k in sorted(missing)], ignore_conflicts=True)
        changed = []
        for k, counter in stored.items():
            now = counted.get(k, dict.fromkeys(names, 0))
            if any(getattr(counter, name) != now[name] for name in names):
                for name in names:
                    setattr(counter, name, now[name])
                changed.append(counter)
        if len(changed) == 1:
            changed[0].save(update_fields=names)
        elif changed:
            model.objects.bulk_update(changed, names)


# The recounts waiting for the end of a :func:`deferred` block: (refresh, scope) → departments.
_deferred: ContextVar[dict[tuple, set] | None] = ContextVar("counts_deferred", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Recount once, at the end of the block, every department whose rows were saved inside it:
    a service that saves many rows one by one (confirming a whole department, adopting a year's
    suggestions) would otherwise recount the department after each row. The grade rows created
    inside it get their documents' columns (``documents``) then too, in one UPDATE per quarter.
    Nested blocks join the outermost one. Nothing is recounted when the block raises: its
    transaction is being rolled back."""
    if _deferred.get() is not None:
        yield
        return
    token = _deferred.set({})
    try:
        yield
        waiting = _deferred.get()
    finally:
        _deferred.reset(token)
    _run(waiting)


def recount_later(refresh, keys: Iterable[tuple[tuple, object]]) -> None:
    """Recount the (scope, department) ``keys`` with ``refresh(scope, departments)``: now, or at
    the end of the enclosing :func:`deferred` block. A key whose scope holds a None is skipped.
    (``documents`` defers its new grade rows' refresh the same way, with row ids for departments.)"""
    waiting: dict[tuple, set] = {}
    for scope, department in keys:
        if None in scope:
            continue
        waiting.setdefault((refresh, scope), set()).add(department)
    if (outer := _deferred.get()) is not None:
        for key, departments in waiting.items():
            outer.setdefault(key, set()).update(departments)
        return
    _run(waiting)


def _run(waiting: dict[tuple, set]) -> None:
    # In a fixed order (scope, then departments sorted by the refresh), so concurrent recounts lock alike.
    for (refresh, scope), departments in sorted(
        waiting.items(), key=lambda item: (item[0][0].__qualname__, item[0][1])
    ):
        refresh(scope, departments)


def watch(model, *, fields: frozenset[str], key, refresh, uid: str) -> None:
    """Recount after every save or delete of a ``model`` row that may change a count: ``key(row)``
    is the row's (scope, department), ``refresh(scope, departments)`` recounts them, ``fields``
    are the row's fields the counts depend on (a save with ``update_fields`` outside them recounts
    nothing). A row moved to another scope or department is counted out of the one it was read
    (the model's ``from_db`` sets ``_loaded_counted_key``) or last saved with as well."""
    from django.db.models.signals import post_delete, post_save

    def saved(sender, instance, created: bool, raw: bool = False, update_fields=None, **kwargs) -> None:
        if raw or (update_fields is not None and not fields & set(update_fields)):
            return
        keys = {key(instance)}
        if (was := getattr(instance, "_loaded_counted_key", None)) is not None:
            keys.add(was)
        recount_later(refresh, keys)
        instance._loaded_counted_key = key(instance)

    def deleted(sender, instance, **kwargs) -> None:
        recount_later(refresh, {key(instance)})

    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}_saved")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"{uid}_deleted")


def _refresh_grades(scope: tuple[int], department_ids: set[int]) -> None:
    if department_ids := department_ids - {None}:
        grade_counts_refresh(appraisal_quarter_id=scope[0], department_ids=department_ids)


def connect() -> None:
    """Called once from the app's ``ready()``."""
    watch(
        QuarterGrade,
        fields=COUNTED_FIELDS,
        key=lambda row: ((row.appraisal_quarter_id,), row.department_id),
        refresh=_refresh_grades,
        uid="grade_counts",
    )
