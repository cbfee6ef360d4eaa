"""The tally's Excel export names the choices in the ballot's own scale, as its page does: a
public-welfare ballot's 满意/基本满意/不满意/不了解, HR's own 优秀/称职/基本称职/不称职."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.ballots import services
from evaluations.ballots.models import WELFARE_PURPOSE, BallotScale
from tests.evaluations.helpers import open_ballot
from tests.factories import UserFactory


def _export_rows(client, hr, department, **options) -> list[tuple]:
    ballot = open_ballot(
        hr,
        subjects=[UserFactory(department=department)],
        raters=[UserFactory(department=department)],
        title="测评",
        **options,
    )
    services.ballot_close(actor=hr, ballot=ballot)
    export = client.post(reverse("evaluations:ballot_tally_export", args=[ballot.pk]))
    return list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))


def _export_headers(client, hr, department, **options) -> list[str]:
    return list(_export_rows(client, hr, department, **options)[0])


@pytest.mark.parametrize(
    ("options", "choices"),
    [
        ({"scale": BallotScale.SATISFACTION, "purpose": WELFARE_PURPOSE}, ["满意", "基本满意", "不满意", "不了解"]),
        ({"scale": BallotScale.GRADE}, ["优秀", "称职", "基本称职", "不称职"]),
    ],
)
def test_the_export_names_the_choices_of_the_ballots_own_scale(client_for, hr, department, options, choices):
    headers = _export_headers(client_for(hr), hr, department, **options)
    assert headers[4:12] == [text for choice in choices for text in (choice, f"{choice}占比（%）")]
    assert not any("（" in header and "）" in header and "占比" not in header for header in headers[4:12])


@pytest.mark.parametrize(
    ("options", "service_column"),
    [
        ({"scale": BallotScale.SATISFACTION, "purpose": WELFARE_PURPOSE}, True),
        ({"scale": BallotScale.GRADE}, False),
    ],
)
def test_only_a_satisfaction_ballot_s_export_has_the_service_users_dissatisfied_share(
    client_for, hr, department, options, service_column
):
    """A grade ballot offers no 不满意: its export had a 服务对象“不满意”占比 column of 0 or blanks,
    which its tally page does not show."""
    headers, person = _export_rows(client_for(hr), hr, department, **options)[:2]
    assert len(person) == len(headers)
    assert ("服务对象“不满意”占比（%）" in headers) is service_column
    assert list(headers[-3:]) == ["平均得分（德能勤绩廉合计）", "建议", "理由"]
