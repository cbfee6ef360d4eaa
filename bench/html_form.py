"""Read a form out of a page's HTML as a browser would submit it (standard library only).

bench/locustfile.py fills in the grading form this way: the fields the page rendered (the CSRF
token, the row's version under its prefix, the hidden position fields), then the choices a person
makes. tests/test_load_bench_form.py reads the real grade page with it, so a template change that
breaks the load bench's grading fails a test instead of silently posting nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str = ""
    method: str = "get"
    # What the browser would send untouched: hidden and text inputs, checked boxes, textareas,
    # each select's selected (or first) option.
    data: dict[str, str] = field(default_factory=dict)
    # Every radio group: name → the values offered.
    radios: dict[str, list[str]] = field(default_factory=dict)
    textareas: list[str] = field(default_factory=list)

    def field_ending(self, suffix: str) -> str | None:
        """The name of the field whose name ends with ``suffix`` (forms carry a per-row prefix)."""
        names = [*self.data, *self.radios]
        return next((name for name in names if name == suffix or name.endswith(f"-{suffix}")), None)


class _Parser(HTMLParser):
    def __init__(self, marker: tuple[str, str]):
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.form: Form | None = None
        self.inside = False
        self.done = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        attr = {key: value or "" for key, value in attrs}
        if tag == "form" and not self.inside and attr.get(self.marker[0]) == self.marker[1]:
            self.inside = True
            self.form = Form(action=attr.get("action", ""), method=attr.get("method", "get").lower())
            return
        if not self.inside or self.form is None:
            return
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text").lower()
            if kind == "radio":
                self.form.radios.setdefault(name, []).append(attr.get("value", "on"))
                if "checked" in attr:
                    self.form.data[name] = attr.get("value", "on")
            elif kind == "checkbox":
                if "checked" in attr:
                    self.form.data[name] = attr.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.form.data[name] = attr.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.form.data[name] = ""
            self.form.textareas.append(name)
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = attr.get("value", "")
            if self._select_first is None:
                self._select_first = value
                self.form.data.setdefault(self._select, value)
            if "selected" in attr:
                self.form.data[self._select] = value

    def handle_data(self, data: str) -> None:
        if self.inside and self.form is not None and self._textarea:
            self.form.data[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside, self.done = False, True


def find_form(html: str, *, attribute: str = "data-testid", value: str) -> Form | None:
    """The first ``<form>`` whose ``attribute`` is ``value``, or None."""
    parser = _Parser((attribute, value))
    parser.feed(html)
    parser.close()
    return parser.form
