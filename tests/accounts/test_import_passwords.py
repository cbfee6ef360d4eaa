"""Imported staff's one-time passwords: printable as slips and downloadable once as a file."""

import io
import time

from django.urls import reverse
from openpyxl import load_workbook

from accounts import imports
from tests.accounts.test_import import VALID_ROWS, upload, xlsx
from tests.factories import DepartmentFactory

PASSWORDS = reverse("accounts:staff_import_passwords")


def imported(client, organisation):
    DepartmentFactory(organisation=organisation, code="D002", name="财务科")
    return upload(client, xlsx(VALID_ROWS))


def test_the_result_page_offers_printable_slips_and_a_download(client_for, hr, department, organisation):
    response = imported(client_for(hr), organisation)
    html = response.content.decode()
    passwords = [password for _person, password in response.context["result"].created]
    assert html.count('data-testid="password-slip"') == 3
    assert 'data-testid="print-slips"' in html and "data-print" in html
    assert f'action="{PASSWORDS}"' in html
    slips = html.split('data-testid="password-slips"')[1]
    assert all(password in slips for password in passwords)


def test_the_passwords_download_once_then_are_gone(client_for, hr, department, organisation):
    client = client_for(hr)
    response = imported(client, organisation)
    expected = {person.username: password for person, password in response.context["result"].created}

    download = client.post(PASSWORDS)
    assert download.status_code == 200
    assert "initial_passwords.xlsx" in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("工号", "姓名", "科室", "用户名", "初始密码")
    assert {row[3]: row[4] for row in rows[1:]} == expected
    assert imports.INITIAL_PASSWORDS_KEY not in client.session

    again = client.post(PASSWORDS, follow=True)
    assert "已下载过或已过期" in again.content.decode()
    assert again.redirect_chain[-1][0] == reverse("accounts:staff_import")


def test_a_get_never_downloads_or_removes_the_passwords(client_for, hr, department, organisation):
    client = client_for(hr)
    imported(client, organisation)
    assert client.get(PASSWORDS).status_code == 405
    assert imports.INITIAL_PASSWORDS_KEY in client.session


def test_the_kept_passwords_expire(client_for, hr, department, organisation):
    client = client_for(hr)
    imported(client, organisation)
    session = client.session
    session[imports.INITIAL_PASSWORDS_KEY]["at"] = time.time() - imports.INITIAL_PASSWORDS_TTL - 1
    session.save()
    response = client.post(PASSWORDS, follow=True)
    assert "已下载过或已过期" in response.content.decode()


def test_staff_cannot_reach_the_passwords_download(client_for, staff):
    assert client_for(staff).post(PASSWORDS).status_code == 403
