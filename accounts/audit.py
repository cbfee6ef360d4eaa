"""The audit trail: every create/update/delete of audited models, with who, when, old → new.

django-auditlog records the changes (its middleware supplies the actor of a web
request); :class:`accounts.models.AuditEntry` adds the organisation, so each
agency's auditors see only their own trail, and the stated reason of a change.
Other apps register their models with :func:`register`.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from contextvars import ContextVar

from auditlog.context import set_actor
from auditlog.registry import auditlog
from django.core.exceptions import FieldDoesNotExist
from django.db.models.signals import pre_save
from django.dispatch import receiver

_reason: ContextVar[str] = ContextVar("audit_reason", default="")


def register(model, **options) -> None:
    """Audit a model (an :class:`OrganisationScoped` one, so its entries carry the organisation)."""
    auditlog.register(model, **options)


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
    register(models.Policy, exclude_fields=["updated_at"])
    register(models.WorkingDayOverride, exclude_fields=["created_at"])
    register(models.PeriodLock)
    register(models.PendingRoleChange)
    register(models.PendingPasswordReset)


@contextlib.contextmanager
def audit_reason(reason: str) -> Iterator[None]:
    """Attach a stated reason to every audit entry written inside the block."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


@contextlib.contextmanager
def acting_as(actor) -> Iterator[None]:
    """Record ``actor`` as the author of changes made outside a web request (commands, tasks)."""
    with set_actor(actor):
        yield


@receiver(pre_save, sender="accounts.AuditEntry")
def _fill_organisation_and_reason(sender, instance, **kwargs) -> None:
    if instance.organisation_id is None and instance.additional_data:
        instance.organisation_id = instance.additional_data.get("organisation_id")
    if not instance.reason:
        instance.reason = _reason.get()


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
        for obj in model._default_manager.filter(pk__in=[int(pk) for pk in pks]):
            labels[(model, str(obj.pk))] = str(obj)
    for entry in entries:
        entry.related_labels = labels
