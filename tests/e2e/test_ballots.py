"""Issue 14, 民主测评 in a browser: HR opens a ballot; three raters (one with a single-use code and
no account) fill it on a phone; a paper over the 优秀 limit is refused; the tally's percentages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from evaluations.ballots import services
from evaluations.ballots.models import BallotRater, Paper
from tests.factories import PASSWORD, DepartmentFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(transactional_db):
    organisation = OrganisationFactory(code="ballotorg", name="测评局")
    department = DepartmentFactory(organisation=organisation, name="办公室")
    hr = UserFactory(username="ballot_hr", organisation=organisation, department=None, roles=[Role.HR_ADMIN])
    subjects = [UserFactory(department=department, full_name=f"被测评人{n}", employee_number=f"S{n}") for n in range(5)]
    raters = [UserFactory(username=f"rater{n}", department=department, employee_number=f"R{n}") for n in range(2)]
    return hr, subjects, raters


def fill_paper(ui, choices: list[str]) -> None:
    fieldsets = ui.page.get_by_test_id("paper-subject")
    expect(fieldsets).to_have_count(len(choices))
    for number, choice in enumerate(choices):
        fieldsets.nth(number).get_by_label(choice, exact=True).check()


def cast(ui) -> None:
    """提交测评票: casting cannot be undone, so the page asks first; the rater agrees."""
    asked: list[str] = []
    ui.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("paper-cast-button").click()
    assert asked == ["测评票提交后不能修改，也不能重新投票。确定提交？"]


def test_a_ballot_from_opening_to_the_tally_on_a_phone(ui, phone_ui, people):
    hr, subjects, raters = people
    # HR opens the ballot: five people rated, two colleagues and one service-user code.
    ui.sign_in_as(hr.username, PASSWORD)
    ui.go_via_menu("民主测评", "/evaluations/ballots/")
    ui.page.get_by_test_id("ballot-open-link").click()
    ui.page.fill("input[name=title]", "2026年度中层干部民主测评")
    ui.page.uncheck("input[name=all_heads]")
    ui.page.uncheck("input[name=all_staff]")
    ui.page.uncheck("input[name=all_leaders]")
    ui.page.fill("textarea[name=subject_numbers]", " ".join(s.employee_number for s in subjects))
    ui.page.fill("textarea[name=rater_numbers]", "R0, R1")
    ui.page.fill("input[name=service_user_codes]", "1")
    # Opening tells the raters at once: the browser asks first.
    opening: list[str] = []
    ui.page.once("dialog", lambda dialog: (opening.append(dialog.message), dialog.accept()))
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="发起").click()
    assert opening and "确定发起" in opening[0], opening
    expect(ui.page.get_by_test_id("ballot-summary")).to_contain_text("已投票 0/3")
    detail_url = ui.page.url
    ui.page.get_by_test_id("codes-print-link").click()
    code = ui.page.get_by_test_id("code").inner_text().strip()

    # The first colleague on a phone: two 优秀 of five is over the limit (one), hinted and refused.
    phone = phone_ui
    phone.sign_in_as("rater0", PASSWORD, to="/evaluations/ballots/mine/")
    phone.page.get_by_test_id("my-ballot").get_by_role("link").click()
    expect(phone.page.get_by_test_id("excellent-limit")).to_contain_text("最多 1 人")
    fill_paper(phone, ["优秀", "优秀", "称职", "称职", "基本称职"])
    expect(phone.page.get_by_test_id("excellent-hint")).to_be_visible()
    phone.assert_fits_screen()
    cast(phone)
    expect(phone.page.get_by_test_id("paper-errors")).to_contain_text("不得超过1人")
    fill_paper(phone, ["优秀", "称职", "称职", "称职", "基本称职"])
    expect(phone.page.get_by_test_id("excellent-hint")).to_be_hidden()
    cast(phone)
    expect(phone.page.get_by_test_id("paper-cast")).to_be_visible()

    # The second colleague saves half-way, comes back, and casts.
    phone.page.context.clear_cookies()
    phone.sign_in_as("rater1", PASSWORD, to="/evaluations/ballots/mine/")
    phone.page.get_by_test_id("my-ballot").get_by_role("link").click()
    paper_url = phone.page.url
    fieldsets = phone.page.get_by_test_id("paper-subject")
    fieldsets.nth(0).get_by_label("称职", exact=True).check()
    with phone.page.expect_navigation():
        phone.page.get_by_test_id("paper-save").click()
    phone.page.goto(paper_url)
    expect(fieldsets.nth(0).get_by_label("称职", exact=True)).to_be_checked()
    fill_paper(phone, ["称职", "优秀", "称职", "称职", "称职"])
    cast(phone)
    expect(phone.page.get_by_test_id("paper-cast")).to_be_visible()

    # A service user without an account, with the printed code.
    phone.page.context.clear_cookies()
    phone.goto("/evaluations/ballots/code/")
    phone.page.fill("input[name=code]", code)
    with phone.page.expect_navigation():
        phone.page.get_by_role("button", name="开始测评").click()
    fill_paper(phone, ["称职", "称职", "优秀", "称职", "不称职"])
    phone.assert_fits_screen()
    cast(phone)
    expect(phone.page.get_by_test_id("code-done")).to_be_visible()
    phone.assert_no_csp_errors()

    # HR closes the ballot and reads the tally.
    ui.page.goto(detail_url)
    expect(ui.page.get_by_test_id("ballot-summary")).to_contain_text("已投票 3/3")
    # Closing cannot be undone: the page asks first, with the turnout.
    asked: list[str] = []
    ui.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("ballot-close").click()
    assert asked and "已投票 3/3" in asked[0] and "确定结束测评并计票" in asked[0]
    expect(ui.page.get_by_test_id("tally-summary")).to_contain_text("有效票 3 张")
    first = ui.page.locator("[data-testid=tally-row][data-person=被测评人0]")
    expect(first.get_by_test_id("tally-excellent")).to_have_text("1（33.3%）")
    expect(first.get_by_test_id("tally-competent")).to_have_text("2（66.7%）")
    last = ui.page.locator("[data-testid=tally-row][data-person=被测评人4]")
    expect(last.get_by_test_id("tally-basically_competent")).to_have_text("1（33.3%）")
    expect(last.get_by_test_id("tally-incompetent")).to_have_text("1（33.3%）")
    expect(last.get_by_test_id("tally-suggestion")).to_contain_text("基本称职")
    ui.assert_no_csp_errors()


def test_submitting_a_paper_asks_first_and_saving_does_not(ui, people):
    hr, subjects, raters = people
    ballot = services.ballot_open(
        actor=hr, organisation=hr.organisation, title="民主测评", year=2026, subjects=subjects, raters=raters
    )
    asked: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    ui.page.on("dialog", on_dialog)
    ui.sign_in_as("rater0", PASSWORD, to=f"/evaluations/ballots/{ballot.pk}/paper/")
    # Everyone rated alike: the page says at once that such a paper would be void.
    void_hint = ui.page.get_by_test_id("void-hint")
    fill_paper(ui, ["称职"] * 5)
    expect(void_hint).to_be_visible()
    expect(void_hint).to_contain_text("对所有被测评人作出了相同评价")
    fill_paper(ui, ["优秀", "称职", "称职", "称职", "基本称职"])
    expect(void_hint).to_be_hidden()
    # The rater thinks again: nothing is sent, the answers stay on the page.
    ui.page.get_by_test_id("paper-cast-button").click()
    assert asked == ["测评票提交后不能修改，也不能重新投票。确定提交？"]
    expect(ui.page.get_by_test_id("paper-subject").nth(0).get_by_label("优秀", exact=True)).to_be_checked()
    # 保存 keeps a draft without asking.
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("paper-save").click()
    assert len(asked) == 1 and not Paper.objects.exists()
    assert len(BallotRater.objects.get(ballot=ballot, user=raters[0]).draft) == 5
    answer["accept"] = True
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("paper-cast-button").click()
    expect(ui.page.get_by_test_id("paper-cast")).to_be_visible()
    assert len(asked) == 2 and Paper.objects.count() == 1
