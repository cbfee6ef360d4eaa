"""撤销测评: HR withdraws a ballot opened by mistake while nobody has voted; the raters' to-dos and
notices go, nothing is counted, and the change is audited with who and when."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import periods
from accounts.models import AuditEntry, Notification
from appraisal_site.todos import todos_for
from evaluations.ballots import selectors, services
from evaluations.ballots.models import WELFARE_PURPOSE, Ballot, BallotState
from tests.evaluations.helpers import open_ballot


def _open(hr, people, voters, **kwargs):
    """Two of the people rated by two of the raters (a full paper is two answers)."""
    return open_ballot(
        hr, subjects=people[:2], raters=voters[:2], title="误发的民主测评", service_user_codes=1, **kwargs
    )


def _ballot_todo(user) -> int:
    return next((todo.count for todo in todos_for(user, today=periods.today()) if todo.key == "ballots"), 0)


def test_hr_withdraws_a_ballot_nobody_has_voted_on_and_the_raters_todos_go(hr, people, voters):
    ballot = _open(hr, people, voters)
    assert _ballot_todo(voters[0]) == 1 and Notification.objects.filter(recipient=voters[0]).exists()
    services.ballot_withdraw(actor=hr, ballot=ballot)
    ballot.refresh_from_db()
    assert ballot.state == BallotState.WITHDRAWN and ballot.closed_by == hr and ballot.closed_at is not None
    assert _ballot_todo(voters[0]) == 0
    assert not Notification.objects.filter(recipient__in=voters).exists()
    code = ballot.raters.exclude(code=None).get().code
    assert selectors.rater_for_code(code=code) is None
    assert selectors.ballot_suggestions(organisation=hr.organisation, year=2026) == {}
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Ballot), object_id=ballot.pk
    ).latest("pk")
    assert entry.changes["state"] == ["open", "withdrawn"] and entry.actor == hr and entry.timestamp


def test_a_ballot_with_a_vote_cast_cannot_be_withdrawn(hr, people, voters):
    ballot = _open(hr, people, voters)
    rater = selectors.rater_for_user(ballot_id=ballot.pk, user=voters[0])
    subjects = list(ballot.subjects.order_by("sort_order"))
    services.paper_cast(
        rater=rater,
        actor=voters[0],
        answers={subjects[0].pk: {"choice": "competent"}, subjects[1].pk: {"choice": "excellent"}},
    )
    with pytest.raises(ValidationError, match="已有1人投票，不能撤销"):
        services.ballot_withdraw(actor=hr, ballot=ballot)
    assert Ballot.objects.get().state == BallotState.OPEN


def test_a_closed_or_welfare_ballot_cannot_be_withdrawn_nor_by_anyone_but_hr(hr, staff, people, voters):
    ballot = _open(hr, people, voters)
    with pytest.raises(PermissionDenied):
        services.ballot_withdraw(actor=staff, ballot=ballot)
    services.ballot_close(actor=hr, ballot=ballot)
    with pytest.raises(ValidationError, match="已结束"):
        services.ballot_withdraw(actor=hr, ballot=ballot)
    welfare = _open(hr, people, voters, purpose=WELFARE_PURPOSE)
    with pytest.raises(ValidationError, match="公益性岗位"):
        services.ballot_withdraw(actor=hr, ballot=welfare)


def test_the_ballot_page_offers_withdrawal_with_a_confirmation_until_someone_votes(client_for, hr, people, voters):
    ballot = _open(hr, people, voters)
    client = client_for(hr)
    url = reverse("evaluations:ballot_detail", args=[ballot.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="ballot-withdraw"' in page and "确定撤销测评？" in page
    response = client.post(reverse("evaluations:ballot_withdraw", args=[ballot.pk]))
    assert response.status_code == 302 and response.url == url
    page = client.get(url).content.decode()
    assert 'data-testid="ballot-withdrawn"' in page and 'data-testid="ballot-withdraw"' not in page
    assert 'data-testid="ballot-close"' not in page
    paper = client_for(voters[0]).get(reverse("evaluations:ballot_paper", args=[ballot.pk])).content.decode()
    assert 'data-testid="paper-withdrawn"' in paper and 'data-testid="paper-form"' not in paper


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_racing_a_vote_waits_for_it_and_is_refused(hr, people, voters):
    """A vote committing while HR withdraws: the withdrawal waits for the paper (the ballot's row
    held shared by the cast) and then finds someone has voted, instead of withdrawing a ballot
    that ends up holding a paper."""
    import threading
    import time

    from django.db import close_old_connections, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE instead")
    ballot = _open(hr, people, voters)
    rater = selectors.rater_for_user(ballot_id=ballot.pk, user=voters[0])
    subjects = list(ballot.subjects.order_by("sort_order"))
    paper = {subjects[0].pk: {"choice": "competent"}, subjects[1].pk: {"choice": "excellent"}}
    cast, outcomes = threading.Event(), {}

    def vote():
        try:
            with transaction.atomic():
                services.paper_cast(rater=rater, actor=voters[0], answers=paper)
                cast.set()
                time.sleep(1.0)  # the withdrawal is asked for before this commits
            outcomes["vote"] = "ok"
        except Exception as exc:  # noqa: BLE001 — reported in the assertion below
            outcomes["vote"] = repr(exc)
        finally:
            cast.set()
            close_old_connections()
            connection.close()

    def withdraw():
        try:
            cast.wait(timeout=10)
            services.ballot_withdraw(actor=hr, ballot=ballot)
            outcomes["withdraw"] = "withdrawn"
        except ValidationError as refusal:
            outcomes["withdraw"] = refusal.messages[0]
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=vote), threading.Thread(target=withdraw)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes["vote"] == "ok"
    assert "已有1人投票，不能撤销" in outcomes["withdraw"]
    assert Ballot.objects.get(pk=ballot.pk).state == BallotState.OPEN
