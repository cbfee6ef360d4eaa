"""Dates checked against the period they belong to and texts against their limits, in the
discipline, grading and annual rooms (issue 9 §2)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import periods
from evaluations.discipline.models import Sanction, SanctionKind, Severity, VetoFlag
from evaluations.discipline.services.sanctions import sanction_save
from evaluations.grading.models import ServiceEvent, ServiceEventKind
from evaluations.grading.services.grading import grade_assign
from evaluations.grading.services.inputs import service_event_save
from evaluations.models import Grade
from tests.evaluations.helpers import record_inspection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("decided_on", [date(1, 1, 1), date(1900, 1, 1), date(1999, 12, 31)])
def test_it_refuses_a_sanction_dated_before_2000_and_raises_no_flags(
    hr, staff, decided_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        sanction_save(sanction=Sanction(person=staff, kind=SanctionKind.MAJOR_DEMERIT, decided_on=decided_on), actor=hr)
    assert "决定日期须在2000年至" in refused.value.message_dict["decided_on"][0]
    assert not Sanction.objects.exists()
    assert not VetoFlag.objects.exists()


def test_the_sanction_page_shows_the_0001_date_refused(client_for, hr, staff):
    response = client_for(hr).post(
        reverse("evaluations:sanction_create"),
        {"person": staff.pk, "kind": SanctionKind.WARNING, "decided_on": "0001-01-01", "note": ""},
    )
    assert response.status_code == 200
    assert "决定日期须在2000年至" in response.content.decode()
    assert not Sanction.objects.exists()


def test_it_refuses_a_sanction_note_over_the_limit(hr, staff):
    with pytest.raises(ValidationError) as refused:
        sanction_save(
            sanction=Sanction(person=staff, kind=SanctionKind.WARNING, decided_on=date(2026, 3, 1), note="注" * 2001),
            actor=hr,
        )
    assert "note" in refused.value.message_dict


def test_it_refuses_an_inspection_dated_1900_or_with_an_overlong_finding(inspector, organisation, department, staff):
    for on, description in [(date(1900, 1, 1), "迟到"), (date(2026, 9, 10), "述" * 2001)]:
        with pytest.raises(ValidationError):
            record_inspection(
                organisation,
                inspector,
                department,
                on=on,
                findings=[{"person": staff, "severity": Severity.MINOR, "description": description}],
            )


def test_it_refuses_a_grade_comment_over_the_limit(quarter, head, staff, grade_of):
    with pytest.raises(ValidationError) as refused:
        grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="评" * 501)
    assert refused.value.message_dict["comment"] == ["“评语”不能超过500字（现为501字）。"]


def test_the_grade_form_states_the_comment_limit(client_for, quarter, head, staff, grade_of):
    page = client_for(head).get(reverse("evaluations:grade_detail", args=[grade_of(staff).pk])).content.decode()
    assert 'maxlength="500"' in page


def test_the_calendar_refuses_dates_far_from_their_period():
    quarter = periods.Quarter(2026, 4)
    periods.check_plausible_date(date(2026, 11, 30), around=quarter)
    periods.check_plausible_date(date(2027, 3, 31), around=quarter)
    for wrong in (date(1900, 1, 1), date(2099, 12, 31), date(2024, 12, 31), date(2028, 1, 1)):
        with pytest.raises(ValidationError):
            periods.check_plausible_date(wrong, around=quarter)
    # Today is said as today, the date typed as typed ("（现为<the date typed>）" read as today, a user test).
    tomorrow = periods.today() + timedelta(days=1)
    with pytest.raises(
        ValidationError, match=f"不能晚于今天（今天是{periods.today().isoformat()}，填写的是{tomorrow.isoformat()}）"
    ):
        periods.check_plausible_date(tomorrow, not_future=True)
    with pytest.raises(ValidationError):
        periods.check_plausible_date(date(1, 1, 1))
    with pytest.raises(ValidationError) as refused:
        periods.check_plausible_year(1900, field="year")
    assert list(refused.value.message_dict) == ["year"]
    periods.check_plausible_year(periods.today().year + 1)


def test_it_refuses_a_praise_dated_1900(hr, staff, organisation):
    with pytest.raises(ValidationError) as refused:
        service_event_save(
            event=ServiceEvent(
                person=staff, date=date(1900, 1, 1), kind=ServiceEventKind.PRAISE, description="热情服务"
            ),
            entered_by=hr,
        )
    assert "日期须在2000年至" in refused.value.message_dict["date"][0]
    assert not ServiceEvent.objects.exists()


def test_a_score_too_large_or_too_precise_is_said_in_plain_words(client_for, hr, department):
    """A user test read 确认总共不超过 5 个数字. for a satisfaction score of 1000000 and 确认小数不超过 2 位.
    for 85.555 (Django's wording, ending in an ASCII full stop)."""
    from django.urls import reverse

    url = reverse("evaluations:satisfaction_create")
    for typed, said in (
        ("1000000", "数字位数过多：最多5位（含小数部分），请按说明的范围填写。"),
        ("85.555", "最多保留2位小数。"),
    ):
        data = {"year": 2026, "quarter": 3, "department": department.pk, "score": typed}
        html = client_for(hr).post(url, data).content.decode()
        assert said in html and "确认" not in html.split('name="score"', 1)[1].split("</div>", 2)[1]
