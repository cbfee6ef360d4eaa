"""The indicator scores' and the public-welfare assessments' audit entries name their organisation
(both models are OrganisationScoped from here on). The entries written before named none, so every
auditor read them (a user test read the demo agency's scores from a new agency): each is given the
organisation of its score's grade row, or of its assessment.
The audit log is append-only (accounts 0001's trigger on PostgreSQL); this one repair of a column
the application failed to fill runs with the trigger switched off for its statement, as the table's
owner. An entry of a score deleted since stays without one: no auditor reads it
(accounts.selectors.audit_entries_for shows organisation-less entries only for events)."""

from django.db import migrations

REPAIRS = {
    "indicatorscore": """
UPDATE accounts_auditentry SET organisation_id = (
    SELECT d.organisation_id
    FROM evaluations_indicatorscore s
    JOIN evaluations_quartergrade g ON g.id = s.quarter_grade_id
    JOIN accounts_department d ON d.id = g.department_id
    WHERE CAST(s.id AS TEXT) = accounts_auditentry.object_pk
)
WHERE content_type_id = %s AND organisation_id IS NULL
""",
    "welfareassessment": """
UPDATE accounts_auditentry SET organisation_id = (
    SELECT w.organisation_id FROM evaluations_welfareassessment w WHERE CAST(w.id AS TEXT) = accounts_auditentry.object_pk
)
WHERE content_type_id = %s AND organisation_id IS NULL
""",
}


def name_the_organisation(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    postgresql = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        if postgresql:
            cursor.execute("ALTER TABLE accounts_auditentry DISABLE TRIGGER accounts_auditentry_append_only")
        for model, repair in REPAIRS.items():
            content_type = ContentType.objects.filter(app_label="evaluations", model=model).first()
            if content_type is not None:
                cursor.execute(repair, [content_type.pk])
        if postgresql:
            # The filled-in organisation's foreign-key checks are deferred to the commit; PostgreSQL
            # alters no table with checks pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE accounts_auditentry ENABLE TRIGGER accounts_auditentry_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0039_department_headship"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("evaluations", "0038_quartergrade_headed"),
    ]

    operations = [migrations.RunPython(name_the_organisation, migrations.RunPython.noop)]
