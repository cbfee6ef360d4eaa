"""民主测评 pages: HR opens and closes, raters fill their paper (save and return, cast), a code
holder without an account votes once, the tally and its export; the denials; paginated lists."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.ballots import services
from evaluations.ballots.models import Ballot, BallotRater, Paper
from tests.evaluations.helpers import open_ballot
from tests.factories import UserFactory
from tests.support.queries import warm_page_queries


@pytest.fixture
def heads(department):
    return [UserFactory(department=department, full_name=f"科长{n}") for n in range(5)]


def paper_post(ballot, choices, action="cast"):
    data = {"action": action}
    for subject, choice in zip(ballot.subjects.order_by("sort_order"), choices, strict=False):
        data[f"choice-{subject.pk}"] = choice
    return data


MIXED = ["excellent", "competent", "competent", "basically_competent", "competent"]


def test_hr_opens_a_ballot_from_the_form(client_for, hr, head, staff):
    response = client_for(hr).post(
        reverse("evaluations:ballot_open"),
        {
            "title": "2026年度科级干部民主测评",
            "year": 2026,
            "scale": "grade",
            "all_heads": "on",
            "all_staff": "on",
            "service_user_codes": 3,
        },
    )
    ballot = Ballot.objects.get()
    assert response.status_code == 302 and response.url == reverse("evaluations:ballot_detail", args=[ballot.pk])
    assert list(ballot.subjects.values_list("person", flat=True)) == [head.pk]
    assert ballot.raters.filter(user=staff).exists() and ballot.raters.exclude(code=None).count() == 3


def test_the_open_form_names_unknown_employee_numbers(client_for, hr):
    response = client_for(hr).post(
        reverse("evaluations:ballot_open"),
        {"title": "x", "year": 2026, "scale": "grade", "subject_numbers": "NOPE1", "service_user_codes": 1},
    )
    assert "NOPE1" in response.content.decode() and not Ballot.objects.exists()


def test_a_rater_saves_returns_and_casts(client_for, ballot, staff):
    client = client_for(staff)
    url = reverse("evaluations:ballot_paper", args=[ballot.pk])
    client.post(url, paper_post(ballot, MIXED[:2], action="save"))
    page = client.get(url).content.decode()
    assert page.count("checked") == 2
    response = client.post(url, paper_post(ballot, MIXED))
    assert response.status_code == 302 and Paper.objects.count() == 1
    assert 'data-testid="paper-cast"' in client.get(url).content.decode()


def test_the_paper_names_each_persons_department_and_post(client_for, ballot, staff, heads, department):
    """Seven people all shown as 科长 read alike (a user test): their department stands beside the post."""
    heads[0].position_title = "科长"
    heads[0].save(update_fields=["position_title"])
    page = client_for(staff).get(reverse("evaluations:ballot_paper", args=[ballot.pk])).content.decode()
    assert f"{department.name} · 科长" in page


def test_a_paper_over_the_excellent_limit_is_refused_with_the_reason(client_for, ballot, staff):
    response = client_for(staff).post(
        reverse("evaluations:ballot_paper", args=[ballot.pk]), paper_post(ballot, ["excellent"] * 2 + ["competent"] * 3)
    )
    assert response.status_code == 200 and "不得超过1人" in response.content.decode()
    assert not Paper.objects.exists()


def test_submitting_the_paper_asks_first_and_saving_does_not(client_for, ballot, staff):
    page = client_for(staff).get(reverse("evaluations:ballot_paper", args=[ballot.pk])).content.decode()
    cast = re.search(r'<button[^>]*data-testid="paper-cast-button"[^>]*>', page).group(0)
    save = re.search(r'<button[^>]*data-testid="paper-save"[^>]*>', page).group(0)
    form = re.search(r'<form[^>]*data-testid="paper-form"[^>]*>', page).group(0)
    # The shared data-confirm of static/js/app.js, on the one button that casts.
    assert 'data-confirm="测评票提交后不能修改，也不能重新投票。确定提交？"' in cast
    assert 'value="cast"' in cast and 'value="save"' in save
    assert "data-confirm" not in save and "data-confirm" not in form


def test_saving_a_complete_paper_keeps_a_draft_and_only_submitting_casts(client_for, ballot, staff):
    client = client_for(staff)
    url = reverse("evaluations:ballot_paper", args=[ballot.pk])
    for action in ("save", ""):
        response = client.post(url, paper_post(ballot, MIXED, action=action))
        assert response.status_code == 302 and not Paper.objects.exists()
    rater = BallotRater.objects.get(ballot=ballot, user=staff)
    assert not rater.has_voted and len(rater.draft) == 5
    assert client.post(url, paper_post(ballot, MIXED, action="cast")).status_code == 302
    assert Paper.objects.count() == 1


def test_a_refused_paper_names_each_person_and_keeps_what_was_entered(client_for, hr, heads, staff):
    ballot = services.ballot_open(
        actor=hr,
        organisation=hr.organisation,
        title="t",
        year=2026,
        subjects=heads[:2],
        raters=[staff],
        with_scores=True,
    )
    first, second = ballot.subjects.order_by("sort_order")
    data = paper_post(ballot, ["excellent"])
    data.update({f"score-{first.pk}-{d}": "8" for d in services.DIMENSIONS})
    data.update({f"score-{first.pk}-de": "15", f"score-{second.pk}-neng": "6"})
    response = client_for(staff).post(reverse("evaluations:ballot_paper", args=[ballot.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200 and not Paper.objects.exists()
    rows = page.split('data-testid="paper-subject"')[1:]
    assert "科长0的“德”得分须为0–10的整数，您填的是“15”。" in rows[0].split("</fieldset>")[0]
    second_row = rows[1].split("</fieldset>")[0]
    assert "请为科长1选择评价（优秀、称职、基本称职、不称职）。" in second_row
    assert "请为科长1的德、勤、绩、廉打分（每项0–10分）。" in second_row
    assert 'data-testid="paper-errors"' in page and "科长0的“德”" in page.split('data-testid="paper-errors"')[1]
    # Everything entered is back on the paper, the refused score included.
    assert page.count(" checked") == 1 and f'id="c-{first.pk}-excellent" value="excellent" checked' in page
    assert f'name="score-{first.pk}-de" id="s-{first.pk}-de" value="15"' in page
    assert f'name="score-{first.pk}-lian" id="s-{first.pk}-lian" value="8"' in page
    assert f'name="score-{second.pk}-neng" id="s-{second.pk}-neng" value="6"' in page


def test_a_person_left_unanswered_is_told_once_beside_them_and_the_banner_only_points_there(client_for, ballot, staff):
    # Two 优秀 of five people (the limit is one) and the fifth person left unanswered.
    data = paper_post(ballot, ["excellent", "excellent", "competent", "competent"])
    page = client_for(staff).post(reverse("evaluations:ballot_paper", args=[ballot.pk]), data).content.decode()
    missing = "请为科长4选择评价（优秀、称职、基本称职、不称职）。"
    assert page.count(missing) == 1
    fifth = page.split('data-testid="paper-subject"')[5].split("</fieldset>")[0]
    assert missing in fifth
    banner = re.search(r'data-testid="paper-errors">((?:<div>[^<]*</div>)*)</div>', page).group(1)
    # What concerns the whole paper stays above it; the person's own message does not repeat there.
    assert "不得超过1人" in banner and "请按提示修改后再提交。" in banner and "科长4" not in banner


def test_a_head_rating_the_heads_does_not_find_themselves_on_the_paper(client_for, hr, head, heads, staff):
    ballot = services.ballot_open(
        actor=hr, organisation=hr.organisation, title="t", year=2026, subjects=[head, *heads], raters=[head, staff]
    )
    client = client_for(head)
    url = reverse("evaluations:ballot_paper", args=[ballot.pk])
    page = client.get(url).content.decode()
    own = ballot.subjects.get(person=head)
    assert page.count('data-testid="paper-subject"') == 5 and f"choice-{own.pk}" not in page
    assert "评为“优秀”的最多 1 人" in page
    # A forged answer for oneself is not read: the paper rates the five others only.
    data = paper_post(ballot, ["competent"] + MIXED)
    data[f"choice-{own.pk}"] = "excellent"
    assert client.post(url, data).status_code == 302
    assert not own.answers.exists() and Paper.objects.get().answers.count() == 5
    client_for(staff).post(url, paper_post(ballot, ["incompetent"] + MIXED))
    services.ballot_close(actor=hr, ballot=ballot)
    tally = client_for(hr).get(reverse("evaluations:ballot_tally", args=[ballot.pk])).content.decode()
    assert "1 名被测评人也是测评人" in tally
    head_row = tally.split('data-person="科长"')[1].split("</tr>")[0]
    assert "有效票 1" in head_row and "1（100.0%）" in head_row


def test_a_code_holder_without_an_account_votes_once(client, ballot):
    code = ballot.raters.exclude(code=None).first().code
    response = client.post(reverse("evaluations:ballot_code"), {"code": code.lower()})
    assert response.url == reverse("evaluations:ballot_code_paper")
    response = client.post(reverse("evaluations:ballot_code_paper"), paper_post(ballot, MIXED))
    assert response.status_code == 302 and Paper.objects.count() == 1
    assert 'data-testid="code-done"' in client.get(reverse("evaluations:ballot_code_paper")).content.decode()
    # Typed again (another browser): refused.
    client.cookies.clear()
    response = client.post(reverse("evaluations:ballot_code"), {"code": code})
    assert "已使用" in response.content.decode()


def test_after_ten_wrong_codes_the_address_is_refused_even_a_right_code(client, ballot):
    url = reverse("evaluations:ballot_code")
    for n in range(10):
        response = client.post(url, {"code": f"WRONG{n:03d}"})
        assert response.status_code == 200 and "测评码无效" in response.content.decode()
    code = ballot.raters.exclude(code=None).first().code
    response = client.post(url, {"code": code})
    assert response.status_code == 429 and "输错次数过多" in response.content.decode()
    assert reverse("evaluations:ballot_code_paper") not in response.headers.get("Location", "")


def test_a_user_who_is_not_a_rater_cannot_open_the_paper(client_for, ballot, head):
    assert client_for(head).get(reverse("evaluations:ballot_paper", args=[ballot.pk])).status_code == 404


def test_a_rater_cannot_see_the_tally_nor_the_ballot(client_for, ballot, staff):
    client = client_for(staff)
    for name in ("evaluations:ballot_tally", "evaluations:ballot_detail", "evaluations:ballot_codes_print"):
        assert client.get(reverse(name, args=[ballot.pk])).status_code == 403


def test_another_organisations_hr_cannot_see_the_ballot(client_for, ballot, other_organisation):
    from accounts.models import Role

    other_hr = UserFactory(organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])
    client = client_for(other_hr)
    for name in ("evaluations:ballot_tally", "evaluations:ballot_detail", "evaluations:ballot_codes_print"):
        assert client.get(reverse(name, args=[ballot.pk])).status_code == 404
    assert client.post(reverse("evaluations:ballot_close", args=[ballot.pk])).status_code == 404
    assert Ballot.objects.get().is_open


def test_hr_sees_who_voted_never_what(client_for, ballot, hr, staff):
    client_for(staff).post(reverse("evaluations:ballot_paper", args=[ballot.pk]), paper_post(ballot, MIXED))
    page = client_for(hr).get(reverse("evaluations:ballot_detail", args=[ballot.pk])).content.decode()
    assert "已投票 1/4" in page and "优秀" not in page.split('data-testid="raters"')[1]


def test_the_print_page_lists_only_unused_codes(client_for, ballot, hr, client):
    used, unused = ballot.raters.exclude(code=None).order_by("pk")
    services.paper_cast(
        rater=used,
        code=used.code,
        answers=dict(
            zip(
                [str(s.pk) for s in ballot.subjects.order_by("sort_order")], [{"choice": c} for c in MIXED], strict=True
            )
        ),
    )
    page = client_for(hr).get(reverse("evaluations:ballot_codes_print", args=[ballot.pk])).content.decode()
    assert unused.code in page and used.code not in page
    # Closed, the codes open nothing: the page says so and prints none (a user test printed dead codes).
    services.ballot_close(actor=hr, ballot=ballot)
    page = client_for(hr).get(reverse("evaluations:ballot_codes_print", args=[ballot.pk])).content.decode()
    assert 'data-testid="codes-closed"' in page and unused.code not in page


def test_the_tally_page_and_export_after_closing(client_for, ballot, hr, staff, colleague):
    client_for(staff).post(reverse("evaluations:ballot_paper", args=[ballot.pk]), paper_post(ballot, MIXED))
    client_for(colleague).post(
        reverse("evaluations:ballot_paper", args=[ballot.pk]),
        paper_post(ballot, ["competent", "competent", "excellent", "incompetent", "competent"]),
    )
    client = client_for(hr)
    assert client.get(reverse("evaluations:ballot_tally", args=[ballot.pk])).status_code == 302
    response = client.post(reverse("evaluations:ballot_close", args=[ballot.pk]))
    assert response.url == reverse("evaluations:ballot_tally", args=[ballot.pk])
    page = client.get(response.url).content.decode()
    assert "1（50.0%）" in page and "2（100.0%）" in page
    export = client.post(reverse("evaluations:ballot_tally_export", args=[ballot.pk]))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == "科长0" and rows[1][3] == 2 and rows[1][4] == 1 and float(rows[1][5]) == 50.0
    # 科长3: one 基本称职 and one 不称职 of two: 100 % ≥ 30 %.
    assert rows[4][-2] == "基本称职" and "100.0%" in rows[4][-1]


def _ballots(hr, people, n):
    for number in range(n):
        services.ballot_open(
            actor=hr, organisation=hr.organisation, title=f"测评{number}", year=2026, subjects=people, raters=people
        )


@pytest.mark.parametrize("name", ["evaluations:ballot_list", "evaluations:my_ballots"])
def test_lists_cost_the_same_queries_for_few_and_many_ballots(client_for, hr, heads, django_assert_num_queries, name):
    viewer = hr if name == "evaluations:ballot_list" else heads[0]
    client = client_for(viewer)
    _ballots(hr, heads, 1)
    client.get(reverse(name))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse(name))
    _ballots(hr, heads, 30)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse(name))
    assert response.context["page"].paginator.count == 31


def test_the_tally_page_costs_the_same_queries_for_few_and_many_people(
    client_for, hr, department, django_assert_num_queries
):
    client = client_for(hr)
    counts = []
    for size in (2, 60):
        people = [UserFactory(department=department) for _n in range(size)]
        raters = [UserFactory(department=department) for _n in range(2)]
        ballot = services.ballot_open(
            actor=hr, organisation=hr.organisation, title="t", year=2026, subjects=people, raters=raters
        )
        # A void paper (everyone alike) and a valid one: the tally also says why papers were void.
        subjects = list(ballot.subjects.order_by("sort_order"))
        alike = {s.pk: {"choice": "competent"} for s in subjects}
        mixed = {**alike, subjects[0].pk: {"choice": "basically_competent"}}
        for rater, answers in zip(raters, (alike, mixed), strict=True):
            services.paper_cast(rater=ballot.raters.get(user=rater), answers=answers, actor=rater)
        services.ballot_close(actor=hr, ballot=ballot)
        url = reverse("evaluations:ballot_tally", args=[ballot.pk])
        counts.append(warm_page_queries(client, url))
        assert "废票原因：所有被测评人的评价相同 1 张。" in client.get(url).content.decode()
    assert counts[0] == counts[1]


def test_raters_are_told_when_a_ballot_opens(ballot, staff):
    notification = staff.notifications.get()
    assert "科级干部民主测评" in notification.message
    assert notification.url == reverse("evaluations:ballot_paper", args=[ballot.pk])
    assert BallotRater.objects.filter(ballot=ballot, user=staff).exists()


def test_the_ballot_page_costs_the_same_queries_for_few_and_many_raters(client_for, hr, department):
    client = client_for(hr)
    counts = []
    for size in (2, 40):
        people = [UserFactory(department=department) for _n in range(size)]
        ballot = open_ballot(hr, subjects=people, raters=people, title="t", service_user_codes=3)
        counts.append(warm_page_queries(client, reverse("evaluations:ballot_detail", args=[ballot.pk])))
    assert counts[0] == counts[1]


def test_the_paper_says_its_void_rules_and_the_tally_why_papers_were_void(client_for, hr, ballot, staff):
    url = reverse("evaluations:ballot_paper", args=[ballot.pk])
    client = client_for(staff)
    page = client.get(url).content.decode()
    # Said before the paper is cast: a void paper cannot be cast again.
    assert 'data-testid="void-rule">对所有被测评人作出相同评价的，测评票作废。<' in page
    assert 'data-testid="void-hint"' in page and 'data-identical="1"' in page
    assert client.post(url, paper_post(ballot, ["competent"] * 5)).status_code == 302
    services.ballot_close(actor=hr, ballot=ballot)
    # The reason stored as a code, said in the reader's language (the voter may have read English).
    assert Paper.objects.get().void_reason == "identical"
    tally = client_for(hr).get(reverse("evaluations:ballot_tally", args=[ballot.pk])).content.decode()
    assert "废票 1 张" in tally
    assert 'data-testid="tally-void-reasons">废票原因：所有被测评人的评价相同 1 张。<' in tally


def test_closing_with_fewer_than_two_thirds_voted_is_warned_on_the_page_and_in_the_confirmation(
    client_for, hr, ballot, staff
):
    url = reverse("evaluations:ballot_detail", args=[ballot.pk])
    raters = ballot.raters.count()
    page = client_for(hr).get(url).content.decode()
    assert f"已投票 0/{raters}，不足测评人的三分之二" in page
    form = re.search(r'<form[^>]*action="[^"]*/close/"[^>]*>', page).group(0)
    assert 'data-confirm="投票人数不足测评人的三分之二。' in form
    # Two thirds voted: no warning.
    BallotRater.objects.filter(ballot=ballot).update(has_voted=True)
    page = client_for(hr).get(url).content.decode()
    assert 'data-testid="low-turnout"' not in page and "不足测评人的三分之二" not in page


def test_issuing_a_number_of_codes_out_of_range_says_the_range(client_for, hr, ballot):
    before = ballot.raters.count()
    response = client_for(hr).post(reverse("evaluations:ballot_codes", args=[ballot.pk]), {"count": "0"}, follow=True)
    assert "增发测评码数量须为1至500。" in response.content.decode()
    assert ballot.raters.count() == before


def test_a_paper_voided_while_read_in_english_is_said_in_the_tallys_language(client_for, hr, ballot, staff):
    from django.utils import translation

    subjects = list(ballot.subjects.order_by("sort_order"))
    with translation.override("en"):
        services.paper_cast(
            rater=ballot.raters.get(user=staff), answers={s.pk: {"choice": "competent"} for s in subjects}, actor=staff
        )
    services.ballot_close(actor=hr, ballot=ballot)
    tally = client_for(hr).get(reverse("evaluations:ballot_tally", args=[ballot.pk])).content.decode()
    assert "废票原因：所有被测评人的评价相同 1 张。" in tally and "rated alike" not in tally
