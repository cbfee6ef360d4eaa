"""What one request of the load bench's mix costs in Python, page by page, against the floor.

Deterministic figures for a shared machine, where wall time is noise: each page of
``bench/locustfile.py``'s mix is asked for in-process (the test client through the whole stack:
middleware, sessions, context processors, templates) as the person the bench signs in, once to warm
up, ``--repeat`` times timed (the process's CPU time, median: PostgreSQL's share is not in it) and
once under ``cProfile``; printed are the Python function calls, the queries and the HTML size of that
request and its CPU, each against the signed-in ``/healthz`` (the load bench's floor), then the mix
weighted by each page's share of locust's requests, and the profiled time by area. ``--top N``
prints each page's N costliest functions (cumulative, own calls included).
``--html DIR`` writes each page's HTML, with the per-request tokens (CSRF, nonces) blanked, so two
commits' pages can be compared with ``diff -r``.

Run it on a database ``bench/load_bench.py --seed-only`` seeded (keep that PostgreSQL running)::

    DATABASE_URL=postgres://… .venv/bin/python bench/mix_profile.py --accounts /tmp/seed10k.json

``DEBUG`` off, as in production (``--debug``: on, as the load bench's gunicorn runs for its clock;
about 5 % more calls for the floor, under 1 % for the mix's pages).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import pages_bench  # noqa: E402  (the bench folder is not a package)

# (label, account, url, share) in the mix's order; the url may use {year}, {quarter_pk}, {grade_pk}.
# "staff" is the first grown staff member, "head" the first large department's head. The share is the
# page's part of the mix's requests as locust asks for them (bench/locustfile.py: the user class's
# weight × the task's; e.g. staff 12 of 20 × home 2 of 4 = 0.3), which the open loop's counts follow.
PAGES = [
    ("floor: /healthz", "staff", "/healthz", 0),
    ("home (staff)", "staff", "/", 0.3),
    ("my targets", "staff", "/targets/", 0.15),
    ("my summaries", "staff", "/summaries/", 0.15),
    ("home (head)", "head", "/", 0.03125),
    ("review inbox", "head", "/review/", 0.03125),
    ("grading", "head", "/evaluations/grading/", 0.0625),
    # Read before the grade is saved and again after it (the POST's redirect); the POST is not counted.
    ("grade page", "head", "/evaluations/grading/{grade_pk}/", 0.125),
    ("roster (head)", "head", "/review/roster/", 0.03125),
    ("grading (leader)", "bench_leader", "/evaluations/grading/", 0.05),
    ("quarters", "demo_hr", "/evaluations/quarters/", 0.02),
    ("staff list", "demo_hr", "/accounts/staff/", 0.02),
    ("roster (hr)", "demo_hr", "/review/roster/", 0.02),
    ("annual committee", "demo_hr", "/evaluations/annual/{year}/", 0.02),
    ("approval (chief)", "demo_chief", "/evaluations/quarters/{quarter_pk}/approve/", 0.02),
]
# Where the Python time goes, by the file a function is in (its own time, callees excluded).
AREAS = [
    ("ORM: SQL compiler", re.compile(r"django/db/models/sql/")),
    ("ORM: expressions, querysets, models", re.compile(r"django/db/models/")),
    ("driver (psycopg, backends)", re.compile(r"psycopg|django/db/backends|django/db/utils")),
    ("templates", re.compile(r"django/template/|django/templatetags/|templatetags/")),
    ("forms, crispy, filters", re.compile(r"django/forms/|crispy|django_filters")),
    ("translation", re.compile(r"django/utils/translation")),
    ("permissions (rules, auth)", re.compile(r"/rules/|django/contrib/auth/")),
    ("sessions, middleware, handler", re.compile(r"contrib/sessions|django/middleware|core/handlers|django/test/")),
    ("this project", re.compile(r"^" + re.escape(str(ROOT)) + r"/(?!\.venv)")),
    ("other", re.compile(r"")),
]


def areas(stats: pstats.Stats) -> dict[str, float]:
    spent = dict.fromkeys((name for name, _pattern in AREAS), 0.0)

    def area(filename: str) -> str:
        return next(name for name, pattern in AREAS if pattern.search(filename))

    for (filename, _line, _function), (_cc, _nc, tottime, _ct, callers) in stats.stats.items():
        if filename == "~" and callers:
            # A builtin (isinstance, getattr, str.join …): its time goes to the areas that called it.
            for (caller_file, _l, _f), caller in callers.items():
                spent[area(caller_file)] += caller[2]
        else:
            spent[area(filename)] += tottime
    return spent


# Tokens that differ from one request to the next (the CSRF token, request ids).
VOLATILE = re.compile(rb'(name="csrfmiddlewaretoken" value="|csrf-token" content=")[^"]*')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", required=True, help="the file load_bench.py --seed-only wrote")
    parser.add_argument("--top", type=int, default=0, help="print each page's N costliest functions")
    parser.add_argument("--filter", default="", help="regular expression on the functions --top prints")
    parser.add_argument("--sql", action="store_true", help="print each page's queries (the first 160 characters)")
    parser.add_argument("--callers", default="", help="regular expression: print who calls the matching functions")
    parser.add_argument("--sort", default="cumulative", help="pstats order for --top (cumulative, tottime, ncalls)")
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page (median)")
    parser.add_argument("--html", metavar="DIR", help="write each page's HTML there")
    parser.add_argument("--only", default="", help="comma-separated labels")
    parser.add_argument("--debug", action="store_true", help="DEBUG on, as the load bench runs gunicorn")
    args = parser.parse_args()
    pages_bench.setup_django(os.environ["DATABASE_URL"])
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from evaluations.models import AppraisalQuarter, QuarterGrade

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = args.debug
    settings.APPRAISAL_TODAY = date.fromisoformat(json.loads(Path(args.accounts).read_text(encoding="utf-8"))["today"])
    quarter = AppraisalQuarter.objects.filter(state="open").order_by("-year", "-quarter").first()
    staff = User.objects.filter(username__startswith="b0").order_by("username").first()
    head = User.objects.filter(username__startswith="bench_head").order_by("username").first()
    grade_pk = (
        QuarterGrade.objects.filter(appraisal_quarter=quarter, department__head=head, state="pending")
        .exclude(person=head)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    values = {"year": quarter.year, "quarter_pk": quarter.pk, "grade_pk": grade_pk}
    names = {"staff": staff.username, "head": head.username}
    only = set(filter(None, args.only.split(",")))
    html_dir = Path(args.html) if args.html else None
    if html_dir:
        html_dir.mkdir(parents=True, exist_ok=True)
    floor = None
    mix = {"calls": 0.0, "queries": 0.0, "cpu": 0.0}
    mix_areas: dict[str, float] = {}
    floor_areas: dict[str, float] = {}
    print(
        f"{'page':<20}{'account':<16}{'status':>7}{'share':>7}{'calls':>9}{'×floor':>7}{'queries':>8}"
        f"{'KB':>5}{'cpu ms':>8}{'×floor':>7}{'wall ms':>8}"
    )
    for label, account, url, share in PAGES:
        if only and label not in only and not label.startswith("floor"):
            continue
        user = User.objects.get(username=names.get(account, account))
        client = Client()
        client.force_login(user)
        path = url.format(**values)
        client.get(path)  # warm up: templates, translations, the connection
        cpu, wall = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        profile = cProfile.Profile(time.process_time)  # CPU, not waiting for PostgreSQL
        with CaptureQueriesContext(connection) as captured:
            profile.enable()
            response = client.get(path)
            profile.disable()
        calls = pstats.Stats(profile).total_calls
        spent = areas(pstats.Stats(profile))
        for name, seconds in spent.items():
            mix_areas[name] = mix_areas.get(name, 0.0) + share * seconds * 1000
        if label.startswith("floor"):
            floor_areas = {name: seconds * 1000 for name, seconds in spent.items()}
        row = {"calls": calls, "queries": len(captured), "cpu": statistics.median(cpu) * 1000}
        floor = floor or row
        for key in mix:
            mix[key] += share * row[key]
        body = response.content
        print(
            f"{label:<20}{user.username[:15]:<16}{response.status_code:>7}{share:>7.3f}{calls:>9}"
            f"{calls / floor['calls']:>7.1f}{len(captured):>8}{len(body) / 1024:>5.0f}{row['cpu']:>8.1f}"
            f"{row['cpu'] / floor['cpu']:>7.1f}{statistics.median(wall) * 1000:>8.1f}"
        )
        if args.sql:
            for query in captured.captured_queries:
                print(f"    {query['sql'][:160]}")
        if html_dir:
            name = re.sub(r"\W+", "_", label).strip("_")
            (html_dir / f"{name}.html").write_bytes(VOLATILE.sub(rb"\1", body))
        if args.top:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(*filter(None, [args.filter]), args.top)
            print(out.getvalue())
        if args.callers:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_callers(args.callers)
            print(out.getvalue())
    if not only and floor:
        print(
            f"{'the mix, weighted':<36}{'':>7}{1:>7.3f}{mix['calls']:>9.0f}{mix['calls'] / floor['calls']:>7.1f}"
            f"{mix['queries']:>8.1f}{'':>5}{mix['cpu']:>8.1f}{mix['cpu'] / floor['cpu']:>7.1f}"
        )
        print("\nprofiled CPU ms by area (own time; the profiler's overhead included): floor, the mix weighted")
        for name, _pattern in AREAS:
            print(f"  {name:<40}{floor_areas.get(name, 0):>8.1f}{mix_areas.get(name, 0):>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
