"""English on a phone (a user test): a card's label ("Department", "Quarterly grade" beside a value
kept on one line, "Monthly summaries on time / late / missing") is never drawn over its value,
and the review inbox keeps a name on its line. The app's own style sheets, laid out by Chromium
at 390 px; the Chinese layout is left as it was."""

from pathlib import Path

import pytest
from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "static"
LABELS = ("Department", "Quarterly grade", "Monthly summaries on time / late / missing", "Praise / complaints")


def _page(browser, lang: str, body: str):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    css = "".join(
        f"<style>{(STATIC / path).read_text(encoding='utf-8')}</style>"
        for path in ("vendor/bootstrap/bootstrap.min.css", "css/app.css")
    )
    page.set_content(
        f'<!doctype html><html lang="{lang}"><head>{css}</head>'
        f'<body><main class="container">{body}</main></body></html>'
    )
    return page


def _card(labels) -> str:
    cells = "".join(f'<td data-label="{label}" class="text-nowrap">办公室 0 / 0</td>' for label in labels)
    return (
        '<table class="table table-cards"><tbody><tr>'
        f'<td class="card-title-cell">郭力怡</td>{cells}</tr></tbody></table>'
    )


# Where the label (the ::before float) ends against where the cell's text starts, and whether
# the label or one of its words is wider than its column (it would spill over the value).
OVERLAP = """() => [...document.querySelectorAll('td[data-label]')].map(td => {
  const before = getComputedStyle(td, '::before');
  const width = parseFloat(before.width);
  const cell = td.getBoundingClientRect();
  const pad = parseFloat(getComputedStyle(td).paddingLeft);
  const labelRight = cell.left + pad + parseFloat(before.marginLeft) + width;
  const range = document.createRange();
  range.selectNodeContents(td);
  const text = before.content.slice(1, -1);
  const measure = words => {
    const probe = document.createElement('span');
    probe.textContent = words;
    probe.style.cssText = `font: ${before.font}; white-space: nowrap; position: absolute`;
    document.body.append(probe);
    const found = probe.getBoundingClientRect().width;
    probe.remove();
    return found;
  };
  const oneLine = before.whiteSpace === 'nowrap';
  return {
    label: td.dataset.label,
    drawnOver: (oneLine && measure(text) > width + 0.5) || range.getBoundingClientRect().left < labelRight - 0.5,
    tooWideWord: Math.max(...text.split(/\\s+/).map(measure)) > width + 0.5,
  };
})"""


@pytest.mark.parametrize("label", LABELS)
def test_an_english_label_is_not_drawn_over_its_value(browser, label):
    page = _page(browser, "en", _card([label]))
    try:
        (cell,) = page.evaluate(OVERLAP)
        assert not cell["drawnOver"] and not cell["tooWideWord"], cell
    finally:
        page.close()


def test_a_chinese_card_keeps_its_narrow_label_column(browser):
    page = _page(browser, "zh-CN", _card(["科室"]))
    try:
        assert page.evaluate("getComputedStyle(document.querySelector('td[data-label]')).paddingLeft") == "104px"
    finally:
        page.close()
