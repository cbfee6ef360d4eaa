"""Public-welfare posts at provincial scale (issue 14): the 民主测评 tally and the results export
against their floors, and the tally page of one unit at N workers against 10.

A fresh database (SQLite in a temporary directory, or a new database ``welfare_bench_<n>`` on the
PostgreSQL server ``DATABASE_URL`` names) is migrated and filled with bulk inserts (not timed):
N workers in U employing units (each unit an organisation with its HR, two 科室 and its workers'
posts and assessments at 集体研究), and per unit one closed 民主测评 rating all its workers with
RATERS papers (leaders, 科室 heads, service users), one in 20 workers recorded absent. Then:

  * tally: ``evaluations.welfare.selectors.welfare_tally`` over every worker of the year, against
    its floor, one bare ``GROUP BY subject, choice`` over the valid papers read through a cursor;
  * export: the results rows (``evaluations.welfare.exports``, unit by unit, as the job writes
    them) through ``accounts.excel.write_table`` to one write-only workbook, against the floor, a
    bare openpyxl write-only loop of the same rows × columns of plain values;
  * the tally page of unit 1 (``/evaluations/welfare/<year>/tally/``, 50 workers, as its HR):
    the median of 5 requests and its query count, here and in a database of 10 workers (a child
    process), and the ratio.

    .venv/bin/python bench/welfare_bench.py                       # 2 000 workers in 10 units
    .venv/bin/python bench/welfare_bench.py --workers 400000      # 2 000 units (200 a unit)
    PYTHON=.venv/bin/python tests/support/with_postgres.sh .venv/bin/python bench/welfare_bench.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from benchdb import django_on_fresh_database

YEAR = 2026
BATCH = 5000
RATERS = 8  # 2 leaders, 3 科室 heads, 3 service users
PER_UNIT = 200
# The floor's row: plain values of the export's columns (number and name are filled in per row).
FLOOR_ROW = ["科室1", "保洁", "2026-01-01", "2026-12-31", 1800, "集体研究", "合格", "续签", "在岗", "待定"]


def build(workers: int, units: int) -> None:
    from datetime import date
    from decimal import Decimal

    from auditlog.context import disable_auditlog
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Department, Organisation, Policy, Role, RoleAssignment, User
    from evaluations.ballots.models import Ballot, BallotRater, BallotSubject, Paper, PaperAnswer, RaterGroup
    from evaluations.welfare.models import WelfareAssessment, WelfarePost

    rng = random.Random(14)
    now = timezone.now()
    choices = ["satisfied"] * 6 + ["basically_satisfied"] * 2 + ["dissatisfied", "unknown"]
    groups = [RaterGroup.LEADER] * 2 + [RaterGroup.COLLEAGUE] * 3 + [RaterGroup.SERVICE_USER] * 3
    with transaction.atomic(), disable_auditlog():
        organisations = Organisation.objects.bulk_create(
            Organisation(code=f"u{u:05d}", name=f"用人单位{u}") for u in range(units)
        )
        Policy.objects.bulk_create(Policy(organisation=o) for o in organisations)
        departments = Department.objects.bulk_create(
            Department(organisation=o, code=f"D{d}", name=f"科室{d}") for o in organisations for d in range(2)
        )
        hr = User.objects.bulk_create(User(username=f"hr{o.pk}", organisation=o, password="!") for o in organisations)
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=user, organisation_id=user.organisation_id, role=Role.HR_ADMIN) for user in hr
        )
        ballots = Ballot.objects.bulk_create(
            Ballot(
                organisation=o,
                title="公益性岗位民主测评",
                year=YEAR,
                purpose="welfare",
                scale="satisfaction",
                state="closed",
                excellent_limit_percent=20,
                void_identical=False,
                void_full_marks=True,
                max_score=10,
                trim_extremes=True,
                trim_above_papers=5,
                low_share_percent=30,
                dissatisfied_percent=25,
                opened_by=hr[n],
                opened_at=now,
                closed_by=hr[n],
                closed_at=now,
            )
            for n, o in enumerate(organisations)
        )
        BallotRater.objects.bulk_create(
            BallotRater(ballot=b, code=f"C{b.pk:06d}{r}", group=groups[r], has_voted=True)
            for b in ballots
            for r in range(RATERS)
        )
        papers = Paper.objects.bulk_create(
            (Paper(ballot=b, group=groups[r]) for b in ballots for r in range(RATERS)), batch_size=BATCH
        )
        papers_of = {}
        for paper in papers:
            papers_of.setdefault(paper.ballot_id, []).append(paper.pk)
        for start in range(0, workers, BATCH):
            stop = min(start + BATCH, workers)
            people = User.objects.bulk_create(
                User(
                    username=f"w{i:07d}",
                    full_name=f"公岗人员{i}",
                    employee_number=f"G{i:07d}",
                    organisation=organisations[i % units],
                    department=departments[(i % units) * 2 + i % 2],
                    staff_type="public_welfare",
                    password="!",
                )
                for i in range(start, stop)
            )
            posts = WelfarePost.objects.bulk_create(
                WelfarePost(
                    organisation_id=p.organisation_id,
                    person=p,
                    post_name=rng.choice(["保洁", "环卫", "协管", "护林"]),
                    agreement_start=date(YEAR, 1, 1),
                    agreement_end=date(YEAR, 12, 31),
                    monthly_subsidy=Decimal("1800.00"),
                    absent_since=date(YEAR, 10, 1) if rng.random() < 0.05 else None,
                    absent_note="长期未到岗",
                )
                for p in people
            )
            subjects = BallotSubject.objects.bulk_create(
                BallotSubject(ballot=ballots[(start + n) % units], person=p, sort_order=start + n)
                for n, p in enumerate(people)
            )
            WelfareAssessment.objects.bulk_create(
                WelfareAssessment(
                    organisation_id=p.organisation_id,
                    owner=p,
                    department_id=p.department_id,
                    post=post,
                    year=YEAR,
                    stage="decision",
                    status="approved",
                    report_text="全年按时到岗，完成保洁任务。",
                    interview_notes="表现稳定。",
                    ballot_subject=subject,
                    grade=rng.choice(["qualified"] * 8 + ["basically_qualified", "unqualified"]),
                    renew=True,
                    decision_notes="集体研究",
                )
                for p, post, subject in zip(people, posts, subjects, strict=True)
            )
            PaperAnswer.objects.bulk_create(
                (
                    PaperAnswer(paper_id=paper_id, subject=subject, choice=rng.choice(choices))
                    for subject in subjects
                    for paper_id in papers_of[subject.ballot_id]
                ),
                batch_size=BATCH,
            )


def tally_page(client, url: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), len(queries)


def measure_page() -> tuple[float, int]:
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Organisation, User

    unit = Organisation.objects.order_by("pk").first()
    client = Client()
    client.force_login(User.objects.get(username=f"hr{unit.pk}"))
    return tally_page(client, reverse("evaluations:welfare_tally", args=[YEAR]))


def run(workers: int, units: int, page_only: bool) -> dict:
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", "--noinput", verbosity=0)
    started = time.perf_counter()
    build(workers, units)
    setup = time.perf_counter() - started
    page_s, page_queries = measure_page()
    if page_only:
        return {"page_s": page_s, "page_queries": page_queries}
    from django.db import connection
    from openpyxl import Workbook

    from accounts.excel import new_sheet, write_table
    from accounts.models import Organisation
    from evaluations.ballots.models import Paper, PaperAnswer
    from evaluations.welfare import exports, selectors
    from evaluations.welfare.models import WelfareAssessment

    print(f"{workers:>7} workers in {units} units: setup {setup:.1f} s (not timed below)")
    answers, papers = PaperAnswer._meta.db_table, Paper._meta.db_table
    floor_sql = (
        f"SELECT a.subject_id, a.choice, COUNT(*) FROM {answers} a JOIN {papers} p ON p.id = a.paper_id "
        f"WHERE NOT p.void GROUP BY a.subject_id, a.choice"
    )
    floors, tallies = [], []
    for _ in range(2):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(floor_sql)
            rows = cursor.fetchall()
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        subjects = WelfareAssessment.objects.filter(year=YEAR).values("ballot_subject_id")
        tally = selectors.welfare_tally(subject_ids=subjects)
        for worker in tally.values():
            worker.choices()  # the percentages, as the page shows them
        tallies.append(time.perf_counter() - started)
    floor_s, tally_s = min(floors), min(tallies)
    assert len(tally) == workers and sum(t.valid for t in tally.values()) == workers * RATERS, len(tally)
    print(f"         tally floor (one GROUP BY over {workers * RATERS} answers, {len(rows)} groups): {floor_s:.2f} s")
    print(
        f"         tally (welfare_tally + percentages, {len(tally)} workers): {tally_s:.2f} s",
        f"→ {tally_s / floor_s:.2f}× the floor",
    )

    unit_ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    headers = exports.headers()
    with tempfile.TemporaryDirectory() as directory:
        floor_times, export_times = [], []
        for _ in range(2):
            started = time.perf_counter()
            book = Workbook(write_only=True)
            sheet = book.create_sheet("floor")
            sheet.append(headers)
            for n in range(workers):
                sheet.append(
                    [
                        "科室1",
                        f"G{n:07d}",
                        f"公岗人员{n}",
                        "保洁",
                        "2026-01-01",
                        "2026-12-31",
                        1800,
                        "集体研究",
                        "合格",
                        "续签",
                        "在岗",
                        "待定",
                    ]
                )
            book.save(f"{directory}/floor.xlsx")
            floor_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            book = Workbook(write_only=True)
            sheet = new_sheet(book, "2026年度公益性岗位考核结果")
            written = write_table(
                sheet,
                headers,
                (row for unit in unit_ids for row in exports.result_rows(organisation_id=unit, year=YEAR)),
            )
            book.save(f"{directory}/export.xlsx")
            export_times.append(time.perf_counter() - started)
        size_mb = os.path.getsize(f"{directory}/export.xlsx") / 2**20
    assert written == workers, written
    floor_x, export_x = min(floor_times), min(export_times)
    print(f"         export floor (bare write-only loop, {workers}×{len(headers)}): {floor_x:.2f} s")
    print(
        f"         export ({written} rows of {units} units, {size_mb:.1f} MB): {export_x:.2f} s"
        f"  → {export_x / floor_x:.2f}× the floor"
    )
    return {"page_s": page_s, "page_queries": page_queries}


def child(workers: int, units: int, page_only: bool) -> dict:
    with django_on_fresh_database(f"welfare_bench_{workers}"):
        return run(workers, units, page_only)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2000)
    parser.add_argument("--units", type=int, default=0, help="default: one unit per 200 workers")
    parser.add_argument("--child", choices=["full", "page"], default="")
    args = parser.parse_args()
    units = args.units or max(1, args.workers // PER_UNIT)
    if args.child:
        print("RESULT " + json.dumps(child(args.workers, units, args.child == "page")), flush=True)
        return 0
    outcomes = {}
    # 10 workers (the issue's comparison: a page of 10 rows), and 50 (a full page, as unit 1's page
    # at N: the same rows rendered, so the ratio shows only what the database's size adds).
    runs = (("big", args.workers, units, "full"), ("small", 10, 1, "page"), ("page", 50, 1, "page"))
    for label, workers, unit_count, mode in runs:
        output = subprocess.run(
            [sys.executable, __file__, "--workers", str(workers), "--units", str(unit_count), "--child", mode],
            capture_output=True,
            text=True,
        )
        if output.returncode:
            print(output.stdout, output.stderr)
            return output.returncode
        for line in output.stdout.splitlines():
            if line.startswith("RESULT "):
                outcomes[label] = json.loads(line[7:])
            else:
                print(line)
    big, small, page = outcomes["big"], outcomes["small"], outcomes["page"]
    print(
        f"         tally page of unit 1: {big['page_s'] * 1000:.1f} ms, {big['page_queries']} queries"
        f" with {args.workers} workers; {small['page_s'] * 1000:.1f} ms, {small['page_queries']} queries with 10  → "
        f"{big['page_s'] / small['page_s']:.2f}×; {page['page_s'] * 1000:.1f} ms, {page['page_queries']} queries"
        f" with 50 (a full page)  → {big['page_s'] / page['page_s']:.2f}×"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
