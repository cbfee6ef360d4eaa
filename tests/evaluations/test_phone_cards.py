"""On a phone each row of the discipline and inputs lists is a labelled card (static/css/app.css
.table-cards): six to eight columns squeezed into 390 px put one character of a department or a
reason per line. Every cell of a row carries its column's label."""

import re

import pytest
from django.urls import reverse

from accounts import periods
from tests.factories import (
    InspectionFactory,
    SanctionFactory,
    SatisfactionScoreFactory,
    ServiceEventFactory,
    VetoFlagFactory,
)
from tests.support.cards import CARDS_TABLE


def first_row_cells(html: str) -> list[str]:
    """The opening tags of the first body row's cells."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    row = re.search(r"<tr[^>]*>(.*?)</tr>", body, re.S).group(1)
    return re.findall(r"<td\b[^>]*>", row)


def _sanction(staff, inspector):
    SanctionFactory(person=staff, decided_on=periods.today())


def _veto(staff, inspector):
    VetoFlagFactory(person=staff, year=periods.year_at_work())  # the year the list opens on


def _inspection(staff, inspector):
    InspectionFactory(inspector=inspector, organisation=inspector.organisation, date=periods.today())


def _event(staff, inspector):
    ServiceEventFactory(person=staff, date=periods.today())


def _satisfaction(staff, inspector):
    quarter = periods.Quarter.of(periods.today())
    SatisfactionScoreFactory(person=staff, year=quarter.year, quarter=quarter.quarter)


@pytest.mark.parametrize(
    "url, who, make, columns",
    [
        ("evaluations:sanction_list", "hr", _sanction, 8),
        ("evaluations:veto_list", "inspector", _veto, 7),
        ("evaluations:inspections", "inspector", _inspection, 6),
        ("evaluations:event_list", "hr", _event, 7),
        ("evaluations:satisfaction_list", "hr", _satisfaction, 7),
    ],
)
def test_every_cell_of_a_list_row_carries_its_column_label_for_the_phone_cards(
    request, client_for, staff, inspector, url, who, make, columns
):
    make(staff, inspector)
    response = client_for(request.getfixturevalue(who)).get(reverse(url))
    assert response.status_code == 200
    html = response.content.decode()
    assert CARDS_TABLE in html
    cells = first_row_cells(html)
    assert len(cells) == columns
    assert all("data-label=" in cell for cell in cells), cells
