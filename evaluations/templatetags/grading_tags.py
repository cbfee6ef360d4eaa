"""Template helpers of the grading page, which shows each of its 20 rows with the person's inputs
and a grade form. Written as template tags, a row cost about 150 template nodes, and each
translated word (a ``{% translate %}``, a choice's lazy label, a ``get_FOO_display``) a catalogue
lookup of its own, 20 times over: most of the page's time (bench/RESULTS.md). Each helper here
writes one piece of a row in one step, with the same HTML as the template it replaced, and
translates its fixed words once per language (:func:`_words`).
"""

from __future__ import annotations

import functools

from django import template
from django.forms import BoundField, Select
from django.urls import reverse
from django.utils import translation
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from evaluations.grading.models import QuarterGrade
from summaries.models import MonthlySummary

register = template.Library()

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
    "satisfaction": _("满意度"),
    "praise": _("表扬"),
    "complaints": _("投诉"),
    "findings": _("纪律作风检查发现"),
    "serious": _("严重 %(n)s"),
    "department_score": _("科室得分"),
    "suggested": _("建议等次"),
    "composite": _("综合得分"),
}


@functools.cache
def _words_in(language: str | None) -> dict:
    with translation.override(language):
        return {
            **{key: str(word) for key, word in _FACTS_WORDS.items()},
            "summary_status": {value: str(label) for value, label in MonthlySummary._meta.get_field("status").choices},
        }


def _words() -> dict:
    return _words_in(translation.get_language())


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
    return format_html_join("", _RADIO, rows)


def _select_options(field: BoundField, choices) -> str:
    chosen = field.value()
    chosen = "" if chosen is None else chosen
    return format_html_join(
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
    aria = format_html(
        "{}{}{}",
        " required" if required else "",
        mark_safe(' aria-invalid="true"') if errors else "",
        format_html(' aria-describedby="{}"', " ".join(described_by)) if described_by else "",
    )
    invalid = " is-invalid" if errors else ""
    if isinstance(field.field.widget, Select):
        control = format_html(
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
        control = format_html(
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
    error_list = ""
    if errors:
        error_list = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            auto_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((number, auto_id, error) for number, error in enumerate(errors, start=1)),
            ),
        )
    return format_html(
        _FIELD,
        auto_id,
        auto_id,
        " requiredField" if required else "",
        label,
        mark_safe('<span class="asteriskField">*</span>') if required else "",
        control,
        error_list,
        format_html('    <div id="{}_helptext" class="form-text">{}</div>\n', auto_id, help_text) if help_text else "",
    )


def _month(month, words: dict) -> str:
    summary = month.summary
    if summary is None:
        state = format_html('<span class="text-muted">{}</span>', words["missing"])
    else:
        state = format_html(
            '<a href="{}">{}</a>{}',
            reverse("summaries:detail", args=[summary.pk]),
            words["summary_status"].get(summary.status, summary.status),
            format_html('<span class="badge text-bg-warning ms-1">{}</span>', words["late"]) if summary.is_late else "",
        )
    return format_html(
        '<span class="text-nowrap me-1" data-testid="month">{}{}{}</span>', _shown(month.month), words["month"], state
    )


@register.simple_tag
def grading_facts(facts, grade_row) -> str:
    """One person's inputs at a glance (``views.grading.person_facts``), as a list."""
    words = _words()
    if facts.target_set_id:
        targets = format_html(
            '<a href="{}" data-testid="targets-done">{}</a>',
            reverse("targets:detail", args=[facts.target_set_id]),
            words["done"] % {"done": _shown(facts.items_done), "total": _shown(facts.items_total)},
        )
    else:
        targets = format_html('<span class="text-muted">{}</span>', words["no_targets"])
    serious = ""
    if facts.serious_findings:
        serious = format_html(
            ' <span class="badge text-bg-danger">{}</span>', words["serious"] % {"n": _shown(facts.serious_findings)}
        )
    department_score = ""
    if facts.department_score is not None:
        department_score = format_html("<li>{}：{}</li>", words["department_score"], _shown(facts.department_score))
    suggestion = ""
    composite = grade_row.composite_score
    if facts.suggested_grade or composite is not None:
        suggestion = format_html(
            "<li>{}：{}{}{}</li>",
            words["suggested"],
            facts.suggested_grade_label or "—",
            format_html(" · {} {}", words["composite"], _shown(composite)) if composite is not None else "",
            format_html(
                '<div class="text-warning-emphasis" data-testid="suggestion-explanation">{}</div>',
                facts.suggestion_explanation,
            )
            if facts.suggestion_explanation
            else "",
        )
    return format_html(
        '\n<ul class="list-unstyled small mb-0" data-testid="facts">\n'
        '  <li>{}：<span data-testid="last-grade">{}</span></li>\n'
        "  <li>{}：{}</li>\n"
        "  <li>{}：{}</li>\n"
        "  <li>{}：{} · {} {} · {} {}</li>\n"
        '  <li data-testid="findings">{}：{}{}</li>\n'
        "  {}\n"
        "  {}\n"
        "</ul>\n",
        words["last"],
        facts.last_grade_label or "—",
        words["targets"],
        targets,
        words["summaries"],
        format_html_join("", "{}", ((_month(month, words),) for month in facts.months)),
        words["satisfaction"],
        _shown(facts.satisfaction, "—"),
        words["praise"],
        _shown(facts.praise),
        words["complaints"],
        _shown(facts.complaints),
        words["findings"],
        _shown(facts.findings),
        serious,
        department_score,
        suggestion,
    )


# --- A leader's confirmation form (_confirm_form.html) ------------------------------------------

_CONFIRM_WORDS = {"confirm": _("确认"), "adjust": _("调整等次"), "change": _("调整并确认")}


@functools.cache
def _confirm_words_in(language: str | None) -> dict:
    with translation.override(language):
        return {key: str(word) for key, word in _CONFIRM_WORDS.items()}


_CONFIRM_FORM = (
    '<form method="post" action="{}" novalidate\n'
    '      data-quota-row data-pool="{}" data-saved-grade="{}"{} data-testid="confirm-form">\n'
    "  {}\n"
    "  {}{}\n"
    '  <input type="hidden" name="{}"{} id="{}">\n'
    "  {}\n"
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
    "</form>"
)


def _csrf_input(context) -> str:
    """What ``{% csrf_token %}`` writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


@register.simple_tag(takes_context=True)
def confirm_form(context, row, form, next_page, work_position="") -> str:
    """A leader's confirmation of one staff grade, or a change with a reason (``row``: a
    GradingRow, ``form``: its ConfirmForm), with the same HTML as the template it replaced."""
    words = _confirm_words_in(translation.get_language())
    grade_row = row.grade_row
    version = form["version"]
    v = version.value()
    non_field = form.non_field_errors()
    new_grade, reason = form["new_grade"], form["reason"]
    new_grade_label, _help, choices = _field_words(new_grade)
    chosen = new_grade.value()
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if chosen == value else "", label) for value, label in choices),
    )
    reason_label = _field_words(reason)[0]
    reason_id, reason_errors = reason.auto_id, reason.errors
    reason_value = reason.value()
    return format_html(
        _CONFIRM_FORM,
        reverse("evaluations:grade_confirm", args=[grade_row.pk]),
        row.pool,
        grade_row.grade,
        " data-refused" if row.form.is_bound else "",
        _csrf_input(context),
        format_html('<input type="hidden" name="next" value="{}">', next_page) if next_page else "",
        work_position if next_page == "work" else "",
        version.html_name,
        format_html(' value="{}"', str(v)) if v != "" and v is not None else "",
        version.auto_id,
        format_html(
            '<div class="alert alert-danger py-1 px-2 small mb-2" role="alert" data-testid="row-error">{}</div>',
            format_html_join("", "{} ", ((error,) for error in non_field)),
        )
        if non_field
        else "",
        format_html(
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
        format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in new_grade.errors)),
        reason_id,
        reason_id,
        reason_label,
        reason.html_name,
        _shown(reason.field.max_length),
        " is-invalid" if reason_errors else "",
        format_html(' aria-invalid="true" aria-describedby="{}_error"', reason_id) if reason_errors else "",
        reason_id,
        "" if reason_value is None else reason_value,
        format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            reason_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((n, reason_id, e) for n, e in enumerate(reason_errors, start=1)),
            ),
        )
        if reason_errors
        else "",
        words["change"],
    )


# --- A confirmation row's grade (work.html's confirmation list) ---------------------------------

_SUMMARY_WORDS = {"evaluator": _("评鉴人"), "grade": _("等次"), "comment": _("评语"), "reason": _("理由")}


@functools.cache
def _summary_words_in(language: str | None) -> dict:
    with translation.override(language):
        words = {key: str(word) for key, word in _SUMMARY_WORDS.items()}
        for name in ("state", "grade", "uncertain_reason"):
            words[name + "_labels"] = {value: str(label) for value, label in QuarterGrade._meta.get_field(name).choices}
        return words


def _display(words: dict, name: str, value) -> str:
    """``get_<name>_display`` of a grade row."""
    return words[name + "_labels"].get(value, value)


_STATE_CLASSES = {"confirmed": "text-bg-success", "graded": "text-bg-primary"}

_CONFIRM_SUMMARY = (
    '<div class="d-flex flex-wrap align-items-center gap-1">\n'
    '            <a class="fw-bold" href="{}">{}</a>\n'
    '            <span class="badge {}" data-testid="grade-state">{}</span>\n\n'
    "          </div>\n"
    '          <div class="small text-muted">{}{}</div>\n'
    '          <p class="mb-1">{}：<strong data-testid="confirm-grade">{}</strong>{}</p>\n'
    "          {}\n"
    "          {}"
)


@register.simple_tag
def confirm_summary(grade_row) -> str:
    """A confirmation row's person, state, department, evaluator, grade, comment and reason, with
    the same HTML as the template it replaced (``_state.html`` included)."""
    words = _summary_words_in(translation.get_language())
    evaluator = grade_row.evaluator
    grade = _display(words, "grade", grade_row.grade)
    return format_html(
        _CONFIRM_SUMMARY,
        reverse("evaluations:grade_detail", args=[grade_row.pk]),
        grade_row.person.get_full_name(),
        _STATE_CLASSES.get(grade_row.state, "text-bg-secondary"),
        _display(words, "state", grade_row.state),
        grade_row.department.name,
        format_html(" · {} {}", words["evaluator"], evaluator.get_full_name()) if evaluator else "",
        words["grade"],
        grade or "—",
        format_html(
            ' <span class="small text-muted">（{}）</span>',
            _display(words, "uncertain_reason", grade_row.uncertain_reason),
        )
        if grade_row.uncertain_reason
        else "",
        format_html('<p class="small mb-1 text-break">{}：{}</p>', words["comment"], grade_row.comment)
        if grade_row.comment
        else "",
        format_html('<p class="small mb-1 text-break">{}：{}</p>', words["reason"], grade_row.reason)
        if grade_row.reason
        else "",
    )
