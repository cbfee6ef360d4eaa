"""The shared Excel helpers: safe reading, cell text, row errors, 是/否, text cells for export."""

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from accounts import excel

COLUMNS = (("code", "编号", True), ("name", "名称", False))


def xlsx(rows, header=("编号*", "名称"), title="数据", extra_sheet_first=False) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    if extra_sheet_first:
        sheet.title = "其他"
        sheet.append(["不是这张表"])
        sheet = workbook.create_sheet(title)
    else:
        sheet.title = title
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (1001, "1001"),
        (1001.0, "1001"),
        (95.5, "95.5"),
        (123456789012345.0, "123456789012345"),
        (1e308, "1e+308"),
        (True, "是"),
        (False, "否"),
        (datetime.datetime(2026, 3, 15), "2026-03-15"),
        (datetime.datetime(2026, 3, 15, 8, 30), "2026-03-15 08:30:00"),
        (datetime.date(2026, 3, 15), "2026-03-15"),
        ("\u3000 张三 ", "张三"),
    ],
)
def test_cell_text(value, text):
    assert excel.cell_text(value) == text


def test_header_name_drops_spaces_and_the_required_mark():
    assert excel.header_name(" 工 号* ") == "工号"
    assert excel.header_name("科室＊") == "科室"


def test_read_sheet_returns_positions_and_non_blank_rows_with_excel_row_numbers():
    file = xlsx([["E1", "甲"], [None, "  "], [1001.0, None]], header=("名称", "编号*"), extra_sheet_first=True)

    positions, data, error = excel.read_sheet(file, columns=COLUMNS, sheet_title="数据")

    assert error is None
    assert positions == {"name": 0, "code": 1}
    assert [row for row, _values in data] == [2, 4]
    cell = excel.cell_reader(positions, data[1][1])
    assert (cell("code"), cell("name"), cell("missing")) == ("", "1001", "")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"header": ("名称", "名称", "其他")}, "表头不正确（缺少必填列：编号；无法识别的列：其他；重复的列：名称）"),
        ({"header": None}, "文件是空的"),
        ({}, "文件中没有数据"),
    ],
)
def test_read_sheet_refuses_bad_headers_and_empty_files(kwargs, message):
    positions, data, error = excel.read_sheet(xlsx([], **kwargs), columns=COLUMNS, sheet_title="数据")

    assert (positions, data) == ({}, [])
    assert message in error


def test_read_sheet_caps_and_messages_are_parameters():
    def read(file, **kwargs):
        return excel.read_sheet(file, columns=COLUMNS, sheet_title="数据", **kwargs)[2]

    assert read(xlsx([["E1"], ["E2"], ["E3"]]), max_rows=2) == "数据超过2行，请分批导入，每次不超过2行。"
    assert read(xlsx([["E1"], ["E2"]]), max_rows=2) is None
    assert read(xlsx([]), empty_message="没有人员") == "没有人员"
    big = xlsx([["E1"]])
    big.size = 2 * 1024 * 1024
    assert read(big, max_file_bytes=1024 * 1024) == "文件过大（超过1MB），请分批导入。"


def test_read_sheet_gives_a_friendly_error_for_a_file_that_is_not_xlsx():
    error = excel.read_sheet(io.BytesIO("编号,名称\n".encode()), columns=COLUMNS, sheet_title="数据")[2]

    assert "xlsx" in error


def test_row_errors_name_their_row_in_row_order_keeping_each_rows_order():
    assert excel.row_error(3, "工号不能为空") == "第3行：工号不能为空"
    assert excel.format_row_errors([(5, "甲"), (2, "乙"), (5, "丙")]) == ["第2行：乙", "第5行：甲", "第5行：丙"]


def test_parse_yes_no_with_a_columns_own_words():
    assert [excel.parse_yes_no(word) for word in ("是", "Yes", "√", "否", "N", "×", "也许")] == [
        True,
        True,
        True,
        False,
        False,
        False,
        None,
    ]
    assert excel.parse_yes_no("已处理") is None
    assert excel.parse_yes_no("已处理", yes={"已处理"}, no={"未处理"}) is True
    assert excel.parse_yes_no("未处理", yes={"已处理"}, no={"未处理"}) is False


def test_text_cell_keeps_user_text_from_becoming_a_formula():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("表")
    sheet.append([excel.text_cell(sheet, "=1+1"), excel.text_cell(sheet, None), excel.text_cell(sheet, 7)])
    buffer = io.BytesIO()
    workbook.save(buffer)

    cells = next(load_workbook(buffer).active.iter_rows())
    assert [cell.value for cell in cells] == ["=1+1", None, "7"]
    assert cells[0].data_type == "s"
