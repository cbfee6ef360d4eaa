"""The grade the grading page suggests for each person (DOMAIN.md §4); the evaluator decides.

Who is not graded comes first: a participant under investigation (立案审查, the staff register's
special status or the discipline room's record) on some day of the quarter, or whose long leave
(特殊状态 长期休假) covers more than the policy's ``uncertain_leave_share_percent`` of the quarter's
days, is suggested 不确定等次 with the reason spelled out. Otherwise, with the score model on, the
score bands within the 好 quota (:func:`.scores.suggested_grades`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from accounts import periods
from accounts.models import Policy, StaffStatus, StaffStatusKind
from accounts.selectors import policy_for_organisation

from ...discipline.selectors import Span, investigations_during, merge_span
from ..models import AppraisalQuarter, Grade, QuarterGrade, UncertainReason
from . import quota, scores


@dataclass(frozen=True)
class LongLeave:
    """A person's long leave within one quarter, when it covers more than the policy allows."""

    days: int
    quarter_days: int
    limit_percent: int

    grade = Grade.UNCERTAIN
    uncertain_reason = UncertainReason.LONG_LEAVE

    @property
    def share_percent(self) -> str:
        """The share of the quarter's days on leave, to one decimal, without a trailing “.0”."""
        share = (Decimal(self.days * 100) / Decimal(self.quarter_days)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{share:f}".removesuffix(".0")

    @property
    def explanation(self) -> str:
        return _("休假%(days)s天，占本季度%(share)s%%，超过规定的%(limit)s%%，建议定为不确定等次。") % {
            "days": self.days,
            "share": self.share_percent,
            "limit": self.limit_percent,
        }


def _days_covered(spans: list[tuple[date, date]]) -> int:
    """Days covered by the spans (inclusive), counting a day of overlapping spans once."""
    total, covered_until = 0, None
    for start, end in sorted(spans):
        if covered_until is not None and start <= covered_until:
            start = covered_until + timedelta(days=1)
        if start <= end:
            total += (end - start).days + 1
            covered_until = end
    return total


def _statuses_in_quarter(
    *, organisation_id: int, period: periods.Quarter, person_ids: Iterable[int] | None, kinds: Iterable[str]
) -> list[tuple[int, str, date, date | None]]:
    """(person id, kind, start, end) of the special statuses of ``kinds`` that overlap the quarter,
    for the organisation's people (or ``person_ids``). One query."""
    # No order: the default (the person's organisation, department, 工号 …) joined four tables.
    statuses = (
        StaffStatus.objects.filter(
            user__organisation_id=organisation_id, kind__in=list(kinds), start_date__lte=period.last_day
        )
        .exclude(end_date__lt=period.first_day)
        .order_by()
    )
    if person_ids is not None:
        statuses = statuses.filter(user_id__in=list(person_ids))
    return list(statuses.values_list("user_id", "kind", "start_date", "end_date"))


def long_leave_in_quarter(
    *,
    organisation_id: int,
    year: int,
    quarter: int,
    person_ids: Iterable[int] | None = None,
    policy: Policy | None = None,
    statuses: list[tuple[int, str, date, date | None]] | None = None,
) -> dict[int, LongLeave]:
    """person id → their long leave, for the people of the organisation (or of ``person_ids``) whose
    长期休假 covers more than ``policy.uncertain_leave_share_percent`` of the quarter's days.

    A leave without an end date runs to the quarter's end; overlapping leaves count each day once.
    One query (two when the policy is not given; none with ``statuses``, read already).
    """
    policy = policy or policy_for_organisation(organisation_id=organisation_id)
    period = periods.Quarter(year, quarter)
    first, last = period.first_day, period.last_day
    if statuses is None:
        statuses = _statuses_in_quarter(
            organisation_id=organisation_id, period=period, person_ids=person_ids, kinds=[StaffStatusKind.LONG_LEAVE]
        )
    spans_of: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for person_id, kind, start, end in statuses:
        if kind == StaffStatusKind.LONG_LEAVE:
            spans_of[person_id].append((max(start, first), min(end or last, last)))
    length = (last - first).days + 1
    limit = policy.uncertain_leave_share_percent
    result = {}
    for person_id, spans in spans_of.items():
        days = _days_covered(spans)
        if days * 100 > length * limit:
            result[person_id] = LongLeave(days=days, quarter_days=length, limit_percent=limit)
    return result


def investigations_in_quarter(
    *,
    organisation_id: int,
    year: int,
    quarter: int,
    person_ids: Iterable[int],
    statuses: list[tuple[int, str, date, date | None]] | None = None,
) -> dict[int, Span]:
    """person id → (the day their 立案审查 began, the day it ended; None while open), for those of
    ``person_ids`` under investigation on some day of the quarter: a 立案审查 special status of the
    staff register or one recorded with the sanctions (HR may record it in either). One query (two
    without ``statuses``, read already)."""
    period = periods.Quarter(year, quarter)
    person_ids = list(person_ids)
    found = investigations_during(person_ids=person_ids, first_day=period.first_day, last_day=period.last_day)
    if statuses is None:
        statuses = _statuses_in_quarter(
            organisation_id=organisation_id,
            period=period,
            person_ids=person_ids,
            kinds=[StaffStatusKind.UNDER_INVESTIGATION],
        )
    for person_id, kind, start, end in statuses:
        if kind == StaffStatusKind.UNDER_INVESTIGATION:
            merge_span(found, person_id, start, end)
    return found


def investigation_explanation(since: date, until: date | None = None) -> str:
    """The grading card's words; with the day the case ended, when it has (a re-test read a
    立案审查 recorded as a special status, ended, as if still open)."""
    if until is not None:
        return _("%(date)s至%(end)s立案审查，建议定为不确定等次（原因：立案审查）。") % {
            "date": since.isoformat(),
            "end": until.isoformat(),
        }
    return _("自%(date)s起立案审查，建议定为不确定等次（原因：立案审查）。") % {"date": since.isoformat()}


@dataclass(frozen=True)
class Suggestion:
    grade: str
    explanation: str = ""
    # Why 不确定等次, when that is the suggestion (UncertainReason).
    uncertain_reason: str = ""


def grade_suggestions(
    *,
    appraisal_quarter: AppraisalQuarter,
    rows: list[QuarterGrade],
    policy: Policy,
    pools: list[quota.PoolStatus] | None = None,
) -> dict[int, Suggestion]:
    """person id → the suggested grade for the people of ``rows`` (none for people without one).

    不确定等次 under investigation or for long leave beyond the policy's share; else, with the score model on, the
    suggestion within the quota (``pools``: the quarter's :func:`.quota.quota_status`, if read
    already), or the band stored with the person's scores.
    """
    person_ids = [row.person_id for row in rows]
    where = {
        "organisation_id": appraisal_quarter.organisation_id,
        "year": appraisal_quarter.year,
        "quarter": appraisal_quarter.quarter,
        "person_ids": person_ids,
    }
    # Long leave and 立案审查 from the staff register in one read.
    statuses = _statuses_in_quarter(
        organisation_id=appraisal_quarter.organisation_id,
        period=appraisal_quarter.period,
        person_ids=person_ids,
        kinds=[StaffStatusKind.LONG_LEAVE, StaffStatusKind.UNDER_INVESTIGATION],
    )
    on_leave = long_leave_in_quarter(**where, policy=policy, statuses=statuses)
    investigated = investigations_in_quarter(**where, statuses=statuses)
    by_score = (
        scores.suggested_grades_of(appraisal_quarter=appraisal_quarter, rows=rows, policy=policy, pools=pools)
        if policy.score_model_enabled
        else {}
    )
    result = {}
    for row in rows:
        leave = on_leave.get(row.person_id)
        if (span := investigated.get(row.person_id)) is not None:
            result[row.person_id] = Suggestion(
                grade=Grade.UNCERTAIN,
                explanation=investigation_explanation(*span),
                uncertain_reason=UncertainReason.INVESTIGATION,
            )
        elif leave is not None:
            result[row.person_id] = Suggestion(
                grade=leave.grade, explanation=leave.explanation, uncertain_reason=leave.uncertain_reason
            )
        elif grade := by_score.get(row.person_id) or row.suggested_grade:
            result[row.person_id] = Suggestion(grade=grade)
    return result
