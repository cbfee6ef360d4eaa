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
