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

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Count, Q

from ..models import Grade, GradeState, QuarterGrade, QuarterGradeCount

# What each counter holds, as a condition on the grade rows.
GRADE_COUNTS = {
    "good": Count("pk", filter=Q(grade=Grade.GOOD)),
    "fairly_good": Count("pk", filter=Q(grade=Grade.FAIRLY_GOOD)),
    "average": Count("pk", filter=Q(grade=Grade.AVERAGE)),
    "poor": Count("pk", filter=Q(grade=Grade.POOR)),
    "uncertain": Count("pk", filter=Q(grade=Grade.UNCERTAIN)),
    "ungraded": Count("pk", filter=Q(grade="")),
    "unconfirmed": Count("pk", filter=Q(state=GradeState.GRADED)),
    "total": Count("pk"),
}
assert tuple(GRADE_COUNTS) == QuarterGradeCount.COUNTS

# The grade row's fields the counts depend on: a save that writes none of them recounts nothing.
COUNTED_FIELDS = frozenset({"appraisal_quarter", "department", "is_leader_position", "grade", "state"})


def grade_counts_refresh(*, appraisal_quarter_id: int, department_ids: Iterable[int] | None = None) -> None:
    """Recount the quarter's grade rows of ``department_ids`` (default: every department) into
    their counters: three queries when the counters exist (lock, count, write the changed ones).

    The counters are locked before counting: a concurrent recount of the same departments waits
    for this transaction and then counts what it committed (each statement of a READ COMMITTED
    transaction sees what was committed before it began), so the last writer's counts include
    every change. A counter missing for a department and position is created first (a concurrent
    creator's row is taken as is: ``ignore_conflicts``), then everything is locked and counted
    again, so no count is computed without its lock."""
    counters = QuarterGradeCount.objects.filter(appraisal_quarter_id=appraisal_quarter_id)
    grades = QuarterGrade.objects.filter(appraisal_quarter_id=appraisal_quarter_id)
    if department_ids is not None:
        department_ids = sorted(set(department_ids))
        counters = counters.filter(department_id__in=department_ids)
        grades = grades.filter(department_id__in=department_ids)
    # No savepoint inside a caller's transaction (a SAVEPOINT would be two more queries per save).
    with transaction.atomic(savepoint=False):
        for _attempt in range(2):
            stored = {
                (c.department_id, c.is_leader_position): c
                for c in counters.select_for_update().order_by("department_id", "is_leader_position")
            }
            counted = {
                (row.pop("department_id"), row.pop("is_leader_position")): row
                for row in grades.values("department_id", "is_leader_position").annotate(**GRADE_COUNTS).order_by()
            }
            missing = counted.keys() - stored.keys()
            if not missing:
                break
            QuarterGradeCount.objects.bulk_create(
                [
                    QuarterGradeCount(
                        appraisal_quarter_id=appraisal_quarter_id, department_id=department, is_leader_position=leader
                    )
                    for department, leader in sorted(missing)
                ],
                ignore_conflicts=True,
            )
        changed = []
        for key, counter in stored.items():
            now = counted.get(key, dict.fromkeys(QuarterGradeCount.COUNTS, 0))
            if any(getattr(counter, name) != now[name] for name in QuarterGradeCount.COUNTS):
                for name in QuarterGradeCount.COUNTS:
                    setattr(counter, name, now[name])
                changed.append(counter)
        if len(changed) == 1:
            changed[0].save(update_fields=QuarterGradeCount.COUNTS)
        elif changed:
            QuarterGradeCount.objects.bulk_update(changed, QuarterGradeCount.COUNTS)


# The (quarter, department) keys whose recount waits for the end of a :func:`deferred` block.
_deferred: ContextVar[set[tuple[int, int]] | None] = ContextVar("grade_counts_deferred", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Recount once, at the end of the block, every department whose rows were saved inside it:
    a service that saves many rows one by one (confirming a whole department) would otherwise
    recount the department after each row. Nested blocks join the outermost one. Nothing is
    recounted when the block raises: its transaction is being rolled back."""
    if _deferred.get() is not None:
        yield
        return
    token = _deferred.set(set())
    try:
        yield
        keys = _deferred.get()
    finally:
        _deferred.reset(token)
    _refresh(keys)


def _counted_key(row: QuarterGrade) -> tuple[int, int]:
    return row.appraisal_quarter_id, row.department_id


def _grade_row_saved(sender, instance: QuarterGrade, created: bool, raw: bool = False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not COUNTED_FIELDS & set(update_fields)):
        return
    keys = {_counted_key(instance)}
    # The quarter and department the row had when read (a row moved is counted out of its old one).
    if (loaded := getattr(instance, "_loaded_counted_key", None)) is not None:
        keys.add(loaded)
    _refresh(keys)
    instance._loaded_counted_key = _counted_key(instance)


def _grade_row_deleted(sender, instance: QuarterGrade, **kwargs) -> None:
    _refresh({_counted_key(instance)})


def _refresh(keys: set[tuple[int, int]]) -> None:
    if (waiting := _deferred.get()) is not None:
        waiting.update(keys)
        return
    by_quarter: dict[int, set[int]] = {}
    for quarter_id, department_id in keys:
        if quarter_id is None or department_id is None:
            continue
        by_quarter.setdefault(quarter_id, set()).add(department_id)
    for quarter_id in sorted(by_quarter):
        grade_counts_refresh(appraisal_quarter_id=quarter_id, department_ids=by_quarter[quarter_id])


def connect() -> None:
    """Called once from the app's ``ready()``."""
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_grade_row_saved, sender=QuarterGrade, dispatch_uid="grade_counts_saved")
    post_delete.connect(_grade_row_deleted, sender=QuarterGrade, dispatch_uid="grade_counts_deleted")
