"""Extra demo people beyond the story, as accounts only, in bulk: ``seed_demo --staff N`` for N above
:data:`appraisal_site.demo.organisation.STORY_STAFF`.

The demo's story is built through the services (appraisal_site.demo), which is right for tens of
people and far too slow for a load test of 100 000. The extra people are added after the story:
accounts sharing the demo password's one hash, their department membership and the staff role,
with bulk inserts and the audit log off. They are fixture data for trying the product at scale,
not part of the story: no targets, summaries or grades of past quarters; the open quarter is
refreshed (``appraisal_quarter_open``) so they wait there to be graded.
"""

from __future__ import annotations

import random
from datetime import date

from auditlog.context import disable_auditlog
from django.contrib.auth.hashers import make_password

from accounts import periods
from accounts.models import Department, DepartmentMembership, Organisation, Role, RoleAssignment, User
from appraisal_site.demo import demo_as_of
from appraisal_site.demo.organisation import DEMO_PASSWORD, DEPARTMENTS, person_name
from evaluations.grading.models import AppraisalQuarter, QuarterState
from evaluations.grading.services.grading import appraisal_quarter_open

BATCH = 5000


def add_staff(*, organisation: Organisation, count: int, seed: int, year: int) -> int:
    """Add ``count`` staff spread over the demo departments of ``year``; returns how many were added."""
    rng = random.Random(seed + 9)
    as_of = demo_as_of(year, periods.today())
    start = min(as_of, date(year, 12, 31))
    password = make_password(DEMO_PASSWORD)
    departments = {d.code: d for d in Department.objects.filter(organisation=organisation)}
    with disable_auditlog():
        for first in range(0, count, BATCH):
            people = []
            for i in range(first, min(first + BATCH, count)):
                code, _name, category, _supervised = DEPARTMENTS[i % len(DEPARTMENTS)]
                people.append(
                    User(
                        organisation=organisation,
                        username=f"x{i + 1:06d}",
                        full_name=person_name(rng),
                        department=departments[code],
                        employee_number=f"X{i + 1:06d}",
                        password=password,
                        position_category=category,
                    )
                )
            User.objects.bulk_create(people)
            people = User.objects.filter(organisation=organisation, username__in=[p.username for p in people])
            rows = list(people.values_list("pk", "department_id"))
            DepartmentMembership.objects.bulk_create(
                DepartmentMembership(user_id=pk, department_id=department, start_date=start) for pk, department in rows
            )
            RoleAssignment.objects.bulk_create(
                RoleAssignment(user_id=pk, organisation=organisation, role=Role.STAFF) for pk, _department in rows
            )
    # Refresh the quarter left open for grading, if any, so the extra people wait there to be graded.
    for open_quarter in AppraisalQuarter.objects.filter(organisation=organisation, year=year, state=QuarterState.OPEN):
        appraisal_quarter_open(organisation=organisation, year=year, quarter=open_quarter.quarter)
    return count
