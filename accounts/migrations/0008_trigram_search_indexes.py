"""Trigram indexes for the "contains" searches of the list pages, on PostgreSQL only.

The searches are ``icontains`` (``UPPER(col::text) LIKE UPPER('%q%')``), which no B-tree index
serves: at 100 000 people every search read the whole table. A GIN index of pg_trgm on the same
expression does. pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner may
create it. SQLite (the embedded default) has no such index and needs none at its sizes.
"""

from django.db import migrations

INDEXES = [
    ("accounts_user_full_name_trgm", "accounts_user", "full_name"),
    ("accounts_user_username_trgm", "accounts_user", "username"),
    ("accounts_user_employee_number_trgm", "accounts_user", "employee_number"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_policy_grading_window_and_period_lock")]

    operations = [migrations.RunPython(create, drop)]
