"""The review inbox's count reads the waiting documents' partial index alone on PostgreSQL
(EXPLAIN on realistic, analysed rows): for a head of 12 500 it was a look-up of every waiting
owner's user row to find their current department (about 100 ms for each kind at 100 000 staff)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.workflow import ReviewStatus
from summaries.models import MonthlySummary
from summaries.selectors import summaries_awaiting_review
from targets.models import TargetSet
from targets.selectors import target_sets_awaiting_review

pytestmark = pytest.mark.postgres


def _count_plan(model, rows, queryset) -> str:
    """Add ``rows`` (owners that do not exist: the foreign keys are checked at commit, and the
    rows are rolled back before it), analyse the table, and return the plan of the count."""
    with transaction.atomic():
        model.objects.bulk_create(rows, batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
            cursor.execute("ANALYZE accounts_department")
        with CaptureQueriesContext(connection) as counted:
            count = queryset.count()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + counted.captured_queries[-1]["sql"])
            plan = "\n".join(line for (line,) in cursor.fetchall())
        transaction.set_rollback(True)
    return plan, count


def _shape(number: int, department, other_department) -> dict:
    """Three in four rows decided (earlier periods), one in four waiting; half in another department."""
    return {
        "owner_id": 10_000_000 + number // 4,
        "department": department if number % 8 < 4 else other_department,
        "owner_department": department if number % 8 < 4 else other_department,
        "status": ReviewStatus.SUBMITTED if number % 4 == 0 else ReviewStatus.APPROVED,
    }


@pytest.mark.parametrize(
    ("model", "period", "awaiting_review", "index"),
    [
        (MonthlySummary, "month", summaries_awaiting_review, "summary_waiting_idx"),
        (TargetSet, "quarter", target_sets_awaiting_review, "targetset_waiting_idx"),
    ],
    ids=["summaries", "targets"],
)
def test_the_heads_count_of_waiting_documents_is_one_range_of_the_waiting_index(
    organisation, head, other_department, model, period, awaiting_review, index
):
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    department = head.department
    rows = [
        model(
            organisation=organisation,
            year=2026,
            **{period: number % 4 + 1},
            **_shape(number, department, other_department),
        )
        for number in range(8000)
    ]
    plan, count = _count_plan(model, rows, awaiting_review(reviewer=head))
    assert count == 1000
    # One range of the partial index per reviewed department (index-only once the table is
    # vacuumed: rows added inside this transaction are not all-visible yet, so here a bitmap scan).
    assert index in plan, plan
    assert "accounts_user" not in plan, plan
