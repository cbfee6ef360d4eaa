"""Every app's migrations are one squash (2026-12-04): a database that applied the whole old chain
takes it as applied; one that stopped part-way is refused with a message before ``migrate`` starts,
not with Django's ValueError of a model it cannot resolve."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from accounts.checks import squashed_migrations_check

pytestmark = pytest.mark.django_db

APPS = ["accounts", "targets", "summaries", "evaluations", "publicity"]


def squashes() -> dict[str, object]:
    loader = MigrationLoader(None)
    return {app: migration for (app, _name), migration in loader.replacements.items() if app in APPS}


def test_each_app_starts_from_one_squash_that_replaces_the_old_chain():
    loader = MigrationLoader(None)
    for app in APPS:
        names = sorted(name for (label, name) in loader.disk_migrations if label == app)
        assert names[0].startswith("0001_squashed_"), names
        # Migrations written since follow the squash, numbered after the chain it replaced.
        replaced = max(name for _app, name in loader.disk_migrations[(app, names[0])].replaces)
        assert all(name > replaced for name in names[1:]), names
    replaced = {app: len(migration.replaces) for app, migration in squashes().items()}
    assert replaced == {"accounts": 31, "targets": 6, "summaries": 7, "evaluations": 31, "publicity": 8}


def test_a_database_that_applied_the_whole_old_chain_takes_the_squash_as_applied():
    recorder = MigrationRecorder(connection)
    squashed = {app: migration.name for app, migration in squashes().items()}
    recorder.migration_qs.filter(app__in=APPS, name__in=squashed.values()).delete()
    assert squashed_migrations_check(databases=["default"]) == []

    call_command("migrate", verbosity=0, skip_checks=False)

    applied = set(recorder.applied_migrations())
    assert all((app, name) in applied for app, name in squashed.items())


def test_a_database_part_way_through_the_old_chain_is_refused_with_what_to_do():
    recorder = MigrationRecorder(connection)
    squash = squashes()["evaluations"]
    later = [name for _app, name in squash.replaces if name >= "0021"]
    recorder.migration_qs.filter(app="evaluations", name__in=later + [squash.name]).delete()

    errors = squashed_migrations_check(databases=["default"])

    assert [error.id for error in errors] == ["accounts.E001"]
    assert "evaluations migration 0020_annual_rollup_run_and_fewer_result_indexes" in errors[0].msg
    assert "64abbfb" in errors[0].hint
    # As ``manage.py migrate`` runs it (call_command skips the checks unless told).
    with pytest.raises(SystemCheckError, match="accounts.E001"):
        call_command("migrate", verbosity=0, skip_checks=False)
