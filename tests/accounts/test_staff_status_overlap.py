"""Special statuses (试用期, 挂职/援派, 长期休假, 立案审查): two periods of one kind for one person never
overlap; an open end date runs until further notice."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import StaffStatus, StaffStatusKind
from accounts.services import staff_status_add
from tests.factories import StaffStatusFactory, UserFactory


def _add(person, kind=StaffStatusKind.PROBATION, start=date(2026, 1, 1), end=None):
    return staff_status_add(status=StaffStatus(user=person, kind=kind, start_date=start, end_date=end))


def test_a_period_starting_inside_a_recorded_one_is_refused_at_its_start_naming_that_period(staff):
    StaffStatusFactory(user=staff, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))

    with pytest.raises(ValidationError) as refused:
        _add(staff, start=date(2026, 6, 1), end=date(2027, 5, 31))

    assert refused.value.message_dict == {
        "start_date": ["该人员已有试用期记录（2026-01-01至2026-12-31），与所填期间重叠。请调整日期，或先删除原记录。"]
    }
    assert staff.statuses.count() == 1


def test_an_open_ended_status_runs_until_further_notice(staff):
    StaffStatusFactory(user=staff, kind=StaffStatusKind.LONG_LEAVE, start_date=date(2026, 3, 1), end_date=None)

    with pytest.raises(ValidationError) as refused:
        _add(staff, kind=StaffStatusKind.LONG_LEAVE, start=date(2027, 6, 1), end=date(2027, 7, 1))

    assert "长期休假记录（2026-03-01起，未定结束日期）" in refused.value.message_dict["start_date"][0]


def test_a_period_reaching_into_a_later_one_is_refused_at_its_end(staff):
    StaffStatusFactory(user=staff, start_date=date(2026, 7, 1), end_date=date(2026, 9, 30))

    with pytest.raises(ValidationError) as refused:
        _add(staff, start=date(2026, 1, 1), end=None)

    assert list(refused.value.message_dict) == ["end_date"]
    assert "2026-07-01至2026-09-30" in refused.value.message_dict["end_date"][0]


def test_a_period_sharing_one_day_with_a_recorded_one_overlaps(staff):
    StaffStatusFactory(user=staff, start_date=date(2026, 1, 1), end_date=date(2026, 6, 30))

    with pytest.raises(ValidationError):
        _add(staff, start=date(2026, 6, 30), end=date(2026, 12, 31))


def test_periods_that_follow_each_other_another_kind_or_another_person_are_accepted(staff, colleague):
    StaffStatusFactory(user=staff, start_date=date(2026, 1, 1), end_date=date(2026, 6, 30))

    _add(staff, start=date(2026, 7, 1), end=None)
    _add(staff, kind=StaffStatusKind.UNDER_INVESTIGATION, start=date(2026, 3, 1))
    _add(colleague, start=date(2026, 3, 1))

    assert staff.statuses.count() == 3 and colleague.statuses.count() == 1


def test_a_status_saved_again_does_not_overlap_itself(staff):
    status = _add(staff, start=date(2026, 1, 1), end=date(2026, 6, 30))
    status.note = "延长前"
    status.end_date = date(2026, 9, 30)

    staff_status_add(status=status)

    status.refresh_from_db()
    assert status.end_date == date(2026, 9, 30)


def test_the_status_form_shows_the_overlap_at_the_field_and_records_nothing(client_for, hr, staff):
    StaffStatusFactory(user=staff, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))

    response = client_for(hr).post(
        reverse("accounts:staff_status_add", args=[staff.pk]),
        {"kind": "probation", "start_date": "2026-10-01", "end_date": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["start_date"] == [
        "该人员已有试用期记录（2026-01-01至2026-12-31），与所填期间重叠。请调整日期，或先删除原记录。"
    ]
    assert staff.statuses.count() == 1


def test_the_django_admin_refuses_an_overlapping_status_too(client, organisation, staff):
    root = UserFactory(username="root", organisation=organisation, department=None, is_superuser=True, is_staff=True)
    client.force_login(root)
    StaffStatusFactory(user=staff, start_date=date(2026, 1, 1), end_date=None)

    response = client.post(
        reverse("admin:accounts_staffstatus_add"),
        {"user": staff.pk, "kind": "probation", "start_date": "2026-05-01", "end_date": "", "note": ""},
    )

    assert response.status_code == 200
    assert "2026-01-01起，未定结束日期" in str(response.context["adminform"].form.errors["start_date"])
    assert staff.statuses.count() == 1
