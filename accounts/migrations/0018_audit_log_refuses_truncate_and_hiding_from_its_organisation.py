"""The append-only trigger of the audit table (0014) closes two more ways round it on PostgreSQL:

- an UPDATE that empties ``organisation_id`` is refused: it would hide the entry from its
  organisation's auditors (an agency with audit entries is not deleted; emptying ``actor_id``
  when an account is deleted still passes, ``actor_email`` keeps who it was);
- TRUNCATE is refused by a statement-level trigger, unless the session set
  ``appraisal.audit_truncate = 'on'`` — which only the test runner does (tests/conftest.py), because
  Django's test flush empties every table with TRUNCATE.

A role that owns the table can still disable its triggers: the application must connect as a
role that does not own it (README, "Production deployment").
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id')
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
       AND current_setting('appraisal.audit_purge', true) = 'on'
       AND OLD."timestamp" < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_setting('appraisal.audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS accounts_auditentry_no_truncate ON accounts_auditentry;
CREATE TRIGGER accounts_auditentry_no_truncate
    BEFORE TRUNCATE ON accounts_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditentry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accounts_auditentry_no_truncate ON accounts_auditentry;
CREATE OR REPLACE FUNCTION accounts_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'actor_id' - 'organisation_id') = (to_jsonb(OLD) - 'actor_id' - 'organisation_id')
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.organisation_id IS NULL OR NEW.organisation_id = OLD.organisation_id) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
       AND current_setting('appraisal.audit_purge', true) = 'on'
       AND OLD."timestamp" < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)  # no parameters: the RAISE's % is PL/pgSQL's, not a placeholder


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0017_department_post_appointments_wait_for_a_second_person")]

    operations = [migrations.RunPython(forward, backward)]
