"""A deterministic demo organisation (示例市人力资源和社会保障局) for trying the product.

Built with bulk inserts so that ``--staff 100000`` stays within minutes. Later
features add their own demo data after this (a year in progress).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from auditlog.context import disable_auditlog
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import (
    Department,
    DepartmentMembership,
    Organisation,
    Policy,
    PositionCategory,
    Role,
    RoleAssignment,
    StaffStatus,
    StaffStatusKind,
    StaffType,
    User,
)

DEMO_ORGANISATION_CODE = "demo"
DEMO_ORGANISATION_NAME = "示例市人力资源和社会保障局"
DEMO_PASSWORD = "Demo@2026!"
BATCH = 5000

# (code, name, position category of most of its staff, supervised by the first leader?)
DEPARTMENTS = [
    ("BGS", "办公室", PositionCategory.GENERAL, False),
    ("ZCFG", "政策法规科", PositionCategory.GENERAL, False),
    ("JYCJ", "就业促进科", PositionCategory.ENFORCEMENT, True),
    ("ZYNL", "职业能力建设科", PositionCategory.ENFORCEMENT, True),
    ("SHBX", "社会保险科", PositionCategory.ENFORCEMENT, True),
    ("LDGX", "劳动关系科", PositionCategory.ENFORCEMENT, True),
    ("RSRC", "人事人才科", PositionCategory.GENERAL, False),
    ("HQFW", "后勤服务中心", PositionCategory.SERVICE, False),
]
DEMO_HEAD_DEPARTMENT = "JYCJ"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国"
    "文辉力斌宇浩凯健俊帆帅旭晨阳鹏飞雪梅琳晶颖慧婷雯倩欣悦思佳嘉怡"
)
TITLES = ["一级科员", "四级主任科员", "三级主任科员", "二级主任科员", "一级主任科员", "四级调研员"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("demo_sysadmin", "系统管理员", "系统管理员（账号与设置，不能查看考核内容）"),
    DemoAccount("demo_hr", "人事干部", "组织人事（考核办）"),
    DemoAccount("demo_chief", "局长", "主要负责人"),
    DemoAccount("demo_leader", "分管副局长", "分管领导（分管就业促进科等4个科室）"),
    DemoAccount("demo_head", "就业促进科科长", "科室负责人（就业促进科）"),
    DemoAccount("demo_staff", "就业促进科科员", "工作人员（就业促进科）"),
    DemoAccount("demo_inspector", "纪检干部", "纪检督查"),
    DemoAccount("demo_auditor", "审计员", "审计员（只读审计日志）"),
    DemoAccount("demo_secadmin", "安全管理员", "安全管理员（授予和撤销角色、安全设置；不能查看考核内容）"),
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


@transaction.atomic
def build_demo_organisation(*, staff: int = 60, seed: int = 2026, year: int = 2026) -> Organisation:
    """Create the demo organisation with about ``staff`` people. Deterministic for a given seed."""
    rng = random.Random(seed)
    start = date(year, 1, 1)
    # One hash for every demo account: hashing 100 000 passwords would take hours.
    password_hash = make_password(DEMO_PASSWORD)
    with disable_auditlog():
        organisation = Organisation.objects.create(code=DEMO_ORGANISATION_CODE, name=DEMO_ORGANISATION_NAME)
        Policy.objects.create(organisation=organisation)
        departments = Department.objects.bulk_create(
            Department(organisation=organisation, code=code, name=name, sort_order=i)
            for i, (code, name, _category, _first) in enumerate(DEPARTMENTS)
        )
        by_code = {d.code: d for d in departments}

        def person(username, full_name, department, number, **extra):
            return User(
                username=username,
                full_name=full_name,
                organisation=organisation,
                department=department,
                employee_number=number,
                password=password_hash,
                **extra,
            )

        accounts = {a.username: a for a in DEMO_ACCOUNTS}
        named = [
            person("demo_sysadmin", accounts["demo_sysadmin"].full_name, None, "A0001"),
            person("demo_auditor", accounts["demo_auditor"].full_name, None, "A0002"),
            person("demo_secadmin", accounts["demo_secadmin"].full_name, None, "A0090"),
            person(
                "demo_chief",
                accounts["demo_chief"].full_name,
                None,
                "L0001",
                position_title="局长",
                is_leader_position=True,
            ),
            person(
                "demo_leader",
                accounts["demo_leader"].full_name,
                None,
                "L0002",
                position_title="副局长",
                is_leader_position=True,
            ),
            person("demo_leader2", "副局长", None, "L0003", position_title="副局长", is_leader_position=True),
            person("demo_hr", accounts["demo_hr"].full_name, by_code["RSRC"], "A0003", position_title="一级主任科员"),
            person("demo_inspector", accounts["demo_inspector"].full_name, None, "A0004"),
            person(
                "demo_head",
                accounts["demo_head"].full_name,
                by_code[DEMO_HEAD_DEPARTMENT],
                "H0003",
                position_title="科长",
                is_leader_position=True,
                position_category=PositionCategory.ENFORCEMENT,
            ),
            person(
                "demo_staff",
                accounts["demo_staff"].full_name,
                by_code[DEMO_HEAD_DEPARTMENT],
                "S00001",
                position_title="一级科员",
                position_category=PositionCategory.ENFORCEMENT,
            ),
        ]
        # Heads of the other departments.
        for i, (code, _dept_name, category, _first) in enumerate(DEPARTMENTS, start=1):
            if code != DEMO_HEAD_DEPARTMENT:
                named.append(
                    person(
                        f"head_{code.lower()}",
                        _name(rng),
                        by_code[code],
                        f"H{i:04d}",
                        position_title="科长",
                        is_leader_position=True,
                        position_category=category,
                    )
                )
        User.objects.bulk_create(named)
        users = {u.username: u for u in User.objects.filter(organisation=organisation)}

        leader, leader2 = users["demo_leader"], users["demo_leader2"]
        for code, _dept_name, _category, first in DEPARTMENTS:
            department = by_code[code]
            department.head = users["demo_head"] if code == DEMO_HEAD_DEPARTMENT else users[f"head_{code.lower()}"]
            department.supervising_leader = leader if first else leader2
        Department.objects.bulk_update(departments, ["head", "supervising_leader"])

        # The rest of the staff, spread over the departments.
        already_in_departments = sum(1 for u in users.values() if u.department_id)
        remaining = max(staff - already_in_departments, 0)
        batch: list[User] = []
        for i in range(remaining):
            code, _dept_name, category, _first = DEPARTMENTS[i % len(DEPARTMENTS)]
            staff_type = StaffType.CIVIL_SERVANT if rng.random() < 0.85 else StaffType.REFERENCE
            if code == "HQFW" and rng.random() < 0.4:
                staff_type = StaffType.INSTITUTION
            batch.append(
                person(
                    f"s{i + 2:06d}",
                    _name(rng),
                    by_code[code],
                    f"S{i + 2:05d}",
                    position_title=rng.choice(TITLES),
                    staff_type=staff_type,
                    position_category=category,
                )
            )
            if len(batch) >= BATCH:
                User.objects.bulk_create(batch)
                batch = []
        if batch:
            User.objects.bulk_create(batch)

        _grant_roles(organisation, users)
        _memberships(organisation, start)
        _statuses(organisation, rng, start)
    return organisation


def _grant_roles(organisation: Organisation, users: dict[str, User]) -> None:
    special = {
        "demo_sysadmin": [Role.SYSADMIN],
        "demo_auditor": [Role.AUDITOR],
        "demo_secadmin": [Role.SECURITY_ADMIN],
        "demo_chief": [Role.AGENCY_HEAD],
        "demo_leader": [Role.SUPERVISING_LEADER],
        "demo_leader2": [Role.SUPERVISING_LEADER],
        "demo_hr": [Role.HR_ADMIN, Role.STAFF],
        "demo_inspector": [Role.INSPECTOR],
    }
    assignments = [
        RoleAssignment(user_id=users[name].pk, organisation=organisation, role=role)
        for name, roles in special.items()
        for role in roles
    ]
    heads = Department.objects.filter(organisation=organisation).values_list("head_id", flat=True)
    assignments += [RoleAssignment(user_id=pk, organisation=organisation, role=Role.DEPARTMENT_HEAD) for pk in heads]
    RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    # Everyone in a department takes part as staff (heads too: their supervising leader grades them).
    staff_ids = (
        User.objects.filter(organisation=organisation, department__isnull=False)
        .exclude(role_assignments__role=Role.STAFF)
        .values_list("pk", flat=True)
    )
    RoleAssignment.objects.bulk_create(
        (RoleAssignment(user_id=pk, organisation=organisation, role=Role.STAFF) for pk in staff_ids.iterator()),
        batch_size=BATCH,
    )


def _memberships(organisation: Organisation, start: date) -> None:
    rows = User.objects.filter(organisation=organisation, department__isnull=False).values_list("pk", "department_id")
    DepartmentMembership.objects.bulk_create(
        (DepartmentMembership(user_id=pk, department_id=dept, start_date=start) for pk, dept in rows.iterator()),
        batch_size=BATCH,
    )


def _statuses(organisation: Organisation, rng: random.Random, start: date) -> None:
    """A few special statuses so the register shows them: probationers and one long leave."""
    candidates = list(
        User.objects.filter(organisation=organisation, username__startswith="s")
        .order_by("pk")
        .values_list("pk", flat=True)[:40]
    )
    if len(candidates) < 4:
        return
    picked = rng.sample(candidates, 4)
    StaffStatus.objects.bulk_create(
        [
            StaffStatus(
                user_id=picked[0],
                kind=StaffStatusKind.PROBATION,
                start_date=start,
                end_date=date(start.year, 12, 31),
                note="新录用",
            ),
            StaffStatus(
                user_id=picked[1],
                kind=StaffStatusKind.PROBATION,
                start_date=start,
                end_date=date(start.year, 12, 31),
                note="新录用",
            ),
            StaffStatus(
                user_id=picked[2],
                kind=StaffStatusKind.LONG_LEAVE,
                start_date=date(start.year, 4, 1),
                end_date=date(start.year, 6, 30),
                note="病假",
            ),
            StaffStatus(
                user_id=picked[3], kind=StaffStatusKind.SECONDED, start_date=date(start.year, 3, 1), note="援派挂职"
            ),
        ]
    )
