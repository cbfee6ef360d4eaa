"""A publication read in English (a user test): its title is made from its kind, year and quarter
in the reader's language, its grades are said in English, and the Chinese pages read as before.
The stored title and grade labels stay as published (notices, messages, exports quote them)."""

import pytest
from django.urls import reverse

from publicity.publication import services
from tests.publicity.test_publication import clock, entry_of, publication, quarter  # noqa: F401

TITLE = "Routine appraisal results, Q3 2026"


def in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


@pytest.fixture
def objection(publication, staff, colleague):  # noqa: F811
    return services.objection_lodge(actor=staff, entry=entry_of(publication, colleague), text="该同志有工作失误")


def test_the_publication_page_names_the_list_and_its_grades_in_english(client_for, publication, staff):  # noqa: F811
    html = in_english(client_for(staff)).get(publication.get_absolute_url()).content.decode()

    assert f"<title>{TITLE}" in html
    assert html.count(TITLE) >= 3  # the tab, the breadcrumb and the heading
    assert "季度" not in html
    grades = html.split('data-testid="entry-grade">')[1:]
    assert sorted(grade.split("<")[0] for grade in grades) == ["Fairly good", "Good"]
    assert "较好" not in html
    assert "：" not in html


def test_the_board_and_the_objection_pages_name_the_list_and_grade_in_english(
    client_for,
    publication,  # noqa: F811
    objection,
    staff,
    colleague,
):
    client = in_english(client_for(staff))
    for url in (reverse("publicity:board"), reverse("publicity:objections")):
        assert TITLE in client.get(url).content.decode()
    form = client.get(reverse("publicity:objection_new", args=[entry_of(publication, colleague).pk])).content.decode()
    assert f"{TITLE} · " in form and "· Good</p>" in form
    detail = client.get(objection.get_absolute_url()).content.decode()
    assert f"{TITLE}</a> (Good, " in detail
    assert "（" not in detail and "，" not in detail.split(TITLE)[1].split("</dd>")[0]


def test_in_chinese_the_pages_read_as_before(client_for, publication, objection, staff, colleague):  # noqa: F811
    client = client_for(staff)
    html = client.get(publication.get_absolute_url()).content.decode()
    assert "<title>2026年第3季度平时考核结果" in html
    assert 'data-testid="entry-grade">较好<' in html
    assert '<span class="visually-hidden">：' in html
    detail = client.get(objection.get_absolute_url()).content.decode()
    assert "2026年第3季度平时考核结果</a>（好，" in detail


def test_the_stored_title_and_grade_stay_as_published(client_for, publication, staff):  # noqa: F811
    in_english(client_for(staff)).get(publication.get_absolute_url())
    publication.refresh_from_db()
    assert publication.title == "2026年第3季度平时考核结果"
    assert sorted(publication.entries.values_list("grade_label", flat=True)) == ["好", "较好"]
