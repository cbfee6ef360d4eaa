"""Issue 14, the public-welfare-post assessment in a real browser: HR opens the year; the worker
(on a phone) writes and hands in the 述职; HR approves it, records the interview, opens the
民主测评 (two service users cast their papers by code), ends it and records the collective decision
(不合格, not renewed); HR publishes the results on the board (张榜公示); after the window the
locking job makes the result final, and since the worker was 不合格 the year before too, a
termination item with its deadline appears on HR's to-do list."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from evaluations.ballots import services as ballot_services
from evaluations.welfare.models import WelfareAssessment, WelfareStage
from tests.e2e.conftest import a_unit
from tests.factories import PASSWORD, WelfareAssessmentFactory, WelfarePostFactory

pytestmark = pytest.mark.e2e

TODAY = date(2026, 12, 1)
AFTER_WINDOW = date(2026, 12, 15)


@pytest.fixture
def unit(transactional_db):
    people = a_unit(prefix="w", code="jiedao", name="城关街道办事处", department_name="环卫所")
    post = WelfarePostFactory(
        person__department=people["department"], person__username="w_worker", person__full_name="保洁员王"
    )
    # Last year's final result was 不合格: a second one means termination.
    WelfareAssessmentFactory(post=post, year=2025, stage=WelfareStage.FINAL, grade="unqualified", renew=False)
    return {"hr": people["hr"], "worker": post.person}


def test_a_worker_goes_from_report_to_publication_to_final_and_a_second_unqualified_terminates(
    ui, phone_ui, unit, clock
):
    clock.move_to(TODAY)
    ui.sign_in_as("w_hr", PASSWORD)
    ui.go_via_menu("公益性岗位考核", "/evaluations/welfare/")
    # It asks first, naming how many it notifies (it cannot be undone).
    with ui.answering_questions() as asked, ui.page.expect_navigation():
        ui.page.get_by_test_id("welfare-open").click()
    assert len(asked) == 1 and "将为1名公益性岗位人员开展" in asked[0]
    expect(ui.page.get_by_test_id("welfare-row")).to_have_count(1)

    # The worker, on a phone, writes the 述职 and hands it in.
    phone_ui.sign_in_as("w_worker", PASSWORD)
    phone_ui.go_via_menu("我的年度考核", "/evaluations/welfare/mine/")
    phone_ui.page.get_by_test_id("welfare-mine").get_by_role("link").first.click()
    phone_ui.page.get_by_test_id("welfare-report-edit").click()
    phone_ui.page.fill("textarea[name=report_text]", "负责城关片区保洁，全年出勤。")
    # Handing in cannot be undone: the browser asks first.
    asked: list[str] = []
    phone_ui.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with phone_ui.page.expect_navigation():
        phone_ui.page.get_by_test_id("welfare-report-submit").click()
    assert asked and "审核期间不能修改" in asked[0], asked
    expect(phone_ui.page.get_by_test_id("welfare-report-status")).to_have_text("已提交")
    phone_ui.assert_fits_screen()
    assessment_url = phone_ui.page.url

    # HR: 述职 approved, interview recorded, 民主测评 opened.
    ui.page.goto(assessment_url)
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("welfare-report-approve").click()
    ui.page.fill("#id_notes", "谈话：多次脱岗，群众有反映。")
    asked = []
    ui.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("welfare-interview-form").get_by_role("button").click()
    assert asked and "进入民主测评" in asked[0]  # the step cannot be undone: asked first
    # Five service users, one more than the policy allows: said, not silently kept back by the browser.
    ui.page.fill("#id_service_users", "5")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("welfare-ballot-open").click()
    expect(ui.page.get_by_text("服务对象须为2至4人。")).to_be_visible()
    ui.page.fill("#id_service_users", "2")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("welfare-ballot-open").click()
    expect(ui.page.get_by_test_id("welfare-codes").locator("code")).to_have_count(2)

    # Two service users cast their papers with their codes (the ballot pages are the ballots room's).
    assessment = WelfareAssessment.objects.get(owner=unit["worker"], year=2026)
    subject = assessment.ballot_subject
    for rater in subject.ballot.raters.filter(code__isnull=False):
        ballot_services.paper_cast(rater=rater, answers={subject.pk: {"choice": "dissatisfied"}}, code=rater.code)
    ui.page.reload()
    # No counts while the ballot is open (HR hands each code out in person); closing asks first.
    expect(ui.page.get_by_test_id("welfare-tally")).to_have_count(0)
    expect(ui.page.get_by_test_id("welfare-tally-hidden")).to_be_visible()
    ui.page.once("dialog", lambda dialog: dialog.accept())
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("welfare-ballot-close").click()
    expect(ui.page.get_by_test_id("welfare-tally")).to_contain_text("100.0%")

    # 集体研究: 不合格, not renewed.
    form = ui.page.get_by_test_id("welfare-decision-form")
    form.get_by_label("不合格").check()
    form.get_by_label("不续签").check()
    form.locator("textarea").fill("经单位集体研究，考核不合格，不予续签。")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("welfare-decide").click()
    expect(ui.page.get_by_test_id("welfare-grade")).to_contain_text("不合格")

    # 张榜公示 on the board.
    ui.go_via_menu("结果公示", "/publicity/")
    # The choice says how many it publishes, and so does the question.
    asked = ui.publish("2026年度公益性岗位考核结果 · 1人")
    expect(ui.page.get_by_test_id("publication-title")).to_contain_text("公益性岗位")
    assert "不能撤回" in asked and "尚未公示的1名公益性岗位人员" in asked  # published to everyone at once: asked first
    ui.page.goto(assessment_url)
    expect(ui.page.get_by_test_id("welfare-stage")).to_contain_text("张榜公示")

    # After the window the locking job makes it final; the termination is on HR's to-do list.
    clock.move_to(AFTER_WINDOW)
    call_command("lock_publications")
    ui.page.reload()
    expect(ui.page.get_by_test_id("welfare-final")).to_be_visible()
    expect(ui.page.get_by_test_id("welfare-consequences")).to_contain_text("解除劳动合同")
    ui.goto("/")
    expect(ui.page.get_by_test_id("todo-welfare-termination")).to_be_visible()
    ui.page.get_by_test_id("todo-welfare-termination").get_by_role("link").first.click()
    expect(ui.page.locator("[data-testid=welfare-consequence][data-kind=termination]")).to_have_count(1)
    ui.screenshot("welfare-termination")
