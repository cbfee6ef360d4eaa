"""定等 of the year's results after the 优秀 list's publication (called by publicity)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_reason

from .models import AnnualResult


@transaction.atomic
def annual_results_lock(*, result_ids: Iterable[int], source: str = "") -> int:
    """Lock the decided annual results among ``result_ids``; undecided ones are refused, locked
    ones left as they are (safe to run twice). Each row is saved alone, so each lock is audited."""
    rows = list(
        AnnualResult.objects.select_for_update(of=("self",))
        .filter(pk__in=list(result_ids), locked_at__isnull=True)
        .order_by("pk")
    )
    if any(not row.decided_grade for row in rows):
        raise ValidationError(_("年度等次尚未确定，不能定等。"))
    now = timezone.now()
    with audit_reason(source or _("公示期满定等")):
        for row in rows:
            row.locked_at = now
            row.save(update_fields=["locked_at"])
    return len(rows)
