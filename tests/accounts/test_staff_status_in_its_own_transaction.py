"""The staff page's special-status services run in a transaction of their own: they lock the
person's row (SELECT … FOR UPDATE), which PostgreSQL refuses outside a transaction. A review found
``@transaction.atomic`` moved by an edit onto a helper above ``staff_status_add``, which only a
request outside the tests' own transaction shows."""

from __future__ import annotations

from datetime import date

import pytest

from accounts import services
from accounts.models import StaffStatus, StaffStatusKind


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_status_is_added_and_removed_outside_any_callers_transaction(staff, hr):
    status = services.staff_status_add(
        status=StaffStatus(user=staff, kind=StaffStatusKind.PROBATION, start_date=date(2026, 1, 1)), actor=hr
    )
    assert StaffStatus.objects.filter(pk=status.pk).exists()
    services.staff_status_remove(status=status, reason="录入有误", actor=hr)
    assert not StaffStatus.objects.filter(user=staff).exists()
