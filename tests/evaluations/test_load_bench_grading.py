"""The load bench's head grades as a browser does (bench/locustfile.py through bench/html_form.py):
the grade page's form read from its HTML, filled in and posted with CSRF checks on, is saved. A
template change that hides the version or the token from the load bench fails here."""

import sys
from pathlib import Path

import pytest
from django.test import Client

from evaluations.models import Grade, GradeState

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from html_form import find_form  # noqa: E402  (the bench folder is not a package)

pytestmark = pytest.mark.django_db


def test_the_grade_page_form_read_from_html_and_posted_saves_the_grade(quarter, head, staff, grade_of):
    row = grade_of(staff)
    client = Client(enforce_csrf_checks=True)
    client.force_login(head)
    url = f"/evaluations/grading/{row.pk}/"

    form = find_form(client.get(url).content.decode(), value="grade-form")

    assert form is not None and form.method == "post" and form.action == url
    assert form.data["csrfmiddlewaretoken"]
    assert form.data[form.field_ending("version")] == str(row.version)
    assert Grade.FAIRLY_GOOD in form.radios[form.field_ending("grade")]
    data = dict(form.data)
    data[form.field_ending("grade")] = Grade.FAIRLY_GOOD
    data[form.field_ending("comment")] = "工作认真负责，完成季度目标。"
    response = client.post(form.action, data, HTTP_REFERER=f"http://testserver{url}", follow=True)

    assert response.redirect_chain == [(url, 302)]
    assert "已将" in response.content.decode()
    row.refresh_from_db()
    assert (row.grade, row.state) == (Grade.FAIRLY_GOOD, GradeState.GRADED)


def test_a_form_without_the_marker_is_not_found():
    assert find_form('<form data-testid="other"><input name="a" value="1"></form>', value="grade-form") is None


def test_the_form_is_read_as_a_browser_would_send_it():
    html = """<form data-testid="f" method="POST" action="/x/">
      <input type="hidden" name="p-version" value="3"><input type="submit" name="go" value="Go">
      <input type="radio" name="p-grade" value="good"><input type="radio" name="p-grade" value="average" checked>
      <input type="checkbox" name="flag" value="yes"><textarea name="p-comment">好</textarea>
      <select name="why"><option value="">—</option><option value="leave" selected>休假</option></select>
    </form><form data-testid="f"><input name="later" value="1"></form>"""
    form = find_form(html, value="f")
    assert (form.action, form.method) == ("/x/", "post")
    assert form.data == {"p-version": "3", "p-grade": "average", "p-comment": "好", "why": "leave"}
    assert form.radios == {"p-grade": ["good", "average"]}
    assert form.field_ending("version") == "p-version" and form.field_ending("missing") is None
