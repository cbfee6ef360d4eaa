"""A special status recorded by HR (accounts) that the year's suggestions read: 立案审查 (as the
sanction of that kind, through discipline's ``sanction_effects_of``) and 试用期 (not graded at the
year's end). Saving or deleting one asks for each year it touches, once already computed, to be
computed again when the transaction commits; the committee page calls the suggestions stale until
then (:func:`.services.suggestions_freshness`). Signals, since accounts sits below this room and
cannot ask for the recomputation itself.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save

from accounts import periods
from accounts.models import StaffStatus, StaffStatusKind
from evaluations.year_rollup import year_rollup_request_once

from .models import AnnualRollupRun

READ_BY_THE_YEAR = (StaffStatusKind.UNDER_INVESTIGATION, StaffStatusKind.PROBATION)


def _years(status: StaffStatus) -> set[int]:
    # As given (a date, or its ISO text when set by hand), so a field's to_python.
    start = StaffStatus._meta.get_field("start_date").to_python(status.start_date)
    end = StaffStatus._meta.get_field("end_date").to_python(status.end_date)
    if status.kind not in READ_BY_THE_YEAR or start is None:
        return set()
    # To the year after its end: an organisation's table may give 立案审查 a two years' effect.
    return set(range(start.year, (end.year if end else max(start.year, periods.today().year)) + 2))


def _remember_before(sender, instance: StaffStatus, **kwargs) -> None:
    before = StaffStatus.objects.filter(pk=instance.pk).first() if instance.pk else None
    instance._years_before = _years(before) if before is not None else set()


def _recompute(sender, instance: StaffStatus, **kwargs) -> None:
    years = _years(instance) | getattr(instance, "_years_before", set())
    if not years:
        return
    organisation = instance.user.organisation
    computed = AnnualRollupRun.objects.filter(organisation=organisation, year__in=years)
    for year in sorted(computed.values_list("year", flat=True)):
        year_rollup_request_once(organisation=organisation, year=year, requested_by=None)


# The policy's rules of the year (evaluations.annual.rollup reads them): a change of any asks for the
# years computed and not yet decided to be computed again (a re-test read a new 优秀 quota in the
# header beside suggestions ranked under the old one, with no word that they were out of date).
YEAR_RULES = frozenset(
    {
        "excellent_quota_percent",
        "excellent_min_good_share_percent",
        "excellent_forbids_average_or_below",
        "basic_competent_average_quarters",
        "probation_gets_annual_grade",
    }
)


def _policy_changed(policy, changed: set[str]) -> None:
    if not changed & YEAR_RULES:
        return
    # The years computed and not yet 定等 (a decided year keeps its share: its first lock set it).
    undecided = AnnualRollupRun.objects.filter(organisation_id=policy.organisation_id, excellent_quota_percent=None)
    for year in sorted(undecided.values_list("year", flat=True)):
        year_rollup_request_once(organisation=policy.organisation, year=year, requested_by=None)


def connect() -> None:
    from accounts.services import register_policy_changed

    register_policy_changed(_policy_changed)
    pre_save.connect(_remember_before, sender=StaffStatus, dispatch_uid="annual_status_before")
    post_save.connect(_recompute, sender=StaffStatus, dispatch_uid="annual_status_saved")
    post_delete.connect(_recompute, sender=StaffStatus, dispatch_uid="annual_status_deleted")
