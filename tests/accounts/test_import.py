"""Bulk import of staff from the Excel template: validate every row, import all or nothing."""

import io
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts import imports
from accounts.models import (
    AuditEntry,
    DepartmentMembership,
    PositionCategory,
    Role,
    StaffType,
    User,
)
from tests.accounts.helpers import post_new_person
from tests.factories import DepartmentFactory, UserFactory

HEADER = [
    "工号*",
    "姓名*",
    "用户名",
    "科室",
    "职务职级",
    "人员类别",
    "岗位类别",
    "领导职务",
    "电子邮箱",
    "参加考核日期",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_URL = "accounts:staff_import"
TEMPLATE_URL = "accounts:staff_import_template"


def workbook_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx(rows, header=HEADER, name="staff.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook_bytes(rows, header), content_type=XLSX)


def upload(client, file, *, confirm: bool = True):
    """Upload ``file``; where it changes people already in the system the page asks first, and
    ``confirm`` answers yes (the preview itself is tested below). An import done redirects to its
    result page, followed here."""
    response = client.post(reverse(IMPORT_URL), {"file": file}, follow=True)
    if confirm and response.context and response.context.get("preview"):
        response = client.post(reverse(IMPORT_URL), {"confirm_upload": response.context["confirm_token"]}, follow=True)
    return response


def page_errors(response) -> list[str]:
    return list(response.context["errors"])


@pytest.fixture
def finance(organisation):
    return DepartmentFactory(organisation=organisation, code="D002", name="财务科")


@pytest.fixture
def hr_client(client_for, hr):
    return client_for(hr)


VALID_ROWS = [
    ["E101", "王一", "", "办公室", "一级科员", "公务员", "综合管理", "否", "wangyi@example.com"],
    ["E102", "李二", "lier", "D002", "四级主任科员", "参公人员", "业务执法", "是", ""],
    [1103, "赵三", None, "财务科", None, None, None, None, None],
]


# --- Creating people ----------------------------------------------------------------------


def test_hr_imports_a_valid_file_and_creates_people_with_membership_role_and_one_time_password(
    hr_client, department, finance
):
    response = upload(hr_client, xlsx(VALID_ROWS))

    assert response.status_code == 200
    result = response.context["result"]
    assert len(result.created) == 3
    assert result.updated == []

    wang = User.objects.get(employee_number="E101")
    assert wang.username == "E101"  # username defaults to 工号
    assert wang.full_name == "王一"
    assert wang.department == department
    assert wang.email == "wangyi@example.com"
    assert wang.staff_type == StaffType.CIVIL_SERVANT
    assert wang.must_change_password
    assert wang.has_role(Role.STAFF)
    assert DepartmentMembership.objects.filter(user=wang, department=department, end_date__isnull=True).exists()

    li = User.objects.get(employee_number="E102")
    assert li.username == "lier"
    assert li.department == finance  # found by department code
    assert li.staff_type == StaffType.REFERENCE
    assert li.position_category == PositionCategory.ENFORCEMENT
    assert li.is_leader_position

    zhao = User.objects.get(username="1103")  # a number typed in Excel is not "1103.0"
    assert zhao.employee_number == "1103"
    assert zhao.staff_type == StaffType.CIVIL_SERVANT
    assert zhao.position_category == PositionCategory.GENERAL
    assert not zhao.is_leader_position


def test_result_page_shows_each_one_time_password_once_and_the_password_works(hr_client, department, finance):
    response = upload(hr_client, xlsx(VALID_ROWS))

    content = response.content.decode()
    assert "初始密码只在本页显示" in content  # (was 只显示这一次: the page may now be reloaded)
    for person, password in response.context["result"].created:
        assert person.username in content
        assert password in content
        person.refresh_from_db()
        assert person.check_password(password)


def test_the_result_page_can_be_reloaded_and_shows_the_passwords_until_they_are_downloaded(
    hr_client, department, finance
):
    """A user test: the result was the reply to the POST, so a reload sent the file again (新建 0 人，
    更新 0 人，无变化 3 人) and the passwords were gone. The POST now redirects to the result page."""
    posted = hr_client.post(reverse(IMPORT_URL), {"file": xlsx(VALID_ROWS)})
    assert posted.status_code == 302 and posted["Location"] == reverse("accounts:staff_import_result")
    count = User.objects.count()

    first = hr_client.get(posted["Location"])
    reloaded = hr_client.get(posted["Location"])

    assert User.objects.count() == count  # a reload imports nothing
    passwords = {person.username: password for person, password in first.context["result"].created}
    assert len(passwords) == 3 and all(passwords.values())
    assert {person.username: password for person, password in reloaded.context["result"].created} == passwords
    assert all(password in reloaded.content.decode() for password in passwords.values())
    assert "导入完成：新建 3 人，更新 0 人，无变化 0 人。" in reloaded.content.decode()

    hr_client.post(reverse("accounts:staff_import_passwords"))
    after = hr_client.get(posted["Location"]).content.decode()
    assert "导入完成：新建 3 人" in after and 'data-testid="passwords-gone"' in after
    assert not any(password in after for password in passwords.values())
    assert 'data-testid="download-passwords"' not in after and 'data-testid="password-slip"' not in after


def test_the_result_page_is_the_importers_alone(hr_client, hr, department, finance, organisation):
    """Kept in the importer's session: another session of theirs (or anyone's) has no result, and
    the people are read within the reader's organisation only."""
    from django.test import Client

    from tests.factories import OrganisationFactory

    upload(hr_client, xlsx(VALID_ROWS))
    other_session = Client()
    other_session.force_login(hr)
    assert other_session.get(reverse("accounts:staff_import_result")).url == reverse(IMPORT_URL)
    mine, _shown = imports.import_result_read(hr_client.session, organisation=organisation, now=0)
    elsewhere, _shown = imports.import_result_read(hr_client.session, organisation=OrganisationFactory(), now=0)
    assert len(mine.created) == 3 and elsewhere.created == []


def test_the_result_is_kept_as_long_as_the_passwords_not_for_the_rest_of_the_session(
    hr_client, department, finance, organisation
):
    """A reviewer: the result (people and changes) had no expiry and stayed for the whole session."""
    upload(hr_client, xlsx(VALID_ROWS))
    kept_at = hr_client.session[imports.RESULT_KEY]["at"]
    result, shown = imports.import_result_read(hr_client.session, organisation=organisation, now=kept_at + 60)
    assert len(result.created) == 3 and shown
    late = kept_at + imports.INITIAL_PASSWORDS_TTL + 1
    assert imports.import_result_read(hr_client.session, organisation=organisation, now=late) == (None, False)


def test_the_auditor_is_told_once_of_the_accounts_an_import_created_with_one_time_passwords(
    hr_client, department, finance, auditor
):
    from accounts.models import Notification

    upload(hr_client, xlsx(VALID_ROWS))
    [told] = Notification.objects.filter(recipient=auditor)
    assert "3" in told.message and "王一（E101）" in told.message and "lier" in told.message
    # Updating the same people creates nobody: nothing more to tell.
    upload(hr_client, xlsx(VALID_ROWS))
    assert Notification.objects.filter(recipient=auditor).count() == 1


def test_a_number_stored_as_float_becomes_a_plain_employee_number(organisation, department):
    file = xlsx([[1001.0, "钱四", None, "D001"]])

    rows, errors = imports.parse_staff_workbook(organisation=organisation, file=file)

    assert errors == []
    assert rows[0].employee_number == "1001"
    assert rows[0].username == "1001"


def test_a_date_excel_made_of_a_title_or_a_department_is_refused_not_stored(organisation, department):
    """Typed "3-1" into a 常规 cell arrives as a date; a title or a department code it never is."""
    import datetime

    file = xlsx(
        [
            ["E1", "甲", None, "办公室", datetime.datetime(2026, 3, 1)],
            ["E2", "乙", None, datetime.date(2026, 1, 2), "一级科员"],
            ["E3", "丙", None, "办公室", "2026-03-01"],
        ]
    )

    rows, errors = imports.parse_staff_workbook(organisation=organisation, file=file)

    assert rows == []
    assert errors == [
        "第2行：职务职级“2026-03-01”是日期：Excel可能把输入自动转成了日期，请把该列设为文本格式后重新输入。",
        "第3行：科室“2026-01-02”是日期：Excel可能把输入自动转成了日期，请把该列设为文本格式后重新输入。",
        "第4行：职务职级“2026-03-01”是日期：Excel可能把输入自动转成了日期，请把该列设为文本格式后重新输入。",
    ]


def test_it_skips_fully_blank_rows_and_keeps_excel_row_numbers(organisation, department):
    file = xlsx([["E1", "甲", None, "办公室"], [None, None, None, None], ["  ", None], ["", "乙", None, "办公室"]])

    rows, errors = imports.parse_staff_workbook(organisation=organisation, file=file)

    assert rows == []
    assert errors == ["第5行：工号不能为空"]


# --- All or nothing -----------------------------------------------------------------------


def test_it_imports_nothing_when_any_row_is_invalid(hr_client, department, outsider):
    before = User.objects.count()
    rows = [
        ["E201", "正确的人", "", "办公室"],  # row 2 is valid
        ["", "没有工号", "", "办公室"],  # row 3
        ["E203", "", "", "不存在的科室"],  # row 4
        ["E204", "坏邮箱", "", "办公室", "", "", "", "", "not-an-email"],  # row 5
        ["E205", "坏类别", "", "办公室", "", "临时工", "后勤", "也许"],  # row 6
        ["E201", "重复工号", "", "办公室"],  # row 7
        ["E208", "外单位用户名", "outsider", "办公室"],  # row 8: valid, another agency's name is not looked at
    ]

    response = upload(hr_client, xlsx(rows))

    assert response.status_code == 200
    assert "result" not in response.context
    assert User.objects.count() == before
    assert not User.objects.filter(employee_number="E201").exists()
    errors = page_errors(response)
    assert errors == [
        "第3行：工号不能为空",
        "第4行：姓名不能为空",
        "第4行：科室“不存在的科室”不存在",
        "第5行：电子邮箱“not-an-email”格式不正确",
        "第6行：人员类别“临时工”无效，可选：公务员、参公人员、事业人员、公益性岗位",
        "第6行：岗位类别“后勤”无效，可选：综合管理、业务执法、服务保障",
        "第6行：领导职务“也许”无效，请填“是”或“否”",
        "第7行：工号“E201”在文件中重复（第2行）",
    ]
    block = response.content.decode()
    assert 'data-testid="import-errors"' in block
    assert "本次未导入任何人员" in block
    for error in errors:
        assert error in block


def test_a_username_held_by_a_different_person_of_this_organisation_is_an_error(hr_client, staff):
    # The default username is the 工号; "staff" already belongs to someone else.
    response = upload(hr_client, xlsx([["E999", "新人", "STAFF", "办公室"]]))

    assert page_errors(response) == [
        f"第2行：用户名“STAFF”已被本单位的“科员甲”（工号{staff.employee_number}）使用，请另填用户名"
    ]
    assert not User.objects.filter(employee_number="E999").exists()


def test_a_row_with_other_errors_also_names_its_username_clash(hr_client, staff):
    """One upload lists every problem of a row: fixing the department would not be the end of it."""
    response = upload(hr_client, xlsx([["E999", "新人", "STAFF", "不存在的科"]]))

    assert page_errors(response) == [  # in the order of the columns
        f"第2行：用户名“STAFF”已被本单位的“科员甲”（工号{staff.employee_number}）使用，请另填用户名",
        "第2行：科室“不存在的科”不存在",
    ]


def test_an_existing_persons_username_cannot_be_changed_by_import(hr_client, staff):
    response = upload(hr_client, xlsx([[staff.employee_number, "科员甲", "renamed", "办公室"]]))

    assert page_errors(response) == [
        f"第2行：工号“{staff.employee_number}”的人员已存在，用户名为“staff”，导入不能修改用户名"
    ]


def test_an_inactive_department_is_refused(hr_client, organisation):
    DepartmentFactory(organisation=organisation, code="OLD", name="撤销科", is_active=False)

    response = upload(hr_client, xlsx([["E1", "甲", "", "撤销科"]]))

    assert page_errors(response) == ["第2行：科室“撤销科”已停用"]


def test_a_department_of_another_organisation_does_not_exist_here(hr_client, department, outsider):
    response = upload(hr_client, xlsx([["E1", "甲", "", "外单位科室"]]))

    assert page_errors(response) == ["第2行：科室“外单位科室”不存在"]


# --- Re-import updates --------------------------------------------------------------------


def test_reimporting_the_same_file_updates_people_and_does_not_duplicate(hr_client, department, finance):
    upload(hr_client, xlsx(VALID_ROWS))
    count = User.objects.count()

    again = upload(hr_client, xlsx(VALID_ROWS))

    assert User.objects.count() == count
    result = again.context["result"]
    assert result.created == []
    assert result.updated == []
    assert result.unchanged == 3

    changed = [list(row) for row in VALID_ROWS]
    changed[0][1] = "王一一"
    changed[0][4] = "三级主任科员"
    changed[0][7] = "是"
    third = upload(hr_client, xlsx(changed))

    assert User.objects.count() == count
    result = third.context["result"]
    assert [person.employee_number for person in result.updated] == ["E101"]
    assert result.unchanged == 2
    wang = User.objects.get(employee_number="E101")
    assert wang.full_name == "王一一"
    assert wang.position_title == "三级主任科员"
    assert wang.is_leader_position
    assert "王一一" in third.content.decode()


def test_a_changed_department_on_reimport_is_a_move_that_keeps_history(hr_client, staff, department, finance):
    row = [staff.employee_number, staff.full_name, "", "财务科"]

    response = upload(hr_client, xlsx([row]))

    staff.refresh_from_db()
    assert staff.department == finance
    assert response.context["result"].updated == [staff]
    memberships = DepartmentMembership.objects.filter(user=staff)
    assert memberships.filter(department=finance, end_date__isnull=True).count() == 1


def test_a_move_the_import_cannot_make_is_refused_naming_its_row(hr_client, staff, department, finance):
    # Moved ahead of time on the staff page: the posting begins later than today's move would.
    staff.memberships.filter(end_date__isnull=True).update(start_date="2099-01-01")
    response = upload(hr_client, xlsx([[staff.employee_number, staff.full_name, "", "财务科"]]))
    assert response.status_code == 200
    refusal = f"第2行（{staff.full_name}）：调动日期不能早于在现科室任职的开始日期（2099-01-01）。"
    assert refusal in response.content.decode()
    staff.refresh_from_db()
    assert staff.department == department


def test_moving_a_department_head_is_refused_in_the_check_before_any_preview(hr_client, head, staff, finance):
    """A user test: the preview showed the head's move as a plain change (科室：办公室 → 财务科);
    only 确认导入 refused it. The check of every row is the move's own service check."""
    rows = [[staff.employee_number, "科员甲甲", "", ""], [head.employee_number, head.full_name, "", "财务科"]]

    response = upload(hr_client, xlsx(rows), confirm=False)

    assert "preview" not in response.context and "confirm_token" not in response.context
    assert page_errors(response) == [
        f"第3行（{head.full_name}）：该人员是{head.department}的科室负责人：请先在科室管理中更换负责人，再调整其科室。"
    ]
    head.refresh_from_db()
    staff.refresh_from_db()
    assert head.department != finance and staff.full_name != "科员甲甲"


def test_a_department_move_closes_the_previous_membership(hr_client, department, finance):
    upload(hr_client, xlsx([["E300", "调动人", "", "办公室"]]))
    person = User.objects.get(employee_number="E300")

    upload(hr_client, xlsx([["E300", "调动人", "", "D002"]]))

    person.refresh_from_db()
    assert person.department == finance
    history = list(DepartmentMembership.objects.filter(user=person).order_by("pk"))
    assert [m.department for m in history] == [department, finance]
    assert history[0].end_date is not None
    assert history[1].end_date is None


def test_an_update_is_recorded_in_the_audit_trail_with_the_administrator_as_actor(hr_client, hr, staff):
    upload(hr_client, xlsx([[staff.employee_number, "改名后", "", "办公室", "二级主任科员"]]))

    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(staff.pk),
        action=LogEntry.Action.UPDATE,
    ).latest("timestamp")
    assert entry.changes_dict["full_name"] == ["科员甲", "改名后"]
    assert "position_title" in entry.changes_dict
    assert entry.actor == hr
    assert entry.organisation_id == staff.organisation_id
    assert entry.reason == "批量导入人员"


# --- Template -----------------------------------------------------------------------------


def test_the_template_downloads_with_headers_help_sheet_and_departments(hr_client, department, finance):
    response = hr_client.get(reverse(TEMPLATE_URL))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["人员", "说明"]
    assert [cell.value for cell in workbook["人员"][1]] == HEADER
    help_text = [cell.value for row in workbook["说明"].iter_rows() for cell in row if cell.value]
    for expected in ("办公室", "D001", "财务科", "D002", "公益性岗位", "服务保障"):
        assert expected in " ".join(str(v) for v in help_text)
    assert workbook["人员"].data_validations.dataValidation  # drop-downs for the choice columns
    # Typed into the template, "3-1" stays text in the columns of numbers, names, codes and titles.
    assert [workbook["人员"].column_dimensions[letter].number_format for letter in "ABCDE"] == ["@"] * 5


def test_the_template_round_trips_when_filled_in(hr_client, department, finance):
    template = hr_client.get(reverse(TEMPLATE_URL)).content
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["人员"]
    sheet.append(["0007", "模板填写人", "", "财务科", "一级科员", "事业人员", "服务保障", "否", "t@example.com"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(hr_client, SimpleUploadedFile("filled.xlsx", buffer.getvalue(), content_type=XLSX))

    assert response.status_code == 200
    assert len(response.context["result"].created) == 1
    person = User.objects.get(employee_number="0007")
    assert person.username == "0007"
    assert person.department == finance
    assert person.staff_type == StaffType.INSTITUTION
    assert person.position_category == PositionCategory.SERVICE


# --- Bad files ----------------------------------------------------------------------------


def test_a_file_that_is_not_xlsx_gives_a_friendly_error(hr_client, department):
    before = User.objects.count()
    file = SimpleUploadedFile("staff.xlsx", "工号,姓名\nE1,甲\n".encode(), content_type="text/csv")

    response = upload(hr_client, file)

    assert response.status_code == 200
    errors = page_errors(response)
    assert len(errors) == 1
    assert "xlsx" in errors[0]
    assert User.objects.count() == before


def test_a_wrong_header_is_refused(hr_client, department):
    response = upload(hr_client, xlsx([["E1", "甲", "办公室"]], header=["编号", "姓名", "部门"]))

    [error] = page_errors(response)
    assert "表头不正确" in error
    assert "工号" in error
    assert "部门" in error  # not a column of the template (科室 is optional: leaders have none)


def test_an_empty_file_is_refused(hr_client, department):
    assert "文件是空的" in page_errors(upload(hr_client, xlsx([], header=None)))[0]
    assert "没有人员数据" in page_errors(upload(hr_client, xlsx([])))[0]


def test_too_many_rows_are_refused_with_a_clear_message(hr_client, department, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)

    response = upload(hr_client, xlsx([[f"E{i}", "甲", "", "办公室"] for i in range(3)]))

    assert page_errors(response) == ["数据超过2行，请分批导入，每次不超过2行。"]
    assert not User.objects.filter(employee_number="E0").exists()


# --- Permissions --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff", "sysadmin", "auditor", "head"])
def test_only_hr_may_import_or_download_the_template(client_for, persona, request):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.get(reverse(TEMPLATE_URL)).status_code == 403
    assert upload(client, xlsx([["E1", "甲", "", "办公室"]])).status_code == 403
    assert not User.objects.filter(employee_number="E1").exists()


def test_a_stranger_is_sent_to_the_login_page(client, db):
    response = client.get(reverse(IMPORT_URL))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_import_page_explains_and_links_to_the_template(hr_client):
    response = hr_client.get(reverse(IMPORT_URL))

    assert response.status_code == 200
    content = response.content.decode()
    assert reverse(TEMPLATE_URL) in content
    assert 'enctype="multipart/form-data"' in content
    assert "import-errors" not in content


def test_people_of_another_organisation_with_the_same_employee_number_are_not_touched(hr_client, department, outsider):
    outsider_number = outsider.employee_number

    response = upload(hr_client, xlsx([[outsider_number, "同号新人", "samenumber", "办公室"]]))

    assert len(response.context["result"].created) == 1
    outsider.refresh_from_db()
    assert outsider.full_name == "外单位人员"
    assert User.objects.filter(employee_number=outsider_number).count() == 2


def test_a_new_person_with_a_short_employee_number_still_gets_a_valid_password(organisation, department):
    rows, errors = imports.parse_staff_workbook(organisation=organisation, file=xlsx([["1", "一号", "", "办公室"]]))
    assert errors == []

    result = imports.staff_import(organisation=organisation, rows=rows)

    person, password = result.created[0]
    assert "1" not in password
    assert person.check_password(password)


def test_user_factory_people_are_matched_by_employee_number(hr_client, department):
    person = UserFactory(department=department, employee_number="K1", full_name="旧名")

    upload(hr_client, xlsx([["K1", "新名", "", "办公室"]]))

    person.refresh_from_db()
    assert person.full_name == "新名"
    assert User.objects.filter(employee_number="K1").count() == 1


def test_a_username_repeated_in_the_file_is_an_error_whatever_its_case(organisation, department):
    file = xlsx([["E1", "甲", "same", "办公室"], ["E2", "乙", "SAME", "办公室"]])

    rows, errors = imports.parse_staff_workbook(organisation=organisation, file=file)

    assert rows == []
    assert errors == ["第3行：用户名“SAME”在文件中重复（第2行）"]


# --- The staff list's export reads back --------------------------------------------------------


def test_the_staff_lists_export_edited_in_one_cell_reads_back_into_the_import(hr_client, department, finance):
    """A user test: the export was refused ("无法识别的列：角色、状态") and lacked 领导职务, 电子邮箱 and
    参加考核日期. Exported, one cell changed, re-imported: only that cell changes."""
    first = ["E801", "王新", "", "办公室", "三级主任科员", "", "", "是", "wx@example.com", "2026-03-02"]
    upload(hr_client, xlsx([first]))
    person = User.objects.get(employee_number="E801")
    exported = hr_client.post(reverse("accounts:staff_export") + "?q=E801")
    workbook = load_workbook(io.BytesIO(exported.content))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    # The former columns in their places (read by position), the importable ones after them.
    assert header == [
        "工号", "姓名", "用户名", "科室", "职务职级", "人员类别", "岗位类别", "角色", "状态",
        "领导职务", "电子邮箱", "参加考核日期",
    ]  # fmt: skip
    assert [cell.value for cell in sheet[2]][9:11] == ["是", "wx@example.com"]
    sheet.cell(row=2, column=header.index("职务职级") + 1, value="二级主任科员")
    buffer = io.BytesIO()
    workbook.save(buffer)

    asked = hr_client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("export.xlsx", buffer.getvalue())})

    body = asked.content.decode()
    assert "已忽略人员列表导出的只读列：角色、状态" in body
    [(_person, changes)] = asked.context["preview"].updates
    assert changes == [("职务职级", "三级主任科员", "二级主任科员")]
    hr_client.post(reverse(IMPORT_URL), {"confirm_upload": asked.context["confirm_token"]})
    person.refresh_from_db()
    assert (person.position_title, person.is_leader_position, person.email, person.appraisal_start) == (
        "二级主任科员",
        True,
        "wx@example.com",
        date(2026, 3, 2),
    )


def test_the_whole_staff_export_reads_back_unchanged_past_the_administrators_rows(
    hr_client, organisation, department, finance
):
    """A go-live test exported the staff list and uploaded it unchanged, as the import page offers:
    refused, "工号不能为空", on the rows of the administrator accounts create_organisation made (no
    工号). Their rows are skipped and said so; an empty 工号 on any other row is still refused."""
    upload(hr_client, xlsx([["E901", "王新", "", "办公室"]]))
    UserFactory(organisation=organisation, username="sys_admin", employee_number="", department=None)
    exported = hr_client.post(reverse("accounts:staff_export"))
    workbook = load_workbook(io.BytesIO(exported.content))
    usernames = [row[2] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert "sys_admin" in usernames
    buffer = io.BytesIO()
    workbook.save(buffer)

    asked = hr_client.post(
        reverse(IMPORT_URL), {"file": SimpleUploadedFile("export.xlsx", buffer.getvalue())}, follow=True
    )

    body = asked.content.decode()
    assert "工号不能为空" not in body and "无变化" in body
    assert f"已跳过第{usernames.index('sys_admin') + 2}行：没有工号的系统账号" in body
    # A new person typed without a 工号 is a mistake, said as before.
    response = upload(hr_client, xlsx([["", "新来的", "new_one", "办公室"]]))
    assert "工号不能为空" in page_errors(response)[0]


def test_an_export_made_in_english_reads_back_in_english(organisation, department, staff):
    from django.utils import translation

    with translation.override("en"):
        header = [translation.gettext(text) for text in ("工号", "姓名", "电子邮箱", "角色", "状态")]
        skipped: list[str] = []
        file = xlsx([[staff.employee_number, staff.full_name, "new@example.com", "Staff", "Active"]], header=header)
        rows, errors = imports.parse_staff_workbook(organisation=organisation, file=file, skipped=skipped)
    assert errors == []
    assert rows[0].email == "new@example.com" and skipped == [text.replace(" ", "") for text in header[3:]]


def test_other_unknown_columns_are_still_refused_beside_the_exports_read_only_ones(hr_client, department):
    response = upload(hr_client, xlsx([["E802", "甲", "管理员", "x"]], header=["工号", "姓名", "角色", "备注"]))
    assert "无法识别的列：备注" in page_errors(response)[0] and "角色" not in page_errors(response)[0]


# --- Changes to people already in the system wait for HR's confirmation -----------------------


def test_changes_to_existing_people_are_shown_and_written_only_once_confirmed(hr_client, department, finance):
    upload(hr_client, xlsx(VALID_ROWS))
    changed = [list(row) for row in VALID_ROWS]
    changed[0][1] = "王一一"
    changed[0][3] = "财务科"
    changed.append(["E199", "新来的", "", "办公室"])

    asked = upload(hr_client, xlsx(changed), confirm=False)

    body = asked.content.decode()
    assert 'data-testid="import-preview"' in body and "文件将修改1位已有人员的信息" in body
    assert "另将新建1人" in body and "新来的（E199）" in body
    assert 'type="file"' not in body  # the way on is to confirm or to cancel, not a second upload
    row = body.split('data-testid="preview-row"', 1)[1].split("</tr>", 1)[0]
    assert "E101" in row and "王一" in row and "<strong>王一一</strong>" in row
    assert "<strong>财务科</strong>" in row
    assert User.objects.get(employee_number="E101").full_name == "王一"  # nothing written yet
    assert not User.objects.filter(employee_number="E199").exists()

    done = hr_client.post(reverse(IMPORT_URL), {"confirm_upload": asked.context["confirm_token"]}, follow=True)

    assert [person.employee_number for person in done.context["result"].updated] == ["E101"]
    assert User.objects.get(employee_number="E101").department == finance
    assert User.objects.filter(employee_number="E199").exists()
    # The kept file is used once: the same confirmation again imports nothing more.
    again = hr_client.post(reverse(IMPORT_URL), {"confirm_upload": asked.context["confirm_token"]})
    assert "result" not in again.context
    assert "待确认的导入已失效" in again.content.decode()


def test_columns_left_out_and_cells_left_blank_keep_what_an_existing_person_has(hr_client, department, finance):
    """A user test: a file without 领导职务 and 电子邮箱 proposed 领导职务：是 → 否 and 电子邮箱：… → —,
    and a move-only row (工号, 姓名, 科室) 职务职级：三级主任科员 → —."""
    first = ["E501", "王新", "", "办公室", "三级主任科员", "参公人员", "业务执法", "是", "wx@example.com"]
    upload(hr_client, xlsx([first]))
    kept = {
        "position_title": "三级主任科员",
        "staff_type": StaffType.REFERENCE,
        "position_category": PositionCategory.ENFORCEMENT,
        "is_leader_position": True,
        "email": "wx@example.com",
    }

    def person_now():
        return User.objects.filter(employee_number="E501").values(*kept, "department__name").get()

    moved = upload(hr_client, xlsx([["E501", "王新", "财务科"]], header=["工号", "姓名", "科室"]), confirm=False)
    [(person, changes)] = moved.context["preview"].updates
    assert changes == [("科室", "办公室", "财务科")]
    hr_client.post(reverse(IMPORT_URL), {"confirm_upload": moved.context["confirm_token"]})
    assert person_now() == {**kept, "department__name": "财务科"}

    blanks = upload(hr_client, xlsx([["E501", "王新", "", "", "", "", "", "", ""]]), confirm=False)
    assert "preview" not in blanks.context and blanks.context["result"].unchanged == 1
    assert person_now() == {**kept, "department__name": "财务科"}
    # A value given still changes it: 否 is a value, not a blank.
    upload(hr_client, xlsx([["E501", "王新", "否"]], header=["工号", "姓名", "领导职务"]))
    assert person_now()["is_leader_position"] is False


def test_the_template_and_the_page_say_that_blanks_keep_an_existing_persons_values(hr_client, department):
    sheet = load_workbook(io.BytesIO(hr_client.get(reverse(TEMPLATE_URL)).content))["说明"]
    text = "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell)
    assert "文件中没有的列和留空的单元格都保持原值不变" in text
    assert "已有人员不填则保持不变" in text and "请在人员信息页修改" in text
    page = hr_client.get(reverse(IMPORT_URL)).content.decode()
    assert "文件中没有的列和留空的单元格都保持原值不变" in page


def test_a_file_of_new_people_only_is_imported_without_asking(hr_client, department, finance):
    response = upload(hr_client, xlsx(VALID_ROWS), confirm=False)
    assert len(response.context["result"].created) == 3


def test_a_confirmation_needs_the_importers_own_session(client_for, hr_client, hr, department, finance):
    """The kept upload lives in the importer's session: another session's token finds nothing."""
    upload(hr_client, xlsx(VALID_ROWS))
    changed = [list(row) for row in VALID_ROWS]
    changed[0][1] = "王一一"
    asked = upload(hr_client, xlsx(changed), confirm=False)
    from django.test import Client

    other = Client()
    other.force_login(hr)
    response = other.post(reverse(IMPORT_URL), {"confirm_upload": asked.context["confirm_token"]})
    assert "result" not in response.context
    assert User.objects.get(employee_number="E101").full_name == "王一"


def test_a_leader_is_imported_without_a_department_and_is_not_appraised_in_one(hr_client, department, organisation):
    """主要负责人、分管领导 are put in no 科室 (不在科室, as the form's choice says): they write no
    targets or summaries and nobody below them evaluates them."""
    from accounts.selectors import evaluator_of, participants_of

    upload(hr_client, xlsx([["L001", "李局长", "", "不在科室"]]))
    leader = User.objects.get(employee_number="L001")
    assert leader.department is None
    assert evaluator_of(person=leader) is None
    assert not participants_of(organisation=organisation).filter(pk=leader.pk).exists()
    # Re-imported without a 科室 later, a person keeps the department they have.
    upload(hr_client, xlsx([["L001", "李局长", "", "办公室"]]))
    upload(hr_client, xlsx([["L001", "李局长", "", ""]]))
    assert User.objects.get(employee_number="L001").department == department


def test_a_new_person_with_a_blank_department_is_a_row_error_not_staff_outside_every_department(hr_client, department):
    """A user test: a new person's blank 科室 made an ordinary 工作人员 outside every department —
    nobody to review them, on no department's roster — where the form makes HR choose 不在科室."""
    response = upload(hr_client, xlsx([["E401", "甲", "", "办公室"], ["E402", "乙", "", ""], ["E403", "丙", "", None]]))

    assert page_errors(response) == [
        f"第{row}行：新建人员须填写科室；主要负责人、分管领导等领导班子成员填“不在科室”" for row in (3, 4)
    ]
    assert not User.objects.filter(employee_number__in=["E401", "E402", "E403"]).exists()
    # A file without the 科室 column says nothing either.
    response = upload(hr_client, xlsx([["E404", "丁"]], header=["工号", "姓名"]))
    assert page_errors(response) == ["第2行：新建人员须填写科室；主要负责人、分管领导等领导班子成员填“不在科室”"]


def test_the_forms_words_for_no_department_are_read_too(hr_client, department):
    upload(hr_client, xlsx([["L002", "王副局长", "", "不在科室（领导班子成员）"]]))

    assert User.objects.get(employee_number="L002").department is None


def test_an_existing_person_given_no_department_leaves_theirs_once_confirmed(hr_client, staff, department, head):
    asked = upload(hr_client, xlsx([[staff.employee_number, staff.full_name, "", "不在科室"]]), confirm=False)

    [(person, changes)] = asked.context["preview"].updates
    assert changes == [("科室", "办公室", "不在科室（领导班子成员）")]
    hr_client.post(reverse(IMPORT_URL), {"confirm_upload": asked.context["confirm_token"]})
    staff.refresh_from_db()
    assert staff.department is None
    assert not staff.memberships.filter(end_date__isnull=True).exists()
    # Already in no department: nothing to change.
    again = upload(hr_client, xlsx([[staff.employee_number, staff.full_name, "", "不在科室"]]), confirm=False)
    assert again.context["result"].unchanged == 1
    # A head stays in the department they head (the move's own check, before any preview).
    refused = upload(hr_client, xlsx([[head.employee_number, head.full_name, "", "不在科室"]]), confirm=False)
    assert page_errors(refused) == [
        f"第2行（{head.full_name}）：该人员是{department}的科室负责人：请先在科室管理中更换负责人，再调整其科室。"
    ]


def test_the_template_says_how_to_put_a_new_person_in_no_department_and_offers_it(hr_client, department):
    workbook = load_workbook(io.BytesIO(hr_client.get(reverse(TEMPLATE_URL)).content))
    rows = [[cell for cell in row if cell] for row in workbook["说明"].iter_rows(values_only=True)]
    text = "\n".join(str(cell) for row in rows for cell in row)

    assert "主要负责人、分管领导等领导班子成员填“不在科室”" in text and "新建人员必须填写" in text
    # In the 科室 drop-down, after the departments.
    [offered] = [
        validation
        for validation in workbook["人员"].data_validations.dataValidation
        if "说明" in (validation.formula1 or "")
    ]
    last = int(offered.formula1.rsplit("$", 1)[1])
    assert rows[last - 1][0] == "不在科室"
    assert "新建人员须填写科室" in hr_client.get(reverse(IMPORT_URL)).content.decode()


def test_the_password_slips_say_where_and_with_which_organisation_code_to_sign_in(hr_client, department, organisation):
    body = upload(hr_client, xlsx([["E901", "新人", "", "办公室"]])).content.decode()
    slip = body.split('data-testid="password-slip"', 1)[1].split("</div>\n  </div>", 1)[0]
    assert f">{organisation.code}<" in slip
    assert "http://testserver/accounts/login/" in slip


def test_a_repeated_number_is_reported_even_when_its_first_row_has_other_errors(hr_client, department):
    """One upload lists everything: row 3 repeats row 2's 工号 though row 2 is wrong for another reason."""
    response = upload(hr_client, xlsx([["E301", "甲", "", "不存在的科"], ["E301", "乙", "", "办公室"]]))
    assert page_errors(response) == [
        "第2行：科室“不存在的科”不存在",
        "第3行：工号“E301”在文件中重复（第2行）",
    ]


# --- 参加考核日期: a newcomer's start ---------------------------------------------------------


def test_a_newcomers_start_is_imported_typed_or_as_a_date_cell_and_a_blank_keeps_it(hr_client, department, settings):
    settings.APPRAISAL_TODAY = "2026-12-05"
    from datetime import datetime

    rows = [
        ["E201", "新人甲", "", "办公室", "", "", "", "", "", "2026-12-05"],
        ["E202", "新人乙", "", "办公室", "", "", "", "", "", datetime(2026, 11, 20)],
        ["E203", "老人丙", "", "办公室", "", "", "", "", "", None],
    ]
    page = upload(hr_client, xlsx(rows)).content.decode()
    # The one left blank starts on the import day, as the 新增人员 form offers: the page says so.
    assert "新建的1人未填参加考核日期，自导入当天起参加考核（与“新增人员”相同）" in page

    starts = dict(User.objects.filter(employee_number__startswith="E20").values_list("full_name", "appraisal_start"))
    assert starts == {"新人甲": date(2026, 12, 5), "新人乙": date(2026, 11, 20), "老人丙": date(2026, 12, 5)}
    # In the department from the same day (a user test read 参加考核日期 11-16 beside a posting from the 20th).
    postings = dict(
        DepartmentMembership.objects.filter(user__employee_number__startswith="E20").values_list(
            "user__full_name", "start_date"
        )
    )
    assert postings == starts
    # Again with the date left blank: kept; with another date: changed, said in the preview.
    again = [
        ["E201", "新人甲", "", "办公室", "", "", "", "", "", None],
        ["E202", "新人乙", "", "办公室", "", "", "", "", "", "2026-12-01"],
    ]
    preview = hr_client.post(reverse(IMPORT_URL), {"file": xlsx(again)}).content.decode()
    assert "参加考核日期" in preview and "2026-11-20" in preview and "2026-12-01" in preview
    upload(hr_client, xlsx(again))
    assert User.objects.get(employee_number="E201").appraisal_start == date(2026, 12, 5)
    assert User.objects.get(employee_number="E202").appraisal_start == date(2026, 12, 1)


def test_a_newcomer_imported_without_a_start_is_not_overdue_for_what_ended_before_the_import(
    hr_client, department, organisation, settings
):
    """A user test: someone imported without 参加考核日期 was at once late with 11月小结 and the fourth
    quarter's targets, though the 新增人员 form starts a newcomer on the day they are added."""
    from accounts.models import Policy
    from accounts.periods import Month, due_for_people, person_policy

    settings.APPRAISAL_TODAY = "2026-12-05"
    Policy.objects.filter(organisation=organisation).update(started_on=date(2026, 1, 1))
    page = hr_client.get(reverse(IMPORT_URL)).content.decode()
    assert "新建人员不填时自导入当天起参加考核，与“新增人员”相同" in page

    upload(hr_client, xlsx([["E701", "王新来", "", "办公室"]]))

    newcomer = User.objects.get(employee_number="E701")
    assert newcomer.appraisal_start == date(2026, 12, 5)
    policy = person_policy(Policy.objects.get(organisation=organisation), newcomer)
    assert policy.started_on == date(2026, 12, 5)
    assert not User.objects.filter(pk=newcomer.pk).filter(due_for_people(Month(2026, 11))).exists()


def test_a_start_that_is_not_a_date_or_not_plausible_is_refused_with_its_row(hr_client, department, settings):
    settings.APPRAISAL_TODAY = "2026-12-05"
    rows = [
        ["E301", "甲", "", "办公室", "", "", "", "", "", "下个月"],
        ["E302", "乙", "", "办公室", "", "", "", "", "", "2062-12-05"],
    ]
    response = upload(hr_client, xlsx(rows))

    assert page_errors(response) == [
        "第2行：参加考核日期“下个月”不是日期，请按2026-12-05的格式填写",
        "第3行：参加考核日期须在2025年至2027年之间（现为2062-12-05）。",
    ]
    assert not User.objects.filter(employee_number__in=["E301", "E302"]).exists()


def test_spaces_between_the_han_characters_of_a_name_are_dropped_in_the_file_and_the_form(hr_client, department):
    """A user test: "  林 静 " was imported as "林 静", and a search for 林静 did not find her."""
    upload(hr_client, xlsx([["E401", "  林 静 ", "", "办公室"], ["E402", "Anna Li", "", "办公室"]]))
    post_new_person(hr_client, department, username="wang", employee_number="E403", full_name="王\u3000五")

    names = set(User.objects.filter(employee_number__in=["E401", "E402", "E403"]).values_list("full_name", flat=True))
    assert names == {"林静", "Anna Li", "王五"}


def test_hr_cannot_change_an_administrators_account_through_the_import(hr_client, hr, sysadmin, department):
    """A re-test changed demo_sysadmin's name (and the security administrator's title) in the staff
    export and imported it: "更新 2 人", where the staff pages answer HR 403 for those accounts. The
    row is refused with the file; unchanged, the same row passes (the export's round trip)."""
    from django.core.exceptions import ValidationError

    from accounts.imports import ImportRow, staff_import

    sysadmin.refresh_from_db()
    row = [sysadmin.employee_number, "改名管理员", sysadmin.username, ""]
    response = upload(hr_client, xlsx([row]))
    assert "管理员账号不能通过导入修改" in page_errors(response)[0]
    sysadmin.refresh_from_db()
    assert sysadmin.full_name != "改名管理员"
    unchanged = upload(hr_client, xlsx([[sysadmin.employee_number, sysadmin.full_name, sysadmin.username, ""]]))
    assert "管理员账号不能通过导入修改" not in unchanged.content.decode()
    # The service refuses it too, whatever calls it.
    with pytest.raises(ValidationError, match="管理员账号不能通过导入修改"):
        staff_import(
            organisation=hr.organisation,
            rows=[
                ImportRow(
                    row_number=2,
                    employee_number=sysadmin.employee_number,
                    full_name="改名管理员",
                    username=sysadmin.username,
                    department=None,
                    outside_departments=True,
                )
            ],
            actor=hr,
        )


@pytest.mark.parametrize("n", [3, 20])
def test_checking_the_rows_against_administrators_costs_the_same_for_few_and_many_changed_rows(
    hr, department, n, django_assert_num_queries
):
    """Each changed row is checked against ``accounts.change_person`` (another administrator's
    account): the people's roles are read once for the file, not once per changed row."""
    from accounts.imports import parse_staff_workbook

    people = [UserFactory(department=department, employee_number=f"E9{i:02d}") for i in range(n)]
    rows = [[person.employee_number, f"{person.full_name}改", person.username, department.code] for person in people]
    with django_assert_num_queries(PARSE_QUERIES):
        parsed, errors = parse_staff_workbook(organisation=hr.organisation, file=xlsx(rows), actor=hr)
    assert errors == [] and len(parsed) == n


# The file's parse with the administrators' check, whatever the rows: the organisation's departments,
# its people, their roles (one query for all), the actor's roles.
PARSE_QUERIES = 4


def test_a_formula_saved_without_its_value_is_named_not_read_as_an_empty_cell(hr_client, department):
    """A user test: 工号 =4000+3 in a file written by a program read as "工号不能为空"; the clerk saw
    4003 in Excel. The file is refused as a whole, saying what to do; nobody is created."""
    response = upload(hr_client, xlsx([["=4000+3", "张三", "", department.name]]))
    page = response.content.decode()
    assert "的单元格A2是公式，但文件中没有保存其计算结果" in page and "工号不能为空" not in page
    assert not User.objects.filter(full_name="张三").exists()


def test_a_formula_in_a_cell_the_import_does_not_read_is_no_concern(hr_client, department):
    """A re-test: a formula on the 说明 sheet, or in a column the import does not know, refused the
    whole file."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["4010", "李四", "", department.name])
    sheet["K2"] = "=1+1"
    workbook.create_sheet("说明")["H1"] = "=1+1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(hr_client, SimpleUploadedFile("staff.xlsx", buffer.getvalue(), content_type=XLSX))
    assert "是公式" not in response.content.decode()
    assert User.objects.filter(full_name="李四").exists()


def test_a_file_saved_by_a_spreadsheet_with_computed_formulas_imports(hr_client, department):
    """The same cell with its computed value (as Excel, WPS or LibreOffice save it), and a formula whose
    value is the empty text, import as their values."""
    import re
    import zipfile

    source = io.BytesIO(workbook_bytes([["=4000+3", "张三", "", department.name, '=IF(1=1,"","科员")']]))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as package, zipfile.ZipFile(out, "w") as saved:
        for item in package.infolist():
            data = package.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<f>4000\+3</f><v\s*/>", b"<f>4000+3</f><v>4003</v>", data)
                data = re.sub(rb"<v\s*/>", b"<v></v>", data)  # the empty text, as Excel saves it
            saved.writestr(item, data)
    response = upload(hr_client, SimpleUploadedFile("staff.xlsx", out.getvalue(), content_type=XLSX))
    assert response.status_code == 200 and "公式单元格" not in response.content.decode()
    assert User.objects.get(full_name="张三").employee_number == "4003"


def test_hr_cannot_set_their_own_appraisal_attributes_through_the_import_where_another_can(
    hr_client, hr, department, organisation
):
    """The staff page leaves HR's own 领导职务 and 参加考核日期 to another HR administrator (回避); the
    import must not be the way round it."""
    from accounts.models import Role

    UserFactory(organisation=organisation, department=None, roles=[Role.HR_ADMIN], full_name="人事干部乙")
    hr.refresh_from_db()
    row = [hr.employee_number, hr.full_name, hr.username, "", "", "", "", "是"]
    response = upload(hr_client, xlsx([row]))
    assert (
        "本人的人员类别、岗位类别、领导职务、参加考核日期和科室由其他人事干部修改（回避）" in page_errors(response)[0]
    )
    hr.refresh_from_db()
    assert not hr.is_leader_position


def test_full_width_employee_numbers_are_the_half_width_ones(hr_client, department, finance):
    """A user test: 工号 Ｓ００００１ was accepted beside S00001, and a re-import of I1001 added a
    second person beside the one imported as Ｉ１００１."""
    rows = [list(row) for row in VALID_ROWS]
    rows[0][0] = "Ｅ１０１"
    upload(hr_client, xlsx(rows))
    assert User.objects.filter(employee_number="E101").count() == 1
    count = User.objects.count()
    result = upload(hr_client, xlsx(VALID_ROWS)).context["result"]
    assert User.objects.count() == count and result.created == []
    # The 新增人员 form: the full-width number is the one already held.
    response = post_new_person(hr_client, department, username="newcomer", employee_number="ｅ１０１".upper())
    assert not User.objects.filter(username="newcomer").exists() and "E101" in response.content.decode()
    post_new_person(hr_client, department, username="newcomer", employee_number="Ｅ９０１")
    assert User.objects.get(username="newcomer").employee_number == "E901"


def test_a_lower_case_employee_number_is_the_upper_case_one(hr_client, department, finance, organisation):
    """A re-test: 新增人员 with s00012 beside S00012 made a second 龙阳文; the import planned a new
    person; the staff list found nobody for Ｓ０００１２ (full width)."""
    upload(hr_client, xlsx(VALID_ROWS))
    count = User.objects.count()
    rows = [list(row) for row in VALID_ROWS]
    rows[0][0] = "e101"
    assert upload(hr_client, xlsx(rows)).context["result"].created == []
    assert User.objects.count() == count
    response = post_new_person(hr_client, department, username="again", employee_number="e101")
    assert not User.objects.filter(username="again").exists() and "已被使用" in response.content.decode()
    found = hr_client.get(reverse("accounts:staff_list"), {"q": "Ｅ１０１"}).content.decode()
    assert "王一" in found


def test_a_person_keeping_their_number_is_not_refused_for_a_case_twin_stored_before(
    hr_client, organisation, department
):
    """A review: with S00012 and s00012 both stored (before 工号 ignored case), neither could be edited."""
    from accounts import services

    upper = UserFactory(organisation=organisation, department=department, employee_number="S00012")
    UserFactory(organisation=organisation, department=department, employee_number="s00012")
    services.staff_identity_check(
        organisation=organisation, username=upper.username, employee_number="S00012", person=upper
    )
