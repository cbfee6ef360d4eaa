"""Two people confirming, at the same moment, two waiting role changes of one person that may not go
together (三员分立): one lands, the other is refused, never both.

Each confirmation is a thread with its own database connection. On PostgreSQL (make test-postgres)
both would read the roles held before either and pass the check but for the lock on the person's
row (accounts.services._roles_locked); SQLite serialises its writers (BEGIN IMMEDIATE) anyway.
Two different requests are claimed, so the lock on each request's own row does not serialise them.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import PendingRoleChange, Role, User
from tests.factories import UserFactory
from tests.support.concurrency import connected, file_copy_of_the_test_database, run_at_once


@pytest.mark.django_db(transaction=True)
def test_two_grants_that_may_not_go_together_confirmed_at_once_leave_one(organisation, security_admin, hr, tmp_path):
    second_hr = UserFactory(organisation=organisation, department=None, roles=[Role.HR_ADMIN])
    person = UserFactory(organisation=organisation, department=None, roles=[])
    # Asked before a request is checked against the grants waiting (or through two paths).
    changes = [
        PendingRoleChange.objects.create(organisation=organisation, user=person, role=role, requested_by=security_admin)
        for role in (Role.AUDITOR, Role.INSPECTOR)
    ]
    confirmers = [hr.pk, second_hr.pk]
    database = file_copy_of_the_test_database(tmp_path)

    def confirm(n: int) -> str:
        actor = User.objects.get(pk=confirmers[n])
        change = PendingRoleChange.objects.get(pk=changes[n].pk)
        try:
            services.role_change_decide(actor=actor, change=change, confirm=True)
        except ValidationError as refusal:
            return "refused" if "三员分立" in " ".join(refusal.messages) else repr(refusal)
        return "confirmed"

    answers = run_at_once(database, 2, confirm)

    assert sorted(answers) == ["confirmed", "refused"], answers
    with connected(database):
        assert len(User.objects.get(pk=person.pk).roles) == 1
