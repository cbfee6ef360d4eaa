"""The audit trail: every create/update/delete of audited models, with who, when, old → new.

django-auditlog records the changes (its middleware supplies the actor of a web
request); :class:`accounts.models.AuditEntry` adds the organisation, so each
agency's auditors see only their own trail, and the stated reason of a change.
Other apps register their models with :func:`register`.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections import defaultdict
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date

from auditlog import get_logentry_model
from auditlog.context import auditlog_value, set_actor

# django-auditlog's own update receiver, but for how it reads the row before (_log_update below);
# its private helpers are used as they are in the versions pyproject.toml allows.
from auditlog.receivers import _create_log_entry, check_disable
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models.signals import pre_save
from django.dispatch import receiver

from .models import AUDIT_RETENTION_MIN_DAYS

_reason: ContextVar[str] = ContextVar("audit_reason", default="")


def _row_before(model, pk):
    """The row an update is about to overwrite, as django-auditlog's update receiver reads it
    (``filter(pk=…).first()`` of the model's default manager), through a statement composed once
    per model (:mod:`accounts.shapes`): every audited save reads it."""
    from . import shapes

    manager = model._meta.base_manager if settings.AUDITLOG_USE_BASE_MANAGER else model._default_manager
    if not isinstance(pk, int) or isinstance(pk, bool):
        return manager.filter(pk=pk).first()
    shape = ("audit: the row before", model._meta.label_lower)
    return shapes.first(shape, lambda pk: shapes.select(manager.filter(pk=pk).order_by()[:1]), [pk], using=manager.db)


@check_disable
def _log_update(sender, instance, **kwargs) -> None:
    """django-auditlog's ``log_update`` (the entry of an update, old → new), the old row read by
    :func:`_row_before`: a department's save with its entry took 1.6–2.1 ms through auditlog's own
    receiver, 0.8–1.4 ms so (500 saves on the tests' SQLite, three runs each)."""
    if instance._state.adding or instance.pk is None:
        return
    _create_log_entry(
        action=get_logentry_model().Action.UPDATE,
        instance=instance,
        sender=sender,
        diff_old=_row_before(sender, instance.pk),
        diff_new=instance,
        fields_to_check=kwargs.get("update_fields"),
        use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
    )


# Every model registered below gets this update receiver instead of django-auditlog's own.
auditlog._signals[pre_save] = _log_update


def register(model, **options) -> None:
    """Audit a model (an :class:`OrganisationScoped` one, so its entries carry the organisation).

    Its reverse relations (another model's foreign key to it, such as a person's grades) are left
    out of the diff: django-auditlog would otherwise list each in the entry of every create and
    delete ("achievements: None → accounts.Achievement.None") and ask the database for each reverse
    one-to-one (a person's welfare post) on every save that creates a person (upstream issue
    jazzband/django-auditlog#551). Called from the apps' ``ready()``, when every model is loaded."""
    reverse = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    options["exclude_fields"] = [*(options.get("exclude_fields") or []), *reverse]
    auditlog.register(model, **options)


def record_update(old, new, *, fields, actor=None):
    """The audit entry of a change written without ``save()`` — a conditional UPDATE that claims a
    version, a ``bulk_update`` — which django-auditlog's signals never see: the same entry its save
    receiver writes (an update of ``new``, old → new of each of ``fields`` that changed, with the
    request's or :func:`acting_as`'s author and address), from the two states the writer holds.
    ``actor`` names the author where the writer knows it and no request or command does. Returns
    the entry, or None when nothing changed or the audit log is switched off."""
    from auditlog import get_logentry_model
    from auditlog.context import auditlog_disabled
    from auditlog.diff import model_instance_diff

    if auditlog_disabled.get() or type(new) not in auditlog.get_models():
        return None
    use_json = getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False)
    changes = model_instance_diff(old, new, fields_to_check=fields, use_json_for_changes=use_json)
    if not changes:
        return None
    entry_model = get_logentry_model()
    extra = {"actor": actor, "actor_email": getattr(actor, "email", None) or None} if actor is not None else {}
    return entry_model.objects.log_create(new, action=entry_model.Action.UPDATE, changes=changes, **extra)


def record_updates(changed, *, fields, actor=None) -> int:
    """:func:`record_update` for the rows of one set-based UPDATE: ``changed`` holds (old, new) pairs
    of the rows it wrote, and their entries — the same each would get from :func:`record_update`,
    with the request's or :func:`acting_as`'s author and address and the :func:`audit_reason` —
    are inserted together instead of one statement per row. Returns how many were written."""
    from auditlog import get_logentry_model
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_disabled
    from auditlog.diff import model_instance_diff
    from django.contrib.contenttypes.models import ContentType
    from django.utils.encoding import smart_str

    if auditlog_disabled.get():
        return 0
    entry_model = get_logentry_model()
    use_json = getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False)
    extra = {"actor": actor, "actor_email": getattr(actor, "email", None) or None} if actor is not None else {}
    cid = get_cid()
    entries = []
    for old, new in changed:
        if type(new) not in auditlog.get_models():
            continue
        changes = model_instance_diff(old, new, fields_to_check=fields, use_json_for_changes=use_json)
        if not changes:
            continue
        get_additional_data = getattr(new, "get_additional_data", None)
        entry = entry_model(
            content_type=ContentType.objects.get_for_model(new),
            object_pk=str(new.pk),
            object_id=new.pk if isinstance(new.pk, int) else None,
            object_repr=smart_str(new),
            action=entry_model.Action.UPDATE,
            changes=changes,
            additional_data=get_additional_data() if callable(get_additional_data) else None,
            cid=cid,
            **extra,
        )
        # What a save would have filled in: the author and address (auditlog's context), the
        # organisation and the stated reason (this module's receiver).
        pre_save.send(sender=entry_model, instance=entry, raw=False, using=entry_model.objects.db, update_fields=None)
        entries.append(entry)
    entry_model.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def register_models() -> None:
    from . import models

    register(models.Organisation)
    register(models.Department)
    register(
        models.User,
        exclude_fields=["password", "last_login", "date_joined"],
    )
    register(models.DepartmentMembership)
    register(models.StaffStatus)
    register(models.RoleAssignment)
    # The DingTalk secret is a token already; masked all the same, so the trail never holds it whole.
    # past_deadline_days follows from the deadline days' own audited changes (policy_update): its JSON
    # would only repeat them, unreadably.
    register(
        models.Policy,
        exclude_fields=["updated_at", "past_deadline_days"],
        mask_fields=["dingtalk_secret_encrypted"],
    )
    register(models.WorkingDayOverride, exclude_fields=["created_at"])
    register(models.PeriodLock)
    register(models.PendingRoleChange)
    register(models.PendingPasswordReset)


# Objects the trail names only in events (``record_event(obj=...)``), never in a change entry: the
# background job of an export or a run, the year-end workbook downloaded.
EVENT_OBJECT_MODELS = ("accounts.job", "publicity.yearworkbook")
# 安全设置: the policy's entries that change only the security administrator's settings
# (AuditEntry.is_security_settings), a kind of their own on the page and in its filter.
SECURITY_SETTINGS_KIND = "security"


def object_models() -> list:
    """Every model the trail writes entries about: the audited ones (:func:`register`) and the
    objects of events (:data:`EVENT_OBJECT_MODELS`)."""
    return [*auditlog.get_models(), *(apps.get_model(label) for label in EVENT_OBJECT_MODELS)]


def object_kinds() -> list[tuple[str, str]]:
    """The audit page's 对象类型 choices, (value, label) by label: a content type's id per model
    of :func:`object_models` (its kind as the 对象 column names it) and 安全设置. No query once the
    content types are cached."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils.translation import gettext

    content_types = ContentType.objects.get_for_models(*object_models()).values()
    kinds = [(str(content_type.pk), str(content_type.name)) for content_type in content_types]
    kinds.append((SECURITY_SETTINGS_KIND, gettext("安全设置")))
    return sorted(kinds, key=lambda kind: kind[1])


def object_kind_filter(value: str):
    """The entries of one :func:`object_kinds` choice: 安全设置, or a content type's — the
    policy's without its 安全设置 ones, as the 对象 column reads them."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from .models import Policy

    policy = ContentType.objects.get_for_model(Policy)
    others = [
        field.name
        for field in Policy._meta.concrete_fields
        if field.name not in Policy.SECURITY_SETTINGS_FIELDS and not field.primary_key
    ]
    security = (
        Q(content_type=policy)
        & Q(changes__has_any_keys=list(Policy.SECURITY_SETTINGS_FIELDS))
        & ~Q(changes__has_any_keys=others)
    )
    if value == SECURITY_SETTINGS_KIND:
        return security
    if value == str(policy.pk):
        return Q(content_type=policy) & ~security
    return Q(content_type_id=int(value))


def _parse_address(text: str):
    text = text.strip()
    if text.startswith("["):  # [v6]:port
        text = text[1:].split("]")[0]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted_networks() -> list:
    networks = []
    for item in getattr(settings, "TRUSTED_PROXIES", []) or []:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            continue
    return networks


def _is_trusted(address, networks) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def source_address(request) -> str | None:
    """The address a request came from, as the audit trail records it.

    The connection's address (``REMOTE_ADDR``), unless that connection is a proxy named in
    ``settings.TRUSTED_PROXIES``: then the right-most ``X-Forwarded-For`` entry that is not itself
    a trusted proxy. A client cannot choose its recorded address by writing the header itself.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _trusted_networks()
    address = _parse_address(remote or "")
    if address is None or not networks or not _is_trusted(address, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for item in reversed([part for part in forwarded.split(",") if part.strip()]):
        hop = _parse_address(item)
        if hop is None:
            return remote
        if not _is_trusted(hop, networks):
            return str(hop)
    return remote


@contextlib.contextmanager
def _holding(var: ContextVar[str], value: str) -> Iterator[None]:
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


def audit_reason(reason: str) -> contextlib.AbstractContextManager[None]:
    """Attach a stated reason to every audit entry written inside the block."""
    return _holding(_reason, reason)


# Where the changes written now come from: a background job's run (accounts.jobs), so its entries do
# not read as made by hand by whoever asked for it (a user test of the audit trail). Kept beside the
# actor (``AuditEntry.source``), not as a reason: notices quoting the stated reason ignore it.
_source: ContextVar[str] = ContextVar("audit_source", default="")


def audit_source(source: str) -> contextlib.AbstractContextManager[None]:
    """Record ``source`` on every audit entry written inside the block (``AuditEntry.source``)."""
    return _holding(_source, source)


def current_reason() -> str:
    """The reason :func:`audit_reason` attached to the block running now ("" outside one): what a
    notification of the change can quote (a veto withdrawn by a correction, with its reason)."""
    return _reason.get()


@contextlib.contextmanager
def acting_as(actor) -> Iterator[None]:
    """Record ``actor`` as the author of changes made outside a web request (commands, tasks), or
    by a service that names its actor inside one: there the request's source address stays on the
    entries, and once the block ends the request's own context is back. (django-auditlog's
    ``set_actor`` leaves its context set after the block, and the request's entries written after
    it had neither actor nor address: a user test read 系统 for HR's 退回集体研究.)"""
    previous = auditlog_value.get(None)
    address = _context_address()
    try:
        with set_actor(actor, remote_addr=address), audit_context(actor=actor, remote_addr=address):
            yield
    finally:
        if previous is not None:
            auditlog_value.set(previous)


@receiver(pre_save, sender="accounts.AuditEntry")
def _fill_organisation_and_reason(sender, instance, **kwargs) -> None:
    if instance.organisation_id is None and instance.additional_data:
        instance.organisation_id = instance.additional_data.get("organisation_id")
    if not instance.reason:
        instance.reason = _reason.get()
    if (source := _source.get()) and instance.pk is None:
        # Beside the actor, not as a reason: a reason on appraisal content is not shown to the auditor.
        instance.additional_data = {**(instance.additional_data or {}), "source": source}
    if instance.pk is None and instance.action == instance.Action.DELETE:
        _keep_deleted_object_name(instance)


def _keep_deleted_object_name(entry) -> None:
    """Record on a deletion's entry the name its object goes by on the page (AUDIT_OBJECT_NAMES: the
    person, department or ballot and the period of appraisal content), read now from the values the
    entry holds and the rows they point to: once the row is gone it cannot be read from it, and the
    deletion would read "特殊状态 #5" where its creation read "特殊状态：覃怡静"."""
    from .models import AUDIT_OBJECT_NAMES

    key = f"{entry.content_type.app_label}.{entry.content_type.model}"
    spec = AUDIT_OBJECT_NAMES.get(key)
    model = entry.content_type.model_class()
    if spec is None or model is None or not entry.holds_appraisal_content:
        return
    held = {name: (list(values) + [None])[0] for name, values in (entry.changes_dict or {}).items()}
    found = {}
    for path in _spec_paths(spec):
        head, _sep, rest = path.partition("__")
        value = held.get(head)
        if value in (None, "", "None"):
            continue
        if rest:
            try:
                related = model._meta.get_field(head).related_model
            except FieldDoesNotExist:
                continue
            if related is None:
                # A date's part (a sanction's decided_on__year): from the date the entry holds.
                value = _date_part(value, rest)
                if value is None:
                    continue
            elif not str(value).isdigit():
                continue
            else:
                value = related._default_manager.filter(pk=int(value)).values_list(rest, flat=True).first()
        found[path] = value
    name = _spec_name(spec, found)
    if name:
        entry.additional_data = {**(entry.additional_data or {}), "object_name": name}


def _date_part(value, part: str) -> int | None:
    """``part`` (year, month) of an ISO date an entry holds as text, or None."""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return getattr(day, part, None) if part in ("year", "month") else None


def prefetch_related_labels(entries) -> None:
    """Resolve the foreign-key values shown in a page of entries with one query per related model."""
    wanted: dict = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        if model is None:
            continue
        for name, values in (entry.changes_dict or {}).items():
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_one or field.one_to_one:
                wanted[field.related_model].update(str(v) for v in values if str(v).isdigit())
    labels = {}
    for model, pks in wanted.items():
        # A name is often made of a related row's (a ballot's subject is its person's name): read
        # with it, not one query per row.
        related = [f.name for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]
        for obj in model._default_manager.filter(pk__in=[int(pk) for pk in pks]).select_related(*related):
            labels[(model, str(obj.pk))] = str(obj)
    for entry in entries:
        entry.related_labels = labels
    _prefetch_object_names(entries)
    names = value_names(entries)
    for entry in entries:
        entry.prefetched_value_names = names


def _named_ids(entry) -> Iterator[tuple[str, str]]:
    """(key, id) of each value of an entry that names a record by its id (AUDIT_VALUE_OBJECTS): in a
    job's parameters and summary, in the URL arguments and the query of an export job, in the
    filters of an export."""
    import json
    from urllib.parse import parse_qsl

    from .models import Job

    changes = entry.changes_dict or {}

    def of_query(query) -> Iterator[tuple[str, str]]:
        yield from parse_qsl(str(query or ""))

    if entry.event and changes.get("filters"):
        # An event's detail is held as ["", value] (event_entry).
        yield from of_query(changes["filters"][-1])
    if entry.content_type.model_class() is not Job:
        return
    for name in ("params", "summary"):
        for value in changes.get(name) or []:
            try:
                values = json.loads(str(value))
            except ValueError:
                continue
            if not isinstance(values, dict):
                continue
            for key, item in values.items():
                if key == "query":
                    yield from of_query(item)
                elif isinstance(item, dict):
                    yield from ((part, str(each)) for part, each in item.items())
                else:
                    yield key, str(item)


def value_names(entries) -> dict[tuple[str, str], str]:
    """{(model key, id): name} of the records the entries' job values and export filters name by id
    (AUDIT_VALUE_OBJECTS), one query per kind of record: a quarter as 2026年第4季度, a department by
    its name, a finding by its person and month as its own entries name it; and the 对象类型 an
    export of the audit log was filtered by, under ("content_type", its value)."""
    from .models import AUDIT_OBJECT_NAMES, AUDIT_VALUE_OBJECTS

    wanted: dict = defaultdict(set)
    names: dict[tuple[str, str], str] = {}
    for entry in entries:
        for key, value in _named_ids(entry):
            # Only an entry of an organisation names records, and only that organisation's: an export's
            # filters are what was typed in the address, any id (an auditor must not learn another
            # agency's findings by exporting with their ids).
            if key in AUDIT_VALUE_OBJECTS and str(value).isdigit() and entry.organisation_id:
                wanted[(AUDIT_VALUE_OBJECTS[key], entry.organisation_id)].add(int(value))
            elif key == "content_type":
                # The audit page's own 对象类型 filter: its choice's label (no query once cached).
                names[("content_type", value)] = dict(object_kinds()).get(value, value)
    for (key, organisation_id), pks in wanted.items():
        names.update(_names_of(key, AUDIT_OBJECT_NAMES[key], pks, organisation_id=organisation_id))
    return names


def _spec_paths(spec) -> list[str]:
    return [*spec.get("name", ()), *(spec[p] for p in ("year", "quarter", "month", "week") if p in spec)]


def _spec_name(spec, found: dict) -> str:
    """An AUDIT_OBJECT_NAMES name from the values of its paths: the names joined, then the period."""
    words = [str(found[path]) for path in spec.get("name", ()) if found.get(path) not in (None, "")]
    period = _period_text(*(found.get(spec.get(part)) for part in ("year", "quarter", "month", "week")))
    return " ".join(filter(None, [" · ".join(words), period]))


def _names_of(key: str, spec, pks, *, organisation_id: int | None = None) -> dict[tuple[str, str], str]:
    """The rows' names; with ``organisation_id``, only of rows of that organisation (ids that came
    from what someone typed, not from the entries' own objects)."""
    parts = _spec_paths(spec)
    model = apps.get_model(key)
    rows = model._default_manager.filter(pk__in=pks)
    if organisation_id is not None:
        # The row's path to its organisation, as its audit entries are scoped (OrganisationScoped).
        rows = rows.filter(
            **{getattr(model, "organisation_attr", "organisation_id").replace(".", "__"): organisation_id}
        )
    return {
        (key, str(pk)): _spec_name(spec, dict(zip(parts, values, strict=True)))
        for pk, *values in rows.values_list("pk", *parts)
    }


def _period_text(year, quarter=None, month=None, week=None) -> str:
    from django.utils.translation import gettext

    if year is None:
        return ""
    if week:
        return gettext("%(year)s年第%(week)s周") % {"year": year, "week": week}
    if quarter:
        return gettext("%(year)s年第%(quarter)s季度") % {"year": year, "quarter": quarter}
    if month:
        return gettext("%(year)s年%(month)s月") % {"year": year, "month": month}
    return gettext("%(year)s年度") % {"year": year}


def _prefetch_object_names(entries) -> None:
    """``entry.object_name`` for the page's entries of appraisal content (AUDIT_OBJECT_NAMES): the
    person, department or ballot and the period each is about, one query per kind of object on
    the page, whatever the number of rows."""
    from .models import AUDIT_OBJECT_NAMES

    wanted: dict = defaultdict(set)
    for entry in entries:
        key = f"{entry.content_type.app_label}.{entry.content_type.model}"
        if key in AUDIT_OBJECT_NAMES and entry.holds_appraisal_content and str(entry.object_pk).isdigit():
            wanted[key].add(int(entry.object_pk))
    names: dict[tuple[str, str], str] = {}
    for key, pks in wanted.items():
        names.update(_names_of(key, AUDIT_OBJECT_NAMES[key], pks))
    names.update(_names_at_deletion(entries, wanted, names))
    for entry in entries:
        key = f"{entry.content_type.app_label}.{entry.content_type.model}"
        entry.object_name = names.get((key, str(entry.object_pk)), "")


def _names_at_deletion(entries, wanted, names) -> dict[tuple[str, str], str]:
    """The names of the page's objects deleted since, as their deletion's entry recorded them
    (:func:`_keep_deleted_object_name`): the earlier entries of a deleted object keep its name. One
    query, only when the page has such objects."""
    from django.db.models import Q

    from .models import AuditEntry

    gone = {
        (entry.content_type_id, str(entry.object_pk))
        for entry in entries
        if str(entry.object_pk).isdigit()
        and (key := f"{entry.content_type.app_label}.{entry.content_type.model}") in wanted
        and (key, str(entry.object_pk)) not in names
    }
    if not gone:
        return {}
    by_kind: dict = defaultdict(set)
    for content_type_id, pk in gone:
        by_kind[content_type_id].add(pk)
    scope = Q()
    for content_type_id, pks in by_kind.items():
        scope |= Q(content_type_id=content_type_id, object_pk__in=pks)
    found = {}
    deletions = AuditEntry.objects.filter(scope, action=AuditEntry.Action.DELETE).select_related("content_type")
    for deletion in deletions.only("content_type", "object_pk", "additional_data"):
        name = (deletion.additional_data or {}).get("object_name")
        if name:
            key = f"{deletion.content_type.app_label}.{deletion.content_type.model}"
            found[(key, str(deletion.object_pk))] = str(name)
    return found


# --- Events that are not a change of a record: sign-in, exports, job runs ------------------------

RETENTION_MIN_DAYS = AUDIT_RETENTION_MIN_DAYS  # the name the purge command knows


# The actor and source address of the request or command being served; auditlog's own context
# variable outlives its block, so the trail keeps one that is reset when the block ends.
_context: ContextVar[dict | None] = ContextVar("audit_context", default=None)


@contextlib.contextmanager
def audit_context(*, actor=None, remote_addr: str | None = None) -> Iterator[None]:
    token = _context.set({"actor": actor, "remote_addr": remote_addr})
    try:
        yield
    finally:
        _context.reset(token)


def _context_address() -> str | None:
    return (_context.get() or {}).get("remote_addr")


def _context_actor():
    return (_context.get() or {}).get("actor")


def record_event(**fields):
    """One audit entry for an event (sign-in, export, download, job run…): time, account, action,
    object, result and source address; ``fields`` are :func:`event_entry`'s. Returns the saved entry
    (None while the audit log is switched off)."""
    entry = event_entry(**fields)
    if entry is not None:
        entry.save()
    return entry


def record_events(entries) -> None:
    """Many entries of :func:`event_entry` in one statement (a roll-up's one entry per organisation:
    401 single inserts cost a province's first year roll-up 1.7 s)."""
    from .models import AuditEntry

    AuditEntry.objects.bulk_create([entry for entry in entries if entry is not None])


def event_entry(
    *,
    event: str,
    obj=None,
    actor=None,
    request=None,
    result: str = "success",
    label: str = "",
    detail: dict | None = None,
    organisation_id: int | None = None,
):
    """The entry :func:`record_event` saves, unsaved (None while the audit log is switched off).
    ``obj`` is the record concerned (the account for a sign-in); ``label`` names it when there is none
    (the user name tried in a failed sign-in)."""
    from auditlog.context import auditlog_disabled
    from django.contrib.contenttypes.models import ContentType

    from .models import AuditEntry, User

    if auditlog_disabled.get():  # the demo's seeding, like auditlog's own entries
        return None
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
    if actor is None:
        actor = _context_actor()
    if actor is not None and not isinstance(actor, User):
        actor = None
    address = source_address(request) if request is not None else _context_address()
    target = obj if obj is not None else actor
    if organisation_id is None:
        for candidate in (target, actor):
            organisation_id = getattr(candidate, "organisation_id", None)
            if organisation_id:
                break
    content_type = ContentType.objects.get_for_model(target if target is not None else User)
    return AuditEntry(
        content_type=content_type,
        object_pk=str(target.pk) if target is not None else "",
        object_id=target.pk if target is not None and isinstance(target.pk, int) else None,
        object_repr=(label or str(target) if target is not None else label)[:500],
        action=AuditEntry.Action.ACCESS,
        event=event,
        result=result,
        actor=actor,
        actor_email=getattr(actor, "email", None) or None,
        remote_addr=address,
        organisation_id=organisation_id,
        changes={key: ["", str(value)] for key, value in (detail or {}).items()} or None,
    )


def retention_days(*, days: int | None = None) -> dict[int | None, int]:
    """How many days each organisation keeps its audit entries: its policy's
    ``audit_retention_days`` (the security administrator's setting, never below 180), raised to the
    deployment's ``AUDIT_RETENTION_DAYS`` and to ``days`` when given. Entries without an
    organisation (``None``) are kept as long as the longest of them."""
    from django.conf import settings

    from .models import Organisation, Policy

    floor = max(RETENTION_MIN_DAYS, getattr(settings, "AUDIT_RETENTION_DAYS", 0), days or 0)
    policies = dict(Policy.objects.values_list("organisation_id", "audit_retention_days"))
    retention: dict[int | None, int] = {
        pk: max(floor, policies.get(pk, 0)) for pk in Organisation.objects.values_list("pk", flat=True)
    }
    retention[None] = max([floor, *retention.values()])
    return retention


def purge_expired(*, days: int | None = None) -> int:
    """Delete audit entries older than their organisation's retention (:func:`retention_days`:
    the policy's, at least :data:`RETENTION_MIN_DAYS`; ``days`` can only lengthen it); the number deleted.

    On PostgreSQL the delete passes the append-only trigger only through this path (a transaction-local
    ``appraisal.audit_purge`` setting, and the trigger itself refuses anything younger than 180 days).
    """
    import datetime

    from django.core.exceptions import ValidationError
    from django.db import connection, transaction
    from django.db.models import Q
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .models import AuditEntry

    if days is not None and days < RETENTION_MIN_DAYS:
        raise ValidationError(_("审计记录至少保存%(days)d天。") % {"days": RETENTION_MIN_DAYS})
    now = timezone.now()
    by_days: dict[int, list[int | None]] = defaultdict(list)
    for organisation_id, kept in retention_days(days=days).items():
        by_days[kept].append(organisation_id)
    expired = Q()
    for kept, organisation_ids in by_days.items():
        scope = Q(organisation_id__in=[pk for pk in organisation_ids if pk is not None])
        if None in organisation_ids:
            scope |= Q(organisation_id__isnull=True)
        expired |= scope & Q(timestamp__lt=now - datetime.timedelta(days=kept))
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('appraisal.audit_purge', 'on', true)")
        deleted, _counts = AuditEntry.objects.filter(expired).delete()
        if postgres:
            # Off again at once: inside an outer transaction the setting would otherwise outlive the
            # purge (a failed delete rolls the savepoint back, and the setting with it).
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('appraisal.audit_purge', 'off', true)")
    if deleted:
        kept = sorted(by_days)
        detail = {"deleted": deleted, "days": kept[0] if len(kept) == 1 else kept}
        record_event(event="purge", label=str(now.date()), detail=detail)
    return deleted


def _on_login(sender, request, user, **kwargs) -> None:
    record_event(event="login", obj=user, actor=user, request=request)


def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_event(event="logout", obj=user, actor=user, request=request)


def _tried_account(username: str):
    # Names are unique per organisation: a name several agencies use names no one account; the
    # lockout's own key (``<organisation code>/<name>``) names one.
    from .lockout import person_counted_as

    return person_counted_as(username)


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username") or "")[:150]
    account = _tried_account(username)
    record_event(
        event="login_failed", obj=account, actor=None, request=request, result="failure", label=username or "—"
    )


def _on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    account = _tried_account(str(username or ""))
    record_event(
        event="lockout", obj=account, actor=None, request=request, result="failure", label=str(username or "—")
    )


def _on_user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    # AbstractBaseUser.save() keeps the new raw password in ``_password`` until after the save.
    if raw or created or getattr(instance, "_password", None) is None:
        return
    actor = _context_actor()
    # A password set for the person by someone else (accounts.services._password_set_by_another)
    # is a reset even when no signed-in person acts: an operator's break-glass command.
    set_by_another = instance.__dict__.pop("password_set_by_another", False)
    own = not set_by_another and (actor is None or getattr(actor, "pk", None) == instance.pk)
    record_event(event="password_change" if own else "password_reset", obj=instance, actor=actor)


def connect_signals() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from django.db.models.signals import post_save

    user_logged_in.connect(_on_login, dispatch_uid="audit_login")
    user_logged_out.connect(_on_logout, dispatch_uid="audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="audit_locked_out")
    post_save.connect(_on_user_saved, sender="accounts.User", dispatch_uid="audit_password")


EXPORT_MAX_ROWS = 100_000


def export_headers() -> list[str]:
    from django.utils.translation import gettext as _

    return [_("时间"), _("操作人"), _("操作"), _("对象"), _("结果"), _("地址"), _("内容"), _("原因")]


def export_row(entry) -> list:
    """One entry as the auditor's export writes it (accounts.lists): the time, then text."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    changes = "；".join(f"{label}：{text}" for label, text in entry.auditor_changes)
    actor = entry.actor.get_full_name() if entry.actor else (entry.actor_email or _("系统"))
    if entry.source:
        actor = f"{actor}（{entry.source}）"
    return [
        # Whole seconds: the log is read to the second, and Excel shows no more.
        timezone.localtime(entry.timestamp).replace(microsecond=0),
        actor,
        entry.action_label,
        entry.auditor_object_text,
        entry.get_result_display() if entry.result else "",
        entry.remote_addr or "",
        changes,
        entry.auditor_reason,
    ]
