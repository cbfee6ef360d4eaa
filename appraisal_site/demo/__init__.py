"""The demo organisation and its year (``seed_demo``). The Chinese text it writes lives in
``data/*.json``, not in Python literals."""

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def load(name: str) -> dict:
    """The demo text table ``data/<name>.json``."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
