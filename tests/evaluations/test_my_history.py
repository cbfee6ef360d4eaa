"""A person's own history: quarterly grades and comments once the quarter is approved, and
the decided year results; never anyone else's."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.annual.models import AnnualGrade
from evaluations.models import Grade, QuarterState
from tests.factories import AnnualResultFactory, AppraisalQuarterFactory, GradeReviewFactory, QuarterGradeFactory

HISTORY = reverse("evaluations:my_history")


def approved(organisation, year, quarter):
    return AppraisalQuarterFactory(organisation=organisation, year=year, quarter=quarter, state=QuarterState.APPROVED)


def test_staff_see_their_approved_quarters_with_grade_and_comment(client_for, organisation, staff):
    QuarterGradeFactory(
        person=staff, appraisal_quarter=approved(organisation, 2026, 3), grade=Grade.GOOD, comment="攻坚有力"
    )
    AnnualResultFactory(person=staff, year=2025, decided_grade=AnnualGrade.EXCELLENT)
    html = client_for(staff).get(HISTORY).content.decode()
    assert "2026年第3季度" in html and "好" in html and "攻坚有力" in html
    assert "2025年" in html and "优秀" in html


def test_a_grade_the_supervising_leader_changed_reads_as_changed_with_the_leaders_reason(
    client_for, organisation, staff
):
    """A user test: the head graded 一般 with a reason, the leader changed it to 较好; the person
    read 较好 beside the head's comment and a 定等理由 written for 一般, the change unsaid."""
    QuarterGradeFactory(
        person=staff,
        appraisal_quarter=approved(organisation, 2026, 3),
        grade=Grade.FAIRLY_GOOD,
        evaluator_grade=Grade.AVERAGE,
        comment="完成情况一般。",
        reason="8月、9月小结迟迟未完善。",
        # As grade_confirm keeps it: the grader's reason beside the grade the leader changed.
        evaluator_reason="8月、9月小结迟迟未完善。",
        change_reason="补交材料后推进明显加快。",
    )
    html = client_for(staff).get(HISTORY).content.decode()
    change = html.split('data-testid="history-leader-change">', 1)[1].split("</div>", 1)[0]
    assert "分管领导调整：“一般”改为“较好”" in change and "补交材料后推进明显加快。" in change
    assert "评鉴人评为“一般”的理由：8月、9月小结迟迟未完善。" in html and "定等理由：8月" not in html


def test_a_grade_the_leader_lowered_names_the_reason_once_as_the_leaders_and_a_later_review_keeps_the_change(
    client_for, organisation, staff, hr
):
    """The leader's change to 一般 writes its reason as the grade's (one is required): it was shown
    as the grader's reason for 好 too. A 定等后复核 afterwards changes the grade, not what the leader
    had changed it to."""
    grade = QuarterGradeFactory(
        person=staff,
        appraisal_quarter=approved(organisation, 2026, 3),
        grade=Grade.AVERAGE,
        evaluator_grade=Grade.GOOD,
        comment="工作积极。",
        reason="季度末工作出现差错。",
        change_reason="季度末工作出现差错。",
    )
    html = client_for(staff).get(HISTORY).content.decode()
    assert html.count("季度末工作出现差错。") == 1 and "评鉴人评为" not in html
    assert "分管领导调整：“好”改为“一般”" in html
    reason = "复核认定差错系他人所致"
    GradeReviewFactory(
        quarter_grade=grade, old_grade=Grade.AVERAGE, new_grade=Grade.FAIRLY_GOOD, reason=reason, reviewed_by=hr
    )
    grade.grade = Grade.FAIRLY_GOOD
    grade.save(update_fields=["grade"])
    html = client_for(staff).get(HISTORY).content.decode()
    assert "分管领导调整：“好”改为“一般”" in html and "复核（" in html


def test_an_open_quarter_and_an_undecided_year_stay_hidden(client_for, organisation, staff):
    open_quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=4)
    QuarterGradeFactory(person=staff, appraisal_quarter=open_quarter, grade=Grade.POOR, comment="尚在评鉴")
    AnnualResultFactory(person=staff, year=2026, suggested_grade=AnnualGrade.COMPETENT)
    response = client_for(staff).get(HISTORY)
    assert "尚在评鉴" not in response.content.decode()
    assert list(response.context["page"]) == []
    assert response.context["years"] == []


def test_it_never_shows_another_persons_grades(client_for, organisation, staff, colleague):
    quarter = approved(organisation, 2026, 3)
    QuarterGradeFactory(person=colleague, appraisal_quarter=quarter, grade=Grade.POOR, comment="同事的评语")
    AnnualResultFactory(person=colleague, year=2025, decided_grade=AnnualGrade.INCOMPETENT)
    response = client_for(staff).get(HISTORY, {"person": colleague.pk})
    html = response.content.decode()
    assert "同事的评语" not in html and "不称职" not in html
    assert list(response.context["page"]) == []


@pytest.mark.parametrize("who", ["sysadmin", "auditor"])
def test_the_separated_roles_have_no_history_page(request, client_for, who):
    assert client_for(request.getfixturevalue(who)).get(HISTORY).status_code == 403


def test_the_user_menu_links_to_the_history(client_for, staff):
    assert f'href="{HISTORY}"' in client_for(staff).get(reverse("home")).content.decode()


def test_the_history_is_paginated_with_constant_queries(client_for, organisation, staff):
    client = client_for(staff)
    QuarterGradeFactory(person=staff, appraisal_quarter=approved(organisation, 2020, 1), comment="c")
    client.get(HISTORY)
    with CaptureQueriesContext(connection) as few:
        client.get(HISTORY)
    for year in range(2021, 2026):
        for quarter in range(1, 5):
            QuarterGradeFactory(person=staff, appraisal_quarter=approved(organisation, year, quarter), comment="c")
    with CaptureQueriesContext(connection) as many:
        response = client.get(HISTORY)
    assert len(many) == len(few)
    assert len(response.context["page"]) == 12
    assert response.context["page"].paginator.count == 21


def test_the_history_charts_the_approved_quarters_oldest_first_with_the_same_table(client_for, organisation, staff):
    from decimal import Decimal

    QuarterGradeFactory(
        person=staff, appraisal_quarter=approved(organisation, 2026, 2), grade=Grade.GOOD, composite_score=Decimal("92")
    )
    QuarterGradeFactory(person=staff, appraisal_quarter=approved(organisation, 2026, 1), grade=Grade.AVERAGE)
    response = client_for(staff).get(HISTORY)
    assert response.context["chart_rows"] == [
        ["2026年第1季度", "一般", 2, None],
        ["2026年第2季度", "好", 4, Decimal("92.00")],
    ]
    (chart,) = response.context["chart_data"]
    assert chart["labels"] == ["2026年第1季度", "2026年第2季度"] and chart["datasets"][0]["data"] == [2, 4]
    # Everyone's chart has the same scale, its ticks named by grade: 较好 is not drawn as a full bar
    # for someone who never had 好.
    assert chart["max"] == 4 and chart["tickLabels"] == {1: "较差", 2: "一般", 3: "较好", 4: "好"}
    html = response.content.decode()
    assert 'id="dashboard-data"' in html and 'data-chart="history"' in html and "chartjs/chart.umd.min.js" in html


def test_a_year_decided_without_quarterly_records_shows_a_dash_not_zero_good_quarters(client_for, staff):
    AnnualResultFactory(
        person=staff, year=2025, decided_grade=AnnualGrade.EXCELLENT, graded_quarters=4, good_quarters=3
    )
    AnnualResultFactory(
        person=staff, year=2024, decided_grade=AnnualGrade.EXCELLENT, graded_quarters=0, good_quarters=0
    )
    html = client_for(staff).get(HISTORY).content.decode()
    cells = re.findall(r'data-testid="history-good-quarters">([^<]*)</td>', html)
    assert cells == ["3 / 4", "—"]  # newest year first
    assert "0 / 0" not in html
