"""The home page, the targets page and a person's record read in English (a user test): a label
and its value are joined with ": " not the full-width "：", brackets are plain, and days are
written as English dates (Oct 10) everywhere, not 10-10 here and Jan 5 there. The Chinese pages
read as before."""

import re
from datetime import date

from django.urls import reverse

from tests.support.clock import movable_today


def _english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_home_page_joins_labels_and_writes_deadlines_in_english(client_for, staff, monkeypatch):
    movable_today(monkeypatch, date(2026, 10, 12))
    english = _text(_english(client_for(staff)).get("/").content.decode())

    assert "Role: " in english and "Q4 2026 targets: " in english
    assert re.search(r"Work summary for month 10 \(due Nov 5\): ", english)
    assert re.search(r"\(due Oct 1\d\)", english)  # the targets' to-do
    assert not re.search(r"\(due \d\d-\d\d\)", english)
    assert "：" not in english and "（" not in english


def test_in_chinese_the_home_page_reads_as_before(client_for, staff, monkeypatch):
    movable_today(monkeypatch, date(2026, 10, 12))
    chinese = _text(client_for(staff).get("/").content.decode())

    assert "角色：" in chinese and "2026年第4季度目标： " in chinese
    assert "10月工作小结（11月5日截止）： " in chinese
    # The to-do's deadline as the work beside it writes a day (it read 10-10 there, 11月5日 here).
    assert re.search(r"（10月1\d日截止）", chinese)


def test_the_targets_deadline_reads_as_the_other_english_dates(client_for, staff, monkeypatch):
    movable_today(monkeypatch, date(2026, 10, 12))
    html = _english(client_for(staff)).get(reverse("targets:my_targets")).content.decode()
    assert re.search(r"by [A-Z][a-z]{2} \d{1,2}, 2026;", html)


def test_a_persons_departments_are_joined_with_an_english_colon(client_for, hr, staff):
    url = reverse("accounts:staff_detail", args=[staff.pk])
    chinese = client_for(hr).get(url).content.decode()
    english = _english(client_for(hr)).get(url).content.decode()
    assert f"<li>{staff.department}: " in english
    assert f"<li>{staff.department}：" in chinese
