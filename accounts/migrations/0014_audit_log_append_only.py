"""The audit table is append-only on PostgreSQL: a trigger refuses UPDATE and DELETE.

Two exceptions keep the database consistent without opening a way to rewrite history:
- an UPDATE that only empties ``actor_id`` / ``organisation_id`` (a deleted account or agency;
  ``actor_email`` and everything else stay) passes;
- a DELETE of an entry older than 180 days passes only inside a transaction that set
  ``appraisal.audit_purge = 'on'`` (``accounts.audit.purge_expired``, the retention job).
The trigger holds even though the application's role owns the table.
"""

from django.db import migrations

FORWARD = """
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
DROP TRIGGER IF EXISTS accounts_auditentry_append_only ON accounts_auditentry;
CREATE TRIGGER accounts_auditentry_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditentry
    FOR EACH ROW EXECUTE FUNCTION accounts_auditentry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accounts_auditentry_append_only ON accounts_auditentry;
DROP FUNCTION IF EXISTS accounts_auditentry_append_only();
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
    dependencies = [("accounts", "0013_audit_entry_event_and_result")]

    operations = [migrations.RunPython(forward, backward)]
