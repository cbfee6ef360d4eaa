"""The names people read for the background jobs' kinds (季度汇总 for ``evaluations.rollup_quarter``).

:func:`accounts.jobs.register` records each kind's label here, so the models (a job's name, its
audit entries) read it without importing the job mechanism, which imports them.
"""

from __future__ import annotations

_labels: dict[str, object] = {}


def set_label(kind: str, label) -> None:
    _labels[kind] = label


def forget(kind: str) -> None:
    _labels.pop(kind, None)


def kind_label(kind: str) -> str:
    """The registered label, or the code itself for a kind this process does not know."""
    label = _labels.get(kind)
    return str(label) if label is not None else kind
