"""The rows the bench scripts fill their databases with, inserted in bulk (export, roll-up, pages).

Each bench builds a large organisation the same way: an organisation with its policy and
departments, people inserted in batches, then one row per person of each thing the measured code
reads (a grade row, a result, a document the person hands in). Django must be set up first
(``benchdb``); the models are imported where they are used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BATCH = 5000


def bulk(model, rows: Iterable, **options) -> list:
    """``rows`` of ``model`` inserted in batches of :data:`BATCH`; the objects created."""
    return model.objects.bulk_create(rows, batch_size=BATCH, **options)


def _values(fields: dict[str, Any]) -> dict[str, Any]:
    # A callable field is called once per row (a random choice), in the order the fields are given.
    return {name: value() if callable(value) else value for name, value in fields.items()}


def per_person(model, people: Iterable[tuple], *, ignore_conflicts: bool = False, **fields) -> list:
    """One ``model`` row per person of ``people`` (tuples starting with the person's pk and
    department id): ``person_id`` and ``department_id`` set, then ``fields``; a callable field is
    called for each row."""
    rows = (model(person_id=pk, department_id=dept, **_values(fields)) for pk, dept, *_ in people)
    return bulk(model, rows, ignore_conflicts=ignore_conflicts)


def owned(pk: int, dept: int, organisation) -> dict[str, Any]:
    """The fields of a document the person ``pk`` hands in (a TargetSet, a MonthlySummary): its
    owner, organisation, department and the owner's department."""
    return {"owner_id": pk, "organisation": organisation, "department_id": dept, "owner_department_id": dept}


def per_owner(model, people: Iterable[tuple], *, organisation, **fields) -> list:
    """One document per person of ``people`` (tuples starting with the person's pk and department
    id), :func:`owned` by them, then ``fields``; a callable field is called for each row."""
    return bulk(model, (model(**owned(pk, dept, organisation), **_values(fields)) for pk, dept, *_ in people))


def bench_organisation(departments: int):
    """The organisation ``bench`` (基准测试局) with its policy and ``departments`` departments
    (科室0, 科室1 …, in that order); the organisation and the departments."""
    from accounts.models import Department, Organisation, Policy

    organisation = Organisation.objects.create(code="bench", name="基准测试局")
    Policy.objects.create(organisation=organisation)
    created = Department.objects.bulk_create(
        Department(organisation=organisation, code=f"D{i}", name=f"科室{i}", sort_order=i) for i in range(departments)
    )
    return organisation, created


def add_people(
    count: int,
    *,
    organisation,
    department: Callable[[int], Any],
    username: Callable[[int], str] = lambda i: f"b{i:07d}",
    employee_number: Callable[[int], str] | None = None,
    **fields,
) -> None:
    """``count`` people 人员0, 人员1 … of ``organisation`` inserted in batches, the i-th in
    ``department(i)`` with ``username(i)`` (and ``employee_number(i)`` when given), unusable
    passwords, and ``fields``."""
    from accounts.models import User

    for start in range(0, count, BATCH):
        User.objects.bulk_create(
            User(
                username=username(i),
                full_name=f"人员{i}",
                organisation=organisation,
                department=department(i),
                password="!",
                **({"employee_number": employee_number(i)} if employee_number else {}),
                **fields,
            )
            for i in range(start, min(start + BATCH, count))
        )
