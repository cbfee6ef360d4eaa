"""Long lists paged department by department without sorting everyone: what a ``Paginator`` needs
of such a list (a count and a slice), and the one query that reads a page's share of each department.

A list of a large organisation in its default order (department after department, each by 工号)
sorted every row on the departments' columns for each page. Counting each department's rows and
reading only the departments a page falls in, each from its own index range, reads a page in one
query whatever the size of the organisation (accounts.lists.DepartmentOrderedPeople, the staff
register; evaluations.grading.selectors.DepartmentPagedGrades, the grading page's lists)."""

from __future__ import annotations

from typing import Any

from django.db.models.expressions import RawSQL


class DepartmentPages:
    """A list for a ``Paginator``, read a slice at a time: a subclass says how many rows the list
    holds (:meth:`count`) and reads rows ``start`` to ``stop`` (:meth:`rows`)."""

    ordered = True  # for the Paginator: the order is fixed

    def count(self) -> int:
        raise NotImplementedError

    def rows(self, start: int, stop: int) -> list[Any]:
        """Rows ``start`` (included) to ``stop`` (excluded) of the list, ``start < stop``."""
        raise NotImplementedError

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Any]:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError(f"{type(self).__name__} takes a slice")
        start, stop, _step = key.indices(self.count())
        if start >= stop:
            return []
        return self.rows(start, stop)


def union_of_ids(shares: list[tuple[str, Any]]) -> RawSQL:
    """``SELECT pk FROM (share 1) UNION ALL SELECT pk FROM (share 2) …``, of each share's SQL and
    parameters: each share keeps its own ORDER BY and LIMIT (written as subqueries in FROM, which
    SQLite allows in a compound too)."""
    sql, params = [], []
    for i, (share_sql, share_params) in enumerate(shares):
        sql.append(f'SELECT "pk" FROM ({share_sql}) AS "share{i}"')
        params.extend(share_params)
    return RawSQL(" UNION ALL ".join(sql), params)
