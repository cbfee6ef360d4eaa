"""Sanctions (处分与组织处理) recorded by HR and the organisation's policy table of their effects
on the annual grade. DOMAIN.md §5.

Veto flags are derived from sanctions, so every write here keeps them in step through
:mod:`.veto`: a new sanction raises its flags once it commits; an edit, a deletion or a change
of the policy table re-derives the organisation's flags in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import periods
from accounts.audit import audit_reason
from accounts.models import Organisation, StaffStatus, StaffStatusKind, User
from accounts.selectors import person_is_choosable
from accounts.sent_again import refuse_sent_again
from accounts.textlimits import check_length, check_text_limits

from .. import selectors
from ..models import Sanction, SanctionEffect, SanctionKind, SanctionRule, VetoFlag
from . import veto

# The reason for deleting a sanction is the reason its flags are removed: as long as a lifting's.
REASON_MAX_LENGTH = VetoFlag._meta.get_field("lift_reason").max_length


def _check_actor(actor: User) -> None:
    if not actor.has_perm("evaluations.manage_sanctions"):
        raise PermissionDenied(_("只有人事干部可以登记处分与组织处理。"))


def _check_not_own(actor: User, sanction: Sanction) -> None:
    """HR records, corrects or deletes no sanction about themselves (it would lift their own veto)."""
    if not actor.has_perm("evaluations.sanction_person", sanction.person):
        raise PermissionDenied(_("不能登记、更正或删除关于本人的处分，请由其他组织人事干部办理。"))


def _check_sanction(sanction: Sanction) -> None:
    if sanction.person.organisation_id != sanction.organisation_id:
        raise ValidationError({"person": _("人员不属于本单位。")})
    # A record may keep naming someone who has since left; a new or changed person must be
    # one the picker offers (never 系统管理员 or another back-office account).
    unchanged = sanction.pk and Sanction.objects.filter(pk=sanction.pk, person_id=sanction.person_id).exists()
    if not unchanged and not person_is_choosable(
        person=sanction.person, organisation=sanction.organisation, include_leaders=True
    ):
        raise ValidationError({"person": _("只能选择参加考核的人员。")})
    today = periods.today()
    if sanction.decided_on > today:
        raise ValidationError({"decided_on": _("决定日期不能晚于今天。")})
    # A date before the organisation could have recorded anything (0001-01-01 typed for a real
    # date) would flag every year since as vetoed.
    periods.check_plausible_date(sanction.decided_on, not_future=True, label=_("决定日期"), field="decided_on")
    if sanction.closed_on is not None:
        periods.check_plausible_date(sanction.closed_on, not_future=True, label=_("结案/解除日期"), field="closed_on")
    check_text_limits(sanction)
    if sanction.closed_on is not None:
        if sanction.closed_on < sanction.decided_on:
            raise ValidationError({"closed_on": _("结案/解除日期不能早于决定日期。")})
        if sanction.closed_on > today:
            raise ValidationError({"closed_on": _("结案/解除日期不能晚于今天。")})


@transaction.atomic
def sanction_save(*, sanction: Sanction, actor: User, reason: str = "") -> Sanction:
    """Record or correct a sanction of ``actor``'s organisation and keep its veto flags in step.

    A new sanction raises its flags when the transaction commits (a background job, written in
    this transaction, so a broker outage delays the flags but cannot lose them). A correction
    states its ``reason`` (kept on the audit entries of the sanction and of the flags it moves, as a
    deletion's is: a user test changed 记过 to 记大过, vetoing the next year too, with none); it
    may move the years affected or the person, so the organisation's flags are re-derived at once;
    a flag an inspector lifted stays lifted.
    """
    _check_actor(actor)
    sanction.organisation_id = actor.organisation_id
    _check_sanction(sanction)
    _check_not_own(actor, sanction)
    if sanction.pk is None:
        refuse_sent_again(
            sanction,
            fields=("organisation", "person", "kind", "decided_on", "closed_on", "note"),
            by="entered_by",
            actor=actor,
            made_at="entered_at",
            what=pgettext("the record a form sent again would make", "处分记录"),
        )
        sanction.entered_by = actor
        sanction.save()
        veto.sanction_recorded(sanction=sanction)
        return sanction
    before = Sanction.objects.select_for_update(of=("self",)).get(pk=sanction.pk, organisation_id=actor.organisation_id)
    _check_not_own(actor, before)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("更正处分记录须说明理由。")})
    check_length(reason, limit=REASON_MAX_LENGTH, label=_("更正理由"), field="reason")
    with audit_reason(reason):
        sanction.save()
        veto.veto_reconcile(organisation=sanction.organisation)
    # The effect on the years may change without any flag changing (警告 corrected to 记过).
    rules = selectors.sanction_rules(organisation=sanction.organisation)
    veto.years_changed(
        organisation=sanction.organisation,
        years=selectors.years_affected(before, rules[before.kind])
        + selectors.years_affected(sanction, rules[sanction.kind]),
        actor=actor,
    )
    # The reconciliation above also gave the flags it kept the corrected kind's and date's wording.
    return sanction


@transaction.atomic
def sanction_delete(*, sanction: Sanction, actor: User, reason: str) -> veto.ReconcileResult:
    """Delete a sanction recorded in error, with a stated reason; its veto flags go with it.

    A flag is lifted only with a recorded reason (DOMAIN.md §5), so the reason is kept in the audit
    entry of the sanction and of each flag removed. ``removed`` counts the flags actually removed:
    the sanction's own (deleted here, before the reconciliation, which no longer sees them) and any
    the reconciliation then removes.
    """
    _check_actor(actor)
    if sanction.organisation_id != actor.organisation_id:
        raise PermissionDenied
    _check_not_own(actor, sanction)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("删除处分记录须说明理由。")})
    check_length(reason, limit=REASON_MAX_LENGTH, label=_("删除理由"), field="reason")
    organisation = sanction.organisation
    flags = list(VetoFlag.objects.select_for_update(of=("self",)).filter(sanction=sanction).order_by("pk"))
    with audit_reason(reason):
        veto.flags_withdrawn(flags)
        # One by one, so each removal is audited with the reason (a cascade would be too, but
        # uncounted: the reconciliation below no longer sees these flags).
        for flag in flags:
            flag.delete()
        sanction.delete()
    years = {flag.year for flag in flags}
    veto.years_changed(organisation=organisation, years=years, actor=actor)
    if sanction.person.organisation_id != organisation.pk:
        # Someone who has moved keeps the former organisation's sanction on their year (veto_reconcile).
        veto.years_changed(organisation=sanction.person.organisation, years=years, actor=actor)
    result = veto.veto_reconcile(organisation=organisation)
    result.removed += len(flags)
    return result


# --- The policy table -----------------------------------------------------------------------


@dataclass
class RulesChange:
    changed: list[str]
    reconciled: veto.ReconcileResult | None = None


@transaction.atomic
def sanction_rules_save(
    *, organisation: Organisation, effects: dict[str, str], actor: User, reason: str = ""
) -> RulesChange:
    """Set the effect of each sanction kind named in ``effects`` (kind → effect).

    Only the kinds whose effect changes are written (each write is audited, with ``reason``);
    when any did, the organisation's veto flags are re-derived in the same transaction.
    """
    _check_actor(actor)
    if actor.organisation_id != organisation.pk:
        raise PermissionDenied
    unknown = set(effects) - set(SanctionKind.values)
    if unknown or not set(effects.values()) <= set(SanctionEffect.values):
        raise ValidationError(_("处分类别或影响无效。"))
    current = selectors.sanction_rules(organisation=organisation)
    changed = [kind for kind, effect in effects.items() if current[kind] != effect]
    if not changed:
        return RulesChange(changed=[])
    existing = {
        rule.kind: rule
        for rule in SanctionRule.objects.select_for_update(of=("self",)).filter(
            organisation=organisation, kind__in=changed
        )
    }
    with audit_reason(reason.strip()):
        for kind in changed:
            rule = existing.get(kind) or SanctionRule(organisation=organisation, kind=kind)
            rule.effect = effects[kind]
            rule.save()
    reconciled = veto.veto_reconcile(organisation=organisation)
    _recompute_years_reached(organisation, changed, before=current, after={**current, **effects}, actor=actor)
    return RulesChange(changed=changed, reconciled=reconciled)


def _recompute_years_reached(organisation: Organisation, kinds: list[str], *, before, after, actor: User) -> None:
    """Ask for the recomputation of every year a sanction of ``kinds`` (or a 立案审查 recorded as a
    special status) reaches under the table ``before`` or ``after``: a kind's effect on a year may
    change without any flag changing (a review's 警告 made 当年不确定等次 left the year's
    suggestions current and 采用全部建议 decided 称职), in the organisation of the person's year too
    when they have moved since (veto_reconcile)."""
    reached: dict[Organisation, set[int]] = {}
    sanctions = Sanction.objects.filter(organisation=organisation, kind__in=kinds).select_related(
        "person__organisation"
    )
    cases = [(sanction, sanction.person.organisation) for sanction in sanctions.order_by("pk")]
    if SanctionKind.INVESTIGATION in kinds:
        statuses = StaffStatus.objects.filter(user__organisation=organisation, kind=StaffStatusKind.UNDER_INVESTIGATION)
        cases += [
            (
                Sanction(kind=SanctionKind.INVESTIGATION, decided_on=status.start_date, closed_on=status.end_date),
                organisation,
            )
            for status in statuses.order_by("pk")
        ]
    for sanction, home in cases:
        years = selectors.years_affected(sanction, before[sanction.kind]) + selectors.years_affected(
            sanction, after[sanction.kind]
        )
        for each in {organisation, home}:
            reached.setdefault(each, set()).update(years)
    for each, years in reached.items():
        veto.years_changed(organisation=each, years=years, actor=actor)
