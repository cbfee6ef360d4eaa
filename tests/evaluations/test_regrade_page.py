"""The page of a grade sent back for regrading after an objection (its quarter approved): the 好
quota shows as on the grading page, and the earlier confirmation is not shown as the current one —
there, on the approval page and on the printed record form (平时考核登记表)."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from evaluations.grading.services import grading, locking
from evaluations.models import Grade, GradeState, QuarterState
from publicity.reports.pdf import quarter_forms
from tests.factories import hand_in_quarter_inputs, save_fields


def detail_url(row):
    return reverse("evaluations:grade_detail", args=[row.pk])


def give(row, actor, grade):
    reason = "任务完成不及时" if grade in (Grade.AVERAGE, Grade.POOR) else ""
    return grading.grade_assign(grade_row=row, actor=actor, grade=grade, comment="工作认真", reason=reason)


@pytest.fixture
def approved(quarter, head, leader, team, grade_of):
    """The quarter graded (好 for team[1:4], the three places of eight people), confirmed and approved."""
    hand_in_quarter_inputs(quarter)
    for i, person in enumerate(team):
        give(grade_of(person), head, Grade.GOOD if 1 <= i <= 3 else Grade.FAIRLY_GOOD)
        grading.grade_confirm(grade_row=grade_of(person), actor=leader)
    give(grade_of(head), leader, Grade.FAIRLY_GOOD)
    save_fields([quarter], state=QuarterState.APPROVED)
    return quarter


@pytest.fixture
def sent_back(approved, hr, staff, grade_of):
    """staff's 较好 (team[0]) sent back for regrading after an objection."""
    locking.grade_reopen_for_regrading(grade=grade_of(staff), actor=hr, reason="异议属实")
    return grade_of(staff)


# --- The 好 quota -------------------------------------------------------------------------------


def test_the_regrade_page_shows_the_quota_used_up(client_for, sent_back, head):
    html = client_for(head).get(detail_url(sent_back)).content.decode()
    assert 'data-testid="grade-form"' in html
    assert 'data-testid="quota-all"' in html
    # Eight people, three places, all three used: grading.js disables 好 from these figures.
    assert 'data-participants="8" data-used="3"' in html
    assert "本季度可评“好”<span data-quota-capacity>3</span>人，剩余<span data-quota-remaining>0</span>人" in html
    assert "js/grading.js" in html


def test_the_leader_confirming_a_regrade_sees_the_quota_too(client_for, sent_back, head, leader, grade_of):
    give(sent_back, head, Grade.FAIRLY_GOOD)
    html = client_for(leader).get(detail_url(sent_back)).content.decode()
    assert 'data-testid="confirm-form"' in html and 'data-testid="quota-all"' in html


def test_the_server_still_refuses_a_good_past_the_quota_on_a_regrade(sent_back, head):
    with pytest.raises(Exception, match="名额已满"):
        give(sent_back, head, Grade.GOOD)


def test_an_approved_grade_not_sent_back_shows_no_quota(client_for, approved, head, colleague, grade_of):
    html = client_for(head).get(detail_url(grade_of(colleague))).content.decode()
    assert 'data-testid="grade-form"' not in html and 'data-testid="quota' not in html


# --- The confirmer --------------------------------------------------------------------------------


def _confirmer_line(html):
    return re.search(r'data-testid="current-grade".*?</section>', html, re.S).group(0)


def test_a_regraded_grade_shows_no_confirmer_until_the_leader_confirms_it_again(
    client_for, sent_back, head, leader, hr, grade_of
):
    assert "确认人" not in _confirmer_line(client_for(hr).get(detail_url(sent_back)).content.decode())
    give(sent_back, head, Grade.AVERAGE)
    row = grade_of(sent_back.person)
    assert (row.state, row.confirmed_by, row.confirmed_at) == (GradeState.GRADED, None, None)
    page = client_for(hr).get(detail_url(row)).content.decode()
    assert "待分管领导确认" in client_for(leader).get(reverse("evaluations:grading")).content.decode()
    assert "确认人" not in _confirmer_line(page) and "评鉴人" in _confirmer_line(page)
    grading.grade_confirm(grade_row=row, actor=leader)
    page = client_for(hr).get(detail_url(row)).content.decode()
    assert f"确认人 {leader.full_name}" in _confirmer_line(page)


def test_a_row_left_with_an_old_confirmer_shows_none_while_it_waits(client_for, sent_back, head, leader, hr, grade_of):
    # Rows regraded before the confirmation was cleared still hold the earlier confirmer.
    give(sent_back, head, Grade.AVERAGE)
    save_fields([grade_of(sent_back.person)], confirmed_by=leader)
    page = client_for(hr).get(detail_url(sent_back)).content.decode()
    assert "确认人" not in _confirmer_line(page)
    record = render_to_string(
        "publicity/reports/quarter_forms.pdf.html",
        {"forms": quarter_forms(year=2026, quarter=4, person=sent_back.person)},
    )
    assert re.search(r"分管领导确认</th><td[^>]*>未确认", record)


def test_the_record_form_and_the_approval_page_name_no_earlier_confirmer(client_for, sent_back, head, leader, chief):
    give(sent_back, head, Grade.AVERAGE)
    record = render_to_string(
        "publicity/reports/quarter_forms.pdf.html",
        {"forms": quarter_forms(year=2026, quarter=4, person=sent_back.person)},
    )
    assert re.search(r"分管领导确认</th><td[^>]*>未确认", record)
    approval = client_for(chief).get(
        reverse("evaluations:quarter_approve", args=[sent_back.appraisal_quarter_id]), {"grade": Grade.AVERAGE}
    )
    assert f"确认：{leader.full_name}" not in approval.content.decode()
