"""A service that names its actor (``accounts.audit.acting_as``) inside a web request: its entries
keep the request's source address, and the request's entries written after it keep their actor and
address (a user test read 系统 and no address for HR's 退回集体研究 of a welfare objection)."""

from __future__ import annotations

from auditlog.context import set_actor
from django.contrib.contenttypes.models import ContentType

from accounts.audit import acting_as, audit_context
from accounts.models import AuditEntry, Department


def test_entries_inside_and_after_an_acting_as_block_keep_the_requests_actor_and_address(hr, department):
    # As accounts.middleware.AuditContextMiddleware sets it up for a request.
    with audit_context(actor=hr, remote_addr="10.1.2.3"), set_actor(hr, remote_addr="10.1.2.3"):
        with acting_as(hr):
            department.name = "甲科"
            department.save()
        department.name = "乙科"
        department.save()
    entries = list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Department), object_pk=str(department.pk)
        ).order_by("-pk")[:2]
    )
    assert [(entry.actor, entry.remote_addr) for entry in entries] == [(hr, "10.1.2.3"), (hr, "10.1.2.3")]


def test_outside_a_request_the_actor_is_named_without_an_address(hr, department):
    with acting_as(hr):
        department.name = "丙科"
        department.save()
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Department), object_pk=str(department.pk)
    ).latest("pk")
    assert (entry.actor, entry.remote_addr) == (hr, None)
