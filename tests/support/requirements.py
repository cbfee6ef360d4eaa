"""Print the project's requirements (and the given extras) from pyproject.toml, one per line.

The project is not an installable package (``[tool.setuptools] packages = []``), so the
Makefile installs its dependencies with ``pip install -r`` instead of building it: no
``build/`` or ``*.egg-info`` in the working tree, no build back-end to download.

Usage: python tests/support/requirements.py [--only] [EXTRA ...] > requirements.txt
(``--only``: the extras' requirements without the project's own, for a tool's virtualenv.)
"""

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def requirements(extras: list[str], *, only: bool = False) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    found = [] if only else list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise SystemExit(f"pyproject.toml has no optional dependency group {extra!r}")
        found += optional[extra]
    return found


if __name__ == "__main__":
    arguments = sys.argv[1:]
    only = "--only" in arguments
    print("\n".join(requirements([a for a in arguments if a != "--only"], only=only)))
