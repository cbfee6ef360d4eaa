"""A deterministic demo organisation (示例市人力资源和社会保障局) for trying the product.

Built through the accounts services, acting as demo_sysadmin: ``organisation_create``,
``staff_create`` (which records each person's department membership and roles),
``department_save`` (which grants the head and supervising-leader roles) and ``staff_status_add``.
This is the organisation of the story, meant for tens of people; ``seed_demo --staff N`` beyond
:data:`STORY_STAFF` adds the extra people as accounts only, in bulk (``bench/bulk_demo.py``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings

from accounts.audit import acting_as
from accounts.models import Department, Organisation, Role, StaffStatus, StaffStatusKind, StaffType, User
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


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    description: str


DEMO_ACCOUNTS = [DemoAccount(*row) for row in _TEXT["accounts"]]


def person_name(rng: random.Random) -> str:
    return rng.choice(_TEXT["surnames"]) + "".join(rng.choice(_TEXT["given"]) for _ in range(rng.choice((1, 2))))


@transaction.atomic
def build_demo_organisation(*, staff: int = 60, seed: int = 2026, year: int = 2026) -> Organisation:
    """Create the demo organisation with ``staff`` people in departments. Deterministic for a given seed."""
    rng = random.Random(seed)
    start = date(year, 1, 1)
    titles = _TEXT["titles"]
    names = {a.username: a.full_name for a in DEMO_ACCOUNTS}
    # staff_create hashes each initial password with the production hasher (half a second each);
    # every demo account has the one documented password, so they are created with a fast hasher
    # and all given one proper hash at the end.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        organisation = organisation_create(code=DEMO_ORGANISATION_CODE, name=_TEXT["name"])

        def person(username, full_name, department=None, roles=frozenset({Role.STAFF}), **attributes):
            user, _password = staff_create(
                organisation=organisation,
                username=username,
                full_name=full_name,
                department=department,
                password=DEMO_PASSWORD,
                roles=set(roles),
                start_date=start,
                **attributes,
            )
            return user

        sysadmin = person("demo_sysadmin", names["demo_sysadmin"], roles={Role.SYSADMIN}, employee_number="A0001")
        with acting_as(sysadmin):
            departments = {
                code: department_save(
                    department=Department(organisation=organisation, code=code, name=name, sort_order=i)
                )
                for i, (code, name, _category, _first) in enumerate(DEPARTMENTS)
            }
            person("demo_auditor", names["demo_auditor"], roles={Role.AUDITOR}, employee_number="A0002")
            leader = {"is_leader_position": True, "roles": set()}
            person(
                "demo_chief",
                names["demo_chief"],
                employee_number="L0001",
                position_title=titles["chief"],
                is_leader_position=True,
                roles={Role.AGENCY_HEAD},
            )
            leaders = [
                person(username, full_name, employee_number=number, position_title=titles["leader"], **leader)
                for username, full_name, number in (
                    ("demo_leader", names["demo_leader"], "L0002"),
                    ("demo_leader2", _TEXT["second_leader"], "L0003"),
                )
            ]
            person(
                "demo_hr",
                names["demo_hr"],
                departments["RSRC"],
                roles={Role.HR_ADMIN, Role.STAFF},
                employee_number="A0003",
                position_title=titles["hr"],
            )
            person("demo_inspector", names["demo_inspector"], roles={Role.INSPECTOR}, employee_number="A0004")
            heads = {}
            for i, (code, _name, category, _first) in enumerate(DEPARTMENTS, start=1):
                demo = code == DEMO_HEAD_DEPARTMENT
                heads[code] = person(
                    "demo_head" if demo else f"head_{code.lower()}",
                    names["demo_head"] if demo else person_name(rng),
                    departments[code],
                    employee_number=f"H{i:04d}",
                    position_title=titles["head"],
                    is_leader_position=True,
                    position_category=category,
                )
                if demo:
                    person(
                        "demo_staff",
                        names["demo_staff"],
                        departments[code],
                        employee_number="S00001",
                        position_title=titles["staff"],
                        position_category=category,
                    )
            for code, _name, _category, first in DEPARTMENTS:
                department = departments[code]
                department.head, department.supervising_leader = heads[code], leaders[0 if first else 1]
                department_save(department=department)
            in_departments = len(DEPARTMENTS) + 2  # the heads, demo_hr and demo_staff
            people = [_staff(person, rng, departments, i) for i in range(max(staff - in_departments, 0))]
            _statuses(people, rng, year)
    # One UPDATE rather than a hash per person; the documented password needs no change at first login.
    User.objects.filter(organisation=organisation).update(
        password=make_password(DEMO_PASSWORD), must_change_password=False
    )
    return organisation


def _staff(person, rng: random.Random, departments: dict[str, Department], i: int) -> User:
    code, _name, category, _first = DEPARTMENTS[i % len(DEPARTMENTS)]
    staff_type = StaffType.CIVIL_SERVANT if rng.random() < 0.85 else StaffType.REFERENCE
    if code == "HQFW" and rng.random() < 0.4:
        staff_type = StaffType.INSTITUTION
    return person(
        f"s{i + 2:06d}",
        person_name(rng),
        departments[code],
        employee_number=f"S{i + 2:05d}",
        position_title=rng.choice(_TEXT["staff_titles"]),
        staff_type=staff_type,
        position_category=category,
    )


def _statuses(people: list[User], rng: random.Random, year: int) -> None:
    """A few special statuses so the register shows them: two probationers, one long leave (Q2), one secondment."""
    if len(people) < 4:
        return
    notes = _TEXT["statuses"]
    picked = rng.sample(people[:40], 4)
    for user, kind, start, end in (
        (picked[0], StaffStatusKind.PROBATION, date(year, 1, 1), date(year, 12, 31)),
        (picked[1], StaffStatusKind.PROBATION, date(year, 1, 1), date(year, 12, 31)),
        (picked[2], StaffStatusKind.LONG_LEAVE, date(year, 4, 1), date(year, 6, 30)),
        (picked[3], StaffStatusKind.SECONDED, date(year, 3, 1), None),
    ):
        staff_status_add(status=StaffStatus(user=user, kind=kind, start_date=start, end_date=end, note=notes[kind]))
