"""Template helpers of the grading page, which shows each of its 20 rows with the person's inputs
and a grade form. Written as template tags, a row cost about 150 template nodes, and each
translated word (a ``{% translate %}``, a choice's lazy label, a ``get_FOO_display``) a catalogue
lookup of its own, 20 times over: most of the page's time (bench/RESULTS.md). Each helper here
writes one piece of a row in one step, with the same HTML as the template it replaced, and
translates its fixed words once per language (:func:`_words`).
"""

from __future__ import annotations

import functools
from html import escape as escape_text

from django import template
from django.forms import BoundField, Select
from django.urls import reverse
from django.utils import translation
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from accounts.workflow import HANDED_IN_STATUSES
from evaluations.grading.models import QuarterGrade
from summaries.models import MonthlySummary

register = template.Library()


def _escape(value) -> str:
    """What ``conditional_escape`` gives, without Django's lazy-string wrapper around ``escape``
    (about a third of the helpers' time: a grading page escapes some 2 500 values)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape_text(str(value))


def _html(template_string: str, *args, **named) -> SafeString:
    """``format_html``: the arguments escaped unless safe, the result safe."""
    return SafeString(
        template_string.format(*map(_escape, args), **{key: _escape(value) for key, value in named.items()})
    )


def _html_join(separator: str, template_string: str, rows) -> SafeString:
    """``format_html_join``."""
    return SafeString(_escape(separator).join(template_string.format(*map(_escape, row)) for row in rows))


# How much of a veto's reason a card shows (the whole is in its title).
VETO_REASON_SHOWN = 40

# The fixed words of a row, translated once per language.
_FACTS_WORDS = {
    "last": _("上季度"),
    "targets": _("目标完成"),
    "done": _("完成%(done)s/%(total)s项"),
    "no_targets": _("未制定"),
    "summaries": _("月小结"),
    "month": _("月"),
    "late": _("迟交"),
    "missing": _("未交"),
    "not_due": _("无需填报"),
    "satisfaction": _("满意度"),
    "praise": _("表扬"),
    "complaints": _("投诉"),
    "findings": _("纪律作风检查发现"),
    "serious": _("严重 %(n)s"),
    "veto": _("一票否决"),
    "sanctions": _("处分与组织处理"),
    "sanction": _("%(kind)s（%(date)s）"),
    "sanction_closed": _("%(kind)s（%(date)s，%(closed)s结案或解除）"),
    "department_score": _("科室得分"),
    "suggested": _("建议等次"),
    "composite": _("综合得分"),
    "indicator_scores": _("指标评分"),
    "unscored": _("未录入"),
}


@functools.cache
def _words_in(table: str, language: str | None) -> dict:
    """A table of this module's words (``_WORD_TABLES``) in ``language``, with the labels of the
    model choices it names (``_CHOICE_LABELS``), worked out once per language: the grading page
    writes its forms for each of its rows."""
    with translation.override(language):
        words = {key: str(word) for key, word in _WORD_TABLES[table].items()}
        # Between a label and its value: a full-width colon in Chinese, ": " in English.
        words["colon"] = pgettext("between a label and its value", "：")
        # Brackets around an aside: full-width in Chinese, " (…)" in English (a user test heard "Grade （…）").
        words["open"] = pgettext("an opening bracket in running text", "（")
        words["close"] = pgettext("a closing bracket in running text", "）")
        for key, (model, name) in _CHOICE_LABELS.get(table, {}).items():
            words[key] = {value: str(label) for value, label in model._meta.get_field(name).choices}
        return words


def _words(table: str) -> dict:
    return _words_in(table, translation.get_language())


@functools.cache
def _field_words_in(language: str | None, form_class: type, name: str) -> tuple[str, str, list[tuple[str, str]]]:
    """A form field's label, help text and choices as the language words them. From the form
    class's own field: for fields whose choices a form instance does not change."""
    field = form_class.base_fields[name]
    with translation.override(language):
        choices = [(value, str(label)) for value, label in getattr(field, "choices", ())]
        return str(field.label), str(field.help_text), choices


def _field_words(field: BoundField) -> tuple[str, str, list[tuple[str, str]]]:
    return _field_words_in(translation.get_language(), type(field.form), field.name)


def _error_list(auto_id: str, errors, *, spaced: bool = False) -> str:
    """A field's errors as crispy's bootstrap5 templates write them: a numbered paragraph each in
    the field's invalid-feedback block, "" for none. ``spaced``: with the blanks the input field's
    template leaves between them (the textarea's leaves none)."""
    if not errors:
        return ""
    paragraphs = _html_join(
        " " if spaced else "",
        '<p id="error_{}_{}"><strong>{}</strong></p>',
        ((number, auto_id, error) for number, error in enumerate(errors, start=1)),
    )
    block = (
        ' <div id="{}_error" class="invalid-feedback"> {} </div>'
        if spaced
        else '<div id="{}_error" class="invalid-feedback">{}</div>'
    )
    return _html(block, auto_id, paragraphs)


def _shown(value, default: str = "") -> str:
    """A value as ``{{ value }}`` writes it (localized), or ``default`` for None."""
    return default if value is None else localize(value)


_RADIO = (
    '\n      <input type="radio" class="btn-check" name="{}" id="{}" value="{}"{} required{} data-grade-choice'
    ' autocomplete="off">\n      <label class="btn btn-outline-primary btn-sm" for="{}">{}</label>\n      '
)


@register.simple_tag
def grade_radios(field: BoundField) -> str:
    """The grade's choices as toggle buttons, named as Django's RadioSelect names them
    (``id_<prefix>-grade_<index>``), the saved or sent grade checked, every choice marked invalid
    when the grade has an error."""
    chosen = field.value()
    invalid = mark_safe(' aria-invalid="true"') if field.errors else ""
    name, auto_id = field.html_name, field.auto_id
    rows = []
    for index, (value, label) in enumerate(_field_words(field)[2]):
        option_id = f"{auto_id}_{index}"
        rows.append((name, option_id, value, " checked" if value == chosen else "", invalid, option_id, label))
    return _html_join("", _RADIO, rows)


def _select_options(field: BoundField, choices) -> str:
    chosen = field.value()
    chosen = "" if chosen is None else chosen
    return _html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == chosen else "", label) for value, label in choices),
    )


_TEXTAREA = (
    '<textarea name="{}" cols="{}" rows="{}" maxlength="{}" class="textarea form-control{}"{} id="{}">\n{}</textarea>'
)
_FIELD = (
    '<div id="div_{}" class="mb-3">\n    <label for="{}" class="form-label{}">{}{}</label>\n    {}\n    {}\n{}  </div>'
)


@register.simple_tag
def grading_field(field: BoundField) -> str:
    """A textarea or select of the grade form, written as crispy's Bootstrap field would render it:
    the wrapper, the label (marked when required), the control with its aria attributes, the
    errors and the help text."""
    label, help_text, choices = _field_words(field)
    auto_id, errors, required = field.auto_id, field.errors, field.field.required
    described_by = [f"{auto_id}_helptext"] if help_text else []
    if errors:
        described_by.append(f"{auto_id}_error")
    aria = _html(
        "{}{}{}",
        " required" if required else "",
        mark_safe(' aria-invalid="true"') if errors else "",
        _html(' aria-describedby="{}"', " ".join(described_by)) if described_by else "",
    )
    invalid = " is-invalid" if errors else ""
    if isinstance(field.field.widget, Select):
        control = _html(
            '<select name="{}" class="select form-select{}"{} id="{}">\n      {}\n    </select>',
            field.html_name,
            invalid,
            aria,
            auto_id,
            _select_options(field, choices),
        )
    else:
        attrs = field.field.widget.attrs
        value = field.value()
        control = _html(
            _TEXTAREA,
            field.html_name,
            attrs["cols"],
            attrs["rows"],
            field.field.max_length,
            invalid,
            aria,
            auto_id,
            "" if value is None else value,
        )
    error_list = _error_list(auto_id, errors)
    return _html(
        _FIELD,
        auto_id,
        auto_id,
        " requiredField" if required else "",
        label,
        mark_safe('<span class="asteriskField">*</span>') if required else "",
        control,
        error_list,
        _html('    <div id="{}_helptext" class="form-text">{}</div>\n', auto_id, help_text) if help_text else "",
    )


def _month(month, words: dict) -> str:
    summary = month.summary
    if month.not_due and (summary is None or summary.status not in HANDED_IN_STATUSES):
        # A newcomer's month before they began: a draft of it asked nothing either.
        state = _html('<span class="text-muted">{}</span>', words["not_due"])
    elif summary is None:
        state = _html('<span class="text-muted">{}</span>', words["missing"])
    else:
        state = _html(
            '<a href="{}">{}</a>{}',
            reverse("summaries:detail", args=[summary.pk]),
            words["summary_status"].get(summary.status, summary.status),
            _html('<span class="badge text-bg-warning ms-1">{}</span>', words["late"]) if summary.is_late else "",
        )
    return _html(
        '<span class="text-nowrap me-3" data-testid="month">{}{}{}</span>', _shown(month.month), words["month"], state
    )


def _discipline_items(discipline, words: dict) -> tuple[str, str]:
    """A person's active veto flags and the quarter's sanctions, each as a list item ("" when none):
    on the grader's card (:func:`grading_facts`) and wherever a grade is confirmed or approved
    (:func:`discipline_marks`)."""
    veto = ""
    if discipline.veto_reasons:
        # Short on the card, whole when opened: a finding's reason quotes up to 100 characters. A
        # <details> opens by a tap (a user test could not read the rest on a phone: a title is hover-only).
        whole = "；".join(discipline.veto_reasons)
        short = Truncator(whole).chars(VETO_REASON_SHOWN)
        if short == whole:
            veto = _html(
                '<li class="text-danger" data-testid="veto">{}{colon}{}</li>',
                words["veto"],
                whole,
                colon=words["colon"],
            )
        else:
            veto = _html(
                '<li class="text-danger" data-testid="veto"><details><summary>{}{colon}{}</summary>{}</details></li>',
                words["veto"],
                short,
                whole,
                colon=words["colon"],
            )
    sanctions = ""
    if discipline.sanctions:
        sanctions = _html(
            '<li class="text-danger" data-testid="sanctions">{}{colon}{}</li>',
            words["sanctions"],
            "、".join(
                words["sanction_closed" if closed else "sanction"]
                % {"kind": kind, "date": day.isoformat(), "closed": closed and closed.isoformat()}
                for kind, day, closed in discipline.sanctions
            ),
            colon=words["colon"],
        )
    return veto, sanctions


@register.simple_tag
def discipline_marks(marks) -> str:
    """The discipline a decider should see beside a grade they confirm, approve or review: the
    serious findings of the quarter, the year's veto and the quarter's sanctions, as the grader's
    card says them (a user test: the leader's confirmation cards and the agency head's approval page
    showed none of it). ``marks``: a person's entry of ``grading.selectors.discipline_for_deciders``
    ({} or "" for none). "" when there is nothing to say."""
    discipline, serious = (marks.get("discipline"), marks.get("serious", 0)) if marks else (None, 0)
    words = _words("facts")
    veto, sanctions = _discipline_items(discipline, words) if discipline else ("", "")
    findings = ""
    if serious:
        findings = _html(
            '<li class="text-danger" data-testid="serious-findings">{}{colon}{}</li>',
            words["findings"],
            words["serious"] % {"n": _shown(serious)},
            colon=words["colon"],
        )
    if not (findings or veto or sanctions):
        return ""
    return _html(
        '<ul class="list-unstyled small mb-1" data-testid="discipline-marks">{}{}{}</ul>', findings, veto, sanctions
    )


@register.simple_tag
def grading_facts(facts, grade_row) -> str:
    """One person's inputs at a glance (``views.grading.person_facts``), as a list."""
    words = _words("facts")
    if facts.target_set_id:
        targets = _html(
            '<a href="{}" data-testid="targets-done">{}</a>',
            reverse("targets:detail", args=[facts.target_set_id]),
            words["done"] % {"done": _shown(facts.items_done), "total": _shown(facts.items_total)},
        )
    else:
        targets = _html('<span class="text-muted">{}</span>', words["no_targets"])
    serious = ""
    if facts.serious_findings:
        serious = _html(
            ' <span class="badge text-bg-danger">{}</span>', words["serious"] % {"n": _shown(facts.serious_findings)}
        )
    veto, sanctions = _discipline_items(facts.discipline, words)
    department_score = ""
    if facts.department_score is not None:
        department_score = _html(
            "<li>{}{colon}{}</li>", words["department_score"], _shown(facts.department_score), colon=words["colon"]
        )
    suggestion = ""
    composite = grade_row.composite_score
    if facts.suggested_grade or composite is not None or facts.suggestion_explanation:
        suggestion = _html(
            "<li>{}{colon}{}{}{}</li>",
            words["suggested"],
            facts.suggested_grade_label or "—",
            _html(" · {} {}", words["composite"], _shown(composite)) if composite is not None else "",
            _html(
                '<div class="text-warning-emphasis" data-testid="suggestion-explanation">{}</div>',
                facts.suggestion_explanation,
            )
            if facts.suggestion_explanation
            else "",
            colon=words["colon"],
        )
    unscored = ""
    if facts.unscored:
        # Entered on the person's page (detail.html's 指标评分); the card says none are yet.
        unscored = _html(
            '<li data-testid="unscored">{}{colon}<a href="{}#indicator-scores">{}</a></li>',
            words["indicator_scores"],
            reverse("evaluations:grade_detail", args=[grade_row.pk]),
            words["unscored"],
            colon=words["colon"],
        )
    return _html(
        '\n<ul class="list-unstyled small mb-0" data-testid="facts">\n'
        '  <li>{}{colon}<span data-testid="last-grade">{}</span></li>\n'
        "  <li>{}{colon}{}</li>\n"
        "  <li>{}{colon}{}</li>\n"
        "  <li>{}{colon}{} · {} {} · {} {}</li>\n"
        '  <li data-testid="findings">{}{colon}{}{}</li>\n'
        "  {}{}\n"
        "  {}\n"
        "  {}{}\n"
        "</ul>\n",
        words["last"],
        facts.last_grade_label or "—",
        words["targets"],
        targets,
        words["summaries"],
        _html_join("", "{}", ((_month(month, words),) for month in facts.months)),
        words["satisfaction"],
        _shown(facts.satisfaction, "—"),
        words["praise"],
        _shown(facts.praise),
        words["complaints"],
        _shown(facts.complaints),
        words["findings"],
        _shown(facts.findings),
        serious,
        veto,
        sanctions,
        department_score,
        suggestion,
        unscored,
        colon=words["colon"],
    )


def _row_marks(row) -> SafeString:
    """A form's department (the page's per-department 好 shares follow its pick, static/js/grading.js)
    and, shown again after the server refused it, data-refused."""
    return _html(
        ' data-department="{}"{}', row.grade_row.department_id or "", " data-refused" if row.form.is_bound else ""
    )


# --- A leader's confirmation form (work.html and detail.html) -----------------------------------

_CONFIRM_WORDS = {"confirm": _("确认"), "adjust": _("调整等次"), "change": _("调整并确认")}


_CONFIRM_FORM = (
    '\n<form method="post" action="{}" novalidate\n'
    '      data-quota-row data-pool="{}" data-saved-grade="{}"{} data-warn-changes data-testid="confirm-form">\n'
    "{}"
    "  {}\n"
    "  <details{}>\n"
    '    <summary class="small">{}</summary>\n'
    '    <div class="mt-2">\n'
    '      <div class="mb-2">\n'
    '        <label class="form-label" for="{}">{}</label>\n'
    '        <select name="{}" id="{}" class="form-select form-select-sm{}" data-grade-choice>\n'
    "          {}\n"
    "        </select>\n"
    "        {}\n"
    "      </div>\n"
    "      \n"
    '      <div id="div_{}" class="mb-3">\n'
    '        <label for="{}" class="form-label">{}</label>\n'
    '        <textarea name="{}" cols="40" rows="2" maxlength="{}" class="textarea form-control{}"{} id="{}">\n'
    "{}</textarea>\n"
    "        {}\n"
    "      </div>\n"
    '      <button type="submit" name="action" value="change" class="btn btn-outline-primary btn-sm"'
    ' data-testid="change-grade">{}</button>\n'
    "    </div>\n"
    "  </details>\n"
    "</form>\n"
)


def _csrf_input(context) -> str:
    """What ``{% csrf_token %}`` writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return _html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


_FORM_OPENING = '  {}\n  {}{}\n  <input type="hidden" name="{}"{} id="{}">\n  {}\n'


def _form_opening(context, form, next_page, work_position) -> str:
    """The lines a row's grading and confirmation forms open with: the CSRF token, the page to come
    back to (and on the grading page its position), the row's version as Django's HiddenInput
    writes it, and the errors of no field."""
    version = form["version"]
    v = version.value()
    non_field = form.non_field_errors()
    return _html(
        _FORM_OPENING,
        _csrf_input(context),
        _html('<input type="hidden" name="next" value="{}">', next_page) if next_page else "",
        work_position if next_page == "work" else "",
        version.html_name,
        _html(' value="{}"', str(v)) if v != "" and v is not None else "",
        version.auto_id,
        _html(
            '<div class="alert alert-danger py-1 px-2 small mb-2" role="alert" data-testid="row-error">{}</div>',
            _html_join("", "{} ", ((error,) for error in non_field)),
        )
        if non_field
        else "",
    )


@register.simple_tag(takes_context=True)
def confirm_form(context, row, form, next_page, work_position="") -> str:
    """A leader's confirmation of one staff grade, or a change with a reason (``row``: a
    GradingRow, ``form``: its ConfirmForm), with the same HTML as the template it replaced
    (tests/evaluations/before/_confirm_form.html)."""
    words = _words("confirm")
    grade_row = row.grade_row
    new_grade, reason = form["new_grade"], form["reason"]
    new_grade_label, _help, choices = _field_words(new_grade)
    chosen = new_grade.value()
    options = _html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if chosen == value else "", label) for value, label in choices),
    )
    reason_label = _field_words(reason)[0]
    reason_id, reason_errors = reason.auto_id, reason.errors
    reason_value = reason.value()
    return _html(
        _CONFIRM_FORM,
        reverse("evaluations:grade_confirm", args=[grade_row.pk]),
        row.pool,
        grade_row.grade,
        _row_marks(row),
        _form_opening(context, form, next_page, work_position),
        _html(
            '\n  <button type="submit" name="action" value="confirm" class="btn btn-success btn-sm mb-2"'
            ' data-testid="confirm-one">{}</button>\n  ',
            words["confirm"],
        )
        if grade_row.state == "graded"
        else "",
        " open" if form.errors else "",
        words["adjust"],
        new_grade.id_for_label,
        new_grade_label,
        new_grade.html_name,
        new_grade.id_for_label,
        " is-invalid" if new_grade.errors else "",
        options,
        _html_join("", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in new_grade.errors)),
        reason_id,
        reason_id,
        reason_label,
        reason.html_name,
        _shown(reason.field.max_length),
        " is-invalid" if reason_errors else "",
        _html(' aria-invalid="true" aria-describedby="{}_error"', reason_id) if reason_errors else "",
        reason_id,
        "" if reason_value is None else reason_value,
        _error_list(reason_id, reason_errors),
        words["change"],
    )


# --- A row's grading form (work.html and detail.html) -------------------------------------------

_GRADE_WORDS = {"grade": _("等次"), "save": _("保存等次")}


_GRADE_FORM = (
    '\n<form method="post" action="{}" novalidate\n'
    '      data-quota-row data-pool="{}" data-saved-grade="{}"{} data-warn-changes data-testid="grade-form">\n'
    "{}"
    "  \n"
    '  <fieldset class="mb-2"{}>\n'
    '    <legend class="form-label fs-6 mb-1">{}{}<span class="required-mark" aria-hidden="true">*</span></legend>\n'
    '    <div class="d-flex flex-wrap gap-1">\n'
    "      {}\n"
    "    </div>\n"
    "    {}\n"
    "  </fieldset>\n"
    "  \n"
    "  {}\n"
    '  <div data-show-for="average poor">{}</div>\n'
    '  <div data-show-for="uncertain">{}</div>\n'
    '  <button type="submit" class="btn btn-primary btn-sm" data-testid="save-grade">{}</button>\n'
    "</form>\n"
)


@register.simple_tag(takes_context=True)
def grade_form(context, row, form, next_page, work_position="") -> str:
    """One row's grading form (``row``: a GradingRow, ``form``: its GradeForm; ``next_page``:
    "work" to come back to the grading page), with the same HTML as the template it replaced
    (tests/evaluations/before/_grade_form.html): the grading page writes it for each of its 20
    rows, and the template's nodes cost three times its fields."""
    words = _words("grade")
    grade = form["grade"]
    grade_errors = grade.errors
    return _html(
        _GRADE_FORM,
        reverse("evaluations:grade_detail", args=[row.grade_row.pk]),
        row.pool,
        row.grade_row.grade,
        _row_marks(row),
        _form_opening(context, form, next_page, work_position),
        _html(' aria-describedby="{}_error"', grade.auto_id) if grade_errors else "",
        words["grade"],
        # Whose grade, for a screen reader going from group to group (a user test heard "Grade*" each time).
        _html(
            '<span class="visually-hidden">{}{}{}</span>',
            words["open"],
            row.grade_row.person.get_full_name(),
            words["close"],
        )
        if row.grade_row.person_id
        else "",
        grade_radios(grade),
        _html(
            '<div class="invalid-feedback d-block" id="{}_error">{}</div>',
            grade.auto_id,
            _html_join("", "{} ", ((error,) for error in grade_errors)),
        )
        if grade_errors
        else "",
        grading_field(form["comment"]),
        grading_field(form["reason"]),
        grading_field(form["uncertain_reason"]),
        words["save"],
    )


# --- A confirmation row's grade (work.html's confirmation list) ---------------------------------

_SUMMARY_WORDS = {
    "evaluator": _("评鉴人"),
    "grade": _("等次"),
    "comment": _("评语"),
    "reason": _("理由"),
    "changed": _("分管领导调整：%(old)s → %(new)s"),
    "graders_reason": _("评鉴人评为“%(old)s”的理由"),
}

_WORD_TABLES = {"facts": _FACTS_WORDS, "confirm": _CONFIRM_WORDS, "grade": _GRADE_WORDS, "summary": _SUMMARY_WORDS}
_CHOICE_LABELS = {
    "facts": {"summary_status": (MonthlySummary, "status")},
    "summary": {f"{name}_labels": (QuarterGrade, name) for name in ("state", "grade", "uncertain_reason")},
}


def _display(words: dict, name: str, value) -> str:
    """``get_<name>_display`` of a grade row."""
    return words[name + "_labels"].get(value, value)


_STATE_CLASSES = {"confirmed": "text-bg-success", "graded": "text-bg-primary"}

_CONFIRM_SUMMARY = (
    '<div class="d-flex flex-wrap align-items-center gap-1">\n'
    '            <a class="fw-bold" href="{}">{}</a>\n'
    "            {}\n"
    "          </div>\n"
    '          <div class="small text-muted">{}{}</div>\n'
    '          <p class="mb-1">{}{colon}<strong data-testid="confirm-grade">{}</strong>{}</p>\n'
    "          {}\n"
    "          {}\n"
    "          {}"
)


@register.simple_tag
def grade_state(grade_row) -> str:
    """A grade row's state as a badge, with the same HTML as the template it replaced
    (tests/evaluations/before/_state.html)."""
    return _html(
        '<span class="badge {}" data-testid="grade-state">{}</span>\n',
        _STATE_CLASSES.get(grade_row.state, "text-bg-secondary"),
        _display(_words("summary"), "state", grade_row.state),
    )


@register.simple_tag
def confirm_summary(grade_row) -> str:
    """A confirmation row's person, state, department, evaluator, grade, comment and reason, with
    the same HTML as the template it replaced (its state by :func:`grade_state`)."""
    words = _words("summary")
    evaluator = grade_row.evaluator
    grade = _display(words, "grade", grade_row.grade)
    return _html(
        _CONFIRM_SUMMARY,
        reverse("evaluations:grade_detail", args=[grade_row.pk]),
        grade_row.person.get_full_name(),
        grade_state(grade_row),
        grade_row.department.name,
        _html(" · {} {}", words["evaluator"], evaluator.get_full_name()) if evaluator else "",
        words["grade"],
        grade or "—",
        _html(
            ' <span class="small text-muted">{}{}{}</span>',
            words["open"],
            _display(words, "uncertain_reason", grade_row.uncertain_reason),
            words["close"],
        )
        if grade_row.uncertain_reason
        else "",
        _html(
            '<p class="small mb-1 text-break">{}{colon}{}</p>',
            words["comment"],
            grade_row.comment,
            colon=words["colon"],
        )
        if grade_row.comment
        else "",
        _html(
            '<p class="small mb-1 text-break">{}{colon}{}</p>',
            words["graders_reason"] % {"old": _display(words, "grade", grade_row.evaluator_grade)}
            if grade_row.changed_by_leader
            else words["reason"],
            grade_row.graders_reason,
            colon=words["colon"],
        )
        if grade_row.graders_reason
        else "",
        # The leader's change, as the grade page and the approval page show it (a user test: the
        # leader's own card read 较好 under the head's comment written for 好, no change, no reason).
        _html(
            '<p class="small mb-1 text-danger text-break" data-testid="leader-change">{}<br>'
            '<span class="text-muted">{}{colon}{}</span></p>',
            words["changed"]
            % {
                "old": _display(words, "grade", grade_row.evaluator_grade),
                "new": grade,
            },
            words["reason"],
            grade_row.change_reason,
            colon=words["colon"],
        )
        if grade_row.changed_by_leader
        else "",
        colon=words["colon"],
    )


# --- The grade page's indicator scores (detail.html) --------------------------------------------

_SCORE_FIELD = (
    '<div id="div_{}" class="mb-3"> <label\n                for="{}" class="form-label requiredField">\n'
    '                {}<span class="asteriskField">*</span> </label> <input type="number" name="{}"{}{}'
    ' class="numberinput form-control{}" required{} id="{}">{}{} </div>'
)


def _score_field(field: BoundField) -> str:
    auto_id, errors, help_text = field.auto_id, field.errors, field.help_text
    value = field.field.widget.format_value(field.value())
    described_by = [f"{auto_id}_helptext"] if help_text else []
    if errors:
        described_by.append(f"{auto_id}_error")
    return _html(
        _SCORE_FIELD,
        auto_id,
        auto_id,
        field.label,
        field.html_name,
        _html(' value="{}"', value) if value is not None else "",
        _html_join("", ' {}="{}"', field.field.widget.attrs.items()),
        " is-invalid" if errors else "",
        _html(
            "{}{}",
            mark_safe(' aria-invalid="true"') if errors else "",
            _html(' aria-describedby="{}"', " ".join(described_by)) if described_by else "",
        ),
        auto_id,
        _error_list(auto_id, errors, spaced=True),
        # Crispy writes the help text unescaped (``|safe``), as Django's own form templates do.
        _html(' <div id="{}_helptext" class="form-text">{}</div>', auto_id, mark_safe(help_text)) if help_text else "",
    )


@register.simple_tag
def score_fields(form) -> str:
    """An evaluator's indicator scores (``IndicatorScoresForm``: a required number field per
    manual indicator, its weight as the help text) as ``{{ form|crispy }}`` wrote them, with the
    form's errors, in one step instead of crispy's templates (a third of the grade page's time)."""
    non_field = form.non_field_errors()
    errors = (
        _html(
            '<div class="alert alert-block alert-danger"> <ul class="m-0"> {} </ul> </div> ',
            _html_join("\n\t", "<li>{}</li>", ((error,) for error in non_field)),
        )
        if non_field
        else ""
    )
    return _html("\n\n{}{}\n", errors, mark_safe(" ".join(_score_field(field) for field in form)))
