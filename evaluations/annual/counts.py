"""The annual results' counts (:class:`.models.AnnualResultCount`): per organisation, year and
department, how many results have a final grade, are 优秀 and are undecided.

Kept by the grade counters' mechanism (``grading.services.counts``): :func:`annual_counts_refresh`
is a locked, set-based recount of the departments touched, run after every save or delete of a
result (signals) and by the benchmarks' and the demo's ``bulk_create``, which call it themselves
afterwards. The roll-up, which writes its results in SQL, rewrites its organisations' counters in
two statements with :func:`annual_counts_rewrite`.

The committee page reads them through :func:`..services.excellent_status` and
:func:`year_counts`: a handful of rows whatever the organisation's size. A decision checks the
quota by counting the results themselves, under the year's lock (``services._check_quota_after``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce

from ..grading.services import counts
from .models import AnnualGrade, AnnualResult, AnnualResultCount, final_grade_expression

ANNUAL_COUNTS = {
    "graded": Count("pk", filter=~Q(final=AnnualGrade.NOT_GRADED) & ~Q(final="")),
    "excellent": Count("pk", filter=Q(final=AnnualGrade.EXCELLENT)),
    "undecided": Count("pk", filter=Q(decided_grade="")),
    "total": Count("pk"),
}
assert tuple(ANNUAL_COUNTS) == AnnualResultCount.COUNTS

# The result's fields the counts depend on: a save that writes none of them recounts nothing.
COUNTED_FIELDS = frozenset({"organisation", "year", "department", "suggested_grade", "decided_grade"})


def _department_key():
    return Coalesce("department_id", Value(0), output_field=IntegerField())


def annual_counts_refresh(*, organisation_id: int, year: int, department_keys: Iterable[int] | None = None) -> None:
    """Recount the organisation's results of ``year`` of ``department_keys`` (department ids, 0
    for none; default: every department) into their counters."""
    counts.recount(
        shape="annual_counts",
        model=AnnualResultCount,
        scope=(organisation_id, year),
        departments=department_keys,
        counters=lambda organisation, year, *keys: counts.in_departments(
            AnnualResultCount.objects.filter(organisation_id=organisation, year=year), keys, "department_key"
        ),
        rows=lambda organisation, year, *keys: counts.in_departments(
            AnnualResult.objects.filter(organisation_id=organisation, year=year).annotate(
                department_key=_department_key(), final=final_grade_expression()
            ),
            keys,
            "department_key",
        ),
        key=("department_key",),
        counts=ANNUAL_COUNTS,
        new_counter=lambda department_key: AnnualResultCount(
            organisation_id=organisation_id, year=year, department_key=department_key
        ),
    )


def annual_counts_rewrite(*, organisation_ids: list[int], year: int) -> None:
    """The counters of the organisations' ``year`` dropped and counted again (the roll-up's, after
    it wrote their results in SQL): two statements whatever the number of organisations and of
    counters before — a ``DELETE`` and one ``INSERT … SELECT … GROUP BY`` over all their results.

    The insert settles a counter created meanwhile by a decision's recount (signals, between the two
    statements) with ``ON CONFLICT``: it writes the counts its own statement saw, which include that
    decision once committed; a decision still uncommitted recounts its department after it."""
    AnnualResultCount.objects.filter(organisation_id__in=organisation_ids, year=year).delete()
    counted = (
        AnnualResult.objects.filter(organisation_id__in=organisation_ids, year=year)
        .annotate(department_key=_department_key(), final=final_grade_expression())
        .values("organisation_id", "year", "department_key")
        .annotate(**ANNUAL_COUNTS)
        .order_by()
    )
    select, params = counted.query.sql_with_params()
    table = connection.ops.quote_name(AnnualResultCount._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(name)
        for name in ("organisation_id", "year", "department_key", *AnnualResultCount.COUNTS)
    )
    counts_set = ", ".join(f"{quoted} = excluded.{quoted}" for quoted in map(connection.ops.quote_name, ANNUAL_COUNTS))
    # By the select's column names, not its order; ``WHERE true``: SQLite would read ``ON`` as a join's.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ({select}) counted WHERE true "
            f'ON CONFLICT ("organisation_id", "year", "department_key") DO UPDATE SET {counts_set}',
            params,
        )


def year_counts(*, organisation_id: int, year: int) -> dict[str, int]:
    """The organisation's counts of ``year``, summed over its departments (one query)."""
    totals = AnnualResultCount.objects.filter(organisation_id=organisation_id, year=year).aggregate(
        **{name: Sum(name) for name in AnnualResultCount.COUNTS}
    )
    return {name: totals[name] or 0 for name in AnnualResultCount.COUNTS}


def _refresh(scope: tuple[int, int], department_keys: set[int]) -> None:
    annual_counts_refresh(organisation_id=scope[0], year=scope[1], department_keys=department_keys)


def connect() -> None:
    """Called once from the app's ``ready()``."""
    counts.watch(
        AnnualResult,
        fields=COUNTED_FIELDS,
        key=lambda row: ((row.organisation_id, row.year), row.department_id or 0),
        refresh=_refresh,
        uid="annual_counts",
    )
