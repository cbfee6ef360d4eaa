"""tests/support/built_once.py: the browser tests' demo rows, built once per run and restored for later
tests. A restore gives the same rows with the same ids, and only onto the database they were built on."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Organisation
from tests.factories import OrganisationFactory
from tests.support.built_once import built_once

# What is restored is the test database SQLite keeps in memory (elsewhere built_once just builds).
pytestmark = pytest.mark.one_database


@pytest.fixture(autouse=True)
def _in_memory_sqlite(transactional_db):
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        pytest.skip("about the in-memory SQLite test database")


def _emptied() -> None:
    """What happens between two transactional tests."""
    call_command("flush", interactive=False, verbosity=0)


def test_rows_built_for_one_test_are_restored_for_the_next_without_building_again(transactional_db):
    key, built = f"one organisation {uuid.uuid4()}", []

    def build():
        built.append(1)
        return OrganisationFactory(code="once", name="只建一次局")

    first = built_once(key, build)
    _emptied()
    assert not Organisation.objects.exists()

    again = built_once(key, build)
    assert built == [1]
    assert (again.pk, again.name) == (first.pk, "只建一次局")
    assert list(Organisation.objects.values_list("code", flat=True)) == ["once"]


def test_a_step_is_built_again_when_the_rows_under_it_changed(transactional_db):
    base, step, built = f"base {uuid.uuid4()}", f"step {uuid.uuid4()}", []
    built_once(base, lambda: OrganisationFactory(code="base"))
    built_once(step, lambda: built.append(OrganisationFactory(code="step")), on=base)
    _emptied()

    built_once(base, lambda: OrganisationFactory(code="base"))
    OrganisationFactory(code="changed")  # written after the base, before the step
    built_once(step, lambda: built.append(OrganisationFactory(code="step")), on=base)
    assert len(built) == 2
    assert sorted(Organisation.objects.values_list("code", flat=True)) == ["base", "changed", "step"]


def test_rows_are_not_restored_over_rows_a_test_wrote_before(transactional_db):
    key = f"one organisation {uuid.uuid4()}"
    built_once(key, lambda: OrganisationFactory(code="once"))
    _emptied()

    OrganisationFactory(code="mine")
    built_once(key, lambda: OrganisationFactory(code="once"))
    assert sorted(Organisation.objects.values_list("code", flat=True)) == ["mine", "once"]
