"""The one-vote veto (一票否决) and the effect of sanctions on the annual grade. DOMAIN.md §5.

A serious finding, or a sanction, raises a veto flag on the person's year. Flags are derived
data: :func:`veto_reconcile` re-derives them from findings and sanctions (nightly), so a missed
event cannot leave them wrong; a flag an inspector lifted stays lifted (the reason is kept).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from itertools import chain

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jobs
from accounts.audit import audit_reason, current_reason, record_event
from accounts.models import Job, Notification, Organisation, Role, User
from accounts.selectors import role_holders
from accounts.services import notify_many
from accounts.text import in_site_language
from accounts.textlimits import check_length
from evaluations.year_rollup import year_rollup_request_once

from ..models import (
    Finding,
    Sanction,
    SanctionEffect,
    Severity,
    VetoFlag,
)
from ..selectors import sanction_event, sanction_rules, years_affected


def years_changed(*, organisation: Organisation, years, actor: User | None = None) -> None:
    """Ask for the suggestions of each of ``years`` to be recomputed once this transaction commits
    (a veto flag raised, removed or lifted changes them); coalesced with a recomputation already waiting."""
    for year in sorted(set(years)):
        year_rollup_request_once(organisation=organisation, year=year, requested_by=actor)


# What the person and HR are told of a flag: (the person's words, HR's words), by event. A flag
# raised says what it does to the year (``effect``, :data:`_EFFECT_WORDS`).
_TOLD = {
    "raised": (
        gettext_lazy("您%(year)s年度有一票否决事项，%(effect)s：%(reason)s"),
        gettext_lazy("%(name)s%(year)s年度新增一票否决事项，%(effect)s：%(reason)s"),
    ),
    "lifted": (
        gettext_lazy("您%(year)s年度的一票否决事项已解除：%(reason)s"),
        gettext_lazy("%(name)s%(year)s年度的一票否决事项已解除：%(reason)s"),
    ),
    # Its cause corrected away or deleted (a finding no longer 严重, an inspection or sanction deleted).
    "removed": (
        gettext_lazy(
            "您%(year)s年度的一票否决事项已撤销（其依据已更正或删除），不再影响%(those)s%(matter)s：%(reason)s"
        ),
        gettext_lazy("%(name)s%(year)s年度的一票否决事项已撤销（其依据已更正或删除）：%(reason)s"),
    ),
    # Its sanction's case closed or the sanction ended (结案/解除), the year no longer among those it bars.
    "ended": (
        gettext_lazy("您%(year)s年度的一票否决事项已随其依据结案或解除而撤销，不再影响%(those)s%(matter)s：%(reason)s"),
        gettext_lazy("%(name)s%(year)s年度的一票否决事项已随其依据结案或解除而撤销：%(reason)s"),
    ),
    # Its finding's date corrected into another year.
    "moved": (
        gettext_lazy(
            "您的一票否决事项已由%(old)s年度改为%(year)s年度（检查日期已更正），%(year)s年度不能评为优秀：%(reason)s"
        ),
        gettext_lazy("%(name)s的一票否决事项已由%(old)s年度改为%(year)s年度（检查日期已更正）：%(reason)s"),
    ),
    # Its cause corrected (a sanction's kind or date, a finding's text): the words now.
    "reworded": (
        gettext_lazy("您%(year)s年度一票否决事项的依据已更正为：%(reason)s（%(effect)s）"),
        gettext_lazy("%(name)s%(year)s年度一票否决事项的依据已更正为：%(reason)s（%(effect)s）"),
    ),
}


# What a flag raised does to its year(s), one year's words and several's: a serious finding's bars
# 优秀; a sanction's does what the organisation's table gives its kind (a user test's 记过 was told
# 当年不能评为优秀 while the year was then 不确定等次).
_EFFECT_WORDS = {
    SanctionEffect.NO_EXCELLENT: (gettext_lazy("当年不能评为优秀"), gettext_lazy("各年度均不能评为优秀")),
    SanctionEffect.NOT_GRADED_UNTIL_CLOSED: (gettext_lazy("当年不确定等次"), gettext_lazy("各年度均不确定等次")),
    SanctionEffect.NOT_GRADED: (gettext_lazy("当年不确定等次"), gettext_lazy("各年度均不确定等次")),
    SanctionEffect.NOT_GRADED_TWO_YEARS: (gettext_lazy("当年不确定等次"), gettext_lazy("各年度均不确定等次")),
    SanctionEffect.INCOMPETENT: (gettext_lazy("当年确定为不称职"), gettext_lazy("各年度均确定为不称职")),
}


def _effects(flags: list[VetoFlag]) -> dict[int, str]:
    """Sanction id → its effect, by its organisation's table, for the sanction flags among ``flags``."""
    sanctions = list(
        Sanction.objects.filter(pk__in={flag.sanction_id for flag in flags if flag.sanction_id}).select_related(
            "organisation"
        )
    )
    tables = {o: sanction_rules(organisation=o) for o in {sanction.organisation for sanction in sanctions}}
    return {sanction.pk: tables[sanction.organisation][sanction.kind] for sanction in sanctions}


def _told_together(flags: list[VetoFlag], event: str) -> list[list[VetoFlag]]:
    """The flags told in one notice: a sanction's years together (a user test's 记大过 sent the
    person two notices, 2026 and 2027, and HR two more), any other flag alone; by first flag."""
    groups: dict[tuple, list[VetoFlag]] = {}
    for flag in sorted(flags, key=lambda flag: flag.pk):
        alone = event == "moved" or not flag.sanction_id
        key = (flag.person_id, "flag", flag.pk) if alone else (flag.person_id, "sanction", flag.sanction_id)
        groups.setdefault(key, []).append(flag)
    return list(groups.values())


def _tell(flags, *, event: str = "raised", old_years: dict[int, int] | None = None) -> None:
    """Tell the person and their organisation's HR of each flag raised (what it does to its year),
    lifted, removed, moved to another year or reworded, once per flag and event, a sanction's years
    in one notice. A user test found a serious finding's veto on the veto list and in the year's
    reasons alone: neither the person nor HR was told, nor of its lifting; another, of its removal
    when the finding was corrected."""
    flags = list(flags)
    if not flags:
        return
    people = {person.pk: person for person in User.objects.filter(pk__in={flag.person_id for flag in flags})}
    officers: dict[int, list[User]] = {}
    own_words, their_words = _TOLD[event]
    effects = _effects(flags) if event in ("raised", "removed", "ended", "reworded") else {}
    # A flag taken away by a correction or a deletion says why, with the reason the inspector or HR
    # stated (a user test: HR read the veto gone, and why only in the audit log it cannot open).
    why = current_reason() if event == "removed" else ""
    with in_site_language():
        for together in _told_together(flags, event):
            flag = together[0]
            person = people[flag.person_id]
            old = (old_years or {}).get(flag.pk, flag.year)
            years = sorted({each.year for each in together})
            effect = effects.get(flag.sanction_id, SanctionEffect.NO_EXCELLENT)
            values = {
                "name": person.get_full_name(),
                "year": "、".join(map(str, years)),
                "old": old,
                "reason": flag.reason,
                "effect": _EFFECT_WORDS[effect][len(years) > 1],
                # The year(s) it no longer bears on: 当年, or 各年度 for a sanction's several; and
                # what: their 评优, or their grade where the sanction's effect went further.
                "those": _("当年") if len(years) == 1 else _("各年度"),
                "matter": _("评优") if effect == SanctionEffect.NO_EXCELLENT else _("考核等次"),
            }
            own, theirs = str(own_words) % values, str(their_words) % values
            # A lifting says why too, with the reason the inspector stated (a re-test).
            stated = flag.lift_reason if event == "lifted" else why
            if stated:
                own, theirs = (text + _("（理由：%(why)s）") % {"why": stated} for text in (own, theirs))
            if person.organisation_id not in officers:
                officers[person.organisation_id] = role_holders(
                    organisation_id=person.organisation_id, roles=[Role.HR_ADMIN]
                )
            listed = f"{reverse('evaluations:veto_list')}?year={flag.year}"
            # Their own record lists the year's veto and its reason (a user test's link read nothing of it).
            mine = f"{reverse('evaluations:my_history')}#veto"
            told = [Notification(recipient=person, message=own, url=mine)]
            told = told if person.is_active else []
            told += [
                Notification(recipient=officer, message=theirs, url=listed)
                for officer in officers[person.organisation_id]
                if officer.pk != person.pk
            ]
            # One insert per notice, each told once (the key, whatever reruns the raising).
            told_flags = "+".join(str(each.pk) for each in together)
            notify_many(told, dedupe_key=f"veto-{event}-{told_flags}-{_event_key(event, flag, old)}")


def _gone_with_the_close(flag: VetoFlag, sanctions: dict, rules) -> bool:
    """Whether ``flag`` went because its sanction's case closed (结案/解除 ends the years it bars: a
    立案审查's), not because the sanction was corrected: the year would still be barred were it
    not closed."""
    sanction = sanctions.get(flag.sanction_id)
    if sanction is None or sanction.closed_on is None or sanction.person_id != flag.person_id:
        return False
    open_case = copy.copy(sanction)
    open_case.closed_on = None
    return flag.year in years_affected(open_case, rules[sanction.kind])


def flags_withdrawn(flags) -> None:
    """Tell the person and HR of the flags in force that go with their cause (an inspection or a
    finding withdrawn, a sanction deleted), before they are deleted: a user test deleted both and
    neither was told, though a correction's removal is told. Lifted flags were told of their lifting."""
    _tell([flag for flag in flags if flag.is_active], event="removed")


def _event_key(event: str, flag: VetoFlag, old: int) -> str:
    """What tells one event of a flag from another of its kind: a move's years, a rewording's words."""
    if event == "moved":
        return f"{old}-{flag.year}"
    if event == "reworded":
        return hashlib.sha256(flag.reason.encode()).hexdigest()[:16]
    return ""


def finding_reason(finding: Finding) -> str:
    return _("%(date)s纪律作风检查发现严重问题：%(text)s") % {
        "date": finding.inspection.date.strftime("%Y年%m月%d日"),
        "text": finding.description[:100],
    }


@transaction.atomic
def veto_flags_for_finding(*, finding_id: int) -> VetoFlag | None:
    """Raise the veto flag of a serious finding about a person (idempotent)."""
    finding = Finding.objects.select_related("inspection").filter(pk=finding_id).first()
    if finding is None or finding.person_id is None or finding.severity != Severity.SERIOUS:
        return None
    flag, created = VetoFlag.objects.get_or_create(
        person_id=finding.person_id,
        year=finding.inspection.date.year,
        finding=finding,
        defaults={"reason": finding_reason(finding)},
    )
    if created:
        years_changed(
            organisation=finding.inspection.organisation, years=[flag.year], actor=finding.inspection.inspector
        )
        _tell([flag])
    return flag


@transaction.atomic
def veto_flags_for_sanction(*, sanction_id: int) -> list[VetoFlag]:
    """Raise a flag for each year a sanction affects (idempotent)."""
    sanction = Sanction.objects.filter(pk=sanction_id).first()
    if sanction is None:
        return []
    effect = sanction_rules(organisation=sanction.organisation)[sanction.kind]
    flags = []
    raised = []
    for year in years_affected(sanction, effect):
        flag, created = VetoFlag.objects.get_or_create(
            person_id=sanction.person_id, year=year, sanction=sanction, defaults={"reason": sanction_event(sanction)}
        )
        flags.append(flag)
        if created:
            raised.append(year)
    years_changed(organisation=sanction.organisation, years=raised, actor=sanction.entered_by)
    _tell(flag for flag in flags if flag.year in raised)
    return flags


# Background-job kinds (accounts.jobs) that raise the flags of a new finding or sanction.
VETO_FOR_FINDING = "evaluations.veto_for_finding"
VETO_FOR_SANCTION = "evaluations.veto_for_sanction"


def finding_recorded(*, finding: Finding) -> None:
    """Call inside the transaction that saved a finding: the flag is raised once it commits.

    The job row is written in that transaction, so a broker outage neither fails the request nor
    loses the flag: the sweeper runs the pending job when the broker is back.
    """
    if finding.severity == Severity.SERIOUS and finding.person_id:
        inspection = finding.inspection
        jobs.job_request(
            kind=VETO_FOR_FINDING,
            organisation=inspection.organisation,
            params={"finding": finding.pk},
            requested_by=inspection.inspector,
        )


def sanction_recorded(*, sanction: Sanction) -> None:
    """Call inside the transaction that saved a new sanction: its flags are raised once it commits."""
    jobs.job_request(
        kind=VETO_FOR_SANCTION,
        organisation=sanction.organisation,
        params={"sanction": sanction.pk},
        requested_by=sanction.entered_by,
    )


@jobs.kind(VETO_FOR_FINDING, gettext_lazy("严重问题的一票否决标记"), "evaluations.view_veto_flags")
def run_veto_for_finding(job: Job, report: jobs.Report) -> dict:
    """The runner of :data:`VETO_FOR_FINDING` (idempotent, like the service it calls)."""
    flag = veto_flags_for_finding(finding_id=int(job.params["finding"]))
    return {"flags": 0 if flag is None else 1}


# The nightly reconciliation, one job per organisation: an organisation whose run fails is retried
# by the sweeper (and, failing every attempt, recorded failed in the audit log); it stops nobody else's.
VETO_RECONCILE = "evaluations.veto_reconcile"


@jobs.kind(VETO_RECONCILE, gettext_lazy("一票否决核对"), "evaluations.view_veto_flags")
def run_veto_reconcile(job: Job, report: jobs.Report) -> dict:
    """The runner of :data:`VETO_RECONCILE` (idempotent, like the service it calls)."""
    result = veto_reconcile(organisation=job.organisation)
    report(
        100,
        _("核对完成：新增 %(raised)d 条，移除 %(removed)d 条。") % {"raised": result.raised, "removed": result.removed},
    )
    return {"raised": result.raised, "removed": result.removed}


@jobs.kind(VETO_FOR_SANCTION, gettext_lazy("处分的一票否决标记"), "evaluations.view_veto_flags")
def run_veto_for_sanction(job: Job, report: jobs.Report) -> dict:
    """The runner of :data:`VETO_FOR_SANCTION` (idempotent, like the service it calls)."""
    return {"flags": len(veto_flags_for_sanction(sanction_id=int(job.params["sanction"])))}


@dataclass
class ReconcileResult:
    raised: int = 0
    removed: int = 0


def _flag_label(flag: VetoFlag) -> str:
    """person id/year/cause (F finding, S sanction) of a flag, for the reconciliation's audit record."""
    cause = f"F{flag.finding_id}" if flag.finding_id else f"S{flag.sanction_id}"
    return f"{flag.person_id}/{flag.year}/{cause}"


@transaction.atomic
def veto_reconcile(*, organisation: Organisation) -> ReconcileResult:
    """Re-derive every flag of the organisation's findings and sanctions.

    Missing flags are raised; flags whose cause is gone or no longer qualifies (a finding
    downgraded from 严重, a deleted sanction) are removed, except a finding's flag an inspector
    lifted, kept while the finding is about its person; a finding's flag moves with its date's year.
    Lifted flags keep their lifting.

    The flags compared are those the organisation's own inspections and sanctions raised, wherever
    the person works now: someone who moved keeps the veto of the former organisation's finding on
    their year (read and lifted in the new one, like every flag of its people). Compared with the
    flags of the organisation's present people instead, the new organisation's run removed such a
    flag (no finding of its own behind it) and the former one's raised it again, every night, its
    lifting lost; or, the other way round, the former one's run failed on the flag already there.
    """
    result = ReconcileResult()
    findings = Finding.objects.filter(
        inspection__organisation=organisation, severity=Severity.SERIOUS, person__isnull=False
    ).select_related("inspection")
    wanted: set[tuple] = set()
    for finding in findings:
        key = (finding.person_id, finding.inspection.date.year, "f", finding.pk)
        wanted.add(key)
    rules = sanction_rules(organisation=organisation)
    sanctions = list(Sanction.objects.filter(organisation=organisation))
    for sanction in sanctions:
        for year in years_affected(sanction, rules[sanction.kind]):
            wanted.add((sanction.person_id, year, "s", sanction.pk))
    existing = {}
    for flag in chain(
        VetoFlag.objects.filter(finding__inspection__organisation=organisation),
        VetoFlag.objects.filter(sanction__organisation=organisation),
    ):
        key = (
            (flag.person_id, flag.year, "f", flag.finding_id)
            if flag.finding_id
            else (flag.person_id, flag.year, "s", flag.sanction_id)
        )
        existing[key] = flag
    # A finding's flag follows its finding: to the year its date is corrected to (moved, not removed
    # and raised again). One an inspector lifted stays, lifted, while the finding is about its
    # person, whatever its severity: the lifting (a decision with its reason) is not undone, nor
    # its record lost from the list, by a severity corrected away from 严重 and back. A flag on
    # someone the finding is no longer about goes (the lifting was about the wrong person).
    wanted_for_finding = {key[3]: key for key in wanted if key[2] == "f"}
    orphans = [
        flag
        for key, flag in existing.items()
        if key not in wanted and key[2] == "f" and not flag.is_active and key[3] not in wanted_for_finding
    ]
    subjects = {
        pk: (person_id, day.year)
        for pk, person_id, day in Finding.objects.filter(pk__in=[flag.finding_id for flag in orphans]).values_list(
            "pk", "person_id", "inspection__date"
        )
    }
    kept_lifted: set[tuple] = set()
    moved: list[tuple[VetoFlag, int]] = []
    for key, flag in list(existing.items()):
        if key in wanted or key[2] != "f":
            continue
        target = wanted_for_finding.get(key[3])
        if target is None and flag in orphans and subjects.get(key[3], (None,))[0] == flag.person_id:
            target = (flag.person_id, subjects[key[3]][1], "f", key[3])
            kept_lifted.add(target)
        if target is None or target[0] != flag.person_id or target in existing:
            continue
        del existing[key]
        existing[target] = flag
        if target[1] != flag.year:
            moved.append((flag, flag.year))
            flag.year = target[1]
    wanted |= kept_lifted
    stale = [flag for key, flag in existing.items() if key not in wanted]
    missing_keys = [key for key in wanted if key not in existing]
    # Removed, raised or moved: whose years change (this organisation's, and the present one of
    # anyone who moved since).
    changed_years = {flag.year for flag in stale} | {key[1] for key in missing_keys}
    changed_years |= {year for flag, old in moved for year in (old, flag.year)}
    changed_people = {flag.person_id for flag in stale} | {key[0] for key in missing_keys}
    changed_people |= {flag.person_id for flag, _old in moved}
    sanction_by_pk = {s.pk: s for s in sanctions}
    if stale:
        result.removed = VetoFlag.objects.filter(pk__in=[flag.pk for flag in stale]).delete()[0]
        # A lifted flag's people were told of the lifting; an active one's are told it is gone: with
        # its sanction closed or ended (结案/解除), as that; else as taken away by a correction.
        active = [flag for flag in stale if flag.is_active]
        ended = {flag.pk for flag in active if _gone_with_the_close(flag, sanction_by_pk, rules)}
        _tell([flag for flag in active if flag.pk in ended], event="ended")
        _tell([flag for flag in active if flag.pk not in ended], event="removed")
    for flag, _old in moved:
        # One by one: each move is audited (with the reason of the correction that moved it).
        flag.save(update_fields=["year"])
    _tell([flag for flag, _old in moved if flag.is_active], event="moved", old_years={f.pk: old for f, old in moved})
    finding_by_pk = {f.pk: f for f in findings}

    def reason_of(kind: str, pk: int) -> str:
        return finding_reason(finding_by_pk[pk]) if kind == "f" else sanction_event(sanction_by_pk[pk])

    missing = [
        VetoFlag(
            person_id=person_id,
            year=year,
            finding_id=pk if kind == "f" else None,
            sanction_id=pk if kind == "s" else None,
            reason=reason_of(kind, pk),
        )
        for (person_id, year, kind, pk) in missing_keys
    ]
    VetoFlag.objects.bulk_create(missing)
    result.raised = len(missing)
    # A flag that stays keeps its cause's present wording (a sanction's kind reworded, its date or a
    # finding's text corrected outside the services, a sanction corrected): derived, like the flag itself.
    reworded = []
    for key, flag in existing.items():
        # A lifted flag whose finding is 严重 no more keeps the words it was lifted under.
        if key not in wanted or key in kept_lifted:
            continue
        reason = reason_of(key[2], key[3])
        if flag.reason != reason:
            flag.reason = reason
            reworded.append(flag)
    for flag in reworded:
        # One by one, as the moves: each rewording is audited old → new (with the reason of the
        # correction that caused it); a bulk update wrote none (a user test of the audit trail).
        flag.save(update_fields=["reason"])
    moved_pks = {flag.pk for flag, _old in moved}
    told_reworded = [flag for flag in reworded if flag.is_active and flag.pk not in moved_pks]
    # A sanction corrected to a heavier kind reaches a year more: told with its corrected years in
    # one notice, not a new veto beside the correction (a re-test's 记过 → 记大过 sent two).
    corrected = {flag.sanction_id for flag in told_reworded if flag.sanction_id}
    _tell([flag for flag in missing if flag.sanction_id not in corrected])
    _tell(told_reworded + [flag for flag in missing if flag.sanction_id in corrected], event="reworded")
    years_changed(organisation=organisation, years=changed_years)
    if changed_people:
        moved_to = User.objects.filter(pk__in=changed_people).exclude(organisation=organisation)
        for elsewhere in Organisation.objects.filter(pk__in=moved_to.values("organisation_id")).order_by("pk"):
            years_changed(organisation=elsewhere, years=changed_years)
    if result.raised or result.removed or reworded or moved:
        changes = {
            "raised": result.raised,
            "removed": result.removed,
            "reworded": len(reworded),
            "moved": len(moved),
            "flags_raised": ", ".join(_flag_label(flag) for flag in missing)[:2000],
        }
        record_event(**jobs.run_changes_event(organisation=organisation, label=_("一票否决核对"), changes=changes))
    return result


def lift_refusal(*, flag: VetoFlag, actor: User) -> str:
    """Why ``actor`` may not lift ``flag`` ("" when they may: ``evaluations.lift_veto_flag``, an
    inspector, not their own flag, not a sanction's). A sanction's flag follows the sanction (its
    effect on the year is the sanction's, read by the year-end from the sanction itself): HR corrects
    or deletes the sanction instead."""
    if actor.has_perm("evaluations.lift_veto_flag", flag):
        return ""
    if flag.person_id == actor.pk:
        return _("不能解除本人的一票否决，请由其他纪检督查人员处理。")
    if flag.sanction_id is not None:
        return _("处分产生的一票否决随处分执行，不能单独解除；处分有误的，请组织人事科更正或删除该处分。")
    return _("只有纪检督查人员可以解除一票否决。")


@transaction.atomic
def veto_lift(*, flag: VetoFlag, actor: User, reason: str) -> VetoFlag:
    """Lift a flag. Only a discipline inspector of the person's organisation may, with a reason;
    not their own, nor a sanction's (:func:`lift_refusal`)."""
    if not actor.has_perm("evaluations.lift_veto") or actor.organisation_id != flag.person.organisation_id:
        raise PermissionDenied(_("只有纪检督查人员可以解除一票否决。"))
    if refusal := lift_refusal(flag=flag, actor=actor):
        raise PermissionDenied(refusal)
    if not reason.strip():
        raise ValidationError({"lift_reason": _("解除一票否决须说明理由。")})
    check_length(
        reason.strip(),
        limit=VetoFlag._meta.get_field("lift_reason").max_length,
        label=_("解除理由"),
        field="lift_reason",
    )
    locked = VetoFlag.objects.select_for_update(of=("self",)).get(pk=flag.pk)
    if locked.lifted_at is not None:
        raise ValidationError(_("该否决事项已解除。"))
    locked.lifted_at = timezone.now()
    locked.lifted_by = actor
    locked.lift_reason = reason.strip()
    with audit_reason(locked.lift_reason):
        locked.save()
    years_changed(organisation=actor.organisation, years=[locked.year], actor=actor)
    _tell([locked], event="lifted")
    return locked
