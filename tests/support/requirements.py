"""Print the project's requirements (and the given extras) from pyproject.toml, one per line.

The project is not an installable package (``[tool.setuptools] packages = []``), so the
Makefile installs its dependencies with ``pip install -r`` instead of building it: no
``build/`` or ``*.egg-info`` in the working tree, no build back-end to download.

Usage: python tests/support/requirements.py [EXTRA ...] > requirements.txt
"""

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    found = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise SystemExit(f"pyproject.toml has no optional dependency group {extra!r}")
        found += optional[extra]
    return found


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:])))
