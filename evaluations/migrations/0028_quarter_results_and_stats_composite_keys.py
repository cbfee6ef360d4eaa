"""The roll-up's two tables are keyed by what identifies a row: a quarter's result by (quarter,
person), a department's quarter stats by (quarter, department). Each unique index becomes the
primary key and the ``id`` column, with its own index, goes; the stats lose their foreign-key
constraints and the two indexes of their references too, as the results did in 0021 and 0025.
A first roll-up at 100 000 people wrote every one of those indexes for every row (bench/RESULTS.md).

Django does not migrate a model to a composite primary key by itself (its ``AddField`` of the key
changes nothing in the database), so :class:`KeyBy` changes the state as the three generated
operations would and the table as each database allows: PostgreSQL drops the column and turns the
constraint into the primary key under the same name (the plans still name it); SQLite copies the
table, as it does for every change of a primary key.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.migrations.operations.base import Operation


class KeyBy(Operation):
    """Make the unique constraint ``name`` over ``fields`` of ``model_name`` its primary key."""

    reversible = False

    def __init__(self, model_name: str, fields: tuple[str, str], name: str):
        self.model_name, self.fields, self.name = model_name, fields, name

    def deconstruct(self):
        return self.__class__.__name__, [self.model_name, self.fields, self.name], {}

    def state_operations(self):
        return [
            migrations.RemoveConstraint(model_name=self.model_name, name=self.name),
            migrations.RemoveField(model_name=self.model_name, name="id"),
            migrations.AddField(
                model_name=self.model_name,
                name="pk",
                field=models.CompositePrimaryKey(
                    *self.fields, blank=True, editable=False, primary_key=True, serialize=False
                ),
            ),
        ]

    def state_forwards(self, app_label, state):
        for operation in self.state_operations():
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "postgresql":
            schema_editor._remake_table(model)
            return
        table = schema_editor.quote_name(model._meta.db_table)
        columns = ", ".join(schema_editor.quote_name(model._meta.get_field(field).column) for field in self.fields)
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN id")
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {self.name}")
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {self.name} PRIMARY KEY ({columns})")

    def describe(self):
        return f"Key {self.model_name} by ({', '.join(self.fields)})"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0030_user_department_number_index"),
        ("evaluations", "0027_annual_result_without_department_index"),
    ]

    operations = [
        KeyBy("quarterresult", ("appraisal_quarter", "person"), "one_result_per_person_quarter"),
        migrations.AlterField(
            model_name="departmentquarterstats",
            name="appraisal_quarter",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="department_stats",
                to="evaluations.appraisalquarter",
            ),
        ),
        migrations.AlterField(
            model_name="departmentquarterstats",
            name="department",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.department",
            ),
        ),
        KeyBy("departmentquarterstats", ("appraisal_quarter", "department"), "one_stats_per_department_quarter"),
    ]
