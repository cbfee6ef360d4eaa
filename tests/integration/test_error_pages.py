"""The site's error handler: a database that went away answers 503 with a page that says nothing
was saved (tests/integration/test_database_restart.py shows it against a real restart); any other
error the plain 500 page. Neither shows a traceback."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.urls("tests.support.db_outage_urls")


def test_a_lost_database_connection_answers_503_in_chinese_without_a_traceback():
    response = Client(raise_request_exception=False).get("/tests/connection-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert '<html lang="zh-CN">' in page and "数据库暂时无法连接，您刚才的操作没有保存" in page
    assert "Traceback" not in page and "InterfaceError" not in page


def test_the_503_page_is_translated():
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/tests/connection-gone/")
    assert response.status_code == 503
    assert "The database cannot be reached at the moment" in response.content.decode()


def test_any_other_error_answers_the_plain_500_page():
    response = Client(raise_request_exception=False).get("/tests/plain-bug/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "服务器错误" in page and "ZeroDivisionError" not in page
