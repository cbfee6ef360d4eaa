"""Once a quarter is approved, its satisfaction scores and praise/complaint events are read-only for
everyone: by hand, by Excel import (the same service check) and by delete; the lists offer no edit."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.grading.services import inputs
from evaluations.models import SatisfactionScore, ServiceEvent
from tests.evaluations.test_inputs import EVENT_HEADER, SATISFACTION_HEADER, xlsx
from tests.factories import PeriodLockFactory, SatisfactionScoreFactory, ServiceEventFactory, UserFactory

CLOSED = "已审批"


@pytest.fixture
def closed_q3(organisation, chief):
    return PeriodLockFactory(organisation=organisation, year=2026, quarter=3, locked_by=chief)


def test_it_refuses_a_new_score_for_an_approved_quarter(hr, staff, closed_q3):
    with pytest.raises(ValidationError, match=CLOSED) as error:
        inputs.satisfaction_save(
            score=SatisfactionScore(year=2026, quarter=3, person=staff, score=Decimal("90")), entered_by=hr
        )
    assert "quarter" in error.value.message_dict
    assert not SatisfactionScore.objects.exists()


def test_it_refuses_to_change_or_delete_a_score_of_an_approved_quarter(hr, staff, closed_q3):
    score = SatisfactionScoreFactory(person=staff, year=2026, quarter=3, score=Decimal("80"))
    score.score, score.quarter = Decimal("99"), 4  # moving it out of the closed quarter changes that quarter too
    with pytest.raises(ValidationError, match=CLOSED):
        inputs.satisfaction_save(score=score, entered_by=hr)
    with pytest.raises(ValidationError, match=CLOSED):
        inputs.satisfaction_delete(score=SatisfactionScore.objects.get())
    assert SatisfactionScore.objects.get().score == Decimal("80")


def test_scores_of_an_open_quarter_are_still_entered(hr, staff, closed_q3):
    saved = inputs.satisfaction_save(
        score=SatisfactionScore(year=2026, quarter=4, person=staff, score=Decimal("90")), entered_by=hr
    )
    assert saved.pk


def test_it_refuses_events_of_an_approved_quarter_new_changed_or_deleted(hr, staff, closed_q3):
    with pytest.raises(ValidationError, match=CLOSED):
        inputs.service_event_save(
            event=ServiceEvent(person=staff, date=date(2026, 9, 3), kind="praise", description="锦旗"),
            entered_by=hr,
        )
    stored = ServiceEventFactory(person=staff, date=date(2026, 8, 1), kind="complaint", handled=False)
    stored.handled = True
    with pytest.raises(ValidationError, match=CLOSED):
        inputs.service_event_save(event=stored, entered_by=hr)
    with pytest.raises(ValidationError, match=CLOSED):
        inputs.service_event_delete(event=stored)
    assert list(ServiceEvent.objects.values_list("handled", flat=True)) == [False]


def test_the_excel_imports_refuse_rows_of_an_approved_quarter(client_for, hr, staff, closed_q3):
    client = client_for(hr)
    response = client.post(
        reverse("evaluations:satisfaction_import"),
        {"file": xlsx([[2026, 3, None, staff.employee_number, 90]], SATISFACTION_HEADER)},
    )
    assert any(CLOSED in error for error in response.context["errors"])
    response = client.post(
        reverse("evaluations:event_import"),
        {"file": xlsx([[date(2026, 8, 1), staff.employee_number, "表扬", "来信表扬", None]], EVENT_HEADER)},
    )
    assert any(CLOSED in error for error in response.context["errors"])
    assert not SatisfactionScore.objects.exists() and not ServiceEvent.objects.exists()


def test_the_lists_offer_no_edit_for_an_approved_quarter_and_a_delete_post_is_refused(client_for, hr, staff, closed_q3):
    score = SatisfactionScoreFactory(person=staff, year=2026, quarter=3)
    event = ServiceEventFactory(person=staff, date=date(2026, 8, 1))
    client = client_for(hr)
    html = client.get(reverse("evaluations:satisfaction_list"), {"year": 2026, "quarter": 3}).content.decode()
    assert reverse("evaluations:satisfaction_edit", args=[score.pk]) not in html and 'data-testid="closed"' in html
    html = client.get(reverse("evaluations:event_list"), {"year": 2026, "quarter": 3}).content.decode()
    assert reverse("evaluations:event_edit", args=[event.pk]) not in html and 'data-testid="closed"' in html
    response = client.post(reverse("evaluations:satisfaction_delete", args=[score.pk]), follow=True)
    assert CLOSED in response.content.decode()
    assert SatisfactionScore.objects.filter(pk=score.pk).exists()


def test_an_event_import_checked_before_the_approval_is_refused_at_the_write(organisation, hr, staff, closed_q3):
    """The rows were checked while Q3 was open; the agency head approved before they were written."""
    row = inputs.ServiceEventRow(
        row_number=2, date=date(2026, 8, 3), person=staff, kind="praise", description="窗口服务", handled=None
    )
    with pytest.raises(ValidationError, match=CLOSED):
        inputs.service_event_import(organisation=organisation, rows=[row], entered_by=hr)
    assert not ServiceEvent.objects.exists()


def test_a_survey_file_for_an_approved_quarter_says_so_once_among_the_row_errors(client_for, hr, department, closed_q3):
    people = [UserFactory(department=department) for _ in range(12)]
    rows = [[2026, 3, None, person.employee_number, 90] for person in people]
    rows[3][4] = "abc"  # the real mistakes of rows 5 and 7 are still named, each once
    rows[5][3] = "NOPE"
    rows.append([2026, 4, None, people[0].employee_number, 95])  # an open quarter's row is fine

    response = client_for(hr).post(
        reverse("evaluations:satisfaction_import"), {"file": xlsx(rows, SATISFACTION_HEADER)}
    )

    assert response.context["errors"] == [
        "第2–13行：2026年第3季度的考核结果已审批，满意度测评和表扬投诉不能再修改。",
        "第5行：得分“abc”不是数字",
        "第7行：工号“NOPE”在本单位不存在",
    ]
    assert "发现 3 个问题" in response.content.decode()
    assert not SatisfactionScore.objects.exists()


def test_an_event_file_names_the_rows_of_each_approved_quarter_once(client_for, hr, staff, colleague, closed_q3):
    rows = [
        [date(2026, 8, 1), staff.employee_number, "表扬", "来信表扬", None],
        [date(2026, 8, 2), colleague.employee_number, "表扬", "窗口服务", None],
        [date(2026, 10, 9), staff.employee_number, "表扬", "锦旗", None],
        [date(2026, 9, 30), staff.employee_number, "投诉", "态度生硬", "否"],
    ]

    response = client_for(hr).post(reverse("evaluations:event_import"), {"file": xlsx(rows, EVENT_HEADER)})

    assert response.context["errors"] == ["第2–3、5行：2026年第3季度的考核结果已审批，满意度测评和表扬投诉不能再修改。"]
    assert not ServiceEvent.objects.exists()
