"""Hooks: how a room lends a room below it what only it knows.

The layers run one way (``appraisal_site`` → ``publicity`` → ``evaluations`` → ``summaries`` →
``targets`` → ``accounts``): a room never imports one above it. Where a room below must ask or tell
a room above (grading's notes on a person's move, publication's posted results for the committee),
the room below holds a :class:`Hooks`, the room above registers its functions at start-up (its
``AppConfig.ready()``), and the room below calls them all. Every seam of functions called in turn
uses this one mechanism (a keyed table a room adds an entry to, looked up by key, is not one).
"""

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Hooks(Generic[F]):
    """The functions registered for one seam, called in the order they were registered."""

    def __init__(self) -> None:
        self._functions: list[F] = []

    def register(self, function: F) -> F:
        """Add ``function`` once (a second ``ready()`` adds nothing); returns it, so it serves as a
        decorator too."""
        if function not in self._functions:
            self._functions.append(function)
        return function

    def __iter__(self) -> Iterator[F]:
        return iter(self._functions)

    def run(self, *args, **kwargs) -> None:
        """Call every function, for what it does."""
        for function in self._functions:
            function(*args, **kwargs)

    def gather(self, *args, **kwargs) -> list:
        """Every item of every function's answer (each a list), in the order registered."""
        return [item for function in self._functions for item in function(*args, **kwargs)]

    def union(self, *args, **kwargs) -> set:
        """The union of the functions' answers (each a set)."""
        return set().union(*(function(*args, **kwargs) for function in self._functions))

    def first(self, *args, default=None, **kwargs):
        """The first answer that is not empty, else ``default``."""
        return next((found for function in self._functions if (found := function(*args, **kwargs))), default)
