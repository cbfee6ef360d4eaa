"""A quarter's result is keyed by (quarter, person): its unique index becomes the primary key and the
``id`` column, with its own index, goes. A first roll-up at 100 000 people wrote both indexes for
every row it inserted; one is enough (bench/RESULTS.md).

Django does not migrate a model to a composite primary key by itself (its ``AddField`` of the key
changes nothing in the database), so one operation here changes the state as the three generated
ones would and the table as each database allows: PostgreSQL drops the column and turns the
constraint into the primary key under the same name (the plans still name it); SQLite copies the
table, as it does for every change of a primary key.
"""

from django.db import migrations, models
from django.db.migrations.operations.base import Operation

STATE = [
    migrations.RemoveConstraint(model_name="quarterresult", name="one_result_per_person_quarter"),
    migrations.RemoveField(model_name="quarterresult", name="id"),
    migrations.AddField(
        model_name="quarterresult",
        name="pk",
        field=models.CompositePrimaryKey(
            "appraisal_quarter", "person", blank=True, editable=False, primary_key=True, serialize=False
        ),
    ),
]

POSTGRESQL = [
    "ALTER TABLE evaluations_quarterresult DROP COLUMN id",
    "ALTER TABLE evaluations_quarterresult DROP CONSTRAINT one_result_per_person_quarter",
    "ALTER TABLE evaluations_quarterresult ADD CONSTRAINT one_result_per_person_quarter "
    "PRIMARY KEY (appraisal_quarter_id, person_id)",
]


class KeyQuarterResultsByQuarterAndPerson(Operation):
    reversible = False

    def state_forwards(self, app_label, state):
        for operation in STATE:
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            for sql in POSTGRESQL:
                schema_editor.execute(sql)
        else:
            schema_editor._remake_table(to_state.apps.get_model(app_label, "quarterresult"))

    def describe(self):
        return "Key quarter results by (quarter, person)"


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0027_annual_result_without_department_index"),
    ]

    operations = [KeyQuarterResultsByQuarterAndPerson()]
