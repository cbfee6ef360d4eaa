"""Issue 15: workbooks a spreadsheet program shows right, and text without control characters.

Every workbook goes through accounts.excel.write_table (widths from content, bold frozen header, print
titles, autofilter, landscape when wide); sheet titles are made safe; control characters are removed
when typed (forms, imports, LibreOffice's ``_x000b_``) and again when written. The conversion by a real
LibreOffice is tests/test_workbooks_in_libreoffice.py.
"""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts import excel, imports
from accounts.forms import DepartmentForm, StaffForm
from accounts.models import PositionCategory, StaffType
from accounts.text import multi_line, single_line
from evaluations.grading import imports as grading_imports
from tests.factories import DepartmentFactory, UserFactory

LONG_DEPARTMENT = "就业促进科科长"


def _workbook(content: bytes):
    return load_workbook(BytesIO(content))


# --- Sheet titles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "safe"),
    [
        ("10/2026", "10-2026"),
        ("a\\b*c?d:e[f]", "a-b-c-d-e-f-"),
        ("'quoted'", "quoted"),
        ("第\x0b一", "第 一"),
        ("", "Sheet"),
        ("年" * 40, "年" * 31),
    ],
)
def test_a_sheet_title_is_made_safe(title, safe):
    assert excel.sheet_title(title) == safe


def test_a_sheet_title_already_taken_gets_a_number():
    assert excel.sheet_title("汇总", taken=["汇总"]) == "汇总(2)"
    assert excel.sheet_title("Sheet", taken=["sheet", "Sheet(2)"]) == "Sheet(3)"


def test_the_roster_exports_when_the_interface_is_in_english(client_for, hr, department):
    UserFactory(department=department, full_name="张三")
    client = client_for(hr)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    response = client.get(reverse("roster_export"), {"year": 2026, "month": 10})
    assert response.status_code == 200
    assert _workbook(response.getvalue()).sheetnames == ["10-2026"]


# --- The formatting of every table --------------------------------------------------------------


def test_the_roster_is_sized_to_its_content_with_a_bold_frozen_printed_header(client_for, hr, organisation):
    place = DepartmentFactory(organisation=organisation, name=LONG_DEPARTMENT)
    UserFactory(department=place, full_name="李四\n（借调）")
    response = client_for(hr).get(reverse("roster_export"), {"year": 2026, "month": 10})
    sheet = _workbook(response.getvalue()).active
    # 7 CJK characters are 14 widths: the column holds them with a margin.
    assert sheet.column_dimensions["A"].width >= 14
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.auto_filter.ref == "A1:G2"
    name = sheet["C2"]
    assert name.value == "李四\n（借调）" and name.alignment.wrap_text
    # Two lines tall: a spreadsheet program showed only one line of a row left unsized.
    assert sheet.row_dimensions[2].height >= 2 * excel.LINE_HEIGHT


def test_a_table_keeps_dates_as_dates_numbers_as_numbers_and_turns_wide_sheets_landscape():
    workbook = Workbook(write_only=True)
    sheet = excel.new_sheet(workbook, "表")
    moment = timezone.make_aware(datetime.datetime(2026, 3, 1, 8, 5, 9))
    written = excel.write_table(
        sheet,
        ["日期", "时刻", "得分", "人数", *[f"列{n}" for n in range(20)]],
        [[datetime.date(2026, 3, 1), moment, Decimal("95.50"), 3, *["文字"] * 20]],
    )
    assert written == 1
    sheet = _workbook(excel.workbook_file(workbook))["表"]
    date, when, score, count = (cell.value for cell in sheet[2][:4])
    assert date == datetime.datetime(2026, 3, 1) and sheet["A2"].is_date
    # Local time, without a time zone (Excel has none).
    assert when == datetime.datetime(2026, 3, 1, 8, 5, 9) and sheet["B2"].is_date
    assert (score, count) == (95.5, 3)
    assert sheet.page_setup.orientation == "landscape"


def test_text_that_would_read_as_a_formula_or_an_error_stays_text():
    workbook = Workbook(write_only=True)
    sheet = excel.new_sheet(workbook, "表")
    excel.write_table(sheet, ["甲", "乙"], [["=1+1", "#N/A"]])
    sheet = _workbook(excel.workbook_file(workbook))["表"]
    assert [(cell.value, cell.data_type) for cell in sheet[2]] == [("=1+1", "s"), ("#N/A", "s")]


def test_cjk_characters_count_two_widths():
    assert excel.display_width(LONG_DEPARTMENT) == 14
    assert excel.display_width("ab\n就业") == 4
    assert excel.display_width(datetime.date(2026, 1, 1)) == 10


# --- Control characters -------------------------------------------------------------------------


def test_the_cleaner_keeps_one_line_names_on_one_line_and_paragraphs_broken():
    assert single_line(" 张\x0b三\r\n ") == "张 三"
    assert single_line("a\x00\x01b\tc") == "a b c"
    assert multi_line("第一段\x0b第二段\x07\r\n第三段\t完") == "第一段\n第二段\n第三段\t完"


def test_a_name_already_stored_with_a_control_character_is_written_in_every_export(
    client_for, hr, organisation, department
):
    place = DepartmentFactory(organisation=organisation, name="综合\x0b科", code="Z\x01")
    UserFactory(department=place, full_name="王\x0b五\x07")
    roster = client_for(hr).get(reverse("roster_export"), {"year": 2026, "month": 10})
    assert roster.status_code == 200
    values = [cell for row in _workbook(roster.getvalue()).active.iter_rows(values_only=True) for cell in row]
    assert "综合\n科" in values and "王\n五" in values
    template = _workbook(imports.build_template_workbook(organisation=organisation))
    assert ("综合\n科", "Z") in list(template["说明"].iter_rows(values_only=True, max_col=2))
    grading_imports.build_satisfaction_template(organisation=organisation)


def test_the_staff_and_department_forms_store_a_pasted_line_break_as_a_space(organisation, department, hr):
    data = {"username": "wangwu", "full_name": "王\x0b五", "employee_number": "9001\x0b", "department": department.pk}
    data |= {"staff_type": StaffType.CIVIL_SERVANT, "position_category": PositionCategory.GENERAL}
    form = StaffForm(data=data, organisation=organisation, actor=hr)
    assert form.is_valid(), form.errors
    # A person's name keeps no space between its Han characters either (accounts.text.person_name).
    assert (form.cleaned_data["full_name"], form.cleaned_data["employee_number"]) == ("王五", "9001")
    department_form = DepartmentForm(
        data={"code": "D9", "name": "综合\x0b科", "sort_order": 1}, organisation=organisation
    )
    assert department_form.is_valid(), department_form.errors
    assert department_form.cleaned_data["name"] == "综合 科"


def test_a_workbook_saved_by_libreoffice_with_a_control_character_imports_the_character_cleaned(
    organisation, department
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = imports.DATA_SHEET_TITLE
    sheet.append([header for _name, header, _required in imports.COLUMNS])
    # LibreOffice stores U+000B as the escape "_x000b_"; openpyxl hands it over literally.
    sheet.append(["1001", "张_x000b_三", "", department.name, "一级科员_x000B_", "", "", "", ""])
    sheet.append(["1002", "李_x005F_x000b_四", "", department.name, "", "", "", "", ""])
    upload = SimpleUploadedFile("staff.xlsx", excel.workbook_file(workbook))
    rows, errors = imports.parse_staff_workbook(organisation=organisation, file=upload)
    assert errors == []
    # The name's space between Han characters goes too (accounts.text.person_name). A blank title is
    # None: not given, so a known person keeps theirs (imports.ImportRow).
    assert [(row.full_name, row.position_title) for row in rows] == [("张三", "一级科员"), ("李_x000b_四", None)]


# --- Import templates and import errors -----------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        imports.build_template_workbook,
        grading_imports.build_satisfaction_template,
        grading_imports.build_service_event_template,
    ],
)
def test_the_help_sheet_of_every_template_is_wide_wrapped_and_tall_enough(build, organisation, department):
    workbook = _workbook(build(organisation=organisation))
    data, help_sheet = workbook.worksheets
    assert data.freeze_panes == "A2" and all(cell.font.b for cell in data[1])
    assert help_sheet.column_dimensions["C"].width >= 50
    paragraph = help_sheet["A2"]
    assert len(paragraph.value) > 60 and paragraph.alignment.wrap_text
    assert "A2:E2" in {str(merged) for merged in help_sheet.merged_cells.ranges}
    # The long paragraph needs two lines at least, and its row says so.
    assert help_sheet.row_dimensions[2].height >= 2 * excel.LINE_HEIGHT
    descriptions = [row for row in help_sheet.iter_rows(min_row=4) if row[1].value in ("是", "否")]
    assert descriptions and all(row[2].alignment.wrap_text for row in descriptions)
    assert all(help_sheet.row_dimensions[row[0].row].height for row in descriptions)


def test_a_file_that_is_not_excel_is_refused_plainly(client_for, hr):
    upload = SimpleUploadedFile("staff.csv", "工号,姓名\n1001,张三\n".encode())
    response = client_for(hr).post(reverse("accounts:staff_import"), {"file": upload})
    body = response.content.decode()
    assert "无法导入此文件" in body and "请上传 Excel（.xlsx）格式的文件" in body
    assert "逐一修改" not in body


def test_row_errors_still_ask_for_each_row_to_be_corrected(client_for, hr, department):
    workbook = Workbook()
    workbook.active.append([header for _name, header, _required in imports.COLUMNS])
    workbook.active.append(["", "张三", "", department.name])
    upload = SimpleUploadedFile("staff.xlsx", excel.workbook_file(workbook))
    body = client_for(hr).post(reverse("accounts:staff_import"), {"file": upload}).content.decode()
    assert "逐一修改" in body and "第2行" in body
