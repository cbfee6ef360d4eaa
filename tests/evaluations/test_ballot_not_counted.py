"""A 民主测评 paper sent too late (after HR closed the ballot) or twice (a second tab after the
first paper was cast) is refused, and the rater is told plainly that it was not counted — never
a page that reads like success, and nothing about the first paper (papers are anonymous)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.ballots import services
from evaluations.ballots.models import Paper
from tests.factories import UserFactory


@pytest.fixture
def heads(department):
    return [UserFactory(department=department, full_name=f"科长{n}") for n in range(3)]


def _paper(ballot, choice="competent"):
    data = {"action": "cast"}
    for subject in ballot.subjects.order_by("sort_order"):
        data[f"choice-{subject.pk}"] = choice
    return data


def _unlock_code(client, ballot):
    code = ballot.raters.exclude(code=None).order_by("pk").first().code
    client.post(reverse("evaluations:ballot_code"), {"code": code})
    return code


def test_a_code_holders_paper_sent_after_the_ballot_closed_is_said_not_to_count(client, hr, ballot):
    _unlock_code(client, ballot)
    paper_page = client.get(reverse("evaluations:ballot_code_paper")).content.decode()
    assert 'data-testid="paper-form"' in paper_page
    services.ballot_close(actor=hr, ballot=ballot)
    html = client.post(reverse("evaluations:ballot_code_paper"), _paper(ballot)).content.decode()
    assert "测评已结束，您刚才提交的测评票未计入。" in html
    assert "感谢参与" not in html and "已提交" not in html
    assert not Paper.objects.exists()
    # Come back to later, the spent code says the ballot closed (not that a paper was cast).
    page = client.get(reverse("evaluations:ballot_code_paper")).content.decode()
    assert "测评已结束，测评码已失效。" in page and "感谢参与" not in page


def test_a_code_holders_second_paper_is_said_not_to_count(client, ballot):
    _unlock_code(client, ballot)
    url = reverse("evaluations:ballot_code_paper")
    assert client.post(url, _paper(ballot)).status_code == 302
    html = client.post(url, _paper(ballot, "excellent")).content.decode()
    assert "您此前已投票，刚才提交的这份测评票未计入；以第一次提交的为准。" in html
    assert Paper.objects.count() == 1
    assert not Paper.objects.get().answers.filter(choice="excellent").exists()


def test_a_raters_paper_sent_after_the_ballot_closed_is_said_not_to_count(client_for, hr, staff, ballot):
    client = client_for(staff)
    url = reverse("evaluations:ballot_paper", args=[ballot.pk])
    client.get(url)
    services.ballot_close(actor=hr, ballot=ballot)
    html = client.post(url, _paper(ballot)).content.decode()
    assert 'data-testid="paper-not-counted"' in html and "测评已结束，您刚才提交的测评票未计入。" in html
    assert not Paper.objects.exists()


def test_a_raters_second_paper_from_another_tab_is_said_not_to_count(client_for, staff, ballot):
    client = client_for(staff)
    url = reverse("evaluations:ballot_paper", args=[ballot.pk])
    assert client.post(url, _paper(ballot)).status_code == 302
    html = client.post(url, _paper(ballot, "excellent")).content.decode()
    assert "您此前已投票，刚才提交的这份测评票未计入；以第一次提交的为准。" in html
    assert 'data-testid="paper-form"' not in html
    assert Paper.objects.count() == 1


def test_the_service_says_which_refusal_it_is(hr, staff, colleague, ballot):
    mine = ballot.raters.get(user=staff)
    answers = {subject.pk: {"choice": "competent"} for subject in ballot.subjects.all()}
    services.paper_cast(rater=mine, answers=answers, actor=staff)
    with pytest.raises(ValidationError) as twice:
        services.paper_cast(rater=ballot.raters.get(user=staff), answers=answers, actor=staff)
    assert twice.value.code == services.ALREADY_VOTED
    # A page read before the close: the rater row still says open, the claim finds it closed.
    theirs = ballot.raters.select_related("ballot").get(user=colleague)
    services.ballot_close(actor=hr, ballot=ballot)
    theirs.ballot.state = "open"
    with pytest.raises(ValidationError) as late:
        services.paper_cast(rater=theirs, answers=answers, actor=colleague)
    assert late.value.code == services.CLOSED


def test_a_code_typed_on_a_full_width_keyboard_opens_the_paper(client, ballot):
    """A user test: ＰＣ４ＺＧＧＱ２ (a phone's full-width keyboard), or in lower case, was refused as
    测评码无效 while pc4zggq2 worked."""
    code = ballot.raters.exclude(code=None).order_by("pk").first().code
    typed = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())  # ｐｃ４… : full-width, lower case
    client.post(reverse("evaluations:ballot_code"), {"code": typed})
    assert 'data-testid="paper-form"' in client.get(reverse("evaluations:ballot_code_paper")).content.decode()
