"""The year-end workbook (publicity.reports.exports): sheets, headers, a row per person, a known
person's values, user text never a formula, and a query count that does not grow with the staff."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts import periods
from accounts.selectors import policy_for_organisation
from evaluations.annual.models import AchievementState, AnnualGrade
from evaluations.grading.models import (
    Grade,
    GradeState,
    QuarterGrade,
    QuarterState,
    UncertainReason,
)
from evaluations.grading.selectors import department_good_counts
from evaluations.grading.services import grading
from evaluations.grading.services.quota import good_quota, quota_percent
from publicity.feedback.models import AnnualConfirmation, FeedbackTalk
from publicity.publication import services as publication_services
from publicity.publication.models import (
    EntryState,
    Objection,
    ObjectionState,
    Publication,
    ReviewCase,
    ReviewCaseKind,
    ReviewCaseState,
)
from publicity.reports.exports import write_workbook
from tests.factories import (
    AchievementFactory,
    AnnualResultFactory,
    AnnualReviewFactory,
    AppraisalQuarterFactory,
    DepartmentFactory,
    FeedbackTalkFactory,
    FindingFactory,
    GradeReviewFactory,
    InspectionFactory,
    QuarterGradeFactory,
    SanctionFactory,
    UserFactory,
    VetoFlagFactory,
    save_fields,
)
from tests.support.publication_factories import ObjectionFactory, PublicationFactory

YEAR = 2026
SHEETS = ["年度汇总", "科室统计", "纪律检查", "公示与异议", "结果运用"]


def _grade_year(person, grades, scores=None, **annual) -> None:
    for quarter, grade in enumerate(grades, start=1):
        if grade is None:
            continue
        QuarterGradeFactory(
            person=person,
            appraisal_quarter=AppraisalQuarterFactory(organisation=person.organisation, year=YEAR, quarter=quarter),
            grade=grade,
            state="confirmed",
            composite_score=(scores or {}).get(quarter),
        )
    if annual is not None:
        AnnualResultFactory(person=person, year=YEAR, **annual)


def _export(organisation) -> dict:
    buffer = BytesIO()
    write_workbook(buffer, organisation=organisation, year=YEAR)
    buffer.seek(0)
    return load_workbook(buffer)


def _rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def graded(staff, colleague):
    _grade_year(
        staff,
        [Grade.GOOD, Grade.GOOD, Grade.FAIRLY_GOOD, Grade.GOOD],
        scores={1: Decimal("95.50"), 2: Decimal("93"), 3: Decimal("88"), 4: Decimal("96")},
        graded_quarters=4,
        good_quarters=3,
        composite_score=Decimal("93.13"),
        suggested_grade=AnnualGrade.EXCELLENT,
        suggestion_reasons=["“好”3次，排序第1"],
        decided_grade=AnnualGrade.COMPETENT,
        decision_reason='=HYPERLINK("http://evil","点我")',
    )
    _grade_year(colleague, [Grade.AVERAGE, Grade.FAIRLY_GOOD, None, None], suggested_grade=AnnualGrade.COMPETENT)
    return staff


def test_the_workbook_has_its_five_sheets_with_chinese_headers_frozen_and_filtered(graded):
    workbook = _export(graded.organisation)
    assert workbook.sheetnames == SHEETS
    people = workbook["年度汇总"]
    header = [cell.value for cell in people[1]]
    assert header[:5] == ["科室", "姓名", "工号", "职务职级", "人员类别"]
    assert "第1季度等次" in header and "“好”的次数" in header and "确定年度等次" in header
    assert header[-2:] == ["年度结果本人确认", "季度反馈谈话已确认"]
    # The summaries' counts are the roll-ups': the headers say so (a user test read 9 months as the year).
    assert "按时提交月小结（已汇总季度）" in header
    assert "月小结按时率（%，已汇总季度）" in [cell.value for cell in workbook["科室统计"][1]]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
    # As wide as the longest department name (two widths a CJK character) and a margin.
    longest = max(len(row[0].value) for row in people.iter_rows(min_row=2))
    assert people.column_dimensions["A"].width == 2 * longest + 2


def test_each_person_of_the_year_has_one_row_with_their_values(graded, head):
    people = _rows(_export(graded.organisation)["年度汇总"])
    header, data = people[0], people[1:]
    # The head was never graded: not a participant of the year.
    assert sorted(row[1] for row in data) == ["科员乙", "科员甲"]
    row = dict(zip(header, next(r for r in data if r[1] == "科员甲"), strict=True))
    assert row["科室"] == "办公室"
    assert row["工号"] == graded.employee_number
    assert [row[f"第{q}季度等次"] for q in (1, 2, 3, 4)] == ["好", "好", "较好", "好"]
    assert row["“好”的次数"] == 3
    assert row["第1季度综合得分"] == 95.5 and isinstance(row["第1季度综合得分"], float)
    assert row["平均综合得分"] == 93.13
    assert row["一票否决"] == "否"
    assert row["建议年度等次"] == "优秀" and row["建议理由"] == "“好”3次，排序第1"
    assert row["确定年度等次"] == "称职"
    assert row["与建议不一致的理由"] == '=HYPERLINK("http://evil","点我")'


def test_the_deviation_column_is_empty_where_the_grade_is_the_suggested_one(graded):
    """A user test: a review (复核) back to the suggested grade keeps its reason on the result, and the
    workbook put it under 与建议不一致的理由 beside two equal grades (the review has its own sheet)."""
    result = graded.annual_results.get()
    result.decided_grade = result.suggested_grade
    result.decision_reason = "复核：处分决定已撤销"
    result.save(update_fields=["decided_grade", "decision_reason"])
    people = _rows(_export(graded.organisation)["年度汇总"])
    row = dict(zip(people[0], next(r for r in people[1:] if r[1] == "科员甲"), strict=True))
    assert row["确定年度等次"] == row["建议年度等次"] == "优秀"
    assert row["与建议不一致的理由"] in ("", None)


def test_text_beginning_with_an_equals_sign_stays_text(graded):
    graded.full_name = "=1+1"
    graded.save(update_fields=["full_name"])
    workbook = _export(graded.organisation)
    sheet = workbook["年度汇总"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)}
    for text in ("=1+1", '=HYPERLINK("http://evil","点我")'):
        assert text in cells, text
        assert cells[text].data_type == "s"
    assert not any(cell.data_type == "f" for ws in workbook.worksheets for row in ws.iter_rows() for cell in row)


def test_the_veto_and_sanctions_of_the_year_are_on_the_persons_row(graded, inspector):
    inspection = InspectionFactory(inspector=inspector, date=date(YEAR, 5, 12))
    VetoFlagFactory(person=graded, finding=FindingFactory(inspection=inspection, person=graded), reason="=上班饮酒")
    SanctionFactory(person=graded, decided_on=date(YEAR, 3, 1))
    july_sanction = SanctionFactory(person=graded, decided_on=date(YEAR, 7, 3))
    VetoFlagFactory(person=graded, finding=None, sanction=july_sanction, reason="处分")
    workbook = _export(graded.organisation)
    people = _rows(workbook["年度汇总"])
    row = dict(zip(people[0], next(r for r in people[1:] if r[1] == "科员甲"), strict=True))
    assert row["一票否决"] == "是" and row["否决事项"] == "=上班饮酒；处分"
    assert "2026-03-01 警告" in row["处分与组织处理"]
    months = _rows(workbook["纪律检查"])
    may = dict(zip(months[0], months[5], strict=True))
    assert may["月份"] == 5 and may["检查次数"] == 1 and may["发现问题"] == 1 and may["一票否决"] == 1
    assert may["最近检查日期"].date() == date(YEAR, 5, 12) and may["其中因处分"] == 0
    # A sanction's veto counts in its month, said to be the sanction's beside no finding.
    july = dict(zip(months[0], months[7], strict=True))
    assert (july["发现问题"], july["一票否决"], july["其中因处分"], july["否决事项"]) == (0, 1, 1, "处分")
    assert len(months) == 13


def test_a_lifted_veto_is_named_as_lifted_and_not_counted(graded, inspector):
    """A user test: the 纪律检查 sheet counted a flag the inspector had lifted (解除), where the
    年度汇总 sheet and the veto list did not."""
    from django.utils import timezone

    inspection = InspectionFactory(inspector=inspector, date=date(YEAR, 8, 4))
    VetoFlagFactory(
        person=graded,
        finding=FindingFactory(inspection=inspection, person=graded),
        reason="上班饮酒",
        lifted_at=timezone.now(),
        lifted_by=inspector,
        lift_reason="经复查不属实",
    )
    workbook = _export(graded.organisation)
    months = _rows(workbook["纪律检查"])
    august = dict(zip(months[0], months[8], strict=True))
    assert (august["一票否决"], august["其中因处分"], august["否决事项"]) == (0, 0, "上班饮酒（已解除）")
    people = _rows(workbook["年度汇总"])
    row = dict(zip(people[0], next(r for r in people[1:] if r[1] == "科员甲"), strict=True))
    assert row["一票否决"] == "否"


def test_a_quarters_participants_on_the_department_sheet_leave_out_uncertain_grades(graded):
    """As the quota pool counts them and the quarters page says (a user test read 9 beside
    不确定等次 1, the column summing to 61 where the page said 60)."""
    on_leave = UserFactory(organisation=graded.organisation, department=graded.department)
    for quarter, grade, reason in ((1, Grade.UNCERTAIN, UncertainReason.LONG_LEAVE), (2, Grade.GOOD, "")):
        QuarterGradeFactory(
            person=on_leave,
            appraisal_quarter=AppraisalQuarterFactory(organisation=on_leave.organisation, year=YEAR, quarter=quarter),
            grade=grade,
            uncertain_reason=reason,
            state="confirmed",
        )
    rows = _rows(_export(graded.organisation)["科室统计"])
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["第1季度参与人数"], row["第1季度不确定等次"]) == (2, 1)
    assert row["第2季度参与人数"] == 3


def test_the_department_sheet_counts_the_grades_of_each_quarter(graded):
    # A third person of the department, suggested 不定等次 and decided 基本称职: counted as decided.
    newcomer = UserFactory(organisation=graded.organisation, department=graded.department)
    AnnualResultFactory(
        person=newcomer,
        year=YEAR,
        suggested_grade=AnnualGrade.NOT_GRADED,
        decided_grade=AnnualGrade.BASICALLY_COMPETENT,
    )
    rows = _rows(_export(graded.organisation)["科室统计"])
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["科室"] == "办公室" and row["参加考核人数"] == 2
    assert row["第1季度好"] == 1 and row["第1季度一般"] == 1 and row["第3季度参与人数"] == 1
    assert row["年度优秀人数"] == 0
    # The year's other grades beside 优秀 (a user test found only 优秀 counted per department).
    assert [row[f"年度{grade}人数"] for grade in ("称职", "基本称职", "不称职", "不定等次")] == [2, 1, 0, 0]
    # A department's share of the organisation's quota, headed as a reference (a user test read a
    # department's 3 优秀 against its "名额 1" as an overrun; the quota is counted for the whole unit).
    assert "优秀参考名额（按本科室人数折算，名额按全单位计算）" in row and "优秀名额（按人数折算）" not in row


def test_the_use_sheet_lists_the_excellent_with_their_record(staff):
    _grade_year(staff, [Grade.GOOD] * 4, decided_grade=AnnualGrade.EXCELLENT, suggested_grade=AnnualGrade.EXCELLENT)
    AnnualResultFactory(person=staff, year=YEAR - 1, decided_grade=AnnualGrade.EXCELLENT)
    AnnualResultFactory(person=staff, year=YEAR - 3, decided_grade=AnnualGrade.COMPETENT)
    rows = _rows(_export(staff.organisation)["结果运用"])
    categories = [row[0] for row in rows[1:] if row[2] == "科员甲"]
    assert categories == [
        "评先树优候选人（年度优秀及创新突破）",
        "培训推荐（中青班等，年度优秀）",
        "选拔培养储备（连续两年及以上优秀）",  # named as on the 结果运用 page
    ]
    # The three years before and this one, as the page shows them (the workbook had two before).
    assert rows[0][4:8] == [f"{year}年度等次" for year in (YEAR - 3, YEAR - 2, YEAR - 1, YEAR)]
    assert rows[1][4:9] == ["称职", None, "优秀", "优秀", "是"]


def test_the_use_sheet_says_when_the_years_grade_is_only_suggested(staff):
    _grade_year(staff, [Grade.GOOD] * 4, decided_grade="", suggested_grade=AnnualGrade.EXCELLENT)
    rows = _rows(_export(staff.organisation)["结果运用"])
    mine = [row for row in rows[1:] if row[2] == "科员甲"]
    assert mine and all(row[7:9] == ["优秀", "否（建议，待委员会确定）"] for row in mine)


def test_a_competent_person_with_a_confirmed_achievement_is_an_award_candidate_in_the_use_sheet(staff, colleague):
    _grade_year(staff, [Grade.FAIRLY_GOOD] * 4, decided_grade=AnnualGrade.COMPETENT)
    _grade_year(colleague, [Grade.FAIRLY_GOOD] * 4, decided_grade=AnnualGrade.COMPETENT)
    AchievementFactory(person=staff, year=YEAR, state=AchievementState.CONFIRMED)
    AchievementFactory(person=colleague, year=YEAR, state=AchievementState.PROPOSED)
    rows = _rows(_export(staff.organisation)["结果运用"])
    award = [row[2] for row in rows[1:] if row[0] == "评先树优候选人（年度优秀及创新突破）"]
    assert award == [staff.full_name]


def _publish_quarter_with_an_objection(*, person, objector, hr, text="“好”等次依据不足", answer="经核实，等次无误"):
    """A locked quarter-1 publication of ``person``'s grade with one answered objection (ORM rows,
    as the publication services would leave them)."""
    grade = QuarterGrade.objects.get(person=person, appraisal_quarter__year=YEAR, appraisal_quarter__quarter=1)
    # One publication for the quarter, whoever's grade is added to it.
    publication = Publication.objects.filter(appraisal_quarter=grade.appraisal_quarter).first()
    if publication is None:
        publication = PublicationFactory(
            organisation=person.organisation,
            appraisal_quarter=grade.appraisal_quarter,
            title="2026年第1季度考核结果公示",
            starts_on=date(YEAR, 4, 8),
            ends_on=date(YEAR, 4, 14),
            published_by=hr,
            published_at=datetime(YEAR, 4, 8, 9, tzinfo=UTC),
            closed_at=datetime(YEAR, 4, 20, 2, tzinfo=UTC),
        )
    return ObjectionFactory(
        entry__publication=publication,
        entry__person=person,
        entry__quarter_grade=grade,
        entry__state=EntryState.LOCKED,
        entry__locked_at=publication.closed_at,
        objector=objector,
        text=text,
        grade_label="好",
        state=ObjectionState.ANSWERED,
        answer=answer,
        handled_by=hr,
        lodged_at=datetime(YEAR, 4, 10, 1, tzinfo=UTC),
        answered_at=datetime(YEAR, 4, 16, 3, tzinfo=UTC),
    )


def test_the_publicity_sheet_lists_the_publication_its_objection_and_the_answer(graded, colleague, hr):
    _publish_quarter_with_an_objection(person=graded, objector=colleague, hr=hr, answer="=经核实无误")
    rows = _rows(_export(graded.organisation)["公示与异议"])
    header = rows[0]
    assert header[:5] == ["类别", "公示或事项", "公示开始", "公示截止", "定等日期"]
    publication = dict(zip(header, rows[1], strict=True))
    assert publication["类别"] == "结果公示" and publication["公示或事项"] == "2026年第1季度考核结果公示"
    assert publication["公示开始"].date() == date(YEAR, 4, 8) and publication["公示截止"].date() == date(YEAR, 4, 14)
    assert publication["定等日期"].date() == date(YEAR, 4, 20)
    assert publication["公示人数"] == 1 and publication["异议件数"] == 1
    objection = dict(zip(header, rows[2], strict=True))
    assert objection["类别"] == "异议"
    assert (objection["科室"], objection["姓名"], objection["工号"]) == ("办公室", "科员甲", graded.employee_number)
    assert objection["等次"] == "好" and objection["提出人"] == "科员乙"
    assert objection["内容或理由"] == "“好”等次依据不足" and objection["状态"] == "已答复"
    assert objection["答复或决定"] == "=经核实无误"
    assert objection["提出或发生日期"].date() == date(YEAR, 4, 10)
    assert objection["答复或决定日期"].date() == date(YEAR, 4, 16)
    assert len(rows) == 3


def test_the_publicity_sheet_lists_the_reviews_after_locking(graded, hr):
    grade = QuarterGrade.objects.get(person=graded, appraisal_quarter__quarter=3)
    reviewed_at, reason = datetime(YEAR, 10, 20, 2, tzinfo=UTC), "复核后认定成绩突出"
    GradeReviewFactory(
        quarter_grade=grade,
        old_grade=Grade.FAIRLY_GOOD,
        new_grade=Grade.GOOD,
        reason=reason,
        reviewed_by=hr,
        reviewed_at=reviewed_at,
    )
    rows = _rows(_export(graded.organisation)["公示与异议"])
    review = dict(zip(rows[0], rows[1], strict=True))
    assert review["类别"] == "定等后复核" and review["公示或事项"] == "2026年第3季度"
    assert review["姓名"] == "科员甲" and (review["等次"], review["变更后等次"]) == ("较好", "好")
    assert review["内容或理由"] == "复核后认定成绩突出"
    assert review["提出或发生日期"].date() == date(YEAR, 10, 20)


def _objected_twice_and_regraded(*, staff, colleague, head, leader, hr, settings) -> list[Objection]:
    """科员乙's published 好: 科员甲's first objection answered 维持原等次, his second upheld (sent back,
    regraded 较好, published again), then the head's objection to the 较好 (through the services)."""
    settings.APPRAISAL_TODAY = date(YEAR, 10, 20)
    quarter = AppraisalQuarterFactory(
        organisation=staff.organisation, year=YEAR, quarter=3, state=QuarterState.APPROVED
    )
    grade = QuarterGradeFactory(
        appraisal_quarter=quarter,
        person=colleague,
        grade=Grade.GOOD,
        comment="评语",
        state=GradeState.CONFIRMED,
        evaluator=head,
        confirmed_by=leader,
    )
    publication = publication_services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)
    entry = publication.entries.get(person=colleague)
    kept = publication_services.objection_lodge(actor=staff, entry=entry, text="“好”等次依据不足")
    publication_services.objection_accept(actor=hr, objection=kept)
    publication_services.objection_verify(actor=hr, objection=kept, notes="核实无误")
    publication_services.objection_answer(actor=hr, objection=kept, answer="考核等次“好”符合实际，维持原等次")
    upheld = publication_services.objection_lodge(actor=staff, entry=entry, text="另有工作失误未计入")
    publication_services.objection_accept(actor=hr, objection=upheld)
    publication_services.objection_send_back(actor=hr, objection=upheld, reason="核实发现有工作失误")
    grading.grade_assign(grade_row=grade, actor=head, grade=Grade.FAIRLY_GOOD, comment="重评为较好")
    grading.grade_confirm(grade_row=QuarterGrade.objects.get(pk=grade.pk), actor=leader)
    publication_services.objection_verify(actor=hr, objection=upheld, notes="重评为较好，已确认。")
    publication_services.objection_answer(actor=hr, objection=upheld, answer="已重评为较好")
    settings.APPRAISAL_TODAY = date(YEAR, 10, 22)
    publication_services.entry_republish(actor=hr, entry=entry)
    later = publication_services.objection_lodge(actor=head, entry=entry, text="“较好”偏低")
    return [kept, upheld, later]


def _objection_rows(organisation) -> dict[str, dict]:
    rows = _rows(_export(organisation)["公示与异议"])
    return {row["内容或理由"]: row for row in (dict(zip(rows[0], r, strict=True)) for r in rows[1:])}


def test_an_objection_keeps_the_grade_it_questioned_after_another_objection_had_it_regraded(
    settings, client_for, staff, colleague, head, leader, hr, security_admin
):
    # A user test: an objection to 龙阳文's 好 was answered 维持原等次, a second one was upheld and the
    # grade regraded 较好; the first objection's row read 较好 beside the answer that kept 好.
    lodged = _objected_twice_and_regraded(
        staff=staff, colleague=colleague, head=head, leader=leader, hr=hr, settings=settings
    )
    # Its page says so too, beside the line's grade now.
    page = client_for(hr).get(lodged[0].get_absolute_url()).content.decode()
    assert 'data-testid="objected-grade">好<' in page
    assert 'data-testid="objected-grade"' not in client_for(hr).get(lodged[2].get_absolute_url()).content.decode()
    objections = _objection_rows(staff.organisation)
    first = objections["“好”等次依据不足"]
    assert (first["姓名"], first["等次"], first["变更后等次"]) == ("科员乙", "好", None)
    assert first["答复或决定"] == "考核等次“好”符合实际，维持原等次"
    second = objections["另有工作失误未计入"]
    assert (second["等次"], second["变更后等次"], second["答复或决定"]) == ("好", "较好", "已重评为较好")
    # An objection to the grade published again questions that one.
    third = objections["“较好”偏低"]
    assert (third["等次"], third["变更后等次"], third["状态"]) == ("较好", None, "已提出")


def test_the_objections_lodged_before_the_upgrade_get_their_grades_from_the_audit_trail(
    settings, monkeypatch, staff, colleague, head, leader, hr, security_admin
):
    # Before the upgrade an objection's steps were stamped on the machine's clock, as the audit trail
    # the migration reads them against is (today they follow the moved clock of a demo or test).
    monkeypatch.setattr(periods, "now", timezone.now)
    objections = _objected_twice_and_regraded(
        staff=staff, colleague=colleague, head=head, leader=leader, hr=hr, settings=settings
    )
    Objection.objects.update(grade_label="", regraded_label="")
    migration = importlib.import_module("publicity.migrations.0010_objection_grades")
    migration.grades_from_entries(django_apps, None)
    assert [
        (o.grade_label, o.regraded_label)
        for o in Objection.objects.filter(pk__in=[o.pk for o in objections]).order_by("pk")
    ] == [("好", ""), ("好", "较好"), ("较好", "")]


def test_the_publicity_sheet_lists_the_reviews_of_a_locked_annual_result_and_a_case_that_changed_it(
    graded, colleague, hr
):
    # A user test found the quarters' 定等后复核 in the sheet and not the year's.
    result = graded.annual_results.get(year=YEAR)
    reviewed_at, reason = datetime(YEAR + 1, 2, 3, 2, tzinfo=UTC), "补录创新突破成果"
    AnnualReviewFactory(
        annual_result=result,
        old_grade=AnnualGrade.COMPETENT,
        new_grade=AnnualGrade.EXCELLENT,
        reason=reason,
        reviewed_by=hr,
        reviewed_at=reviewed_at,
    )
    # 科员乙's 不称职, changed by the decision of the 复核 he asked for.
    ReviewCase.objects.create(
        organisation=graded.organisation,
        annual_result=colleague.annual_results.get(year=YEAR),
        person=colleague,
        kind=ReviewCaseKind.REVIEW,
        state=ReviewCaseState.DECIDED,
        notified_on=date(YEAR + 1, 1, 10),
        request_by=date(YEAR + 1, 2, 9),
        requested_on=date(YEAR + 1, 1, 20),
        decided_on=date(YEAR + 1, 2, 3),
        decision="改为称职",
        changed_to=AnnualGrade.COMPETENT,
        opened_by=hr,
    )
    rows = _rows(_export(graded.organisation)["公示与异议"])
    review, case = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert (review["类别"], review["公示或事项"]) == ("定等后复核", f"{YEAR}年度考核结果")
    assert (review["姓名"], review["等次"], review["变更后等次"]) == ("科员甲", "称职", "优秀")
    assert (review["提出人"], review["内容或理由"]) == (hr.full_name, "补录创新突破成果")
    assert review["提出或发生日期"].date() == date(YEAR + 1, 2, 3)
    assert (case["类别"], case["姓名"], case["等次"], case["变更后等次"]) == ("复核", "科员乙", "不称职", "称职")
    assert case["答复或决定"] == "改为称职"


def test_the_feedback_confirmed_columns_count_the_annual_confirmation_and_confirmed_talks(graded, head):
    annual = graded.annual_results.get(year=YEAR)
    AnnualConfirmation.objects.create(
        organisation=graded.organisation,
        annual_result=annual,
        person=graded,
        grade=annual.decided_grade,
        confirmed_at=timezone.now(),
    )
    for quarter, confirmed in ((1, True), (2, True), (3, False)):
        grade = QuarterGrade.objects.get(person=graded, appraisal_quarter__quarter=quarter)
        talked_on, confirmed_at = date(YEAR, 3 * quarter + 1, 15), timezone.now() if confirmed else None
        FeedbackTalkFactory(quarter_grade=grade, talked_on=talked_on, recorded_by=head, confirmed_at=confirmed_at)
    people = _rows(_export(graded.organisation)["年度汇总"])
    rows = {row[1]: dict(zip(people[0], row, strict=True)) for row in people[1:]}
    assert rows["科员甲"]["年度结果本人确认"] == "是" and rows["科员甲"]["季度反馈谈话已确认"] == 2
    # 科员乙 has no decided grade yet: nothing to confirm.
    assert rows["科员乙"]["年度结果本人确认"] is None and rows["科员乙"]["季度反馈谈话已确认"] == 0
    # The grade changed after it was confirmed: not confirmed (a user test read 是 beside a grade the
    # person had not signed; their page asked them to confirm again).
    save_fields(graded.annual_results.filter(year=YEAR), decided_grade=AnnualGrade.BASICALLY_COMPETENT)
    # Likewise a quarter's talk about a grade a review changed since: a new talk is due.
    FeedbackTalk.objects.filter(quarter_grade__person=graded, quarter_grade__appraisal_quarter__quarter=2).update(
        grade=Grade.POOR
    )
    people = _rows(_export(graded.organisation)["年度汇总"])
    rows = {row[1]: dict(zip(people[0], row, strict=True)) for row in people[1:]}
    assert rows["科员甲"]["年度结果本人确认"] == "否" and rows["科员甲"]["季度反馈谈话已确认"] == 1


def _department_of(organisation, n: int, *, hr=None) -> None:
    department = DepartmentFactory(organisation=organisation)
    for _ in range(n):
        person = UserFactory(department=department)
        _grade_year(person, [Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.FAIRLY_GOOD])
        SanctionFactory(person=person, decided_on=date(YEAR, 4, 1))
        grade = QuarterGrade.objects.get(person=person, appraisal_quarter__quarter=1)
        FeedbackTalkFactory(
            quarter_grade=grade, talked_on=date(YEAR, 4, 25), recorded_by=hr, confirmed_at=timezone.now()
        )
        _publish_quarter_with_an_objection(person=person, objector=hr, hr=hr)


def test_the_query_count_of_the_export_does_not_grow_with_the_staff(organisation, hr, django_assert_num_queries):
    policy_for_organisation(organisation_id=organisation.pk)
    _department_of(organisation, 2, hr=hr)
    with CaptureQueriesContext(connection) as few:
        _export(organisation)
    _department_of(organisation, 9, hr=hr)
    _department_of(organisation, 3, hr=hr)
    with django_assert_num_queries(len(few.captured_queries)):
        workbook = _export(organisation)
    assert workbook["年度汇总"].max_row == 1 + 14


def test_export_year_writes_the_file_for_the_organisation_named(graded, tmp_path, other_organisation):
    output = tmp_path / "year.xlsx"
    call_command("export_year", str(YEAR), "--output", str(output), "--organisation", graded.organisation.code)
    assert load_workbook(output).sheetnames == SHEETS


def test_the_department_sheet_counts_the_good_places_of_a_quarter_being_graded_as_the_grading_page(organisation):
    # A user test read 0 好 places for every department of a quarter the grading page gave
    # 就业促进科 "约3人": the sheet left out those not yet graded, who take part in the quota.
    policy = policy_for_organisation(organisation_id=organisation.pk)
    department = DepartmentFactory(organisation=organisation, name="就业促进科")
    quarter = AppraisalQuarterFactory(organisation=organisation, year=YEAR, quarter=4)
    for grade in [Grade.GOOD, Grade.UNCERTAIN] + [""] * 6:
        QuarterGradeFactory(
            person=UserFactory(department=department),
            appraisal_quarter=quarter,
            grade=grade,
            uncertain_reason=UncertainReason.LONG_LEAVE if grade == Grade.UNCERTAIN else "",
        )
    rows = _rows(_export(organisation)["科室统计"])
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["科室"] == "就业促进科" and row["第4季度未评鉴"] == 6
    # Everyone but the 不确定等次 takes part: 7 × 40 % → 2, as the grading page says it.
    places = row["第4季度“好”参考名额（按本科室人数折算，名额按全单位计算）"]
    assert places == 2
    (page,) = department_good_counts(appraisal_quarter=quarter, department_ids=[department.pk])
    assert places == good_quota(participants=page["participants"], percent=quota_percent(quarter, policy))


def test_a_person_moved_after_the_year_is_named_in_the_years_department_by_the_workbook_and_the_pdf(
    graded, other_department
):
    """A user test read a moved person's department two ways: the year's result named the department
    of the last quarter graded, the workbook's 年度汇总 and the person's year PDF today's."""
    from accounts import services as accounts_services
    from publicity.reports.pdf import annual_summary

    accounts_services.staff_move(user=graded, department=other_department)
    graded.refresh_from_db()
    people = _rows(_export(graded.organisation)["年度汇总"])
    row = dict(zip(people[0], next(r for r in people[1:] if r[1] == "科员甲"), strict=True))
    assert row["科室"] == "办公室"
    assert annual_summary(person=graded, year=YEAR).department.name == "办公室"
    # Without a year's result yet, today's department.
    graded.annual_results.all().delete()
    assert annual_summary(person=graded, year=YEAR).department == other_department


def test_a_year_kept_without_its_quarters_counts_its_results_as_taking_part(organisation, department):
    """A user test: the 2025 workbook (a year brought in from before the system, results without
    quarter rows) said 参与人数 0 beside 7 graded in the same row."""
    for grade in (AnnualGrade.EXCELLENT, AnnualGrade.COMPETENT, AnnualGrade.COMPETENT):
        AnnualResultFactory(
            person=UserFactory(organisation=organisation, department=department),
            year=YEAR,
            decided_grade=grade,
            department=department,
        )
    rows = _rows(_export(organisation)["科室统计"])
    row = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == department.name)
    assert row["参加考核人数"] == 3 and row["年度优秀人数"] == 1


def test_a_person_moved_in_the_year_is_counted_once_in_the_department_of_their_latest_quarter(organisation, department):
    """A user test: 就业促进科 said 参加考核人数 10 beside the 9 the 年度汇总 listed there, the
    departments summing to 63 of 62 people — the moved person counted in both. Counted from the
    grades, not the year's last roll-up (a review: stale between roll-ups)."""
    other = DepartmentFactory(organisation=organisation, name="政策法规科")
    moved, stayed = (UserFactory(organisation=organisation, department=department) for _ in range(2))
    for quarter, where in ((1, department), (4, other)):
        appraisal_quarter = AppraisalQuarterFactory(organisation=organisation, year=YEAR, quarter=quarter)
        QuarterGradeFactory(person=moved, appraisal_quarter=appraisal_quarter, department=where, grade=Grade.GOOD)
        if quarter == 1:
            QuarterGradeFactory(person=stayed, appraisal_quarter=appraisal_quarter, grade=Grade.GOOD)
    # A newcomer with only an ungraded row of the quarter being graded counts too (a re-test).
    QuarterGradeFactory(
        person=UserFactory(organisation=organisation, department=other), appraisal_quarter=appraisal_quarter
    )
    rows = _rows(_export(organisation)["科室统计"])
    taking_part = {row[0]: row[1] for row in rows[1:]}
    assert taking_part == {department.name: 1, other.name: 2}
