"""The one-vote veto end to end, in a real browser, on the demo organisation (DOMAIN.md §5, §7).

The year's four quarters are graded, confirmed and approved through the services, so that one
staff member has 好 in three of them and everyone else 较好: after the annual roll-up that person
is the only one eligible for 优秀, and suggested 优秀. Then: demo_inspector records an inspection on
/evaluations/inspections/ with a 严重 finding about them — the veto flag is raised when the
inspection commits (the live server runs tasks eagerly); demo_hr re-runs the year on
/evaluations/annual/<year>/ and the suggestion falls to 称职 with the veto named in the reasons;
demo_inspector lifts the flag with a reason on /evaluations/veto/; demo_chief re-runs the year and
the person is suggested 优秀 again.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import periods
from accounts.models import StaffStatus, User
from accounts.selectors import evaluator_of, participants_of
from evaluations.annual.services import rollup_year
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    grade_assign,
    grade_confirm,
)
from evaluations.grading.services.suggestions import uncertain_bases
from evaluations.models import AnnualGrade, AnnualResult, Finding, Grade, GradeState, InspectionKind, Severity, VetoFlag
from tests.factories import quarter_open_with_inputs

pytestmark = pytest.mark.e2e

INSPECTIONS = "/evaluations/inspections/"
VETO = "/evaluations/veto/"
SERIOUS_TEXT = "工作日午间接受管理服务对象宴请并饮酒，违反中央八项规定精神。"
LIFT_REASON = "经复核，宴请系亲属家宴，当事人已提交情况说明及证明材料，不属于违反八项规定精神情形。"

# Columns of the annual list (evaluations/annual/list.html).
SUGGESTED, REASONS = 5, 6


# --- Helpers -----------------------------------------------------------------------------


def pick_candidate(organisation) -> User:
    """An ordinary staff member (no special status) whose name no one else's contains, so a row
    filtered by the name is theirs alone."""
    special = StaffStatus.objects.values("user_id")
    people = list(
        participants_of(organisation=organisation)
        .exclude(username__startswith="demo_")
        .exclude(pk__in=special)
        .filter(username__startswith="s")
        .select_related("department")
        .order_by("pk")
    )
    names = list(User.objects.filter(organisation=organisation).values_list("pk", "full_name"))
    for person in people:
        if not any(person.full_name in name for pk, name in names if pk != person.pk):
            return person
    raise AssertionError("no staff member with a distinct name")


def grade_the_year(organisation, *, year: int, star: User, clock) -> None:
    """Grade, confirm and approve the four quarters: ``star`` 好 in Q1–Q3 and 较好 in Q4, everyone
    else 较好 (so ``star`` alone is eligible for 优秀). Each quarter in its own grading window (the
    clock moved to the day after it ends); the clock is back to today afterwards."""
    chief = User.objects.get(organisation=organisation, username="demo_chief")
    for quarter in range(1, 5):
        clock.move_to(periods.Quarter(year, quarter).last_day + timedelta(days=1))
        appraisal_quarter = quarter_open_with_inputs(organisation, periods.Quarter(year, quarter))
        # The demo's long leave (Q2) is 不确定等次, as the staff register leaves it no other grade.
        bases = uncertain_bases(appraisal_quarter=appraisal_quarter, person_ids=None)
        for row in appraisal_quarter.grades.select_related("person__department").order_by("pk"):
            good = row.person_id == star.pk and quarter < 4
            grade = Grade.UNCERTAIN if row.person_id in bases else Grade.GOOD if good else Grade.FAIRLY_GOOD
            graded = grade_assign(
                grade_row=row,
                actor=evaluator_of(person=row.person),
                grade=grade,
                comment="圆满完成季度重点工作，成效突出。" if good else "工作认真负责，较好完成季度目标任务。",
                uncertain_reason=bases[row.person_id].reasons[0] if grade == Grade.UNCERTAIN else "",
            )
            if graded.state == GradeState.GRADED:
                grade_confirm(grade_row=graded, actor=graded.department.supervising_leader)
        appraisal_quarter_approve(appraisal_quarter=appraisal_quarter, actor=chief)
    clock.reset()


def suggestion_after_recompute(ui, year: int, name: str):
    """Re-run the year from 年度考核 and find ``name``'s row: its suggested grade and reasons cells."""
    ui.go_via_menu("年度考核", f"/evaluations/annual/{year}/")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("recompute").click()
    expect(ui.page.locator(".alert-success")).to_contain_text("已重新计算")
    row = ui.page.get_by_test_id("annual-row").filter(has_text=name)
    expect(row).to_have_count(1)
    return row.locator("td").nth(SUGGESTED), row.locator("td").nth(REASONS)


# --- The test ------------------------------------------------------------------------------


def test_a_serious_finding_vetoes_excellent_until_an_inspector_lifts_it(ui, demo, clock):
    page = ui.page
    year = timezone.localdate().year
    star = pick_candidate(demo)
    grade_the_year(demo, year=year, star=star, clock=clock)
    rollup_year(organisation=demo, year=year)
    before = AnnualResult.objects.get(person=star, year=year)
    assert (before.suggested_grade, before.rank) == (AnnualGrade.EXCELLENT, 1)
    department = star.department

    # 1. demo_inspector records an inspection of the person's department with a 严重 finding.
    ui.sign_in_as("demo_inspector")
    ui.go_via_menu("纪律作风检查", INSPECTIONS)
    with page.expect_navigation():
        page.get_by_test_id("record-inspection").click()
    expect(page.locator("h1")).to_contain_text("记录纪律作风检查")
    page.select_option("select[name=kind]", InspectionKind.DISCIPLINE)
    page.get_by_label(department.name, exact=True).check()
    page.fill("textarea[name=note]", f"对{department.name}开展工作日午间禁酒规定执行情况检查，查阅公务接待清单。")
    page.select_option(
        "select[name=findings-0-person]", label=f"{star.full_name}（{star.employee_number}，{department.name}）"
    )
    page.select_option("select[name=findings-0-severity]", Severity.SERIOUS)
    page.fill("textarea[name=findings-0-description]", SERIOUS_TEXT)
    page.fill("textarea[name=findings-0-evidence]", "群众举报材料、餐饮消费记录。")
    ui.screenshot("01-record-inspection")
    # A 严重 finding vetoes the person's year: the browser asks first; declined, nothing is saved.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("main form button[type=submit]").click()
    page.wait_for_timeout(300)
    assert asked and "一票否决" in asked[0] and page.url.endswith("/new/")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("检查记录已保存")
    expect(page.locator(".alert-success")).to_contain_text(f"严重问题将对{star.full_name}")
    finding_row = page.get_by_test_id("finding-row")
    expect(finding_row).to_have_count(1)
    expect(finding_row).to_contain_text(star.full_name)
    expect(finding_row).to_contain_text("严重")
    ui.screenshot("02-inspection-recorded")

    # The flag was raised when the inspection committed (tasks run eagerly on the live server).
    finding = Finding.objects.get(person=star, severity=Severity.SERIOUS)
    flag = VetoFlag.objects.get(finding=finding)
    assert (flag.person_id, flag.year, flag.is_active) == (star.pk, year, True)
    ui.go_via_menu("一票否决", VETO)
    veto_row = page.get_by_test_id("veto-row").filter(has_text=star.full_name)
    expect(veto_row).to_have_count(1)
    expect(veto_row).to_contain_text("生效中")
    expect(veto_row).to_contain_text(SERIOUS_TEXT)
    ui.screenshot("03-veto-raised")
    ui.assert_no_csp_errors()

    # 2. demo_hr re-runs the year: no longer 优秀, the veto named in the reasons.
    ui.sign_in_as("demo_hr")
    suggested, reasons = suggestion_after_recompute(ui, year, star.full_name)
    expect(suggested).to_have_text("称职")
    expect(reasons).to_contain_text("存在一票否决事项")
    expect(reasons).to_contain_text(SERIOUS_TEXT)
    expect(reasons).to_contain_text("不具备优秀资格：有一票否决事项")
    ui.screenshot("04-annual-vetoed")
    vetoed = AnnualResult.objects.get(person=star, year=year)
    assert (vetoed.suggested_grade, vetoed.eligible_excellent) == (AnnualGrade.COMPETENT, False)
    ui.assert_no_csp_errors()

    # 3. demo_inspector lifts the flag, with the reason (an empty reason is refused first).
    ui.sign_in_as("demo_inspector")
    ui.go_via_menu("一票否决", VETO)
    veto_row = page.get_by_test_id("veto-row").filter(has_text=star.full_name)
    with page.expect_navigation():
        veto_row.get_by_role("link", name="解除").click()
    expect(page.locator("h1")).to_contain_text("解除一票否决")
    expect(page.locator("main")).to_contain_text(star.full_name)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("解除一票否决须说明理由")
    page.fill("textarea[name=reason]", LIFT_REASON)
    ui.screenshot("05-lift")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert asked and star.full_name in asked[0] and "确定解除" in asked[0]  # asked first, with whose flag
    expect(page.locator(".alert-success")).to_contain_text("已解除")
    veto_row = page.get_by_test_id("veto-row").filter(has_text=star.full_name)
    expect(veto_row).to_contain_text("已解除")
    expect(veto_row).to_contain_text(LIFT_REASON)
    expect(veto_row.get_by_role("link", name="解除")).to_have_count(0)
    ui.screenshot("06-lifted")
    flag.refresh_from_db()
    assert flag.lift_reason == LIFT_REASON and flag.lifted_by.username == "demo_inspector"
    ui.assert_no_csp_errors()

    # 4. The agency head re-runs the year: eligible again, and within the quota suggested 优秀.
    ui.sign_in_as("demo_chief")
    suggested, reasons = suggestion_after_recompute(ui, year, star.full_name)
    expect(suggested).to_have_text("优秀")
    expect(reasons).to_contain_text("具备优秀资格，排第1")
    expect(reasons).not_to_contain_text("一票否决")
    ui.screenshot("07-annual-excellent-again")
    after = AnnualResult.objects.get(person=star, year=year)
    assert (after.suggested_grade, after.eligible_excellent, after.rank) == (AnnualGrade.EXCELLENT, True, 1)
    ui.assert_no_csp_errors()


def _yesterdays_inspection(demo, severity: str, description: str):
    """demo_inspector's inspection of yesterday with one finding about the demo's candidate."""
    from evaluations.discipline.services.inspections import inspection_record

    person = pick_candidate(demo)
    return inspection_record(
        organisation=demo,
        inspector=User.objects.get(organisation=demo, username="demo_inspector"),
        date=periods.today() - timedelta(days=1),
        kind=InspectionKind.DISCIPLINE,
        departments=[person.department],
        note="",
        findings=[{"person": person, "severity": severity, "description": description}],
    )


def test_a_correction_that_makes_a_persons_finding_serious_asks_first(ui, demo):
    """The 更正 page asks before a person's finding becomes 严重 (a veto), as recording one does;
    dismissed, nothing is saved; a correction of other wording asks nothing."""
    inspection = _yesterdays_inspection(demo, Severity.MODERATE, "上班时间玩手机游戏。")
    finding = inspection.findings.get()
    page = ui.page
    ui.sign_in_as("demo_inspector", to=f"{INSPECTIONS}{inspection.pk}/correct/")
    page.select_option(f"select[name='severity_{finding.pk}']", Severity.SERIOUS)
    page.fill("textarea[name='reason'], input[name='reason']", "经核实情节严重。")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_test_id("save-correction").click()
    page.wait_for_timeout(300)
    assert asked and "一票否决" in asked[0]
    finding.refresh_from_db()
    assert finding.severity == Severity.MODERATE

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_test_id("save-correction").click()
    finding.refresh_from_db()
    assert finding.severity == Severity.SERIOUS

    # Now serious, a correction of its wording asks nothing more.
    ui.goto(f"{INSPECTIONS}{inspection.pk}/correct/")
    page.fill(f"textarea[name='description_{finding.pk}']", "上班时间多次玩手机游戏。")
    page.fill("textarea[name='reason'], input[name='reason']", "补充情节。")
    asked.clear()
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    with page.expect_navigation():
        page.get_by_test_id("save-correction").click()
    assert asked == []
    finding.refresh_from_db()
    assert finding.description == "上班时间多次玩手机游戏。"


def test_a_withdrawal_without_its_reason_is_not_asked_about_but_refused_with_what_is_missing(ui, demo):
    """A user test: ticking 撤销此项发现 with no reason asked 确定撤销？ first, then the server said
    the field was required. Like every question of the site, it is asked once the form is whole."""
    inspection = _yesterdays_inspection(demo, Severity.MINOR, "迟到五分钟。")
    finding = inspection.findings.get()
    page = ui.page
    ui.sign_in_as("demo_inspector", to=f"{INSPECTIONS}{inspection.pk}/correct/")
    page.check(f"input[name='withdraw_{finding.pk}']")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    with page.expect_navigation():
        page.get_by_test_id("save-correction").click()
    assert asked == []
    expect(page.locator("body")).to_contain_text("更正检查记录须说明理由。")
    assert inspection.findings.filter(pk=finding.pk).exists()

    page.check(f"input[name='withdraw_{finding.pk}']")
    page.fill("textarea[name='reason'], input[name='reason']", "系误记。")
    page.get_by_test_id("save-correction").click()
    page.wait_for_timeout(300)
    assert asked and "确定撤销" in asked[0]
    assert inspection.findings.filter(pk=finding.pk).exists()


def test_a_findings_department_choice_keeps_to_the_ticked_departments(ui, demo):
    """A user test: the person picker kept to the ticked departments but 或科室 offered them all,
    and choosing another was refused after saving (不在本次检查范围内)."""
    from accounts.models import Department

    page = ui.page
    first, second = Department.objects.filter(organisation=demo, is_active=True).order_by("sort_order", "pk")[:2]
    ui.sign_in_as("demo_inspector", to=f"{INSPECTIONS}new/")
    choice = page.locator("select[name=findings-0-department] option")
    expect(choice).to_have_count(1 + Department.objects.filter(organisation=demo, is_active=True).count())
    page.get_by_label(first.name, exact=True).check()
    expect(choice).to_have_count(2)
    expect(choice.nth(1)).to_have_text(first.name)
    # The person picker beside it keeps the agency's leaders, in no department, who belong to every
    # inspection (a user test: they vanished once a department was ticked).
    leader = User.objects.filter(organisation=demo, username="demo_chief").get()
    people = page.locator("select[name=findings-0-person] option")
    expect(people.filter(has_text=re.compile(f"^{leader.full_name}（"))).to_have_count(1)
    page.get_by_label(second.name, exact=True).check()
    expect(choice).to_have_count(3)
    page.select_option("select[name=findings-0-department]", label=second.name)
    page.get_by_label(first.name, exact=True).uncheck()
    expect(choice).to_have_count(2)
    assert page.input_value("select[name=findings-0-department]") == str(second.pk)
    # A finding row added later narrows alike from the start, and its person picker has its search box.
    page.get_by_role("button", name="添加一项问题").click()
    expect(page.locator("select[name=findings-1-department] option")).to_have_count(2)
    expect(
        page.locator("select[name=findings-1-person]").locator("xpath=preceding-sibling::input[@data-person-search]")
    ).to_have_count(1)
