"""The ballots room's background-job kinds (accounts.jobs), registered by EvaluationsConfig.ready()."""

from __future__ import annotations

from . import exports


def register_kinds() -> None:
    exports.register_exports()
