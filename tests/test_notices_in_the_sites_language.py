"""A notice stored for someone else is written in the site's language, whoever's request wrote it
(a user test: demo_head on the English pages approved demo_staff's targets, and demo_staff, on the
Chinese pages, read "Your Q4 2026 targets: approved." on the bell; a leader's grade change and a
returned summary the same). The actor's own page stays in their language."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from evaluations.grading.services.grading import grade_assign
from evaluations.models import Grade
from tests.factories import AppraisalQuarterFactory, MonthlySummaryFactory, QuarterGradeFactory, TargetSetFactory

pytestmark = pytest.mark.django_db


def in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_a_review_on_the_english_pages_tells_the_owner_in_chinese(client_for, staff, head):
    targets = TargetSetFactory(owner=staff, submitted=True)
    summary = MonthlySummaryFactory(owner=staff, submitted=True)
    client = in_english(client_for(head))
    answer = client.post(reverse("targets:approve", args=[targets.pk]), {"version": targets.version}, follow=True)
    assert "Approved." in answer.content.decode()  # the head's own page: their language
    client.post(reverse("summaries:review", args=[summary.pk]), {"action": "return", "reason": "请补充数据"})
    notices = list(Notification.objects.filter(recipient=staff).values_list("message", flat=True))
    assert len(notices) == 2, notices
    assert all("您的" in notice for notice in notices), notices
    assert not any("Your" in notice or "Q" in notice for notice in notices), notices


def test_a_leaders_change_on_the_english_pages_tells_the_head_in_chinese(client_for, organisation, staff, head, leader):
    quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=3)
    row = QuarterGradeFactory(appraisal_quarter=quarter, person=staff)
    grade_assign(grade_row=row, actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    row.refresh_from_db()
    client = in_english(client_for(leader))
    prefix = f"c{row.pk}"
    data = {
        f"{prefix}-new_grade": Grade.AVERAGE,
        f"{prefix}-reason": "两项任务未按期完成",
        f"{prefix}-version": row.version,
        "action": "change",
    }
    client.post(reverse("evaluations:grade_confirm", args=[row.pk]), data)
    row.refresh_from_db()
    assert row.grade == Grade.AVERAGE, "the leader's change went through"
    notice = Notification.objects.get(recipient=head).message
    assert "调整为“一般”" in notice and "2026年第3季度" in notice and "Average" not in notice
