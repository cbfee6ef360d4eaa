"""The page of a grade sent back for regrading after an objection (its quarter approved): the 好
quota shows as on the grading page."""

import pytest
from django.urls import reverse

from evaluations.grading.services import grading, locking
from evaluations.models import Grade, QuarterState
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
