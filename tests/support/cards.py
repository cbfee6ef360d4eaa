"""Lists whose rows become labelled cards on a phone (static/css/app.css .table-cards)."""

import re

CARDS_TABLE = 'class="table table-sm align-middle table-cards"'


def card_labels(html: str, row: str) -> list[str]:
    """The column label of each cell of the first row whose opening tag matches ``row`` (a regular
    expression), once the page's table is checked to be one of cards."""
    assert CARDS_TABLE in html
    cells = re.search(rf"{row}(.*?)</tr>", html, re.S).group(1)
    return re.findall(r'data-label="([^"]+)"', cells)
