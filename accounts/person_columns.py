"""The columns that say whose row it is, first in the exported lists of people (the annual results,
a quarter's roll-up, a ballot's tally, the public-welfare results): 科室, 工号, 姓名."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Department, User


def person_headers() -> list[str]:
    return [_("科室"), _("工号"), _("姓名")]


def person_cells(person: User, department: Department | None) -> list:
    """``person``'s cells under :func:`person_headers`. The department is the row's: a result
    keeps the department of its time, which the person may have left since."""
    return [department.name if department is not None else "", person.employee_number, person.get_full_name()]
