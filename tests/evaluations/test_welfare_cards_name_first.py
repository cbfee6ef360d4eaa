"""On a phone the welfare lists are cards (``table-cards``) whose cells stack in the row's order:
each card starts with the person's name (its title), not with 科室 or 工号."""

import re

import pytest
from django.urls import reverse

from tests.factories import WelfareAssessmentFactory, WelfarePostFactory


def _first_cells(html: str) -> list[str]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("<tbody")[1], re.DOTALL)
    return [re.search(r"<td[^>]*>", row).group(0) for row in rows]


@pytest.mark.parametrize("name", ["evaluations:welfare", "evaluations:welfare_tally", "evaluations:welfare_posts"])
def test_each_card_starts_with_the_persons_name(today, client_for, hr, department, name):
    post = WelfarePostFactory(person__department=department, person__full_name="保洁员甲")
    assessment = WelfareAssessmentFactory(post=post)
    if name == "evaluations:welfare_tally":
        from evaluations.ballots import services as ballot_services
        from evaluations.ballots.models import WELFARE_PURPOSE

        ballot = ballot_services.ballot_open(
            actor=hr,
            organisation=hr.organisation,
            title="测评",
            year=2026,
            subjects=[post.person],
            raters=[hr],
            purpose=WELFARE_PURPOSE,
        )
        assessment.ballot_subject = ballot.subjects.get()
        assessment.save(update_fields=["ballot_subject"])
    url = reverse(name) if name == "evaluations:welfare_posts" else reverse(name, args=[2026])
    cells = _first_cells(client_for(hr).get(url).content.decode())
    assert cells and all('class="card-title-cell"' in cell for cell in cells), cells
