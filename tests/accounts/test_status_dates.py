"""A special status's start is a plausible date (since 2000, by next year), as every typed date is."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import StaffStatus, StaffStatusKind

pytestmark = pytest.mark.django_db


def test_a_long_leave_from_1900_is_refused_at_its_start(staff, hr):
    """A user test recorded 长期休假 from 1900-01-01."""
    leave = StaffStatus(user=staff, kind=StaffStatusKind.LONG_LEAVE, start_date=date(1900, 1, 1))
    with pytest.raises(ValidationError) as refused:
        services.staff_status_add(status=leave, actor=hr)
    assert "开始日期须在2000年至" in refused.value.message_dict["start_date"][0]
    assert not StaffStatus.objects.exists()
    leave.start_date = date(2026, 10, 8)
    services.staff_status_add(status=leave, actor=hr)
    assert StaffStatus.objects.get().start_date == date(2026, 10, 8)


def test_a_status_ending_in_9999_is_refused_at_its_end(staff, hr):
    """A re-test recorded 长期休假 2026-10-01 – 9999-12-31."""
    leave = StaffStatus(
        user=staff, kind=StaffStatusKind.LONG_LEAVE, start_date=date(2026, 10, 1), end_date=date(9999, 12, 31)
    )
    with pytest.raises(ValidationError) as refused:
        services.staff_status_add(status=leave, actor=hr)
    assert refused.value.message_dict["end_date"] == [
        "结束日期须在开始日期后五年以内（现为9999-12-31）；期限未定的可不填。"
    ]
    leave.end_date = date(2029, 9, 30)  # a three-year secondment is fine
    services.staff_status_add(status=leave, actor=hr)


def test_the_admin_form_refuses_the_same_dates_at_their_fields(staff):
    """A review: the system administrator's admin form skipped the date checks the staff page makes."""
    from django.forms import modelform_factory

    from accounts.admin import StaffStatusAdminForm

    fields = ["user", "kind", "start_date", "end_date"]
    form = modelform_factory(StaffStatus, form=StaffStatusAdminForm, fields=fields)(
        data={"user": staff.pk, "kind": StaffStatusKind.LONG_LEAVE, "start_date": "1900-01-01", "end_date": ""}
    )
    assert not form.is_valid() and "开始日期须在2000年至" in form.errors["start_date"][0]
