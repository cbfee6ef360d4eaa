"""Reads of the discipline room. What grading and the year-end need from discipline (finding
counts, veto reasons, sanction effects) comes from here and nothing else (import-linter checks it).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import Count, DateField, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import periods
from accounts.models import Organisation, StaffStatus, StaffStatusKind

from .models import (
    DEFAULT_SANCTION_EFFECTS,
    EFFECT_WEIGHT,
    ComplianceAlert,
    Finding,
    Inspection,
    Sanction,
    SanctionEffect,
    SanctionKind,
    SanctionRule,
    Severity,
    VetoFlag,
)

UNTIL_CLOSED = str(SanctionEffect.NOT_GRADED_UNTIL_CLOSED)


def sanction_event(sanction: Sanction) -> str:
    """What befell the person, dated, as people say it: 2026年03月01日受到记过处分, …被免职,
    …被立案审查, …受到组织处理."""
    kind = SanctionKind(sanction.kind)
    if kind == SanctionKind.ORGANISATIONAL:
        text = _("%(date)s受到组织处理")
    elif kind in (SanctionKind.DEMOTION, SanctionKind.REMOVAL, SanctionKind.INVESTIGATION):
        text = _("%(date)s被%(kind)s")
    else:
        text = _("%(date)s受到%(kind)s处分")
    return text % {"date": sanction.decided_on.strftime("%Y年%m月%d日"), "kind": kind.label}


def sanction_rules(*, organisation: Organisation) -> dict[str, str]:
    """The organisation's table kind → effect, with the DOMAIN.md defaults where it has no row."""
    table = {str(kind): str(effect) for kind, effect in DEFAULT_SANCTION_EFFECTS.items()}
    table.update(dict(SanctionRule.objects.filter(organisation=organisation).values_list("kind", "effect")))
    return table


def years_affected(sanction: Sanction, effect: str) -> list[int]:
    year = sanction.decided_on.year
    if effect == SanctionEffect.NOT_GRADED_TWO_YEARS:
        return [year, year + 1]
    if effect == SanctionEffect.NOT_GRADED_UNTIL_CLOSED:
        # 立案审查: not graded while the case is open (DOMAIN.md §5, "until closed"), every year
        # since it began; once it is closed no year stays barred, the years it held among them:
        # they are graded then (补定等次), and whatever follows from it is a sanction of its own. A
        # review found a case closed on 10 January left the year before 不定等次 for good.
        return [] if sanction.closed_on else list(range(year, max(year, periods.today().year) + 1))
    return [year]


@dataclass(frozen=True)
class SanctionImpact:
    effect: str
    reason: str

    @property
    def label(self) -> str:
        return str(SanctionEffect(self.effect).label)


def sanction_effects(
    *, organisation: Organisation, year: int, person_id: int | None = None
) -> dict[int, SanctionImpact]:
    """person_id → the heaviest effect on ``year`` of that person's sanctions and 立案审查 status
    (three queries); with ``person_id``, that one person's only (a committee's page of one person)."""
    return {
        person: impact
        for (_organisation_id, person), impact in sanction_effects_of(
            organisation_ids=[organisation.pk], year=year, person_id=person_id
        ).items()
    }


def sanction_effects_of(
    *, organisation_ids: list[int], year: int, person_id: int | None = None
) -> dict[tuple[int, int], SanctionImpact]:
    """(organisation id, person id) → the heaviest effect on ``year`` of that person's sanctions in
    that organisation (and, for someone in it now, in a former one), and of a 立案审查 recorded as
    their special status, for many organisations at once (three queries, whatever their number; a
    fourth for a former organisation's table), or for the one person ``person_id``."""
    one = {} if person_id is None else {"person_id": person_id}
    tables: dict[int, dict[str, str]] = {}
    defaults = {str(kind): str(effect) for kind, effect in DEFAULT_SANCTION_EFFECTS.items()}
    for organisation_id, kind, effect in SanctionRule.objects.filter(organisation_id__in=organisation_ids).values_list(
        "organisation_id", "kind", "effect"
    ):
        tables.setdefault(organisation_id, dict(defaults))[kind] = effect
    result: dict[tuple[int, int], SanctionImpact] = {}

    def weigh(key: tuple[int, int], effect: str, event: str) -> None:
        current = result.get(key)
        if current is None or EFFECT_WEIGHT[effect] > EFFECT_WEIGHT[current.effect]:
            reason = _("%(sanction)s（%(effect)s）") % {"sanction": event, "effect": SanctionEffect(effect).label}
            result[key] = SanctionImpact(effect=effect, reason=reason)

    # Those of the year or the year before, and those whose effect lasts until closed (in any
    # organisation's table) still open or closed in the year or later: an investigation that began
    # years ago and is not closed keeps the person ungraded.
    lasting = {
        kind for table in (defaults, *tables.values()) for kind, effect in table.items() if effect == UNTIL_CLOSED
    }
    # Recorded by these organisations, or by a former one of a person who is in one of them now (a
    # review: a 记大过 of the former organisation left the new one's year 称职; the veto flags,
    # the person's, barred 优秀 only), each by its recording organisation's table, under the key
    # of the organisation the person's year is in.
    candidates = (
        Sanction.objects.filter(
            Q(organisation_id__in=organisation_ids) | Q(person__organisation_id__in=organisation_ids)
        )
        .filter(decided_on__year__lte=year, **one)
        .filter(
            Q(decided_on__year__gte=year - 1)
            | Q(kind__in=sorted(lasting)) & (Q(closed_on__isnull=True) | Q(closed_on__year__gte=year))
        )
        .annotate(person_organisation_id=F("person__organisation_id"))
    )
    candidates = list(candidates.order_by("decided_on", "pk"))
    if former := {s.organisation_id for s in candidates} - set(organisation_ids):
        for organisation_id, kind, effect in SanctionRule.objects.filter(organisation_id__in=former).values_list(
            "organisation_id", "kind", "effect"
        ):
            tables.setdefault(organisation_id, dict(defaults))[kind] = effect
    for sanction in candidates:
        effect = tables.get(sanction.organisation_id, defaults)[sanction.kind]
        if year in years_affected(sanction, effect):
            recorded_here = sanction.organisation_id in organisation_ids
            key = sanction.organisation_id if recorded_here else sanction.person_organisation_id
            weigh((key, sanction.person_id), effect, sanction_event(sanction))
    # 立案审查 recorded as a special status of the person (accounts) acts as the sanction of that kind
    # does, for the years from its start to its end (or to this year while it lasts).
    # Ended the year before at the earliest: a table may give 立案审查 a two years' effect.
    statuses = StaffStatus.objects.filter(
        user__organisation_id__in=organisation_ids,
        **({} if person_id is None else {"user_id": person_id}),
        kind=StaffStatusKind.UNDER_INVESTIGATION,
        start_date__year__lte=year,
    ).filter(Q(end_date__isnull=True) | Q(end_date__year__gte=year - 1))
    for organisation_id, user_id, start, end in statuses.order_by("start_date", "pk").values_list(
        "user__organisation_id", "user_id", "start_date", "end_date"
    ):
        effect = tables.get(organisation_id, defaults)[SanctionKind.INVESTIGATION]
        as_sanction = Sanction(kind=SanctionKind.INVESTIGATION, decided_on=start, closed_on=end)
        if year in years_affected(as_sanction, effect):
            event = _("%(date)s起立案审查（人员特殊状态）") % {"date": start.strftime("%Y年%m月%d日")}
            weigh((organisation_id, user_id), effect, event)
    return result


def active_veto_reasons_of(*, organisation_ids: list[int], year: int) -> dict[tuple[int, int], list[str]]:
    """(organisation id, person id) → reasons of the active veto flags on ``year`` of the people of
    many organisations (one query)."""
    reasons: dict[tuple[int, int], list[str]] = {}
    for organisation_id, person_id, reason in (
        VetoFlag.objects.filter(person__organisation_id__in=organisation_ids, year=year, lifted_at__isnull=True)
        .order_by("raised_at", "pk")
        .values_list("person__organisation_id", "person_id", "reason")
    ):
        reasons.setdefault((organisation_id, person_id), []).append(reason)
    return reasons


def active_veto_reasons(*, organisation: Organisation, year: int) -> dict[int, list[str]]:
    """person_id → reasons of the active (not lifted) veto flags on ``year`` (one query)."""
    reasons: dict[int, list[str]] = {}
    for person_id, reason in (
        VetoFlag.objects.filter(person__organisation=organisation, year=year, lifted_at__isnull=True)
        .order_by("raised_at", "pk")
        .values_list("person_id", "reason")
    ):
        reasons.setdefault(person_id, []).append(reason)
    return reasons


# How many of a person's veto flags their own record lists (a career has a handful at most).
OWN_VETO_FLAGS_SHOWN = 20


def own_veto_flags(*, person_id: int, year: int | None = None) -> list[VetoFlag]:
    """The person's veto flags (of ``year``), newest year first, lifted ones too (with why): their
    own record (我的考核记录), where the notice of a veto leads, and the person's year (考核档案)."""
    flags = VetoFlag.objects.filter(person_id=person_id, **({} if year is None else {"year": year}))
    return list(flags.order_by("-year", "-raised_at", "-pk")[:OWN_VETO_FLAGS_SHOWN])


def findings_about(*, person_ids: list[int], first_day, last_day) -> dict[int, list[Finding]]:
    """Person id → the inspection findings about them dated ``first_day``..``last_day``, by date
    (one query): what a quarter's 登记表 and the person's year show beside the grade (a user test
    read 好 on the form of a quarter with a 严重 finding, and nothing of it)."""
    found: dict[int, list[Finding]] = {}
    for finding in (
        Finding.objects.filter(person_id__in=person_ids, inspection__date__range=(first_day, last_day))
        .select_related("inspection")
        .order_by("inspection__date", "pk")
    ):
        found.setdefault(finding.person_id, []).append(finding)
    return found


def vetoed_people(*, organisation: Organisation, year: int) -> QuerySet[VetoFlag]:
    """The people with an active veto flag on ``year``, as a subquery (``person_id__in=``)."""
    return VetoFlag.objects.filter(person__organisation=organisation, year=year, lifted_at__isnull=True).values(
        "person_id"
    )


def people_vetoed_by(inspection: Inspection) -> list[str]:
    """The names of those a 严重 finding of ``inspection`` vetoes, each once, in the order of the
    findings (two findings about one person name them once)."""
    serious = inspection.findings.filter(severity=Severity.SERIOUS, person__isnull=False).select_related("person")
    return list(dict.fromkeys(finding.person.get_full_name() for finding in serious.order_by("pk")))


def people_with_active_veto_from(inspection: Inspection) -> list[str]:
    """The names of those whose veto from a finding of ``inspection`` still stands (not lifted),
    each once: what deleting the inspection takes away (a lifted one is gone already)."""
    flags = VetoFlag.objects.filter(finding__inspection=inspection, lifted_at__isnull=True).select_related("person")
    return list(dict.fromkeys(flag.person.get_full_name() for flag in flags.order_by("finding_id", "pk")))


def sanctions_for_list(*, organisation_id: int) -> QuerySet[Sanction]:
    return Sanction.objects.filter(organisation_id=organisation_id).select_related(
        "person", "person__department", "entered_by"
    )


def active_veto_count(*, organisation_id: int, year: int) -> int:
    """How many flags of ``year`` are in force in the organisation (one COUNT)."""
    return VetoFlag.objects.filter(person__organisation_id=organisation_id, year=year, lifted_at__isnull=True).count()


def veto_flags_for_list(*, organisation_id: int) -> QuerySet[VetoFlag]:
    return (
        VetoFlag.objects.filter(person__organisation_id=organisation_id)
        .select_related("person", "person__department", "lifted_by", "sanction", "finding")
        .order_by("-year", "-raised_at", "-pk")
    )


# --- Sanctions ------------------------------------------------------------------------------


def inspections_for_list(*, organisation_id: int) -> QuerySet[Inspection]:
    """The organisation's inspections with what a list row shows, in a bounded number of queries."""
    return (
        Inspection.objects.filter(organisation_id=organisation_id)
        .select_related("inspector")
        .prefetch_related("departments")
        .annotate(
            finding_count=Count("findings", distinct=True),
            serious_count=Count("findings", filter=Q(findings__severity=Severity.SERIOUS), distinct=True),
        )
        .order_by("-date", "-pk")
    )


def inspection_month_status(*, year: int, month: int, done: int, required: int | None, today: datetime.date) -> str:
    """A month's inspections (``done``) against the policy's number (``required``; None for a month
    before the organisation began in the system), as the dashboards and the year's workbook say it:
    未到期, 系统启用前, 本月进行中 (this month, short so far), 达标, 未达标."""
    if (year, month) > (today.year, today.month):
        return _("未到期")
    if required is None:
        return _("系统启用前")
    if (year, month) == (today.year, today.month) and done < required:
        return _("本月进行中")
    return _("达标") if done >= required else _("未达标")


def compliance_alert_text(alert: ComplianceAlert) -> str:
    """The sentence the home page shows for an open alert."""
    values = {"year": alert.year, "month": alert.month, "count": alert.inspections, "required": alert.required}
    if alert.inspections == 0:
        return _("%(year)d年%(month)d月未开展纪律作风检查，规定至少%(required)d次") % values
    return (
        ngettext(
            "%(year)d年%(month)d月纪律作风检查仅%(count)d次，少于规定的%(required)d次",
            "%(year)d年%(month)d月纪律作风检查仅%(count)d次，少于规定的%(required)d次",
            alert.inspections,
        )
        % values
    )


def open_compliance_alerts(*, organisation_id: int, limit: int = 12) -> list[ComplianceAlert]:
    """The organisation's alerts neither resolved nor explained, newest month first, with their
    text (one query)."""
    alerts = list(
        ComplianceAlert.objects.filter(
            organisation_id=organisation_id, resolved_at__isnull=True, explained_at__isnull=True
        ).order_by("-year", "-month")[:limit]
    )
    for alert in alerts:
        alert.text = compliance_alert_text(alert)
    return alerts


Span = tuple[datetime.date, "datetime.date | None"]


def merge_span(found: dict[int, Span], person_id: int, start: datetime.date, end: datetime.date | None) -> None:
    """Fold one case (start, end; None while open) into ``found``: the earliest start, and the
    latest end, None when any of them is still open."""
    if person_id not in found:
        found[person_id] = (start, end)
        return
    first, last = found[person_id]
    found[person_id] = (min(first, start), None if last is None or end is None else max(last, end))


def discipline_marks_of(*, person_ids, year: int, first_day: datetime.date, last_day: datetime.date) -> dict[int, dict]:
    """person_id → ``discipline`` (:func:`quarter_discipline`) and ``serious`` (serious findings) for
    those of ``person_ids`` with a veto of ``year``, a sanction or a serious finding between the two
    days (two queries, whatever their number): what a decider sees beside a grade (the tag
    ``discipline_marks``)."""
    person_ids = list(person_ids)
    if not person_ids:
        return {}
    marks: dict[int, dict] = {}
    for person_id, discipline in quarter_discipline(
        person_ids=person_ids, year=year, first_day=first_day, last_day=last_day
    ).items():
        marks.setdefault(person_id, {})["discipline"] = discipline
    for person_id, (_total, serious) in finding_counts(
        person_ids=person_ids, first_day=first_day, last_day=last_day
    ).items():
        if serious:
            marks.setdefault(person_id, {})["serious"] = serious
    return marks


def investigations_during(
    *, person_ids=None, organisation_id: int | None = None, first_day: datetime.date, last_day: datetime.date
) -> dict[int, Span]:
    """person id → (the day their 立案审查 began, the day it closed; None while open), for those of
    ``person_ids`` (or of the whole ``organisation_id``) under investigation on some day from
    ``first_day`` to ``last_day`` (recorded here, not closed before it). One query."""
    whose = {"person_id__in": list(person_ids)} if person_ids is not None else {"organisation_id": organisation_id}
    rows = (
        Sanction.objects.filter(**whose, kind=SanctionKind.INVESTIGATION, decided_on__lte=last_day)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=first_day))
        .values_list("person_id", "decided_on", "closed_on")
        .order_by("decided_on")
    )
    found: dict[int, Span] = {}
    for person_id, decided_on, closed_on in rows:
        merge_span(found, person_id, decided_on, closed_on)
    return found


@dataclass(frozen=True)
class QuarterDiscipline:
    """What a grader should see of a person's discipline in a quarter: the reasons of the active
    veto flags on its year, and the sanctions decided in it (the kind's label, the day)."""

    veto_reasons: tuple[str, ...] = ()
    # (the kind's label, the day decided, the day closed or ended — None while in force)
    sanctions: tuple[tuple[str, datetime.date, datetime.date | None], ...] = ()


def quarter_discipline(
    *, person_ids, year: int, first_day: datetime.date, last_day: datetime.date
) -> dict[int, QuarterDiscipline]:
    """person_id → :class:`QuarterDiscipline` for those of ``person_ids`` with an active veto flag on
    ``year`` or a sanction decided between two days (one query, whatever their number)."""
    person_ids = list(person_ids)
    # One query for both (the grading page reads it for every card): a flag's row has no day.
    no_day = Value(None, output_field=DateField())
    flags = VetoFlag.objects.filter(person_id__in=person_ids, year=year, lifted_at__isnull=True).values_list(
        "person_id", "reason", no_day, "pk", no_day
    )
    # With the day a case closed or the sanction ended (a user test's head read an open 立案审查).
    decided = Sanction.objects.filter(person_id__in=person_ids, decided_on__range=(first_day, last_day)).values_list(
        "person_id", "kind", "decided_on", "pk", "closed_on"
    )
    reasons: dict[int, list[str]] = {}
    sanctions: dict[int, list[tuple[str, datetime.date, datetime.date | None]]] = {}
    # Flags in the order they were raised (their ids), then sanctions by their day.
    for person_id, text, day, _pk, closed in sorted(
        flags.order_by().union(decided.order_by(), all=True), key=lambda row: (row[2] is not None, row[2] or 0, row[3])
    ):
        if day is None:
            reasons.setdefault(person_id, []).append(text)
        else:
            sanctions.setdefault(person_id, []).append((str(SanctionKind(text).label), day, closed))
    return {
        person_id: QuarterDiscipline(
            veto_reasons=tuple(reasons.get(person_id, ())), sanctions=tuple(sanctions.get(person_id, ()))
        )
        for person_id in reasons.keys() | sanctions.keys()
    }


def weighs_on_the_grade(*, year: int, first_day: datetime.date, last_day: datetime.date) -> Q:
    """A filter of rows with a ``person_id``: those whose person has what a grader's card shows in
    red for the quarter (:func:`quarter_discipline`, and a serious finding of :func:`finding_counts`):
    an active veto flag of ``year``, a sanction decided or a serious finding between the two days."""
    person = OuterRef("person_id")
    veto = VetoFlag.objects.filter(person_id=person, year=year, lifted_at__isnull=True)
    sanction = Sanction.objects.filter(person_id=person, decided_on__range=(first_day, last_day))
    serious = Finding.objects.filter(
        person_id=person, severity=Severity.SERIOUS, inspection__date__range=(first_day, last_day)
    )
    return Q(Exists(veto)) | Q(Exists(sanction)) | Q(Exists(serious))


def finding_counts(*, person_ids, first_day: datetime.date, last_day: datetime.date) -> dict[int, tuple[int, int]]:
    """person_id → (findings, serious findings) about the person between two days (one query)."""
    return {
        row["person_id"]: (row["total"], row["serious"])
        for row in Finding.objects.filter(person_id__in=person_ids, inspection__date__range=(first_day, last_day))
        .values("person_id")
        .annotate(total=Count("pk"), serious=Count("pk", filter=Q(severity=Severity.SERIOUS)))
    }


def finding_count_annotations(*, organisation_id: int, first_day: datetime.date, last_day: datetime.date) -> dict:
    """``findings`` and ``serious``: the organisation's findings about a row's ``person_id`` between
    two days, as subqueries to annotate a queryset of rows that have a ``person_id`` with (to order
    by them in SQL)."""
    found = Finding.objects.filter(
        person_id=OuterRef("person_id"),
        inspection__organisation_id=organisation_id,
        inspection__date__range=(first_day, last_day),
    )

    def counted(findings):
        return Coalesce(Subquery(findings.order_by().values("person_id").annotate(n=Count("pk")).values("n")[:1]), 0)

    return {"findings": counted(found), "serious": counted(found.filter(severity=Severity.SERIOUS))}


def people_with_findings(*, organisation_id: int, first_day: datetime.date, last_day: datetime.date) -> QuerySet:
    """The ids of the people the organisation's inspections found something about between two days
    (a subquery: ``person_id__in=`` it)."""
    return (
        Finding.objects.filter(
            inspection__organisation_id=organisation_id,
            inspection__date__range=(first_day, last_day),
            person__isnull=False,
        )
        .values("person_id")
        .distinct()
    )


def findings_digest(*, organisation_id: int, first_day: datetime.date, last_day: datetime.date) -> str:
    """A fingerprint of what the organisation's inspections found between two days (each finding,
    whom it is about, its severity and words): a finding recorded, corrected or withdrawn changes
    it. The 纪委意见 keeps the one it weighed. One query."""
    digest = hashlib.sha256()
    for row in (
        Finding.objects.filter(
            inspection__organisation_id=organisation_id, inspection__date__range=(first_day, last_day)
        )
        .order_by("pk")
        .values_list("pk", "person_id", "department_id", "severity", "description")
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()


# The audit entries of one correction are written within this of each other (one transaction).
ONE_MINUTE = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class Correction:
    """One correction of an inspection (更正, or findings withdrawn): when, who, why, and what
    changed (each field's label, with old → new where short)."""

    at: datetime.datetime
    actor: str
    reason: str
    changed: tuple[str, ...]
    # The findings withdrawn by it, by their words (as they were).
    withdrawn: tuple[str, ...] = ()


def inspection_corrections(*, inspection: Inspection) -> list[Correction]:
    """The corrections of ``inspection`` from the audit trail, with their stated reasons: its own
    changes and its findings' (a finding withdrawn is its deletion), the entries of one correction
    as one line. A user test corrected a 严重 finding to 较重 (its veto gone) and nobody but the
    auditor, who is not shown appraisal content, could read when or why. Two queries."""
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import AuditEntry

    types = ContentType.objects.get_for_models(Inspection, Finding)
    finding_ids = [str(pk) for pk in inspection.findings.values_list("pk", flat=True)]
    # Its findings withdrawn since (their deletions name the inspection): their earlier corrections
    # stay listed with the withdrawal (a re-test saw them vanish).
    withdrawn_ids = AuditEntry.objects.filter(
        content_type=types[Finding], action=AuditEntry.Action.DELETE, changes__inspection__0=str(inspection.pk)
    ).values("object_pk")
    entries = (
        AuditEntry.objects.filter(
            Q(content_type=types[Inspection], object_id=inspection.pk)
            | Q(content_type=types[Finding], object_pk__in=finding_ids)
            | Q(content_type=types[Finding], object_pk__in=withdrawn_ids),
            action__in=[AuditEntry.Action.UPDATE, AuditEntry.Action.DELETE],
        )
        .exclude(reason="")
        .select_related("actor")
        .order_by("timestamp", "pk")
    )
    fields = {model: {field.name: field for field in model._meta.concrete_fields} for model in (Inspection, Finding)}

    def said(model, name: str, values) -> str:
        """A field's change as the page says it: 严重程度：严重 → 较重 (a re-test could not tell two
        opposite corrections apart by the field's name alone); a reference or a long text by its name."""
        field = fields[model].get(name)
        if field is None:
            return name
        label = str(field.verbose_name)
        if field.is_relation or not isinstance(values, list) or len(values) != 2:
            return label
        choices = dict(field.flatchoices)
        old, new = (str(choices.get(value, value)) if value not in (None, "None") else "—" for value in values)
        if max(len(old), len(new)) > 30:
            return label
        return _("%(label)s：%(old)s → %(new)s") % {"label": label, "old": old or "—", "new": new or "—"}

    corrections: list[Correction] = []
    for entry in entries:
        model = Inspection if entry.content_type_id == types[Inspection].pk else Finding
        deleted = entry.action == AuditEntry.Action.DELETE
        withdrawn = (str((entry.changes or {}).get("description", [entry.object_repr])[0])[:60],) if deleted else ()
        changed = () if deleted else tuple(said(model, name, values) for name, values in (entry.changes or {}).items())
        actor = entry.actor.get_full_name() if entry.actor else ""
        last = corrections[-1] if corrections else None
        # The entries one correction wrote: the same author and reason, within the same minute.
        if last and (last.actor, last.reason) == (actor, entry.reason) and entry.timestamp - last.at < ONE_MINUTE:
            merged = last.changed + tuple(label for label in changed if label not in last.changed)
            corrections[-1] = Correction(last.at, actor, entry.reason, merged, last.withdrawn + withdrawn)
        else:
            corrections.append(Correction(entry.timestamp, actor, entry.reason, changed, withdrawn))
    return corrections


def vetoed_among(*, person_ids, year: int) -> set[int]:
    """Those of ``person_ids`` with a veto flag nobody lifted on ``year`` (one query)."""
    return set(
        VetoFlag.objects.filter(person_id__in=list(person_ids), year=year, lifted_at__isnull=True)
        .values_list("person_id", flat=True)
        .distinct()
    )


def has_active_veto(*, person_id: int, year: int) -> bool:
    """Whether a veto flag that nobody lifted stands on the person's year."""
    return VetoFlag.objects.filter(person_id=person_id, year=year, lifted_at__isnull=True).exists()


def latest_input_change(*, organisation: Organisation, year: int) -> datetime.datetime | None:
    """When what discipline feeds into ``year``'s suggestions last changed: a veto flag raised or
    lifted, a sanction recorded (one decided that year or before may reach it), an inspection with
    a serious finding about a person recorded. None when nothing was ever recorded. Three queries."""
    flags = VetoFlag.objects.filter(person__organisation=organisation, year=year).aggregate(
        raised=Max("raised_at"), lifted=Max("lifted_at")
    )
    sanctions = Sanction.objects.filter(organisation=organisation, decided_on__year__lte=year).aggregate(
        entered=Max("entered_at")
    )
    inspections = Inspection.objects.filter(
        organisation=organisation,
        date__year=year,
        findings__severity=Severity.SERIOUS,
        findings__person__isnull=False,
    ).aggregate(created=Max("created_at"))
    moments = [flags["raised"], flags["lifted"], sanctions["entered"], inspections["created"]]
    return max((m for m in moments if m is not None), default=None)
