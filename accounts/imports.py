"""Bulk import of staff from the Excel template.

The flow is two steps, as the view calls them:

1. :func:`parse_staff_workbook` reads the uploaded ``.xlsx`` and validates *every* row
   against the organisation (departments, usernames, employee numbers) without writing
   anything. It returns the clean rows and a list of Chinese error messages, each naming
   its Excel row number.
2. :func:`staff_import` writes the rows in one transaction: the employee number (工号) is
   the key within the organisation, so a known person is updated and an unknown one is
   created through :func:`accounts.services.staff_create`. (When the file changes people
   already in the system, :func:`staff_import_preview` lists the changes first and the page
   writes only once HR confirms.) Department changes go through
   :func:`accounts.services.staff_move` so the membership history is kept. Rows are saved
   one by one so django-auditlog records each change.

:func:`build_template_workbook` produces the template the administrator fills in.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from . import periods, selectors, services
from .audit import audit_reason
from .excel import (
    HELP_SHEET_TITLE,
    MAX_FILE_BYTES,
    MAX_ROWS,
    NO,
    YES,
    RowForm,
    append_row,
    cell_text,
    department_list,
    help_paragraph,
    help_sheet_for,
    list_validation,
    new_sheet,
    optional_text,
    parse_rows,
    parse_yes_no,
    read_sheet,
    required_text,
    row_error,
    template_departments,
    template_workbook,
    workbook_bytes,
    workbook_file,
    write_table,
)
from .forms import APPRAISAL_ATTRIBUTES
from .models import (
    OUTSIDE_DEPARTMENTS_WORDS,
    Department,
    Organisation,
    PositionCategory,
    RoleAssignment,
    StaffType,
    User,
)
from .text import code, person_name

DATA_SHEET_TITLE = "人员"

# The file format: (field, header, required). The headers are part of the format, not UI
# text, so they are fixed Chinese strings and are not translated.
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("employee_number", "工号", True),
    ("full_name", "姓名", True),
    ("username", "用户名", False),
    ("department", "科室", False),
    ("position_title", "职务职级", False),
    ("staff_type", "人员类别", False),
    ("position_category", "岗位类别", False),
    ("is_leader_position", "领导职务", False),
    ("email", "电子邮箱", False),
    ("appraisal_start", "参加考核日期", False),
)
# 参加考核日期 as the cell gives it (a date cell reads 2026-12-05 00:00:00) or typed with / or .
_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?: \d{2}:\d{2}(?::\d{2})?)?")
# The 科室 of someone in no department (主要负责人、分管领导): the 新增人员 form's explicit choice
# "不在科室（领导班子成员）" (accounts.forms.DepartmentOrLeadershipField), said in the cell. A blank
# cell says nothing: a new person must have one or the other (a user test: a blank made an
# ordinary 工作人员 nobody reviews), an existing one keeps their department.
OUTSIDE_DEPARTMENTS = "不在科室"
# 领导职务 takes the usual 是/否 words (accounts.excel) and these.
_LEADER_WORDS = {"true", "领导"}
_NOT_LEADER_WORDS = {"false", "非领导"}

# The staff list's export (accounts.lists) holds COLUMNS and these, which an import does not change:
# roles are the security administrator's, and an account is deactivated on its own page.
EXPORT_ONLY_HEADERS = ("角色", "状态")

# What a re-import leaves alone, said on the template's 说明 sheet and on the import page.
KEEP_NOTE = gettext_lazy(
    "更新已有人员时，文件中没有的列和留空的单元格都保持原值不变（可以只填工号、姓名和要修改的列）。"
    "导入不清空已有的信息：如需清空职务职级、电子邮箱等，请在人员信息页修改。"
)

# Fields a re-import may change on a known person (the department goes through staff_move).
UPDATABLE_FIELDS = (
    "full_name",
    "position_title",
    "staff_type",
    "position_category",
    "is_leader_position",
    "email",
)


class _ByNumber(dict):
    """People by 工号, the case of its letters aside."""

    def __init__(self, pairs):
        super().__init__((number.upper(), person) for number, person in pairs)

    def get(self, number, default=None):
        return super().get(number.upper() if isinstance(number, str) else number, default)

    def __contains__(self, number) -> bool:
        return super().__contains__(number.upper() if isinstance(number, str) else number)


@dataclass
class ImportRow:
    """One validated row of the file, ready to write."""

    row_number: int
    employee_number: str
    full_name: str
    username: str
    # None: no department named — the cell blank (a known person keeps theirs) or 不在科室
    # (``outside_departments``: out of every department, as the leadership is).
    department: Department | None
    # None: the column is not in the file or the cell is blank. A known person keeps the value they
    # have (a file of a few columns, or the staff list's export edited, never clears the others); a
    # new one gets the default (new_person_values).
    position_title: str | None = None
    staff_type: str | None = None
    position_category: str | None = None
    is_leader_position: bool | None = None
    email: str | None = None
    # A newcomer's 参加考核日期 (periods.person_policy).
    appraisal_start: date | None = None
    outside_departments: bool = False

    def moves(self, person: User) -> bool:
        """Whether the row moves ``person`` (someone already in the system): to the department it
        names, or out of every department (不在科室)."""
        if self.outside_departments:
            return person.department_id is not None
        return self.department is not None and person.department_id != self.department.pk

    def given(self) -> dict[str, object]:
        """The updatable fields the row gives a value for (the department aside)."""
        return {name: getattr(self, name) for name in UPDATABLE_FIELDS if getattr(self, name) is not None}

    def new_person_values(self) -> dict[str, object]:
        """What a new person is created with: the row's values, the template's defaults for the rest."""
        return {
            "position_title": self.position_title or "",
            "staff_type": self.staff_type or StaffType.CIVIL_SERVANT,
            "position_category": self.position_category or PositionCategory.GENERAL,
            "is_leader_position": bool(self.is_leader_position),
            "email": self.email or "",
            # Left blank, a newcomer starts on the import day, as the 新增人员 form offers today
            # (StaffForm): asked for nothing that ended before they were added (periods.person_policy).
            "appraisal_start": self.appraisal_start or periods.today(),
        }


@dataclass
class ImportResult:
    created: list[tuple[User, str]] = field(default_factory=list)
    updated: list[User] = field(default_factory=list)
    unchanged: int = 0
    # person pk → labels of the fields that changed (for the result page).
    changes: dict[int, list[str]] = field(default_factory=dict)
    # New people whose 参加考核日期 was left blank: they start on the import day.
    started_on_import_day: int = 0
    # What the rooms say of a 参加考核日期 the import changed (accounts.services.appraisal_start_notes:
    # a graded quarter the new start leaves out stays graded), as the staff page says it.
    start_notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + self.unchanged

    def updated_rows(self) -> list[tuple[User, list[str]]]:
        return [(person, self.changes.get(person.pk, [])) for person in self.updated]


# --- The one-time passwords of an import -------------------------------------------------------
# Kept in the importer's server-side session (the database session store, never a cookie) only
# until they are downloaded once or INITIAL_PASSWORDS_TTL passes; signing out drops them too.
# The 新增人员 form keeps the password of the person it created the same way, under its own key
# (CREATED_PASSWORD_KEY), for the page its POST redirects to (accounts.views.staff_initial_password).

INITIAL_PASSWORDS_KEY = "staff_import_initial_passwords"
CREATED_PASSWORD_KEY = "staff_created_initial_password"
INITIAL_PASSWORDS_TTL = 30 * 60


def initial_passwords_keep(
    session, *, created: list[tuple[User, str]], now: float, key: str = INITIAL_PASSWORDS_KEY
) -> None:
    """Keep the one-time passwords of ``created`` (person, password) under ``key``, replacing
    what was kept there."""
    session[key] = {
        "at": now,
        "rows": [
            [person.employee_number, person.get_full_name(), str(person.department or ""), person.username, password]
            for person, password in created
        ],
        # Whose they are, for the result page (import_result_read).
        "people": [person.pk for person, _password in created],
    }


def initial_passwords_peek(session, *, now: float, key: str = INITIAL_PASSWORDS_KEY) -> dict[int, str]:
    """The kept passwords by person, left in the session (the result page reads them on every
    reload); empty once downloaded or expired, and once expired removed from the session."""
    kept = session.get(key)
    if kept and now - kept.get("at", 0) > INITIAL_PASSWORDS_TTL:
        session.pop(key, None)
        return {}
    if not kept:
        return {}
    return {pk: row[4] for pk, row in zip(kept.get("people", []), kept["rows"], strict=False)}


def initial_passwords_take(session, *, now: float) -> list[list[str]] | None:
    """The kept passwords, removed from the session as they are read; None when already taken or
    expired."""
    kept = session.pop(INITIAL_PASSWORDS_KEY, None)
    if not kept or now - kept.get("at", 0) > INITIAL_PASSWORDS_TTL:
        return None
    return kept["rows"]


# --- The result of an import, for the page the import redirects to -------------------------------
# Also in the importer's session: what was created and updated (ids, never passwords, which stay
# under INITIAL_PASSWORDS_KEY with its download-once and expiry), replaced by the next import.

RESULT_KEY = "staff_import_result"


def import_result_keep(session, *, result: ImportResult, now: float) -> None:
    """Keep ``result`` for the result page; the new people's passwords as initial_passwords_keep does."""
    if result.created:
        initial_passwords_keep(session, created=result.created, now=now)
    session[RESULT_KEY] = {
        "at": now,
        "created": [person.pk for person, _password in result.created],
        "updated": [[person.pk, result.changes.get(person.pk, [])] for person in result.updated],
        "unchanged": result.unchanged,
        "started_on_import_day": result.started_on_import_day,
        "start_notes": [str(note) for note in result.start_notes],
    }


def import_result_read(session, *, organisation: Organisation, now: float) -> tuple[ImportResult | None, bool]:
    """The last import's result kept in ``session`` (None when there is none), the new people with
    their passwords while these are kept, else with "", and whether they are (read only)."""
    kept = session.get(RESULT_KEY)
    # As long as the passwords are kept (INITIAL_PASSWORDS_TTL), not for the rest of the session.
    if not kept or now - kept.get("at", 0) > INITIAL_PASSWORDS_TTL:
        return None, False
    pks = kept["created"] + [pk for pk, _labels in kept["updated"]]
    people = User.objects.filter(organisation=organisation, pk__in=pks).select_related("department").in_bulk()
    passwords = initial_passwords_peek(session, now=now)
    result = ImportResult(
        created=[(people[pk], passwords.get(pk, "")) for pk in kept["created"] if pk in people],
        updated=[people[pk] for pk, _labels in kept["updated"] if pk in people],
        unchanged=kept["unchanged"],
        changes=dict(kept["updated"]),
        started_on_import_day=kept["started_on_import_day"],
        start_notes=kept.get("start_notes", []),
    )
    return result, bool(passwords) and bool(kept["created"])


def initial_passwords_workbook(rows: list[list[str]]) -> bytes:
    """One sheet: number, name, department, user name, initial password (all as text)."""
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, _("初始密码"))
    write_table(sheet, [_("工号"), _("姓名"), _("科室"), _("用户名"), _("初始密码")], rows)
    return workbook_file(workbook)


# --- Template -----------------------------------------------------------------------------


def _choice_labels(choices) -> list[str]:
    """The Chinese labels of a TextChoices class (the file format is Chinese whatever the UI language)."""
    with translation.override(None):
        return [str(label) for label in choices.labels]


def build_template_workbook(*, organisation: Organisation) -> bytes:
    """An empty import template with a 说明 sheet listing the columns and the organisation's departments."""
    departments, example_department = template_departments(organisation)
    staff_types = _choice_labels(StaffType)
    categories = _choice_labels(PositionCategory)

    workbook, sheet, letters = template_workbook(
        sheet_title=DATA_SHEET_TITLE,
        columns=COLUMNS,
        widths=dict.fromkeys(("department", "email", "position_title"), 24),
        text_columns=("employee_number", "full_name", "username", "department", "position_title"),
    )
    list_validation(sheet, letters["staff_type"], staff_types)
    list_validation(sheet, letters["position_category"], categories)
    list_validation(sheet, letters["is_leader_position"], [YES, NO])

    descriptions = {
        "employee_number": _("本单位内唯一。再次导入同一工号时更新该人员信息，不会重复新建。"),
        "full_name": _("人员姓名。"),
        "username": _("登录用户名；不填则使用工号。已有人员的用户名不能通过导入修改。"),
        "department": _(
            "填写本单位科室的名称或编码（见下方科室列表）。调整科室会保留任职历史。"
            "主要负责人、分管领导等领导班子成员填“%(outside)s”（不在科室中参加平时考核）。"
            "新建人员必须填写；已有人员不填则保持原科室不变。"
        )
        % {"outside": OUTSIDE_DEPARTMENTS},
        "position_title": _("如：一级科员、四级主任科员。已有人员不填则保持不变。"),
        "staff_type": _("可选：%(options)s；新建人员不填为“%(default)s”，已有人员不填则保持不变。")
        % {"options": "、".join(staff_types), "default": staff_types[0]},
        "position_category": _("可选：%(options)s；新建人员不填为“%(default)s”，已有人员不填则保持不变。")
        % {"options": "、".join(categories), "default": categories[0]},
        "is_leader_position": _("填“是”或“否”；新建人员不填为“否”，已有人员不填则保持不变。"),
        "email": _("可不填；已有人员不填则保持不变。"),
        "appraisal_start": _(
            "新入职、调入人员填写入职或调入本单位的日期（如2026-12-05）：此前结束的季度、月份不要求其填报，"
            "也不计逾期。新建人员不填则自导入当天起（与“新增人员”相同）；已有人员不填则保持不变。"
        ),
    }
    help_sheet = help_sheet_for(
        workbook,
        sheet_title=DATA_SHEET_TITLE,
        columns=COLUMNS,
        descriptions=descriptions,
        example=[
            "1001",
            "张三",
            "",
            example_department,
            "一级科员",
            staff_types[0],
            categories[0],
            NO,
            "zhangsan@example.com",
            "",
        ],
        one_row_is=_("一人"),
    )
    help_paragraph(help_sheet, _("新建的人员会得到一次性初始密码，首次登录时须修改。"))
    help_paragraph(help_sheet, KEEP_NOTE)
    first_department_row = department_list(help_sheet, organisation=organisation, departments=departments)
    # Offered in the drop-down below the departments, as the form offers it beside them.
    append_row(help_sheet, [OUTSIDE_DEPARTMENTS, _("领导班子成员等不在任何科室的人员")])
    if not departments:
        help_paragraph(help_sheet, _("（本单位尚未设置科室，请先在“科室管理”中添加。）"))
    else:
        # A drop-down of department names; no error alert, so a department code may still be typed.
        validation = DataValidation(
            type="list",
            formula1=f"'{HELP_SHEET_TITLE}'!$A${first_department_row}:$A${help_sheet.max_row}",
            allow_blank=True,
            showErrorMessage=False,
        )
        sheet.add_data_validation(validation)
        validation.add(f"{letters['department']}2:{letters['department']}{MAX_ROWS + 1}")
    return workbook_bytes(workbook)


def _choice_map(choices) -> dict[str, str]:
    """Label (Chinese and current language) or code → code."""
    mapping: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        mapping[str(value).lower()] = value
        mapping[str(label).lower()] = value
    with translation.override(None):
        for value, label in zip(choices.values, choices.labels, strict=True):
            mapping[str(label).lower()] = value
    return mapping


class StaffRowForm(RowForm):
    """One row of the staff workbook. ``context``: the organisation's departments by name and code,
    its people by 工号, and the choice maps; the in-file and cross-organisation checks follow."""

    employee_number = required_text(
        "工号", no_dates=True, max_length=User._meta.get_field("employee_number").max_length
    )
    full_name = required_text("姓名", no_dates=True, max_length=User._meta.get_field("full_name").max_length)
    username = optional_text("用户名", no_dates=True, max_length=User._meta.get_field("username").max_length)
    department = optional_text("科室", no_dates=True)
    position_title = optional_text(
        "职务职级", no_dates=True, max_length=User._meta.get_field("position_title").max_length
    )
    staff_type = optional_text()
    position_category = optional_text()
    is_leader_position = optional_text()
    email = optional_text(max_length=User._meta.get_field("email").max_length)
    appraisal_start = optional_text()

    def __init__(self, cells: dict[str, str], **context):
        super().__init__(cells, **context)
        labels = {name: header for name, header, _r in COLUMNS}
        for name, column in self.fields.items():
            if column.max_length:
                column.error_messages["max_length"] = _("%(col)s不能超过%(n)d个字符") % {
                    "col": labels[name],
                    "n": column.max_length,
                }

    def clean_employee_number(self) -> str:
        # Ｉ１００１ is I1001, as the staff form stores it, and i1001 the I1001 already in the system:
        # a re-import updates the person, not adds a second one (user tests).
        number = code(self.cleaned_data["employee_number"])
        known = self.context["existing"].get(number)
        return known.employee_number if known is not None else number

    def clean_full_name(self) -> str:
        # "林 静" → 林静, as the staff form stores it (a search for 林静 finds it).
        return person_name(self.cleaned_data["full_name"])

    def clean_department(self) -> Department | str | None:
        """The department named, OUTSIDE_DEPARTMENTS, or None (blank: an existing person keeps theirs)."""
        ref = self.cleaned_data["department"]
        c = self.context
        if ref in OUTSIDE_DEPARTMENTS_WORDS:
            return OUTSIDE_DEPARTMENTS
        if not ref:
            number = self.cleaned_data.get("employee_number")
            if number and number not in c["existing"]:
                raise forms.ValidationError(
                    _("新建人员须填写科室；主要负责人、分管领导等领导班子成员填“%(outside)s”")
                    % {"outside": OUTSIDE_DEPARTMENTS}
                )
            return None
        department = c["by_name"].get(ref) or c["by_code"].get(ref) or c["by_code_lower"].get(ref.lower())
        if department is None:
            raise forms.ValidationError(_("科室“%(value)s”不存在") % {"value": ref})
        known = c["existing"].get(self.cleaned_data.get("employee_number"))
        if not department.is_active and (known is None or known.department_id != department.pk):
            # (Where the person already is, it is no move: an export of them reads back.)
            raise forms.ValidationError(_("科室“%(value)s”已停用") % {"value": ref})
        return department

    def _choice(self, name: str, choices, label: str) -> str:
        text = self.cleaned_data[name]
        if not text:
            return ""
        value = _choice_map(choices).get(text.lower())
        if value is None:
            raise forms.ValidationError(
                _("%(col)s“%(value)s”无效，可选：%(options)s")
                % {"col": label, "value": text, "options": "、".join(_choice_labels(choices))}
            )
        return value

    def clean_position_title(self) -> str | None:
        return self.cleaned_data["position_title"] or None

    def clean_staff_type(self) -> str | None:
        return self._choice("staff_type", StaffType, "人员类别") or None

    def clean_position_category(self) -> str | None:
        return self._choice("position_category", PositionCategory, "岗位类别") or None

    def clean_is_leader_position(self) -> bool | None:
        text = self.cleaned_data["is_leader_position"]
        if not text:
            return None
        value = parse_yes_no(text, yes=_LEADER_WORDS, no=_NOT_LEADER_WORDS)
        if value is None:
            raise forms.ValidationError(_("领导职务“%(value)s”无效，请填“是”或“否”") % {"value": text})
        return value

    def clean_appraisal_start(self) -> date | None:
        text = self.cleaned_data["appraisal_start"]
        if not text:
            return None
        match = _DAY.fullmatch(text)
        try:
            day = date(*(int(part) for part in match.groups())) if match else None
        except ValueError:
            day = None
        if day is None:
            raise forms.ValidationError(
                _("参加考核日期“%(value)s”不是日期，请按2026-12-05的格式填写") % {"value": text}
            )
        known = self.context["existing"].get(self.cleaned_data.get("employee_number"))
        if known is None or known.appraisal_start != day:
            # Only a date new to the person: one set years ago comes back unchanged in a re-import.
            periods.check_plausible_date(day, around=periods.today().year, label="参加考核日期")
        return day

    def clean_email(self) -> str | None:
        email = self.cleaned_data["email"]
        if not email:
            return None
        try:
            validate_email(email)
        except ValidationError:
            raise forms.ValidationError(_("电子邮箱“%(value)s”格式不正确") % {"value": email}) from None
        return email

    def clean(self) -> dict:
        """The username the row will have, and whether it is free: checked even when other cells of
        the row are wrong, so one upload lists every problem of the row."""
        cleaned = super().clean()
        number = cleaned.get("employee_number")
        if not number:
            return cleaned
        # Across rows, each row met in the file's order whatever its other errors: a 工号 or a new
        # username used twice names the first row it stood in.
        first = self.context["seen_numbers"].setdefault(number.upper(), self.row_number)
        if first != self.row_number:
            self.add_error(
                "employee_number", _("工号“%(value)s”在文件中重复（第%(first)d行）") % {"value": number, "first": first}
            )
            return cleaned
        if "username" not in cleaned:
            return cleaned
        username, problems = _username_problems(
            cleaned, existing=self.context["existing"], holders=self.context["holders"]
        )
        cleaned["username"] = username
        if not problems and number not in self.context["existing"]:
            first = self.context["seen_usernames"].setdefault(username.lower(), self.row_number)
            if first != self.row_number:
                problems.append(
                    _("用户名“%(value)s”在文件中重复（第%(first)d行）") % {"value": username, "first": first}
                )
        for problem in problems:
            self.add_error("username", problem)
        return cleaned


def _username_problems(row: dict, *, existing: dict[str, User], holders: dict[str, User]) -> tuple[str, list[str]]:
    """The username a row will have, and what is wrong with it (the file's other rows aside). A new
    person's username must be free in this organisation (other organisations' are not looked at:
    whether another agency has a name is none of HR's business)."""
    person = existing.get(row["employee_number"])
    username = row["username"]
    if person is not None:
        if username and username != person.username:
            return person.username, [
                _("工号“%(number)s”的人员已存在，用户名为“%(current)s”，导入不能修改用户名")
                % {"number": row["employee_number"], "current": person.username}
            ]
        return person.username, []
    username = services.staff_username(username=username, employee_number=row["employee_number"])
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return username, [_("用户名“%(value)s”无效：只能包含字母、数字和 @ . + - _ 字符") % {"value": username}]
    holder = holders.get(username.lower())
    if holder is not None:
        # (services.staff_identity_check's words, from the people read once for the whole file.)
        return username, [services.staff_username_taken(username=username, holder=holder)]
    return username, []


def parse_staff_workbook(
    *,
    organisation: Organisation,
    file,
    skipped: list[str] | None = None,
    skipped_rows: list[int] | None = None,
    actor: User | None = None,
) -> tuple[list[ImportRow], list[str]]:
    """Validate every row of the uploaded workbook; return the clean rows and all errors (nothing is written).

    The staff list's export reads back: its headers in the reader's language name the same columns,
    and its read-only columns (EXPORT_ONLY_HEADERS) are skipped, named in ``skipped`` when given.
    So are the rows of the accounts without a 工号 (the administrators ``create_organisation``
    made, which the export lists), their row numbers in ``skipped_rows``: an unchanged export was
    refused as "工号不能为空" on them (a go-live test). A row that would change someone ``actor`` may
    not change on the staff pages (another administrator: ``accounts.change_person``) is refused."""
    positions, data, file_error = read_sheet(
        file,
        columns=COLUMNS,
        sheet_title=DATA_SHEET_TITLE,
        max_rows=MAX_ROWS,
        max_file_bytes=MAX_FILE_BYTES,
        empty_message=_("文件中没有人员数据：请从第2行起填写。"),
        aliases={_(header): name for name, header, _required in COLUMNS},
        ignored={*EXPORT_ONLY_HEADERS, *(_(header) for header in EXPORT_ONLY_HEADERS)},
        skipped=skipped,
    )
    if file_error:
        return [], [file_error]

    departments = list(Department.objects.filter(organisation=organisation))
    people = list(User.objects.filter(organisation=organisation))
    _hold_roles(people, organisation=organisation)
    # By 工号 whatever its case (s00012 is S00012: a re-test's import planned a second person).
    existing = _ByNumber((person.employee_number, person) for person in people if person.employee_number)
    data = _without_accounts_lacking_a_number(positions, data, people=people, skipped_rows=skipped_rows)
    cleaned_rows, errors = parse_rows(
        positions,
        data,
        StaffRowForm,
        by_name={d.name: d for d in departments},
        by_code={d.code: d for d in departments},
        by_code_lower={d.code.lower(): d for d in departments},
        existing=existing,
        holders={person.username.lower(): person for person in people},
        seen_numbers={},
        seen_usernames={},
    )
    # (A 工号 or a new username used twice in the file is each row's own error: StaffRowForm.clean.)
    parsed: list[ImportRow] = []
    for row_number, row in cleaned_rows:
        parsed.append(
            ImportRow(
                row_number=row_number,
                employee_number=row["employee_number"],
                full_name=row["full_name"],
                username=row["username"],
                department=None if row["department"] == OUTSIDE_DEPARTMENTS else row["department"],
                outside_departments=row["department"] == OUTSIDE_DEPARTMENTS,
                position_title=row["position_title"],
                staff_type=row["staff_type"],
                position_category=row["position_category"],
                is_leader_position=row["is_leader_position"],
                email=row["email"],
                appraisal_start=row["appraisal_start"],
            )
        )

    problems = [(row_number, row_error(row_number, message)) for row_number, message in errors]
    problems.extend(_move_problems(parsed, existing=existing))
    if actor is not None:
        problems.extend(
            (row.row_number, _not_yours(row))
            for row in parsed
            if (person := existing.get(row.employee_number)) is not None
            and _changes(row, person)
            and not actor.has_perm("accounts.change_person", person)
        )
        # HR's own 人员类别/岗位类别/领导职务/参加考核日期: their own matter, another HR administrator's
        # to set where there is one (as on the staff page, accounts.forms.StaffForm).
        own = next((row for row in parsed if existing.get(row.employee_number) == actor), None)
        if (
            own is not None
            and (set(_changed_fields(own, actor)) & set(APPRAISAL_ATTRIBUTES) or own.moves(actor))
            and selectors.recused(user=actor, person_id=actor.pk)
        ):
            problems.append((own.row_number, _own_matter(own)))
    if problems:
        return [], [text for _row_number, text in sorted(problems, key=lambda problem: problem[0])]
    return parsed, []


def _hold_roles(people: list[User], *, organisation: Organisation) -> None:
    """Each person's roles (``User.roles``) read for all in one query: the check of every changed
    row against ``accounts.change_person`` (another administrator's account) then costs none."""
    held: dict[int, set[str]] = defaultdict(set)
    for user_id, role in RoleAssignment.objects.filter(organisation=organisation).values_list("user_id", "role"):
        held[user_id].add(role)
    for person in people:
        person.__dict__["roles"] = frozenset(held[person.pk])


def _without_accounts_lacking_a_number(positions, data, *, people: list[User], skipped_rows: list[int] | None):
    """``data`` without the rows that leave 工号 empty and name, by 用户名, an account of the
    organisation that has none (an administrator's): such an account is not a person the import
    manages."""
    lacking = {person.username.lower() for person in people if not person.employee_number}
    number_at, name_at = positions.get("employee_number"), positions.get("username")
    if not lacking or name_at is None:
        return data

    def cell(values, at):
        return cell_text(values[at]) if at is not None and at < len(values) else ""

    kept = []
    for row_number, values in data:
        if not cell(values, number_at) and cell(values, name_at).lower() in lacking:
            if skipped_rows is not None:
                skipped_rows.append(row_number)
            continue
        kept.append((row_number, values))
    return kept


def _changed_fields(row: ImportRow, person: User) -> dict[str, object]:
    """The fields ``row`` would change on ``person`` (the department aside, a move) and their new
    values: a column left out or a cell left blank keeps what the person has (ImportRow)."""
    changed = {name: value for name, value in row.given().items() if getattr(person, name) != value}
    if row.appraisal_start is not None and person.appraisal_start != row.appraisal_start:
        changed["appraisal_start"] = row.appraisal_start
    return changed


def _changes(row: ImportRow, person: User) -> bool:
    """Whether ``row`` would change ``person`` (a value, the department, the 参加考核日期)."""
    return bool(_changed_fields(row, person)) or row.moves(person)


def _not_yours(row: ImportRow) -> str:
    # As the staff pages answer (403): HR does not edit another administrator's account (三员分立).
    return _("第%(row)s行（%(name)s）：管理员账号不能通过导入修改，请删除该行或还原其内容。") % {
        "row": row.row_number,
        "name": row.full_name,
    }


def _own_matter(row: ImportRow) -> str:
    return _(
        "第%(row)s行（%(name)s）：本人的人员类别、岗位类别、领导职务、参加考核日期和科室由其他人事干部修改（回避），"
        "请删除该行或还原这些列。"
    ) % {"row": row.row_number, "name": row.full_name}


def _move_problems(rows: list[ImportRow], *, existing: dict[str, User]) -> list[tuple[int, str]]:
    """The moves the file asks for that :func:`accounts.services.staff_move_check` refuses (a
    department's head, a posting that began later than today), found before anything is shown or
    written: the check :func:`staff_import` makes again as it moves each person."""
    problems = []
    today = periods.today()
    for row in rows:
        person = existing.get(row.employee_number)
        if person is None or not row.moves(person):
            continue
        try:
            services.staff_move_check(user=person, department=row.department, on_date=today)
        except ValidationError as refusal:
            problems.append((row.row_number, _move_refusal(row, refusal)))
    return problems


def _move_refusal(row: ImportRow, refusal: ValidationError) -> str:
    return _("第%(row)s行（%(name)s）：%(refusal)s") % {
        "row": row.row_number,
        "name": row.full_name,
        "refusal": " ".join(refusal.messages),
    }


NEW_NAMES_SHOWN = 50


@dataclass
class ImportPreview:
    """What an import would do to people already in the system, shown before it is written: each
    changed person with (column, old, new) for every value the file changes, departments included
    (a move, kept in the posting history)."""

    new_count: int
    updates: list[tuple[User, list[tuple[str, str, str]]]]
    # Who would be created (names, the first NEW_NAMES_SHOWN): the page names them beside the changes.
    new_names: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.updates)


def _shown(person: User, name: str) -> str:
    display = getattr(person, f"get_{name}_display", None)
    value = display() if display is not None else getattr(person, name)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value or "—")


def staff_import_preview(*, organisation: Organisation, rows: list[ImportRow]) -> ImportPreview:
    """The changes ``rows`` would make to existing people (read only, one query)."""
    known = {
        person.employee_number: person
        for person in User.objects.filter(
            organisation=organisation, employee_number__in=[row.employee_number for row in rows]
        ).select_related("department")
    }
    # The columns' names as the template has them (电子邮箱, not the model's 电子邮件地址).
    header = {name: label.rstrip("*") for name, label, _required in COLUMNS}
    updates = []
    for row in rows:
        person = known.get(row.employee_number)
        if person is None:
            continue
        given = row.given()
        incoming = copy.copy(person)
        for name, value in given.items():
            setattr(incoming, name, value)
        changes = [
            (header[name], _shown(person, name), _shown(incoming, name))
            for name, value in given.items()
            if getattr(person, name) != value
        ]
        if row.moves(person):
            changes.append(
                (
                    header["department"],
                    str(person.department or "—"),
                    str(row.department or _("不在科室（领导班子成员）")),
                )
            )
        if row.appraisal_start is not None and person.appraisal_start != row.appraisal_start:
            changes.append((header["appraisal_start"], _shown(person, "appraisal_start"), str(row.appraisal_start)))
        if changes:
            updates.append((person, changes))
    new = [row for row in rows if row.employee_number not in known]
    return ImportPreview(
        new_count=len(new),
        updates=updates,
        new_names=[f"{row.full_name}（{row.employee_number}）" for row in new[:NEW_NAMES_SHOWN]],
    )


# --- Writing ------------------------------------------------------------------------------


def _initial_password(username: str, organisation: Organisation) -> str:
    """A one-time password that passes the password rules for this username (e.g. it must not
    contain it) in this organisation (its security settings may ask for a longer one)."""
    probe = User(username=username, organisation=organisation)
    while True:
        candidate = services.generate_initial_password(organisation_id=organisation.pk)
        try:
            validate_password(candidate, probe)
        except ValidationError:
            continue
        return candidate


@transaction.atomic
def staff_import(*, organisation: Organisation, rows: list[ImportRow], actor: User | None = None) -> ImportResult:
    """Create or update every row; all or nothing. 工号 is the key within the organisation.

    The auditors are told once of the accounts ``actor`` created with one-time passwords."""
    result = ImportResult()
    reason = _("批量导入人员")
    with audit_reason(reason):
        for row in rows:
            person = (
                User.objects.select_for_update(of=("self",))
                .filter(organisation=organisation, employee_number=row.employee_number)
                .first()
            )
            if person is None:
                user, password = services.staff_create(
                    organisation=organisation,
                    username=row.username,
                    full_name=row.full_name,
                    department=row.department,
                    password=_initial_password(row.username, organisation),
                    employee_number=row.employee_number,
                    **row.new_person_values(),
                )
                result.created.append((user, password))
                result.started_on_import_day += row.appraisal_start is None
                continue

            if actor is not None and _changes(row, person) and not actor.has_perm("accounts.change_person", person):
                # Checked with the file (parse_staff_workbook); refused here whatever the caller.
                raise ValidationError(_not_yours(row))
            changed = _changed_fields(row, person)
            for name, value in changed.items():
                setattr(person, name, value)
            if changed:
                person.save(update_fields=list(changed))
            if "appraisal_start" in changed:
                result.start_notes += services.appraisal_start_notes(person)
            labels = [str(User._meta.get_field(name).verbose_name) for name in changed]
            if row.moves(person):
                try:
                    services.staff_move(user=person, department=row.department, reason=reason)
                except ValidationError as refusal:
                    # Checked with the file (_move_problems); refused here when it changed since.
                    raise ValidationError(_move_refusal(row, refusal)) from refusal
                labels.append(str(User._meta.get_field("department").verbose_name))
            if labels:
                result.updated.append(person)
                result.changes[person.pk] = labels
            else:
                result.unchanged += 1
    if actor is not None and result.created:
        services.staff_created_in_bulk_tell(actor=actor, people=[user for user, _password in result.created])
    return result
