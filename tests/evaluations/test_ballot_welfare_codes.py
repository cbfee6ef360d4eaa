"""增发测评码 on a public-welfare ballot keeps its service users within the policy's bounds (2–4),
as the opening form does; HR's own ballots are not limited by that rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.ballots import services
from evaluations.ballots.models import WELFARE_PURPOSE, BallotRater, BallotScale, RaterGroup
from tests.evaluations.helpers import open_ballot
from tests.factories import UserFactory


def _open(hr, department, *, codes, purpose=WELFARE_PURPOSE):
    return open_ballot(
        hr,
        subjects=[UserFactory(department=department)],
        raters=[UserFactory(department=department)],
        title="2026年度公益性岗位民主测评",
        service_user_codes=codes,
        scale=BallotScale.SATISFACTION,
        purpose=purpose,
    )


def _service_codes(ballot) -> int:
    return BallotRater.objects.filter(ballot=ballot, group=RaterGroup.SERVICE_USER).count()


def test_it_refuses_more_service_user_codes_than_the_policys_four_on_a_welfare_ballot(hr, department):
    ballot = _open(hr, department, codes=3)
    with pytest.raises(ValidationError, match="已发放3个服务对象测评码，最多还可增发1个"):
        services.codes_issue(actor=hr, ballot=ballot, count=5)
    assert _service_codes(ballot) == 3
    services.codes_issue(actor=hr, ballot=ballot, count=1)
    assert _service_codes(ballot) == 4
    with pytest.raises(ValidationError, match="已达上限，不能再增发"):
        services.codes_issue(actor=hr, ballot=ballot, count=1)
    assert _service_codes(ballot) == 4


def test_hrs_own_ballot_still_issues_more_codes(hr, department):
    ballot = _open(hr, department, codes=3, purpose="")
    services.codes_issue(actor=hr, ballot=ballot, count=5)
    assert _service_codes(ballot) == 8


def test_the_ballot_page_refuses_the_extra_codes_and_says_how_many_more_can_be_issued(client_for, hr, department):
    ballot = _open(hr, department, codes=3)
    client = client_for(hr)
    page = client.get(reverse("evaluations:ballot_detail", args=[ballot.pk])).content.decode()
    assert "服务对象测评码还可增发1个" in page
    response = client.post(reverse("evaluations:ballot_codes", args=[ballot.pk]), {"count": 5}, follow=True)
    assert "最多还可增发1个" in response.content.decode()
    assert _service_codes(ballot) == 3
