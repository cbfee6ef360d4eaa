"""A deterministic demo organisation (示例市人力资源和社会保障局) for trying the product.

Built through the accounts services, acting as demo_sysadmin: ``organisation_create``,
``staff_create`` (membership and roles; every account gets one hash of the documented password),
``department_save`` (which grants the head and supervising-leader roles) and ``staff_status_add``.
This is the organisation of the story, meant for tens of people; ``seed_demo --staff N`` beyond
:data:`STORY_STAFF` adds the extra people as accounts only, in bulk (``bench/bulk_demo.py``).
"""

from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.audit import acting_as
from accounts.models import Department, DepartmentHeadship, Organisation, StaffStatus, StaffType, User
from accounts.services import department_save, organisation_create, staff_create, staff_status_add

from . import load

DEMO_ORGANISATION_CODE = "demo"
DEMO_PASSWORD = "Demo@2026!"
DEMO_HEAD_DEPARTMENT = "JYCJ"
# The most people the story is told for; seed_demo adds anyone beyond as accounts only.
STORY_STAFF = 60

_TEXT = load("organisation")
# (code, name, position category of most of its staff, supervised by demo_leader?)
DEPARTMENTS = [tuple(row) for row in _TEXT["departments"]]


# The accounts seed_demo lists (username, full_name, description…): those with a description.
DEMO_ACCOUNTS = [SimpleNamespace(**row) for row in _TEXT["accounts"] if "description" in row]


def demo_person(organisation: Organisation, password_hash: str, *, roles=("staff",), description="", **row) -> User:
    """The account a row of data/*.json describes (``staff_create``), with the documented password,
    in the appraisal since the organisation's start (the story's year), not from the day of seeding."""
    row.setdefault("appraisal_start", None)
    return staff_create(organisation=organisation, password_hash=password_hash, roles=set(roles), **row)[0]


def person_name(rng: random.Random) -> str:
    return rng.choice(_TEXT["surnames"]) + "".join(rng.choice(_TEXT["given"]) for _ in range(rng.choice((1, 2))))


@transaction.atomic
def build_demo_organisation(*, staff: int = 60, seed: int = 2026, year: int = 2026) -> Organisation:
    """Create the demo organisation with ``staff`` people in departments. Deterministic for a given seed."""
    rng, encoded = random.Random(seed), make_password(DEMO_PASSWORD)
    # In the system from the first day of the story's year: the years before asked nothing of anyone.
    organisation = organisation_create(code=DEMO_ORGANISATION_CODE, name=_TEXT["name"], started_on=date(year, 1, 1))
    departments: dict[str, Department] = {}

    def person(username, full_name, department=None, **row):
        row.update(department=departments.get(department), start_date=date(year, 1, 1))
        return demo_person(organisation, encoded, username=username, full_name=full_name, **row)

    accounts = _TEXT["accounts"]
    people = {"demo_sysadmin": person(**accounts[0])}
    with acting_as(people["demo_sysadmin"]):
        for i, (code, name, _category, _first) in enumerate(DEPARTMENTS):
            departments[code] = Department(organisation=organisation, code=code, name=name, sort_order=i)
            department_save(department=departments[code])
        people.update({row["username"]: person(**row) for row in accounts[1:]})
        for i, (code, _name, category, first) in enumerate(DEPARTMENTS, start=1):
            department = departments[code]
            if code == DEMO_HEAD_DEPARTMENT:
                department.head = people["demo_head"]
            else:
                post = {"employee_number": f"H{i:04d}", "position_category": category, **_TEXT["head_post"]}
                department.head = person(f"head_{code.lower()}", person_name(rng), code, **post)
            department.supervising_leader = people["demo_leader" if first else "demo_leader2"]
            department_save(department=department)
        # The heads were in post all year, as their people joined on 1 January (the history began
        # on the seed day, a re-test found, so a past quarter read no head).
        DepartmentHeadship.objects.filter(department__organisation=organisation).update(start_date=date(year, 1, 1))
        in_departments = len(DEPARTMENTS) + 2  # the heads, demo_hr and demo_staff
        staff_people = [_staff(person, rng, i) for i in range(max(staff - in_departments, 0))]
        if len(staff_people) >= 4:
            # Special statuses for the register: two probationers, a secondment and a long leave in Q2
            # (for which the grading page suggests 不确定等次).
            for user, (kind, *days, note) in zip(rng.sample(staff_people[:40], 4), _TEXT["statuses"], strict=True):
                start, end = (date.fromisoformat(f"{year}-{day}") if day else None for day in days)
                staff_status_add(status=StaffStatus(user=user, kind=kind, start_date=start, end_date=end, note=note))
    return organisation


def _staff(person, rng: random.Random, i: int):
    code, _name, category, _first = DEPARTMENTS[i % len(DEPARTMENTS)]
    staff_type = StaffType.CIVIL_SERVANT if rng.random() < 0.85 else StaffType.REFERENCE
    if code == "HQFW" and rng.random() < 0.4:
        staff_type = StaffType.INSTITUTION
    title = rng.choice(_TEXT["staff_titles"])
    post = {"position_title": title, "staff_type": staff_type, "position_category": category}
    return person(f"s{i + 2:06d}", person_name(rng), code, employee_number=f"S{i + 2:05d}", **post)
