"""The 集体研究 and 谈话 forms of a worker's page are styled as the other forms (crispy-bootstrap5):
Bootstrap radios, a label above a full-width text box, the message under its field."""

import re

from django.urls import reverse

from tests.evaluations.test_welfare_decision_form import rated, to_interview  # noqa: F401


def _form(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"')[1].split("</form>")[0]


def test_the_decision_form_has_bootstrap_radios_and_a_labelled_text_box(client_for, hr, rated):  # noqa: F811
    form = _form(client_for(hr).get(rated.get_absolute_url()).content.decode(), "welfare-decision-form")
    radios = re.findall(r"<input[^>]*type=\"radio\"[^>]*>", form)
    assert len(radios) == 5 and all('class="form-check-input' in radio for radio in radios)
    assert form.count('class="form-check-label"') == 5
    assert re.search(r'<label[^>]*for="id_notes"[^>]*class="form-label', form)
    assert re.search(r'<textarea[^>]*class="[^"]*form-control', form)
    assert "考核合格、基本合格的须选择；考核不合格的不予续签。" in form


def test_a_refused_decision_marks_the_field_and_says_why_under_it(client_for, hr, rated):  # noqa: F811
    url = reverse("evaluations:welfare_decide", args=[rated.pk])
    html = client_for(hr).post(url, {"grade": "qualified", "renew": "", "notes": ""}).content.decode()
    form = _form(html, "welfare-decision-form")
    assert re.search(r'<textarea[^>]*class="[^"]*is-invalid', form)
    assert re.search(r'id="id_notes_error" class="invalid-feedback"', form)


def test_the_interview_form_has_a_labelled_text_box(client_for, hr, to_interview):  # noqa: F811
    form = _form(client_for(hr).get(to_interview.get_absolute_url()).content.decode(), "welfare-interview-form")
    assert re.search(r'<label[^>]*for="id_notes"[^>]*class="form-label', form)
    assert re.search(r'<textarea[^>]*class="[^"]*form-control', form)
