"""How fast does ``seed_demo`` load a large organisation?

Requirement: 100 000 people in under 5 minutes. For each size, a fresh SQLite file in a
temporary directory is migrated (not timed), then ``manage.py seed_demo --staff N`` is
timed as a whole process (Django start-up included). Prints seconds, people per second and
the share of the 5-minute budget used; exits 1 if any size takes longer than the budget.
The time is not proportional to the size (the demo year gives the first few thousand people
full detail and everyone beyond lighter data), so small sizes are not extrapolated: only a
100 000 run answers the requirement.

    .venv/bin/python bench/seed_demo_bench.py                 # 10 000 and 100 000
    .venv/bin/python bench/seed_demo_bench.py --sizes 1000    # quick check
    .venv/bin/python bench/seed_demo_bench.py --database-url postgres://...  # an EMPTY database

With --database-url the given (empty, migrated or not) database is used instead of SQLite;
only one size makes sense then, since the demo organisation can be loaded only once.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_PEOPLE = 100_000
BUDGET_SECONDS = 300.0


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed ({result.returncode})")
    return result.stdout


def run(size: int, database_url: str) -> tuple[float, int]:
    env = dict(os.environ, DATABASE_URL=database_url, DEBUG="1")
    env.pop("CELERY_BROKER_URL", None)
    manage(env, "migrate", "--noinput", "-v0")
    started = time.monotonic()
    output = manage(env, "seed_demo", "--staff", str(size))
    elapsed = time.monotonic() - started
    match = re.search(r"(\d+) people", output)
    people = int(match.group(1)) if match else size
    return elapsed, people


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="use this empty database instead of a temporary SQLite file")
    args = parser.parse_args()

    print(f"budget: {BUDGET_PEOPLE:,} people in {BUDGET_SECONDS:.0f} s")
    print(f"{'--staff':>9} {'people':>9} {'seconds':>9} {'people/s':>9} {'budget used':>12}")
    over = False
    for size in args.sizes:
        if args.database_url:
            elapsed, people = run(size, args.database_url)
        else:
            with tempfile.TemporaryDirectory(prefix="seed-bench-") as tmp:
                elapsed, people = run(size, f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        ratio = elapsed / BUDGET_SECONDS
        over = over or ratio > 1
        print(f"{size:>9,} {people:>9,} {elapsed:>9.1f} {people / elapsed:>9,.0f} {ratio:>11.0%}", flush=True)
    print("over budget" if over else "within budget")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
