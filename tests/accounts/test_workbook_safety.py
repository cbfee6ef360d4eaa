"""Every workbook the application writes holds data as text, never as a formula; and an import
refuses a workbook too big once unpacked, with too many rows or shared strings, before parsing it."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts import imports
from accounts.excel import FORMULA_PREFIXES
from evaluations.grading import imports as grading_imports
from tests.factories import DepartmentFactory, UserFactory

HOSTILE_NAME = '=HYPERLINK("http://evil.example/","点我")'
HOSTILE_CODE = "=1+1"
HOSTILE_PERSON = "@SUM(1,2)"
HOSTILE_NUMBER = "+12"


@pytest.fixture
def hostile(organisation, department, hr):
    place = DepartmentFactory(organisation=organisation, name=HOSTILE_NAME, code=HOSTILE_CODE)
    UserFactory(
        organisation=organisation, department=department, full_name=HOSTILE_PERSON, employee_number=HOSTILE_NUMBER
    )
    UserFactory(organisation=organisation, department=place, full_name="-3+4", employee_number="-5")
    return place


def _assert_no_formula(content: bytes, *must_contain: str) -> None:
    workbook = load_workbook(BytesIO(content))
    seen = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.add(cell.value)
                    if cell.value.startswith(FORMULA_PREFIXES):
                        assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
    for text in must_contain:
        assert text in seen, text


def test_the_staff_import_template_writes_hostile_department_names_as_text(hostile, organisation):
    _assert_no_formula(imports.build_template_workbook(organisation=organisation), HOSTILE_NAME, HOSTILE_CODE)


def test_the_satisfaction_template_writes_hostile_department_names_as_text(hostile, organisation):
    _assert_no_formula(
        grading_imports.build_satisfaction_template(organisation=organisation), HOSTILE_NAME, HOSTILE_CODE
    )


def test_the_service_event_template_holds_no_formula(hostile, organisation):
    _assert_no_formula(grading_imports.build_service_event_template(organisation=organisation))


def test_the_initial_passwords_workbook_writes_hostile_names_as_text(db):
    rows = [[HOSTILE_NUMBER, HOSTILE_PERSON, HOSTILE_NAME, "-user", "=pw"]]
    _assert_no_formula(imports.initial_passwords_workbook(rows), HOSTILE_NUMBER, HOSTILE_PERSON, HOSTILE_NAME, "=pw")


def test_the_roster_export_writes_hostile_names_as_text(hostile, client_for, hr):
    response = client_for(hr).get(reverse("roster_export"), {"year": 2026, "month": 10})
    assert response.status_code == 200
    _assert_no_formula(response.getvalue(), HOSTILE_PERSON, HOSTILE_NUMBER)


# --- Hostile imports, refused before parsing -----------------------------------------------------

COLUMNS = (("code", "编号", True), ("name", "名称", False))


def _workbook(rows=(("E1", "甲"),)) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    sheet.append(["编号", "名称"])
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_member(content: bytes, name: str, data: bytes, replace: bool = False) -> BytesIO:
    import zipfile

    source = zipfile.ZipFile(BytesIO(content))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if replace and info.filename == name:
                continue
            target.writestr(info, source.read(info.filename))
        target.writestr(name, data)
    out.seek(0)
    return out


def _read(file):
    from accounts.excel import read_sheet

    return read_sheet(file, columns=COLUMNS, sheet_title="数据")


def test_a_small_workbook_that_unpacks_to_more_than_the_limit_is_refused_naming_the_limit(db):
    from accounts.excel import MAX_UNCOMPRESSED_BYTES

    bomb = _with_member(_workbook(), "xl/media/padding.bin", b"\0" * (MAX_UNCOMPRESSED_BYTES + 1))
    assert len(bomb.getvalue()) < 200 * 1024  # small on the wire
    positions, rows, error = _read(bomb)
    assert (positions, rows) == ({}, [])
    assert f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}MB" in error and "解压后" in error


def test_a_workbook_declaring_too_many_shared_strings_is_refused_naming_the_limit(db):
    from accounts.excel import MAX_SHARED_STRINGS

    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
        b"<si><t>a</t></si></sst>" % (MAX_SHARED_STRINGS + 1, MAX_SHARED_STRINGS + 1)
    )
    hostile = _with_member(_workbook(), "xl/sharedStrings.xml", strings, replace=True)
    error = _read(hostile)[2]
    assert error and str(MAX_SHARED_STRINGS) in error


def test_a_workbook_lying_about_its_shared_strings_is_refused_by_counting_them(db):
    from accounts.excel import MAX_SHARED_STRINGS

    # It declares one entry and holds one more than the limit: the entries are counted, not believed.
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        + b"<si><t>a</t></si>" * (MAX_SHARED_STRINGS + 1)
        + b"</sst>"
    )
    hostile = _with_member(_workbook(), "xl/sharedStrings.xml", strings, replace=True)
    assert len(hostile.getvalue()) < 200 * 1024
    positions, rows, error = _read(hostile)
    assert (positions, rows) == ({}, [])
    assert error == f"文件中的文字条目超过{MAX_SHARED_STRINGS}条，无法导入。请分批导入。"


def _sheet(rows: bytes) -> bytes:
    header = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>名称</t></is></c></row>'
    ).encode()
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + header
        + rows
        + b"</sheetData></worksheet>"
    )


def test_rows_ending_in_the_last_excel_column_are_read_no_wider_than_the_columns_read(db):
    from accounts.excel import MAX_COLUMNS

    # Each row ends in a cell in column XFD (16 384): openpyxl would pad every row to that width.
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>E%d</t></is></c><c r="XFD%d"><v>1</v></c></row>' % (i, i, i, i)
        for i in range(2, 302)
    )
    hostile = _with_member(_workbook(), "xl/worksheets/sheet1.xml", _sheet(rows), replace=True)
    positions, data, error = _read(hostile)
    assert error is None and len(data) == 300
    assert max(len(values) for _n, values in data) <= MAX_COLUMNS
    assert data[0][1][0] == "E2"


def test_a_sheet_with_more_cells_than_rows_times_columns_is_refused_before_it_is_parsed(db):
    from accounts.excel import MAX_COLUMNS, MAX_ROWS

    cells = MAX_ROWS * MAX_COLUMNS + 1
    hostile = _with_member(
        _workbook(), "xl/worksheets/sheet1.xml", _sheet(b'<row r="2">' + b"<c/>" * cells + b"</row>"), replace=True
    )
    error = _read(hostile)[2]
    assert error == f"单元格超过{MAX_ROWS * MAX_COLUMNS}个，请只保留需要导入的列，或分批导入。"


def test_a_sheet_with_far_too_many_rows_is_refused_before_it_is_parsed(db):
    from accounts.excel import MAX_ROWS

    # A header, then row elements that are blank: parsed, this sheet would merely be empty; the count of
    # rows in the zip refuses it before openpyxl reads a single one.
    header = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>名称</t></is></c></row>'
    ).encode()
    rows = header + b"".join(b'<row r="%d"/>' % i for i in range(2, 2 * MAX_ROWS + 3))
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + rows
        + b"</sheetData></worksheet>"
    )
    hostile = _with_member(_workbook(), "xl/worksheets/sheet1.xml", sheet, replace=True)
    error = _read(hostile)[2]
    assert error == f"数据超过{MAX_ROWS}行，请分批导入，每次不超过{MAX_ROWS}行。"


def test_an_ordinary_workbook_still_imports(db):
    positions, rows, error = _read(BytesIO(_workbook([("E1", "甲"), ("E2", "乙")])))
    assert error is None and [values[0] for _n, values in rows] == ["E1", "E2"]


# --- Request bodies above the upload limit are refused before they are read ---------------------

IMPORT_URLS = ["accounts:staff_import", "evaluations:satisfaction_import", "evaluations:event_import"]


@pytest.mark.parametrize("url_name", IMPORT_URLS)
def test_an_import_body_above_the_upload_limit_is_refused_unread_with_the_limit_stated(rf, hr, url_name):
    from django.urls import resolve

    from accounts.excel import MAX_FILE_BYTES

    url = reverse(url_name)
    oversized = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\0" * (MAX_FILE_BYTES + 200 * 1024))
    request = rf.post(url, {"file": oversized})
    request.user = hr
    response = resolve(url).func(request)
    assert response.status_code == 413
    assert "文件过大（超过10MB）" in response.content.decode()
    # Not a byte of the body was read: the refusal came from its announced length alone.
    assert not request.META["wsgi.input"].read_started


@pytest.mark.parametrize("url_name", IMPORT_URLS)
def test_an_import_still_checks_csrf_after_the_size(hr, url_name):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(hr)
    response = client.post(reverse(url_name), {"file": SimpleUploadedFile("small.xlsx", b"small")})
    assert response.status_code == 403


def test_a_large_body_to_any_other_page_is_refused_unread_even_anonymous(db, settings):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    big = SimpleUploadedFile("x.bin", b"\0" * (settings.REQUEST_BODY_MAX_BYTES + 1))
    response = client.post(reverse("accounts:login"), {"username": "a", "password": "b", "f": big})
    assert response.status_code == 413
    assert f"超过{settings.REQUEST_BODY_MAX_BYTES // 1024}KB" in response.content.decode()
    assert not response.wsgi_request.META["wsgi.input"].read_started


def test_a_body_within_the_limit_still_reaches_the_csrf_check(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403


def test_an_import_within_the_limit_reaches_the_page(client_for, hr):
    upload = SimpleUploadedFile("staff.xlsx", b"not a workbook")
    response = client_for(hr).post(reverse("accounts:staff_import"), {"file": upload})
    assert response.status_code == 200 and "无法读取文件" in response.content.decode()


# --- Parts found the way openpyxl finds them, elements by local name ------------------------------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _rebuilt(content: bytes, change) -> bytes:
    """The workbook's members, changed by ``change`` (a function of the name → bytes dict), zipped again."""
    import zipfile

    with zipfile.ZipFile(BytesIO(content)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    change(parts)
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def _with_part(name: str, data: bytes) -> bytes:
    """The workbook with its member ``name`` written as ``data``, zipped again."""
    return _rebuilt(_workbook(), lambda parts: parts.update({name: data}))


def _shared_strings_renamed(entries: int) -> bytes:
    """The shared strings as xl/strs.xml, named so in [Content_Types].xml and the workbook's
    relationships (where openpyxl looks), holding more entries than the limit."""
    import re

    def change(parts):
        parts.pop("xl/sharedStrings.xml", None)
        parts["xl/strs.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'.encode()
            + b"<si><t>a</t></si>" * entries
            + b"</sst>"
        )
        types = re.sub(rb'<Override PartName="/xl/sharedStrings.xml"[^>]*/>', b"", parts["[Content_Types].xml"])
        parts["[Content_Types].xml"] = types.replace(
            b"</Types>", f'<Override PartName="/xl/strs.xml" ContentType="{SHARED_STRINGS_TYPE}"/></Types>'.encode()
        )
        rels = re.sub(rb'<Relationship [^>]*sharedStrings"[^>]*/>', b"", parts["xl/_rels/workbook.xml.rels"])
        parts["xl/_rels/workbook.xml.rels"] = rels.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'sharedStrings" Target="strs.xml"/></Relationships>',
        )

    return _rebuilt(_workbook(), change)


def _shared_strings_prefixed(entries: int) -> bytes:
    """The shared strings written <x-s:si>: a hyphen in the namespace prefix, the same element to a parser."""
    return _with_part(
        "xl/sharedStrings.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><x-s:sst xmlns:x-s="{MAIN_NS}" count="1" uniqueCount="1">'.encode()
        + b"<x-s:si><x-s:t>a</x-s:t></x-s:si>" * entries
        + b"</x-s:sst>",
    )


def _cells_prefixed(cells: int) -> bytes:
    """A sheet whose rows and cells are written <x-s:row>/<x-s:c>, more cells than the limit."""
    return _with_part(
        "xl/worksheets/sheet1.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><x-s:worksheet xmlns:x-s="{MAIN_NS}"><x-s:sheetData>'
        '<x-s:row r="1"><x-s:c r="A1" t="inlineStr"><x-s:is><x-s:t>编号</x-s:t></x-s:is></x-s:c></x-s:row>'
        '<x-s:row r="2">'.encode()
        + b"<x-s:c/>" * cells
        + b"</x-s:row></x-s:sheetData></x-s:worksheet>",
    )


def _rows_prefixed(rows: int) -> bytes:
    return _with_part(
        "xl/worksheets/sheet1.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><x.s:worksheet xmlns:x.s="{MAIN_NS}"><x.s:sheetData>'.encode()
        + b"".join(b'<x.s:row r="%d"/>' % i for i in range(1, rows + 1))
        + b"</x.s:sheetData></x.s:worksheet>",
    )


def test_shared_strings_under_another_part_name_are_counted_and_refused(db):
    from accounts.excel import MAX_SHARED_STRINGS

    hostile = _shared_strings_renamed(MAX_SHARED_STRINGS + 1)
    assert len(hostile) < 200 * 1024
    positions, rows, error = _read(BytesIO(hostile))
    assert (positions, rows) == ({}, [])
    assert error == f"文件中的文字条目超过{MAX_SHARED_STRINGS}条，无法导入。请分批导入。"


def test_shared_strings_with_a_hyphenated_namespace_prefix_are_counted_and_refused(db):
    from accounts.excel import MAX_SHARED_STRINGS

    error = _read(BytesIO(_shared_strings_prefixed(MAX_SHARED_STRINGS + 1)))[2]
    assert error == f"文件中的文字条目超过{MAX_SHARED_STRINGS}条，无法导入。请分批导入。"


def test_rows_and_cells_with_any_namespace_prefix_are_counted_and_refused(db):
    from accounts.excel import MAX_COLUMNS, MAX_ROWS

    error = _read(BytesIO(_cells_prefixed(MAX_ROWS * MAX_COLUMNS + 1)))[2]
    assert error == f"单元格超过{MAX_ROWS * MAX_COLUMNS}个，请只保留需要导入的列，或分批导入。"
    error = _read(BytesIO(_rows_prefixed(2 * MAX_ROWS + 2)))[2]
    assert error == f"数据超过{MAX_ROWS}行，请分批导入，每次不超过{MAX_ROWS}行。"


def test_a_renamed_part_within_the_limits_still_imports(db):
    positions, rows, error = _read(BytesIO(_shared_strings_renamed(3)))
    assert error is None and [values[0] for _n, values in rows] == ["E1"]


@pytest.mark.parametrize("url_name", IMPORT_URLS)
@pytest.mark.parametrize("build", [_shared_strings_renamed, _shared_strings_prefixed], ids=["renamed", "prefixed"])
def test_every_import_page_refuses_hidden_shared_strings(client_for, hr, url_name, build):
    from accounts.excel import MAX_SHARED_STRINGS

    upload = SimpleUploadedFile("bomb.xlsx", build(MAX_SHARED_STRINGS + 1))
    response = client_for(hr).post(reverse(url_name), {"file": upload})
    assert response.status_code == 200
    assert f"文件中的文字条目超过{MAX_SHARED_STRINGS}条" in response.content.decode()


@pytest.mark.parametrize("url_name", IMPORT_URLS)
def test_someone_without_the_right_to_import_is_refused_before_the_body_is_parsed(client_for, staff, url_name):
    upload = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\0" * (1024 * 1024))
    response = client_for(staff).post(reverse(url_name), {"file": upload})
    assert response.status_code == 403
    assert not response.wsgi_request.META["wsgi.input"].read_started
