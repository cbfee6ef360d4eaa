"""The dashboards (/reports/dashboard/, appraisal_site.dashboards): who sees which departments, the
charts' numbers equal their tables and the database, a query count that does not grow with the
staff, and the 轮流坐庄 check flagging a department where 好 passes round and not one where it
follows the scores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from accounts.selectors import participants_of
from appraisal_site.dashboards import spearman
from evaluations.annual.models import AnnualGrade
from evaluations.grading.models import Grade, QuarterGrade
from publicity.publication.models import Objection, ObjectionState
from tests.factories import (
    AnnualResultFactory,
    AppraisalQuarterFactory,
    DepartmentFactory,
    InspectionFactory,
    MonthlySummaryFactory,
    QuarterGradeFactory,
    UserFactory,
)
from tests.support.publication_factories import ObjectionFactory, PublicationEntryFactory, PublicationFactory

YEAR = 2026
SCORES = (Decimal("95"), Decimal("90"), Decimal("80"), Decimal("70"))
G, FG, AV = Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE


def _department(organisation, name, grades_by_quarter, *, leader=None):
    """Four people scored 95, 90, 80, 70 every quarter, graded as ``grades_by_quarter`` says
    (a tuple of four grades per quarter, in the people's order)."""
    department = DepartmentFactory(organisation=organisation, name=name, supervising_leader=leader)
    people = [UserFactory(department=department, full_name=f"{name}{i}") for i in range(1, 5)]
    for quarter, grades in enumerate(grades_by_quarter, start=1):
        appraisal_quarter = AppraisalQuarterFactory(organisation=organisation, year=YEAR, quarter=quarter)
        for person, grade, score in zip(people, grades, SCORES, strict=True):
            QuarterGradeFactory(
                person=person,
                appraisal_quarter=appraisal_quarter,
                grade=grade,
                composite_score=score,
                state="confirmed",
            )
    return department, people


MERIT = [(G, FG, FG, AV)] * 4
# 好 passes round: the top scorer first, then each in turn down the scores.
ROTATING = [(G, FG, FG, FG), (FG, G, FG, FG), (FG, FG, G, FG), (FG, FG, FG, G)]


@pytest.fixture
def year_graded(organisation, leader):
    merit, merit_people = _department(organisation, "业务一科", MERIT, leader=leader)
    other_leader = UserFactory(organisation=organisation, department=None, roles=[Role.SUPERVISING_LEADER])
    rotating, _people = _department(organisation, "业务二科", ROTATING, leader=other_leader)
    AnnualResultFactory(person=merit_people[0], year=YEAR, decided_grade=AnnualGrade.EXCELLENT)
    for person in merit_people[1:]:
        AnnualResultFactory(person=person, year=YEAR, decided_grade=AnnualGrade.COMPETENT)
    return merit, rotating


def _board(client, **params):
    response = client.get(reverse("dashboard"), {"year": YEAR, **params})
    assert response.status_code == 200
    return response


def _chart(response, key):
    return next(chart for chart in response.context["board"].charts if chart.key == key)


def test_hr_sees_each_departments_grades_against_the_quota_in_the_chart_and_the_table(client_for, hr, year_graded):
    response = _board(client_for(hr), quarter=1)
    chart = _chart(response, "grades")
    assert chart.labels == ["业务一科", "业务二科"]
    rows = {row[0]: dict(zip(chart.header, row, strict=True)) for row in chart.rows}
    assert (rows["业务一科"]["好"], rows["业务一科"]["较好"], rows["业务一科"]["一般"]) == (1, 2, 1)
    # 40 % of four participants, rounded down.
    assert rows["业务一科"]["按人数折算的“好”名额"] == 1
    # The numbers drawn are the numbers in the table, and both are the database's.
    drawn = {d["label"]: d["data"] for d in chart.as_json()["datasets"]}
    assert drawn["好"] == [1, 1] and drawn["按人数折算的“好”名额"] == [1, 1]
    merit, _rotating = year_graded
    assert (
        drawn["较好"][0]
        == QuarterGrade.objects.filter(department=merit, appraisal_quarter__quarter=1, grade=Grade.FAIRLY_GOOD).count()
    )
    html = response.content.decode()
    assert 'id="dashboard-data"' in html and "<canvas" in html
    assert '<th scope="row">业务一科</th><td>1</td><td>2</td><td>1</td>' in html


def test_the_excellent_quota_use_summaries_and_objections_charts_count_the_database(client_for, hr, year_graded):
    merit, _rotating = year_graded
    person = merit.members.order_by("pk").first()
    MonthlySummaryFactory(owner=person, year=YEAR, month=3, submitted=True)
    MonthlySummaryFactory(owner=person, year=YEAR, month=4)
    grade = QuarterGrade.objects.get(person=person, appraisal_quarter__quarter=1)
    entry = PublicationEntryFactory(
        publication=PublicationFactory(
            appraisal_quarter=grade.appraisal_quarter,
            starts_on=date(YEAR, 4, 8),
            ends_on=date(YEAR, 4, 14),
            published_by=hr,
            published_at=datetime(YEAR, 4, 8, 1, tzinfo=UTC),
        ),
        person=person,
        quarter_grade=grade,
    )
    ObjectionFactory(
        entry=entry,
        objector=hr,
        state=ObjectionState.ANSWERED,
        answer="答复",
        lodged_at=datetime(YEAR, 4, 10, 2, tzinfo=UTC),
    )
    response = _board(client_for(hr))
    excellent = {row[0]: row[1:] for row in _chart(response, "excellent").rows}
    # One 优秀 of four graded: 20 % of four rounds down to no place, a yardstick named so (a user
    # test read "名额 1" per department against the organisation's 11).
    assert excellent == {"业务一科": [1, 0, 4]}
    assert "按人数折算的“优秀”名额" in response.content.decode()
    chart = _chart(response, "summaries")
    assert [str(dataset.label) for dataset in chart.datasets][-1] == "未提交（含被退回）"
    summaries = chart.rows
    # Past the deadline everyone who takes part and has not handed in is 未提交, a summary never
    # begun too (a user test read "0 0 24" for December against 60 people).
    people = participants_of(organisation=merit.organisation).count()
    on_time = Decimal(100 / people).quantize(Decimal("0.1"))
    assert summaries[2] == ["3月", on_time, 1, 0, people - 1]
    assert summaries[3] == ["4月", Decimal("0.0"), 0, 0, people]
    assert summaries[0] == ["1月", Decimal("0.0"), 0, 0, people]
    objections = _chart(response, "objections").rows
    assert objections[3] == ["4月", 1, 1, 0]
    assert sum(row[1] for row in objections) == Objection.objects.count()
    # An objection to the year's list lodged in the next January is on this year's board, after
    # December (a user test found it on the next year's, and the bureau's 2026 count on this one).
    ObjectionFactory(entry=entry, objector=person, lodged_at=datetime(YEAR + 1, 1, 9, 2, tzinfo=UTC))
    objections = _chart(_board(client_for(hr)), "objections").rows
    assert len(objections) == 13 and objections[12] == ["次年1月", 1, 0, 0]
    assert sum(row[1] for row in objections) == Objection.objects.count() == 2


def test_a_supervising_leader_sees_only_their_departments_and_no_rotation_check(client_for, leader, year_graded):
    response = _board(client_for(leader), quarter=2)
    assert _chart(response, "grades").labels == ["业务一科"]
    assert _chart(response, "excellent").labels == ["业务一科"]
    assert response.context["board"].rotation is None
    assert "业务二科" not in response.content.decode()


def test_the_agency_head_sees_the_whole_organisation(client_for, chief, year_graded):
    response = _board(client_for(chief), quarter=2)
    assert _chart(response, "grades").labels == ["业务一科", "业务二科"]
    assert response.context["board"].rotation is not None


def test_staff_and_heads_may_not_open_the_dashboard(client_for, staff, head):
    assert client_for(staff).get(reverse("dashboard")).status_code == 403
    assert client_for(head).get(reverse("dashboard")).status_code == 403


def test_hr_of_another_organisation_sees_none_of_this_ones_figures(client_for, other_organisation, year_graded):
    other_hr = UserFactory(organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])
    response = _board(client_for(other_hr), quarter=1)
    assert all(
        not chart.labels or chart.key in ("summaries", "inspections", "objections")
        for chart in response.context["board"].charts
    )
    assert response.context["board"].rotation == []
    assert "业务一科" not in response.content.decode()


def test_the_rotating_department_is_flagged_and_the_merit_department_is_not(client_for, hr, year_graded):
    response = _board(client_for(hr))
    rows = {row.department: row for row in response.context["board"].rotation}
    merit, rotating = rows["业务一科"], rows["业务二科"]
    assert not merit.flagged and merit.turns == 0 and merit.rho > Decimal("0.7")
    assert rotating.flagged and rotating.turns == 3 and rotating.rho < Decimal("0.30")
    assert rotating.quarters_measured == 4
    assert rotating.evidence[0] == "第2季度：业务二科2（90.00分）首次得“好”，业务二科1（95.00分）不再得“好”"
    html = response.content.decode()
    assert 'data-department="业务二科" class="table-warning" data-flagged' in html
    assert 'data-department="业务一科" data-flagged' not in html


def test_spearman_agrees_fully_reverses_and_refuses_a_flat_side():
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3], [5, 5, 5]) is None


def test_the_query_count_of_the_dashboard_does_not_grow_with_the_staff(
    client_for, hr, organisation, django_assert_num_queries
):
    client = client_for(hr)
    _department(organisation, "甲科", ROTATING)
    with CaptureQueriesContext(connection) as few:
        _board(client, quarter=1)
    for name in ("乙科", "丙科", "丁科"):
        _department(organisation, name, MERIT)
    with django_assert_num_queries(len(few.captured_queries)):
        response = _board(client, quarter=1)
    assert len(_chart(response, "grades").labels) == 4


def test_the_inspections_chart_counts_each_month_and_a_leader_sees_their_departments_inspections(
    client_for, hr, leader, inspector, year_graded, settings
):
    settings.APPRAISAL_TODAY = date(YEAR, 12, 10)
    merit, rotating = year_graded
    InspectionFactory(inspector=inspector, date=date(YEAR, 5, 12)).departments.add(merit)
    InspectionFactory(inspector=inspector, date=date(YEAR, 5, 20)).departments.add(rotating)
    everyone = {row[0]: row[1:] for row in _chart(_board(client_for(hr)), "inspections").rows}
    assert everyone["5月"][0] == 2 and everyone["6月"][0] == 0
    required = everyone["5月"][1]
    assert everyone["5月"][2] == ("达标" if required <= 2 else "未达标")
    mine = {row[0]: row[1:] for row in _chart(_board(client_for(leader)), "inspections").rows}
    assert mine["5月"][0] == 1


def test_the_inspections_chart_says_which_months_were_before_the_go_live_date(client_for, hr, organisation, settings):
    from accounts.models import Policy

    settings.APPRAISAL_TODAY = date(YEAR, 12, 10)
    Policy.objects.filter(organisation=organisation).update(started_on=date(YEAR, 10, 15))
    rows = {row[0]: row[1:] for row in _chart(_board(client_for(hr)), "inspections").rows}
    assert rows["9月"][2] == "系统启用前"
    assert rows["10月"][2] == "未达标"  # it ends after the start: two inspections were due


def test_a_month_whose_summaries_are_not_yet_due_has_no_on_time_rate(client_for, hr, staff, settings):
    # On 1 December the December summary is a draft by design: it is due in January.
    settings.APPRAISAL_TODAY = date(YEAR, 12, 1)
    MonthlySummaryFactory(owner=staff, year=YEAR, month=12)
    MonthlySummaryFactory(owner=staff, year=YEAR, month=10)
    rows = {row[0]: row[1:] for row in _chart(_board(client_for(hr)), "summaries").rows}
    people = participants_of(organisation=staff.organisation).count()
    # Not due yet: no rate; 未提交 as the roster lists the month begun, everyone who has not handed
    # it in (a user test read the drafts only here, 21, beside the roster's 58).
    assert rows["12月"] == [None, 0, 0, people]
    assert rows["11月"][1:] == [0, 0, people]
    assert rows["10月"] == [Decimal("0.0"), 0, 0, people]


def test_the_dashboard_opens_on_the_latest_quarter_opened_for_grading(client_for, hr, staff, settings):
    settings.APPRAISAL_TODAY = date(YEAR, 12, 1)  # the fourth quarter, not yet open for grading
    for quarter in (1, 2, 3):
        appraisal_quarter = AppraisalQuarterFactory(organisation=staff.organisation, year=YEAR, quarter=quarter)
        QuarterGradeFactory(person=staff, appraisal_quarter=appraisal_quarter, grade=Grade.GOOD, state="confirmed")
    response = _board(client_for(hr))
    assert response.context["board"].quarter == 3
    assert sum(_chart(response, "grades").as_json()["datasets"][0]["data"]) == 1


def test_a_newcomer_is_not_counted_missing_in_the_months_before_they_began(client_for, hr, staff, settings):
    """A user test: twelve people added on 5 December read as missing every month of the year, and
    the dashboard's on-time rate (about 70–78 %) disagreed with the bureau's (89 %)."""
    settings.APPRAISAL_TODAY = date(YEAR, 12, 10)
    UserFactory(department=staff.department, full_name="张三", appraisal_start=date(YEAR, 11, 20))
    people = participants_of(organisation=staff.organisation).count()

    rows = {row[0]: row[1:] for row in _chart(_board(client_for(hr)), "summaries").rows}

    assert rows["10月"][3] == people - 1  # he began after October ended
    assert rows["11月"][3] == people  # November's was his to hand in (due 5 December)


def test_a_returned_summary_is_not_counted_handed_in_as_the_roll_up_does_not(client_for, hr, staff, settings):
    """A user test: the dashboard counted October's five returned summaries as on time, the roll-up
    and the bureau's figures as not handed in (582 against 574 on time)."""
    from accounts.workflow import ReviewStatus

    settings.APPRAISAL_TODAY = date(YEAR, 12, 10)
    MonthlySummaryFactory(owner=staff, year=YEAR, month=10, submitted=True, status=ReviewStatus.RETURNED)
    people = participants_of(organisation=staff.organisation).count()

    rows = {row[0]: row[1:] for row in _chart(_board(client_for(hr)), "summaries").rows}

    assert rows["10月"] == [Decimal("0.0"), 0, 0, people]


def test_the_charts_name_the_months_in_the_reader_s_language(client_for, hr, year_graded):
    """English read "Month 1 … Month 12" under every chart; the months' short names now."""
    assert [row[0] for row in _chart(_board(client_for(hr)), "objections").rows][:2] == ["1月", "2月"]
    client = client_for(hr)
    client.cookies["django_language"] = "en"
    for key in ("summaries", "inspections", "objections"):
        months = [row[0] for row in _chart(_board(client), key).rows]
        assert months[:3] == ["Jan", "Feb", "Mar"] and months[-1] == "Dec", (key, months)


def test_a_leaders_inspection_verdict_is_the_organisations(client_for, hr, leader, inspector, year_graded, settings):
    """A user test: the leader's board said 未达标 in months the organisation met, counting the
    inspections of their own departments against the organisation's required number."""
    settings.APPRAISAL_TODAY = date(YEAR, 12, 10)
    merit, rotating = year_graded
    for day in (3, 12, 20):
        InspectionFactory(inspector=inspector, date=date(YEAR, 5, day)).departments.add(rotating)
    everyone = {row[0]: row[1:] for row in _chart(_board(client_for(hr)), "inspections").rows}
    chart = _chart(_board(client_for(leader)), "inspections")
    mine = {row[0]: dict(zip(chart.header[1:], row[1:], strict=True)) for row in chart.rows}
    assert mine["5月"]["涉及分管科室的检查次数"] == 0 and mine["5月"]["全单位检查次数"] == 3
    assert mine["5月"]["达标情况"] == everyone["5月"][-1]
    assert [row["达标情况"] for row in mine.values()] == [row[-1] for row in everyone.values()]


def test_while_a_quarter_is_graded_the_places_count_those_not_yet_graded(client_for, hr, year_graded):
    """A user test read 0 好 places for every department of the quarter being graded: the places
    were counted on those already graded only, unlike the grading page's."""
    merit, _rotating = year_graded
    QuarterGrade.objects.filter(department=merit, appraisal_quarter__quarter=1).update(grade="")
    chart = _chart(_board(client_for(hr), quarter=1), "grades")
    rows = {row[0]: dict(zip(chart.header, row, strict=True)) for row in chart.rows}
    assert rows["业务一科"]["未评鉴"] == 4 and rows["业务一科"]["按人数折算的“好”名额"] == 1
    drawn = {d["label"]: d["data"] for d in chart.as_json()["datasets"]}
    assert drawn["未评鉴"][0] == 4


def test_a_leaders_count_is_of_the_inspections_covering_their_departments_each_once(
    client_for, leader, inspector, organisation, year_graded, settings
):
    settings.APPRAISAL_TODAY = date(YEAR, 12, 10)
    merit, rotating = year_graded
    second = DepartmentFactory(organisation=organisation, supervising_leader=leader)
    both = InspectionFactory(inspector=inspector, date=date(YEAR, 6, 3))
    both.departments.add(merit, second)
    InspectionFactory(inspector=inspector, date=date(YEAR, 6, 9)).departments.add(rotating, merit)
    InspectionFactory(inspector=inspector, date=date(YEAR, 6, 19)).departments.add(rotating)
    chart = _chart(_board(client_for(leader)), "inspections")
    june = dict(zip(chart.header[1:], {row[0]: row[1:] for row in chart.rows}["6月"], strict=True))
    assert (june["涉及分管科室的检查次数"], june["全单位检查次数"]) == (2, 3)


def test_a_month_that_has_ended_counts_who_was_posted_then_as_the_roster_does(client_for, hr, staff, settings):
    """A user test: October's figures counted 59 people beside the roster's 60 — someone who left in
    November was on October's roster (and owed its summary) but not in the dashboard's count."""
    from accounts.services import staff_set_active
    from summaries.review import roster_people

    settings.APPRAISAL_TODAY = date(YEAR, 11, 25)
    leaver = UserFactory(department=staff.department, full_name="离职者")
    staff_set_active(user=leaver, active=False, reason="调出本单位", left_on=date(YEAR, 11, 20))
    settings.APPRAISAL_TODAY = date(YEAR, 12, 10)
    rows = {row[0]: row[1:] for row in _chart(_board(client_for(hr)), "summaries").rows}
    october = roster_people(viewer=hr, year=YEAR, month=10).count()
    assert "离职者" in set(roster_people(viewer=hr, year=YEAR, month=10).values_list("full_name", flat=True))
    assert rows["10月"][3] == october
    # Gone before November ended: not in November's count, as not on its roster.
    assert rows["11月"][3] == roster_people(viewer=hr, year=YEAR, month=11).count() == october - 1


def test_a_month_someone_was_seconded_out_for_is_not_counted_missing_as_the_roster_does(
    client_for, hr, staff, settings
):
    """Seconded out (挂职/援派) for the whole of October: the host appraises them, October asks no
    summary of them here (the roster says 无需填报); from 1 November they are back and owe November's."""
    from accounts.models import StaffStatus, StaffStatusKind
    from summaries.review import roster_counts, roster_people

    settings.APPRAISAL_TODAY = date(YEAR, 12, 10)
    StaffStatus.objects.create(
        user=staff, kind=StaffStatusKind.SECONDED, start_date=date(YEAR, 9, 28), end_date=date(YEAR, 10, 31)
    )
    rows = {row[0]: row[1:] for row in _chart(_board(client_for(hr)), "summaries").rows}
    missing = {
        month: roster_counts(roster_people(viewer=hr, year=YEAR, month=month), year=YEAR, month=month)[
            "summary_missing"
        ]
        for month in (10, 11)
    }
    assert rows["10月"][3] == missing[10] == missing[11] - 1
    assert rows["11月"][3] == missing[11]
    # A draft left of the month away is 无需填报 on the roster, so not 未提交 here either (a re-test):
    # everyone else handed October in, and it reads 0, not 1.
    for person in participants_of(organisation=staff.organisation).exclude(pk=staff.pk):
        MonthlySummaryFactory(owner=person, year=YEAR, month=10, submitted=True)
    MonthlySummaryFactory(owner=staff, year=YEAR, month=10)
    rows = {row[0]: row[1:] for row in _chart(_board(client_for(hr)), "summaries").rows}
    assert rows["10月"][3] == 0
