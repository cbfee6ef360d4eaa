"""Confirmations in a browser (a user test of the public-welfare posts and their 民主测评): a ballot
paper that would be void says so beside 提交 and in 提交's question, on a phone; a form missing what
it requires (an empty 述职, an empty paper, no 服务对象人数) is sent without its question and
refused by the server; the board's 发布公示 of a second welfare batch says whom it publishes."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from evaluations.welfare.models import WelfareStage
from tests.e2e.conftest import a_unit, leaders_ballot
from tests.factories import PASSWORD, WelfareAssessmentFactory, WelfarePostFactory

pytestmark = pytest.mark.e2e

TODAY = date(2026, 12, 1)


@pytest.fixture
def unit(transactional_db):
    return a_unit(prefix="c", code="houqin", name="后勤服务中心", department_name="后勤科")


def _sent_without_a_question(ui, asked: list[str], test_id: str) -> None:
    """Press the button ``test_id`` of a form missing what it requires: the page asks nothing and
    sends it (the server then says what is missing)."""
    with ui.page.expect_navigation():
        ui.page.get_by_test_id(test_id).click()
    assert asked == []


def test_a_void_paper_says_so_beside_submit_and_in_its_question_on_a_phone(phone_ui, unit, clock):
    clock.move_to(TODAY)
    ballot = leaders_ballot(unit, 8)
    # Every question answered no: a step asked about is not taken.
    with phone_ui.answering_questions(accept=False) as asked:
        phone_ui.sign_in_as("c_leader", PASSWORD, to=f"/evaluations/ballots/{ballot.pk}/paper/")
        page = phone_ui.page
        # Cast empty: nothing asked, the server says what is missing.
        _sent_without_a_question(phone_ui, asked, "paper-cast-button")
        expect(page.get_by_test_id("paper-errors")).to_be_visible()

        fieldsets = page.get_by_test_id("paper-subject")
        for number in range(8):
            fieldsets.nth(number).get_by_label("称职", exact=True).check()
        cast_button = page.get_by_test_id("paper-cast-button")
        cast_button.scroll_into_view_if_needed()
        void_hint = page.get_by_test_id("void-hint")
        expect(void_hint).to_be_visible()
        expect(void_hint).to_be_in_viewport()
        cast_button.click()
        assert len(asked) == 1 and "这张测评票将作为废票" in asked[0] and "对所有被测评人作出了相同评价" in asked[0]
        assert "测评票提交后不能修改" in asked[0]
        # Answered no: nothing was sent; told apart, the question is the usual one again.
        fieldsets.nth(0).get_by_label("优秀", exact=True).check()
        expect(void_hint).to_be_hidden()
        cast_button.click()
        assert asked[1] == "测评票提交后不能修改，也不能重新投票。确定提交？"


def test_an_empty_report_is_refused_without_being_asked_about(phone_ui, unit, clock):
    clock.move_to(TODAY)
    post = WelfarePostFactory(person__department=unit["department"], person__username="c_worker")
    assessment = WelfareAssessmentFactory(post=post)
    with phone_ui.answering_questions(accept=False) as asked:
        phone_ui.sign_in_as("c_worker", PASSWORD, to=f"/evaluations/welfare/assessment/{assessment.pk}/report/")
        page = phone_ui.page
        _sent_without_a_question(phone_ui, asked, "welfare-report-submit")
        expect(page.get_by_text("请填写述职内容或上传述职材料后再提交。")).to_be_visible()
        page.fill("textarea[name=report_text]", "全年出勤。")
        page.get_by_test_id("welfare-report-submit").click()
        assert len(asked) == 1 and "审核期间不能修改" in asked[0]


def test_a_ballot_for_every_worker_without_service_users_is_refused_without_being_asked_about(ui, unit, clock):
    clock.move_to(TODAY)
    for name in ("保洁员甲", "保洁员乙"):
        post = WelfarePostFactory(person__department=unit["department"], person__full_name=name)
        WelfareAssessmentFactory(post=post, stage=WelfareStage.RATING)
    with ui.answering_questions(accept=False) as asked:
        ui.sign_in_as("c_hr", PASSWORD, to="/evaluations/welfare/2026/")
        ui.page.fill("input[name=service_users]", "")
        _sent_without_a_question(ui, asked, "welfare-ballot-all")
        expect(ui.page.get_by_text("服务对象须为2至4人。")).to_be_visible()


def test_the_second_welfare_batch_is_asked_about_as_what_it_publishes(ui, unit, clock):
    from publicity.publication import services as publication_services

    clock.move_to(TODAY)
    for name in ("保洁员甲", "保洁员乙"):
        post = WelfarePostFactory(person__department=unit["department"], person__full_name=name)
        WelfareAssessmentFactory(post=post, stage=WelfareStage.DECISION, grade="qualified", renew=True)
    publication_services.publication_open_welfare(actor=unit["hr"], organisation=unit["organisation"], year=2026)
    late = WelfarePostFactory(person__department=unit["department"], person__full_name="保洁员丙")
    WelfareAssessmentFactory(post=late, stage=WelfareStage.DECISION, grade="qualified", renew=True)
    with ui.answering_questions(accept=False) as asked:
        ui.sign_in_as("c_hr", PASSWORD, to="/publicity/")
        # Nothing chosen: sent without a question, the server asks to choose.
        _sent_without_a_question(ui, asked, "publish-submit")
        card = ui.page.get_by_test_id("publish-card")
        card.locator("select").select_option("w:2026")
        ui.page.get_by_test_id("publish-submit").click()
        assert len(asked) == 1 and "尚未公示的1名公益性岗位人员" in asked[0] and "（第2批）" in asked[0]
        assert "每个季度或年度只公示一次" not in asked[0]
