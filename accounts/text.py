"""Control characters in typed text: the one cleaner, used at input and again when a file is written.

Word inserts U+000B (vertical tab) for Shift+Enter, and text pasted from it or from a PDF can carry
other control characters. They are invisible in a browser but not allowed in an .xlsx (openpyxl
refuses the cell, so the whole export failed) and they break copy-paste into other systems.

- :func:`single_line` is for names and codes (a person's name, a department's name): any run of
  control characters or line breaks becomes one space. :class:`SingleLineCharField` applies it in
  forms (the staff and department forms, and every column of the Excel imports).
- :func:`multi_line` is for paragraphs: line breaks (including Word's U+000B) become ``\\n``, the
  other control characters are dropped. :class:`MultiLineCharField` applies it in forms (every
  textarea: a browser sends each line break of a textarea as CRLF, so the stored text has single
  ``\\n`` and a line break counts as one character against the limit, as the page's counter counts
  it). The Excel writer cleans every cell with it, so whatever was stored before this cleaner existed
  is still written safely.

And the one way to write a list in running text (:func:`join_list`): 、 and 等 in Chinese, ", " and
"and more" in English, so a message built from names reads right in either language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext

# C0 controls other than tab, line feed and carriage return; DEL and the C1 controls; and the
# invisible characters pasted text carries that mean nothing here — zero-width space, word joiner,
# byte-order mark (a user test's summary of nothing but U+200B was handed in as written). The
# zero-width (non-)joiners stay: an emoji sequence needs them.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200b\u2060\ufeff]")
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff]")
# Every way a line may end: CRLF, CR, LF, Word's vertical tab, form feed, NEL, and U+2028/2029.
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
# For one-line text: any run of those, tabs included, is one space.
_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def has_controls(text: str) -> bool:
    """Whether ``text`` holds anything :func:`multi_line` would change (other than CRLF)."""
    return bool(_CONTROLS.search(text) or re.search(r"[\x0b\x0c\x85\u2028\u2029]", text))


def single_line(text: str) -> str:
    """``text`` on one line: each run of control characters and line breaks becomes a space, the
    invisible characters go; trimmed."""
    return _BREAKS_AND_CONTROLS.sub(" ", _INVISIBLE.sub("", text)).strip()


def multi_line(text: str) -> str:
    """``text`` with its line breaks as ``\\n`` and no other control character (tabs kept)."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text))


# Spaces (the full-width U+3000 too) between two Han characters of a name: "林 静", typed to line a
# two-character name up with three-character ones, would not be found by a search for 林静.
_SPACE_IN_HAN_NAME = re.compile(r"(?<=[\u3400-\u9fff])[\s\u3000]+(?=[\u3400-\u9fff])")


def person_name(text: str) -> str:
    """A person's name as :func:`single_line`, without spaces between its Han characters (a name
    written in Latin letters, or 买买提·艾力, keeps its own)."""
    return _SPACE_IN_HAN_NAME.sub("", single_line(text))


def code(text: str) -> str:
    """A code typed or pasted (工号, a ballot code) as :func:`single_line`, its full-width letters and
    digits as the half-width ones (NFKC): Ｓ００００１ is S00001 (a user test stored both, and a
    ballot code typed on a phone's full-width keyboard was refused)."""
    return unicodedata.normalize("NFKC", single_line(text))


def search_words(text: str) -> str:
    """What a person typed into a search box, its full-width letters and digits as the half-width
    ones (a re-test's Ｓ０００１０ found nothing where S00010 found 黄飞)."""
    return unicodedata.normalize("NFKC", text or "").strip()


class SingleLineCharField(forms.CharField):
    """A form field for a name or code: control characters and line breaks become spaces (never refused:
    a name pasted from Word is still that name)."""

    def to_python(self, value):
        value = super().to_python(value)
        return single_line(value) if isinstance(value, str) else value


class CodeField(SingleLineCharField):
    """A code: :func:`code`."""

    def to_python(self, value):
        value = super().to_python(value)
        return code(value) if isinstance(value, str) else value


class PersonNameField(SingleLineCharField):
    """A person's name: :func:`person_name`."""

    def to_python(self, value):
        value = super().to_python(value)
        return person_name(value) if isinstance(value, str) else value


class MultiLineCharField(forms.CharField):
    """A form field for a paragraph (a textarea, by default): line breaks become ``\\n`` and other control
    characters are dropped before ``max_length`` is checked. The browser sends each line break as CRLF,
    which would count twice against the limit the page's counter counts once."""

    widget = forms.Textarea

    def to_python(self, value):
        return super().to_python(multi_line(value) if isinstance(value, str) else value)


def reason_field(label, *, max_length: int, required: str, help_text="", rows: int = 3) -> MultiLineCharField:
    """The stated reason of a step the audit trail keeps (a deletion, a correction, a lifting):
    required, with ``required`` as the message where it is missing."""
    return MultiLineCharField(
        label=label,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"required": required},
    )


def join_list(items: Iterable, *, limit: int | None = None) -> str:
    """``items`` as a list in running text, in the reader's language: joined with 、 (", " in
    English); with ``limit``, only the first ``limit`` of them, followed by 等 ("and more") when
    there are more. Items are turned to text (lazy translations and model objects alike)."""
    texts = [str(item) for item in items]
    shown = texts if limit is None else texts[:limit]
    # "、" is the catalogue's list separator (also evaluations.grading.imports' runs of rows).
    joined = gettext("、").join(shown)
    if limit is not None and len(texts) > limit:
        joined = gettext("%(items)s等") % {"items": joined}
    return joined


def quarter_list(numbers: Iterable[int]) -> str:
    """Quarter numbers of one year as running text: 第3季度、第4季度 ("Q3, Q4")."""
    return join_list(gettext("第%(q)s季度") % {"q": number} for number in numbers or ())


def join_sentences(sentences: Iterable) -> str:
    """Whole sentences one after another, in the reader's language: run together in Chinese (each
    ends in 。), a space between them in English."""
    texts = [str(sentence) for sentence in sentences]
    joined = texts[0] if texts else ""
    for text in texts[1:]:
        joined = pgettext("sentences in a row", "%(first)s%(next)s") % {"first": joined, "next": text}
    return joined


def in_site_language() -> translation.override:
    """Text written for others to read later (a notice on their bell, mailed too) in the site's
    language (``LANGUAGE_CODE``), whoever's request wrote it: a user test's head, on the English
    pages, sent Chinese readers "Your Q4 2026 targets: approved.". As typed text, a stored notice
    reads as written; the reader's language translates the pages around it. Job messages are
    stored so too (:mod:`accounts.jobs`)."""
    return translation.override(settings.LANGUAGE_CODE)
