"""accounts.shapes: a statement composed once per shape answers, with other values, what the ORM
composing it afresh answers; a statement that has no one shape is refused rather than run wrong."""

import pytest
from django.db import connection
from django.db.models import Count, Q

from accounts import shapes
from accounts.models import User
from tests.factories import DepartmentFactory, UserFactory


def _run(sql_params):
    with connection.cursor() as cursor:
        cursor.execute(*sql_params)
        return sorted(cursor.fetchall()) if cursor.description else cursor.rowcount


def _per_department(*departments):
    return shapes.select(
        User.objects.filter(department_id__in=departments)
        .values("department_id")
        .annotate(people=Count("pk"), named=Count("pk", filter=Q(full_name="甲")))
        .order_by()
    )


@pytest.fixture
def three_departments(organisation):
    departments = [DepartmentFactory(organisation=organisation, name=f"科{n}") for n in range(3)]
    for size, department in zip((1, 2, 3), departments, strict=True):
        UserFactory.create_batch(size, department=department)
    UserFactory(department=departments[2], full_name="甲")
    return departments


def test_a_shape_composed_once_counts_other_departments_as_the_orm_does(three_departments):
    built = []

    def build(*departments):
        built.append(departments)
        return _per_department(*departments)

    first, second, third = (d.pk for d in three_departments)
    for ids in ((first, second), (second, third), (third, first)):
        answered = _run(shapes.composed("test_per_department", build, ids))
        assert answered == sorted(
            (row["department_id"], row["people"], row["named"])
            for row in User.objects.filter(department_id__in=ids)
            .values("department_id")
            .annotate(people=Count("pk"), named=Count("pk", filter=Q(full_name="甲")))
        )
    # Built twice (the two sets of stand-ins) for the first call, never again for the same shape.
    assert len(built) == 2
    assert _run(shapes.composed("test_per_department", build, (third,))) == [(third, 4, 1)]
    assert len(built) == 4, "another number of departments is another shape"


def test_an_update_composed_once_writes_the_rows_it_is_given(three_departments):
    people = list(User.objects.filter(department__in=three_departments).order_by("pk"))

    def build(*ids):
        return shapes.update(User.objects.filter(pk__in=ids), position_title="科员")

    assert _run(shapes.composed("test_title", build, (people[0].pk, people[3].pk))) == 2
    assert _run(shapes.composed("test_title", build, (people[1].pk, people[4].pk))) == 2
    titled = set(User.objects.filter(position_title="科员").values_list("pk", flat=True))
    assert titled == {people[n].pk for n in (0, 1, 3, 4)}


def test_a_statement_whose_sql_depends_on_its_values_is_refused(db):
    def build(value):
        queryset = User.objects.filter(pk=value) if value < 31_000 else User.objects.exclude(pk=value)
        return shapes.select(queryset)

    with pytest.raises(ValueError, match="no one shape"):
        shapes.composed("test_depends", build, (1,))


def test_a_value_the_statement_does_not_hold_is_refused(db):
    with pytest.raises(ValueError, match="does not hold"):
        shapes.composed("test_unused", lambda one, two: shapes.select(User.objects.filter(pk=one)), (1, 2))


def test_a_list_longer_than_any_kept_shape_is_composed_afresh_and_still_answers(three_departments):
    ids = [d.pk for d in three_departments] + list(range(10**6, 10**6 + shapes.MAX_VALUES))
    built = []

    def build(*departments):
        built.append(len(departments))
        return _per_department(*departments)

    for _ in range(2):
        assert [people for _, people, _ in _run(shapes.composed("test_long", build, ids))] == [1, 2, 4]
    assert built == [len(ids), len(ids)]


def test_a_row_read_through_its_shape_is_the_model_the_orm_reads(organisation, other_organisation):
    from datetime import date
    from decimal import Decimal

    from accounts.models import Policy
    from accounts.selectors import policy_for_organisation
    from tests.factories import policy_with

    policy_with(
        organisation,
        linkage_enabled=True,
        linkage_coefficient=Decimal("0.45"),
        started_on=date(2026, 3, 1),
        past_deadline_days={"2026-Q1": 12},
        participating_staff_types=["civil_servant"],
    )
    built = []

    def build(organisation_id):
        built.append(organisation_id)
        return shapes.select(Policy.objects.filter(organisation_id=organisation_id).order_by("pk")[:1])

    for owner in (organisation, other_organisation, organisation):
        read = shapes.first("test_policy", build, [owner.pk])
        orm = Policy.objects.get(organisation=owner)
        assert type(read) is Policy and not read._state.adding
        # Every column converted as the ORM converts it: a Decimal, a date, a dict, a bool.
        assert {f.attname: getattr(read, f.attname) for f in Policy._meta.concrete_fields} == {
            f.attname: getattr(orm, f.attname) for f in Policy._meta.concrete_fields
        }
    assert read.linkage_coefficient == Decimal("0.45") and read.past_deadline_days == {"2026-Q1": 12}
    assert read.linkage_enabled is True and read.started_on == date(2026, 3, 1)
    # Built twice for the shape's stand-ins and once for the row's columns, then never again.
    assert len(built) == 3
    Policy.objects.filter(organisation=other_organisation).delete()
    assert shapes.first("test_policy", build, [other_organisation.pk]) is None
    # What policy_for_organisation answers for an organisation without its row: the defaults, unsaved.
    assert policy_for_organisation(organisation_id=other_organisation.pk)._state.adding


def test_whether_a_quarter_is_closed_is_asked_through_a_statement_composed_once(organisation, other_organisation):
    from accounts.models import PeriodLock
    from accounts.periods import Quarter, is_period_locked

    PeriodLock.objects.create(organisation=organisation, year=2026, quarter=2, locked_at="2026-07-20T10:00+08:00")
    asked = [
        (owner, quarter)
        for owner in (organisation, other_organisation.pk)
        for quarter in (Quarter(2026, 1), Quarter(2026, 2), Quarter(2025, 2))
    ]
    assert [is_period_locked(owner, quarter) for owner, quarter in asked] == [False, True, False, False, False, False]
    built = []

    def build(organisation_id, year):
        built.append(organisation_id)
        return PeriodLock.objects.filter(organisation_id=organisation_id, year=year)

    answers = [shapes.exists("test_locks", build, [owner.pk, 2026]) for owner in (organisation, other_organisation)]
    assert answers == [True, False] and shapes.exists("test_locks", build, [organisation.pk, 2025]) is False
    assert len(built) == 2  # the shape's two stand-ins, then never again
