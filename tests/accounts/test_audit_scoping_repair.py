"""evaluations 0039 gives the entries written before it (no organisation) that of their
public-welfare assessment, on both engines; on PostgreSQL through the audit log's append-only
trigger, which it switches off for its statement and on again."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditEntry
from tests.factories import WelfareAssessmentFactory

pytestmark = pytest.mark.django_db

REPAIR = importlib.import_module("evaluations.migrations.0039_audit_entries_name_their_organisation")


def test_the_repair_names_the_organisation_of_an_assessments_old_entry_and_keeps_the_log_append_only():
    assessment = WelfareAssessmentFactory()
    content_type = ContentType.objects.get_for_model(type(assessment))
    # As written before the model was OrganisationScoped: the entry names no organisation.
    old = AuditEntry.objects.create(
        content_type=content_type, object_pk=str(assessment.pk), object_repr="old", action=AuditEntry.Action.UPDATE
    )
    gone = AuditEntry.objects.create(
        content_type=content_type, object_pk="99999999", object_repr="deleted since", action=AuditEntry.Action.DELETE
    )
    assert AuditEntry.objects.get(pk=old.pk).organisation_id is None
    if connection.vendor == "postgresql":
        # The migration runs in a transaction of its own; here the test's rows' checks are pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    REPAIR.name_the_organisation(apps, SimpleNamespace(connection=connection))

    assert AuditEntry.objects.get(pk=old.pk).organisation_id == assessment.organisation_id
    assert AuditEntry.objects.get(pk=gone.pk).organisation_id is None
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=old.pk).update(reason="rewritten")
