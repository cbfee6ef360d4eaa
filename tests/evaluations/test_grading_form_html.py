"""The grading page writes each row's grade form with the helpers of grading_tags, not with a
template node per attribute: the same names, ids, checked choice and error marks as Django's
widgets and crispy's Bootstrap fields gave (the page's time, not its HTML, changed)."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe

from accounts.models import Department, User
from evaluations.grading.forms import ConfirmForm, GradeForm
from evaluations.grading.forms_scores import IndicatorScoresForm
from evaluations.grading.views.grading import GradingRow
from evaluations.models import Grade, GradeState, Indicator, IndicatorSource, QuarterGrade, UncertainReason
from evaluations.templatetags.grading_tags import grade_radios, grading_field


def unbound(grade=Grade.GOOD):
    return GradeForm(prefix="g5", initial={"grade": grade, "comment": "认真 & 负责", "version": 3})


BEFORE = Path(__file__).parent / "before"


def before_and_tag(template: str, tag: str, context: dict) -> tuple[str, str]:
    """The HTML of the template a tag replaced (kept in before/) and the tag's, from one context."""
    engine = engines["django"]
    return (
        engine.from_string(template).render(context),
        engine.from_string("{% load grading_tags %}" + tag).render(context),
    )


def row_context(grade_row, form, *, data, next_page) -> dict:
    """What work.html and detail.html give a row's form: the row, its form (validated if bound),
    the page to return to and the list's position."""
    if data is not None:
        form.is_valid()
    return {
        "row": GradingRow(grade_row=grade_row, pool="staff", form=form),
        "form": form,
        "next": next_page,
        "work_position": mark_safe('<input type="hidden" name="page" value="2">'),
        "csrf_token": "tok<en>",
    }


def refused():
    form = GradeForm({"g5-grade": "", "g5-comment": "", "g5-reason": "", "g5-version": "3"}, prefix="g5")
    assert not form.is_valid()
    return form


def test_the_grade_choices_are_named_and_checked_as_radioselect_names_and_checks_them():
    form = unbound()
    html = grade_radios(form["grade"])
    for choice in form["grade"]:
        written = f'name="{choice.data["name"]}" id="{choice.id_for_label}" value="{choice.data["value"]}"'
        assert written + (" checked" if choice.data["selected"] else " required") in html
        assert f'for="{choice.id_for_label}">{choice.choice_label}</label>' in html
    assert html.count(" checked") == 1 and "aria-invalid" not in html


def test_a_refused_grade_marks_every_choice_invalid_and_checks_none():
    html = grade_radios(refused()["grade"])
    assert html.count('aria-invalid="true"') == len(Grade.choices) and " checked" not in html


def test_the_comment_is_required_escaped_and_carries_its_error_when_refused():
    html = grading_field(unbound()["comment"])
    assert 'class="form-label requiredField">评语<span class="asteriskField">*</span></label>' in html
    assert 'maxlength="' in html and " required" in html and ">\n认真 &amp; 负责</textarea>" in html
    assert "aria-invalid" not in html and "aria-describedby" not in html
    html = grading_field(refused()["comment"])
    assert 'is-invalid" required aria-invalid="true" aria-describedby="id_g5-comment_error"' in html
    errors = '<div id="id_g5-comment_error" class="invalid-feedback"><p id="error_1_id_g5-comment"><strong>'
    assert errors + "请填写评语。" in html


def test_the_reason_is_described_by_its_help_text_and_the_uncertain_reason_selects_its_value():
    html = grading_field(unbound()["reason"])
    assert 'aria-describedby="id_g5-reason_helptext" id="id_g5-reason"' in html and " required" not in html
    assert '<div id="id_g5-reason_helptext" class="form-text">评为“一般”“较差”时必填。</div>' in html
    form = GradeForm(prefix="g5", initial={"uncertain_reason": "", "version": 1})
    html = grading_field(form["uncertain_reason"])
    assert '<select name="g5-uncertain_reason" class="select form-select" id="id_g5-uncertain_reason">' in html
    assert '<option value="" selected>请选择</option>' in html and html.count(" selected") == 1


def test_the_words_follow_the_active_language():
    with translation.override("en"):
        english = grading_field(unbound()["comment"])
    assert "评语" in grading_field(unbound()["comment"])
    assert "评语" not in english


# The confirmation form's template before grading_tags.confirm_form wrote it (kept in before/): the tag must write
# the same HTML, whatever the row's state, the form's errors and the page it is on.
CONFIRM_FORM_TEMPLATE = (BEFORE / "_confirm_form.html").read_text()


def confirm_context(*, state=GradeState.GRADED, data=None, next_page="work"):
    grade_row = QuarterGrade(pk=41, grade=Grade.FAIRLY_GOOD, state=state, version=3)
    form = ConfirmForm(data, prefix="c41", initial={"version": 3})
    return row_context(grade_row, form, data=data, next_page=next_page)


def both(context):
    return before_and_tag(CONFIRM_FORM_TEMPLATE, "{% confirm_form row form next work_position %}", context)


@pytest.mark.parametrize("state", [GradeState.GRADED, GradeState.CONFIRMED])
@pytest.mark.parametrize("next_page", ["work", ""])
def test_the_confirmation_form_is_written_as_its_template_wrote_it(state, next_page):
    before, after = both(confirm_context(state=state, next_page=next_page))
    assert after == before
    assert ('data-testid="confirm-one"' in after) == (state == GradeState.GRADED)
    assert ('name="page"' in after) == (next_page == "work")


def test_a_refused_change_is_written_as_its_template_wrote_it_with_its_errors_and_values():
    data = {"c41-version": "x", "c41-new_grade": "nonsense", "c41-reason": "<" + "r" * 600}
    before, after = both(confirm_context(data=data))
    assert after == before
    assert "data-refused" in after and " open>" in after and "is-invalid" in after and "&lt;rrr" in after
    data = {"c41-version": "3", "c41-new_grade": Grade.POOR, "c41-reason": ""}
    context = confirm_context(data=data)
    context["form"].add_error(None, "已被他人修改")
    before, after = both(context)
    assert after == before
    assert 'value="poor" selected' in after and 'data-testid="row-error">已被他人修改 </div>' in after


def test_the_confirmation_form_follows_the_active_language():
    with translation.override("en"):
        before, after = both(confirm_context())
    assert after == before and "调整" not in after


# The confirmation row's person and grade before grading_tags.confirm_summary wrote them (work.html).
# Its state badge was an include of _state.html (before/ too): the included text in its place.
CONFIRM_SUMMARY_TEMPLATE = (
    (BEFORE / "_confirm_summary.html")
    .read_text()
    .replace('{% include "evaluations/grading/_state.html" %}', (BEFORE / "_state.html").read_text())
)


def summary_row(**fields):
    row = QuarterGrade(
        pk=41,
        person=User(first_name="小明", last_name="王"),
        department=Department(name="就业<促进>科"),
        **fields,
    )
    return row


@pytest.mark.parametrize(
    "fields",
    [
        {"state": GradeState.PENDING, "grade": ""},
        {"state": GradeState.GRADED, "grade": Grade.AVERAGE, "comment": "a & b", "reason": "<理由>"},
        {"state": GradeState.CONFIRMED, "grade": Grade.UNCERTAIN, "uncertain_reason": UncertainReason.choices[0][0]},
        {"state": GradeState.GRADED, "grade": Grade.GOOD, "evaluator": User(first_name="科长", last_name="李")},
        # Changed by the leader: the change and its reason (a user test saw neither on the card).
        {
            "state": GradeState.CONFIRMED,
            "grade": Grade.FAIRLY_GOOD,
            "evaluator_grade": Grade.GOOD,
            "comment": "四项目标全部完成",
            "change_reason": "<与同科室人员比较>",
        },
        # The grader's 定等理由 for a grade the leader changed: said as the grader's (a user test read
        # it as the reason of the grade standing).
        {
            "state": GradeState.CONFIRMED,
            "grade": Grade.FAIRLY_GOOD,
            "evaluator_grade": Grade.AVERAGE,
            "evaluator_reason": "<小结迟交>",
            "change_reason": "补交及时",
        },
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_confirmation_rows_grade_is_written_as_its_template_wrote_it(fields, language):
    with translation.override(language):
        before, after = before_and_tag(
            CONFIRM_SUMMARY_TEMPLATE, "{% confirm_summary grade_row %}", {"grade_row": summary_row(**fields)}
        )
    assert after == before
    assert ('data-testid="leader-change"' in after) == ("evaluator_grade" in fields)
    if fields.get("evaluator_grade") == Grade.GOOD and language == "zh-hans":
        assert "分管领导调整：好 → 较好" in after and "&lt;与同科室人员比较&gt;" in after
    if fields.get("evaluator_grade") == Grade.AVERAGE:
        said = "评鉴人评为“一般”的理由：" if language == "zh-hans" else "The grader’s reason for “Average”: "
        assert said + "&lt;小结迟交&gt;" in after


# The grade page's indicator scores: grading_tags.score_fields must write what crispy's filter writes.
def score_form(data=None, *, initial=None, indicators=None):
    indicators = (
        indicators
        if indicators is not None
        else [
            Indicator(pk=1, name="政治<品质>", weight=8, source=IndicatorSource.MANUAL),
            Indicator(pk=2, name="满意度", weight=10, source=IndicatorSource.SATISFACTION),
            Indicator(pk=3, name="工作数量", weight=15, source=IndicatorSource.MANUAL),
        ]
    )
    form = IndicatorScoresForm(data, indicators=indicators, initial=initial or {})
    if data is not None:
        form.is_valid()
    return form


def crispy_and_tag(make_form):
    """Each from a form of its own: crispy writes its CSS classes into the widgets' attributes."""
    engine = engines["django"]
    return (
        engine.from_string("{% load crispy_forms_tags %}{{ form|crispy }}").render({"form": make_form()}),
        engine.from_string("{% load grading_tags %}{% score_fields form %}").render({"form": make_form()}),
    )


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda: score_form(), id="blank"),
        pytest.param(lambda: score_form(initial={"indicator_1": Decimal("88.50"), "indicator_3": 70}), id="saved"),
        pytest.param(lambda: score_form({"indicator_1": "abc", "indicator_3": "101"}), id="refused"),
        pytest.param(lambda: score_form({"indicator_1": "", "indicator_3": "99.5"}), id="one-missing"),
        pytest.param(lambda: score_form({"indicator_1": "1", "indicator_3": '"><b>'}), id="escaped"),
        pytest.param(lambda: score_form(indicators=[]), id="no-manual-indicator"),
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_indicator_scores_are_written_as_crispy_wrote_them(form, language):
    with translation.override(language):
        before, after = crispy_and_tag(form)
    assert after == before


def test_the_indicator_scores_errors_are_written_as_crispy_wrote_them():
    def refused():
        form = score_form({"indicator_1": "1", "indicator_3": "2"})
        form.add_error(None, "已<被>修改")
        form.add_error(None, "second")
        form.add_error("indicator_3", "too <low>")
        form.add_error("indicator_3", "again")
        return form

    before, after = crispy_and_tag(refused)
    assert after == before
    assert "已&lt;被&gt;修改" in after and 'id="error_2_id_indicator_3"' in after


# The grading form's template before grading_tags.grade_form wrote it (kept in before/), as work.html
# (next "work", the page's position) and detail.html (no next) included it.
GRADE_FORM_TEMPLATE = (BEFORE / "_grade_form.html").read_text()


def grade_context(*, data=None, next_page="work", grade=Grade.GOOD):
    grade_row = QuarterGrade(pk=41, grade=grade, version=3)
    form = GradeForm(
        data, prefix="g41", initial={"grade": grade, "comment": "认真 & <负责>", "reason": "", "version": 3}
    )
    return row_context(grade_row, form, data=data, next_page=next_page)


def both_grade_forms(context):
    return before_and_tag(GRADE_FORM_TEMPLATE, "{% grade_form row form next work_position %}", context)


@pytest.mark.parametrize("grade", [Grade.GOOD, ""])
@pytest.mark.parametrize("next_page", ["work", ""])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_grading_form_is_written_as_its_template_wrote_it(grade, next_page, language):
    with translation.override(language):
        before, after = both_grade_forms(grade_context(next_page=next_page, grade=grade))
    assert after == before
    assert ('name="page"' in after) == (next_page == "work")
    assert after.count(" checked") == (1 if grade else 0)


def test_a_refused_grade_is_written_as_its_template_wrote_it_with_its_errors_and_values():
    data = {"g41-version": "x", "g41-grade": "", "g41-comment": "", "g41-reason": "<" + "r" * 600}
    before, after = both_grade_forms(grade_context(data=data))
    assert after == before
    assert "data-refused" in after and 'aria-describedby="id_g41-grade_error"' in after and "&lt;rrr" in after
    data = {"g41-version": "3", "g41-grade": Grade.POOR, "g41-comment": "a", "g41-reason": ""}
    context = grade_context(data=data)
    context["form"].add_error(None, "已被他人修改")
    context["form"].add_error("grade", "名额已满")
    before, after = both_grade_forms(context)
    assert after == before
    assert 'value="poor" checked' in after and 'data-testid="row-error">已被他人修改 </div>' in after


# The grade row's state badge before grading_tags.grade_state wrote it (work.html, detail.html).
STATE_TEMPLATE = (BEFORE / "_state.html").read_text()


@pytest.mark.parametrize("state", [GradeState.PENDING, GradeState.GRADED, GradeState.CONFIRMED])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_state_badge_is_written_as_its_template_wrote_it(state, language):
    with translation.override(language):
        before, after = before_and_tag(
            STATE_TEMPLATE, "{% grade_state grade_row %}", {"grade_row": QuarterGrade(state=state)}
        )
    assert after == before
