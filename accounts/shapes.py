"""Statements composed once per shape and run again with other values.

Django composes a statement's SQL on every call: it resolves the expressions, builds the filters'
joins and compiles the result. For the statements that run after every save of a grade, a target
set or a summary (the grade counters' recount, the grade rows' documents columns:
``evaluations.grading.services.counts`` and ``documents``) that was three quarters of their time
(py-spy, bench/RESULTS.md). :func:`composed` composes such a statement with the ORM once per
*shape* (the same statement, other numbers in it) and then only puts the new numbers into the SQL
it kept. :func:`first` reads one model row so (the organisation's policy, read on every request:
1.0 ms through the ORM, 0.2 ms so), :func:`exists` asks whether there is one (whether a quarter
is closed, asked by every write of a quarter's documents).

``build(*values)`` composes the statement from its variable numbers (ids, years, months: whole
numbers) and returns its compiler (:func:`select` or :func:`update` of a queryset). The first time
a shape is asked for, it is built twice, with two sets of stand-ins (numbers between 30 000 and
32 000, within every integer column's range, so no lookup treats them as out of range); a
parameter that differs between the two is where a value goes, one that is equal is the
statement's own constant. A statement whose SQL differs between the two builds, or that does not
hold a value the caller gave, is refused: it has no one shape.

The values of an ``__in`` list must be distinct (the lookup drops repeated ones): a caller passes
``sorted(set(...))``, and the shape's key includes how many there are. More than
:data:`MAX_VALUES` values are composed afresh each time, as the ORM would, and not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql import UpdateQuery
from django.db.models.sql.compiler import SQLCompiler

_FIRST, _SECOND = 30_001, 31_001
MAX_VALUES = 999


@dataclass(frozen=True)
class _Shape:
    sql: str
    params: tuple
    places: tuple[tuple[int, ...], ...]  # for each value, where its parameters are


_shapes: dict[tuple, _Shape] = {}


def composed(
    shape: Hashable, build: Callable[..., SQLCompiler], values: Sequence[int], *, using: str = "default"
) -> tuple[str, list]:
    """The SQL and parameters of the statement ``build(*values)`` composes, composed once for
    ``shape`` (a name the caller gives it) and this number of values on this database."""
    if len(values) > MAX_VALUES:
        # A shape per length of a long list would keep thousands: composed afresh, not kept.
        sql, params = build(*values).as_sql()
        return sql, list(params)
    key = (using, connections[using].vendor, shape, len(values))
    found = _shapes.get(key)
    if found is None:
        found = _shapes[key] = _find(build, len(values))
    params = list(found.params)
    for value, places in zip(values, found.places, strict=True):
        for place in places:
            params[place] = value
    return found.sql, params


@dataclass(frozen=True)
class _Reader:
    model: type[Model]
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]  # (column, its converters, its expression)


_readers: dict[tuple, _Reader] = {}


def first(shape: Hashable, build: Callable[..., SQLCompiler], values: Sequence[int], *, using: str = "default"):
    """The model instance that ``build(*values)`` (``select`` of a queryset of one model's rows,
    ``[:1]``) reads, or None: the statement composed once for ``shape`` (:func:`composed`), its row
    converted as the ORM converts it (the database's converters, ``Model.from_db``)."""
    sql, params = composed(shape, build, values, using=using)
    connection = connections[using]
    key = (using, connection.vendor, shape)
    reader = _readers.get(key)
    if reader is None:
        compiler = build(*values)
        compiler.setup_query()
        columns = [column for column, _sql, _alias in compiler.select]
        converters = compiler.get_converters(columns)
        reader = _readers[key] = _Reader(
            model=compiler.query.model,
            attnames=tuple(column.target.attname for column in columns),
            converters=tuple(
                (index, tuple(functions), expression) for index, (functions, expression) in converters.items()
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for index, functions, expression in reader.converters:
        for function in functions:
            row[index] = function(row[index], expression, connection)
    return reader.model.from_db(using, reader.attnames, row)


def exists(shape: Hashable, build: Callable[..., QuerySet], values: Sequence[int], *, using: str = "default") -> bool:
    """``build(*values).exists()`` (``build`` returns the queryset), the statement composed once
    for ``shape`` (:func:`composed`)."""
    sql, params = composed(shape, lambda *v: build(*v).query.exists().get_compiler(using), values, using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def select(queryset: QuerySet) -> SQLCompiler:
    """What ``build`` returns for a query that reads (a model's rows, ``values()``, a count)."""
    return queryset.query.get_compiler(queryset.db)


def update(queryset: QuerySet, **values) -> SQLCompiler:
    """What ``build`` returns for ``queryset.update(**values)`` (as ``QuerySet.update`` composes it)."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.clear_select_clause()
    return query.get_compiler(queryset.db)


def _compiled(build: Callable[..., SQLCompiler], start: int, count: int) -> tuple[str, tuple]:
    sql, params = build(*range(start, start + count)).as_sql()
    return sql, tuple(params)


def _find(build: Callable[..., SQLCompiler], count: int) -> _Shape:
    sql, first = _compiled(build, _FIRST, count)
    again, second = _compiled(build, _SECOND, count)
    if sql != again or len(first) != len(second):
        raise ValueError("the statement's SQL depends on its values: it has no one shape")
    places: list[list[int]] = [[] for _ in range(count)]
    for place, (one, other) in enumerate(zip(first, second, strict=True)):
        if one == other:
            continue
        index = one - _FIRST if isinstance(one, int) else -1
        if not (0 <= index < count and other == _SECOND + index):
            raise ValueError(f"parameter {place} ({one!r}, then {other!r}) is not one of the values")
        places[index].append(place)
    if missing := [index for index, found in enumerate(places) if not found]:
        raise ValueError(f"the statement does not hold the values at {missing}")
    return _Shape(sql=sql, params=first, places=tuple(map(tuple, places)))
