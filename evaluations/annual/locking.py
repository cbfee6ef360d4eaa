"""定等 of the year's results after the 优秀 list's publication (called by publicity): the 优秀
lines as their windows close, then, when the list is closed, every decided result of the year.
The recorded review (复核) that alone changes a locked result is
:func:`evaluations.annual.services.annual_review_after_lock` (it keeps the committee's rules, which
live there)."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import periods
from accounts.audit import audit_reason, record_updates
from accounts.selectors import policy_for_organisation

from .models import AnnualResult, AnnualRollupRun


def keep_the_share(*, organisation_id: int, year: int) -> None:
    """The year's 优秀 share as the policy has it now, kept on the year when its 优秀 list is
    published or at its first 定等, whichever comes first (the share it was decided under: a later
    change of the policy applies to the years not yet decided; a user test cut the share between the
    publication and the lock, and the locked year read 8 优秀 against 5 places)."""
    percent = policy_for_organisation(organisation_id=organisation_id).excellent_quota_percent
    AnnualRollupRun.objects.filter(
        organisation_id=organisation_id, year=year, excellent_quota_percent__isnull=True
    ).update(excellent_quota_percent=percent)


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
    now = periods.now()
    with audit_reason(source or _("公示期满定等")):
        for row in rows:
            row.locked_at = now
            row.save(update_fields=["locked_at"])
    for organisation_id, year in {(row.organisation_id, row.year) for row in rows}:
        keep_the_share(organisation_id=organisation_id, year=year)
    return len(rows)


@transaction.atomic
def annual_year_close(*, organisation_id: int, year: int, source: str = "", exclude: Iterable[int] = ()) -> int:
    """The year's close (定等 of the year), when its 优秀 list is wholly locked: every decided result of
    the organisation's year still open is locked, 称职, 基本称职 and 不称职 as the 优秀 lines were, so
    that from then on the committee changes none of them and a change goes only through the recorded
    review (复核, or the decision of a 复核/申诉 case). One UPDATE, each row audited (locked_at,
    empty → the time, with ``source`` as the reason). A result still undecided (a person who came
    after the list was posted) stays open: an undecided grade is never locked (as
    :func:`annual_results_lock` refuses), and the committee decides it still; the decision locks
    it then, with the same reason (``annual_decide``: this runs once). Safe to run twice; returns
    how many were locked. ``exclude``: results left open (decisions the rules now forbid,
    ``services.annual_year_close_by_the_rules``)."""
    year_rows = AnnualResult.objects.filter(organisation_id=organisation_id, year=year)
    # Every row of the year first, undecided ones too, as a committee decision does
    # (services._lock_year): a decision under way commits first and its result is read decided here,
    # or it waits for the close and then sees it (and locks its result itself). Locking only the
    # decided rows let a decision slip between the two (PostgreSQL; SQLite writes one at a time).
    list(year_rows.select_for_update(of=("self",)).values_list("pk", flat=True))
    rows = year_rows.filter(locked_at__isnull=True).exclude(decided_grade="").exclude(pk__in=list(exclude))
    # Read under a row lock, so the UPDATE below writes exactly the rows whose entries are written.
    before = list(rows.select_for_update(of=("self",)).select_related("person").order_by("pk"))
    if not before:
        return 0
    now = periods.now()
    # The rows read, by key: one decided meanwhile is not locked without its audit entry.
    AnnualResult.objects.filter(pk__in=[row.pk for row in before]).update(locked_at=now)
    keep_the_share(organisation_id=organisation_id, year=year)
    changed = []
    for old in before:
        new = copy.copy(old)
        new.locked_at = now
        changed.append((old, new))
    with audit_reason(source or _("公示期满定等")):
        record_updates(changed, fields=["locked_at"])
    return len(before)
