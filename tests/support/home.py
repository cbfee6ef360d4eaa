"""Reading the home page's to-do list."""

from __future__ import annotations


def todo(html: str, key: str) -> int | None:
    """The count shown for a to-do, or None when it is not listed."""
    marker = f'data-testid="todo-{key}"'
    if marker not in html:
        return None
    rest = html.split(marker, 1)[1]
    return int(rest.split('data-testid="todo-count">', 1)[1].split("<", 1)[0])


def todo_link(html: str, key: str) -> str:
    """Where a listed to-do leads (its link's href)."""
    rest = html.split(f'data-testid="todo-{key}"', 1)[1]
    return rest.split('href="', 1)[1].split('"', 1)[0]
