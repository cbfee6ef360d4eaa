"""How close is the year-end workbook to the cost of openpyxl itself, and how much memory does it add?

For each size, a fresh database is migrated and filled with bulk inserts (not timed): a SQLite
file in a temporary directory, or, when ``DATABASE_URL`` names a PostgreSQL server (as
``tests/support/with_postgres.sh`` exports it), a new database ``export_bench_<size>`` on it.
The data: N staff in 8 departments, four quarters each with a QuarterGrade (grade and composite
score) and a QuarterResult (summaries on time/late/missing), and an AnnualResult with its
suggestion; one person in 50 has a sanction and one in 100 a veto flag. Then it measures

  * the submission roster's export of everyone (``summaries.exports.roster_workbook`` to a file, and
    the whole GET /review/roster.xlsx with its streamed response read) against a bare write-only
    loop of the same rows×7 columns, with the resident memory added and tracemalloc's peak,
  * the export: ``publicity.reports.exports.write_workbook`` to a file (every sheet), and
  * the floor: a bare openpyxl write-only loop writing, for each sheet, the same number of rows and
    columns of plain values (no database, no guards, no styles) to a file — what openpyxl itself
    costs for a workbook of that shape,

each with its wall time and its peak resident memory above the level before it started (sampled
every 5 ms from /proc/self/statm), and prints the ratio export / floor. Then a department's record
forms as one PDF (``department_forms_pdf``, 25 people, each with four target items and three
monthly summaries) and the seconds per page.

    .venv/bin/python bench/export_bench.py                  # 10 000 and 100 000, SQLite
    .venv/bin/python bench/export_bench.py --sizes 1000     # quick check
    .venv/bin/python bench/export_bench.py --sizes 100000 --parts roster
    PYTHON=.venv/bin/python tests/support/with_postgres.sh .venv/bin/python bench/export_bench.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import threading
import time
import tracemalloc

from benchdb import django_on_fresh_database, each_size_in_a_child
from benchrows import add_people, bench_organisation, bulk, owned, per_owner, per_person

YEAR = 2026
PDF_PEOPLE = 25
# What the bench measures (--parts): the submission roster's export, the year-end workbook, the PDF.
PARTS = ("roster", "year", "pdf")


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Peak RSS above the starting level while the block runs (a sampling thread)."""

    def __enter__(self):
        self.start = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def added_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def build(size: int, parts: set[str]):
    import random
    from datetime import date
    from decimal import Decimal

    from auditlog.context import disable_auditlog
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from evaluations.annual.models import AnnualResult, AnnualRollupRun
    from evaluations.discipline.models import Finding, Inspection, Sanction, VetoFlag
    from evaluations.grading.models import AppraisalQuarter, QuarterGrade, QuarterResult

    rng = random.Random(1)
    grades = ["good", "fairly_good", "fairly_good", "fairly_good", "average"]
    now = timezone.now()
    with transaction.atomic(), disable_auditlog():
        organisation, departments = bench_organisation(9)
        add_people(
            size + PDF_PEOPLE,
            organisation=organisation,
            # The last PDF_PEOPLE form the department whose record forms are printed.
            department=lambda i: departments[8] if i >= size else departments[i % 8],
            employee_number=lambda i: f"E{i:07d}",
            position_title="一级科员",
        )
        people = list(User.objects.filter(organisation=organisation).values_list("pk", "department_id"))
        inspector = User.objects.create(username="inspector", organisation=organisation, password="!")
        if "year" in parts or "pdf" in parts:
            for quarter in (1, 2, 3, 4):
                appraisal_quarter = AppraisalQuarter.objects.create(
                    organisation=organisation, year=YEAR, quarter=quarter, state="approved"
                )
                per_person(
                    QuarterGrade,
                    people,
                    appraisal_quarter=appraisal_quarter,
                    grade=lambda: rng.choice(grades),
                    state="confirmed",
                    composite_score=lambda: Decimal(rng.randint(7000, 9900)) / 100,
                    comment="工作认真负责，完成季度目标",
                )
                per_person(
                    QuarterResult,
                    people,
                    appraisal_quarter=appraisal_quarter,
                    final_grade="fairly_good",
                    summaries_on_time=lambda: rng.choice([3, 3, 2]),
                    summaries_late=lambda: rng.choice([0, 0, 1]),
                    computed_at=now,
                )
            per_person(
                AnnualResult,
                people,
                organisation=organisation,
                year=YEAR,
                graded_quarters=4,
                good_quarters=lambda: rng.randint(0, 4),
                composite_score=lambda: Decimal(rng.randint(7000, 9900)) / 100,
                suggested_grade=lambda: rng.choice(["excellent", "competent", "competent", "competent"]),
                suggestion_reasons=["四个季度均已评鉴", "“好”2次"],
                computed_at=now,
            )
            AnnualRollupRun.objects.update_or_create(
                organisation=organisation, year=YEAR, defaults={"computed_at": now}
            )
            inspection = Inspection.objects.create(
                organisation=organisation, date=date(YEAR, 5, 12), kind="discipline", inspector=inspector
            )
            for pk, _dept in people[::50]:
                Sanction.objects.create(
                    organisation=organisation, person_id=pk, kind="warning", decided_on=date(YEAR, 3, 1)
                )
            for pk, _dept in people[::100]:
                finding = Finding.objects.create(
                    inspection=inspection, person_id=pk, severity="serious", description="迟到"
                )
                VetoFlag.objects.create(person_id=pk, year=YEAR, finding=finding, reason="迟到")
            _fill_forms(organisation, departments[8], now=now)
        _fill_roster(organisation, people, rng=rng, now=now)
    return organisation, departments[8]


ROSTER_MONTH = 10


def _fill_roster(organisation, people, *, rng, now) -> None:
    """What the submission roster reads: everyone holds the staff role and a posting since the
    year's start (the roster lists the participants; a month that has ended, as October is by now,
    those posted then: accounts.selectors.participants_posted_on), and October's summary and the
    fourth quarter's targets in a realistic mix of states (most handed in, some late, some
    returned, some missing); an HR officer views it."""
    from datetime import date

    from accounts.models import DepartmentMembership, Role, RoleAssignment, User
    from summaries.models import MonthlySummary
    from targets.models import TargetSet

    bulk(
        RoleAssignment, (RoleAssignment(user_id=pk, organisation=organisation, role=Role.STAFF) for pk, _dept in people)
    )
    start = date(YEAR, 1, 1)
    bulk(
        DepartmentMembership,
        (DepartmentMembership(user_id=pk, department_id=dept, start_date=start) for pk, dept in people),
    )
    hr = User.objects.create(username="roster_hr", full_name="人事", organisation=organisation, password="!")
    RoleAssignment.objects.create(user=hr, organisation=organisation, role=Role.HR_ADMIN)
    states = ["approved", "approved", "submitted", "submitted", "returned", "draft", None]
    summaries, target_sets = [], []
    for pk, dept in people:
        status = rng.choice(states)
        if status:
            summaries.append(
                MonthlySummary(
                    **owned(pk, dept, organisation),
                    year=YEAR,
                    month=ROSTER_MONTH,
                    status=status,
                    is_late=rng.random() < 0.1,
                    submitted_at=now if status != "draft" else None,
                )
            )
        status = rng.choice(states)
        if status:
            target_sets.append(
                TargetSet(
                    **owned(pk, dept, organisation), year=YEAR, quarter=4, status=status, is_late=rng.random() < 0.1
                )
            )
    bulk(MonthlySummary, summaries)
    bulk(TargetSet, target_sets)


def _fill_forms(organisation, department, *, now) -> None:
    """The printed department's people get what a real 登记表 shows: four target items with their
    completion and three monthly summaries with a progress note per item (the third quarter)."""
    from accounts.models import User
    from summaries.models import MonthlySummary, SummaryProgress
    from targets.models import TargetItem, TargetSet

    people = list(User.objects.filter(department=department).values_list("pk", flat=True))
    contents = [
        "完成年度重点项目的季度推进任务",
        "按时办理领导交办的各项事项",
        "做好日常文件收发和档案管理",
        "参加业务培训并撰写学习心得",
    ]
    owners = [(pk, department.pk) for pk in people]
    sets = per_owner(TargetSet, owners, organisation=organisation, year=YEAR, quarter=3, status="approved")
    items = TargetItem.objects.bulk_create(
        TargetItem(
            target_set=target_set,
            sort_order=number,
            content=content,
            kind=["key", "assigned", "routine", "routine"][number],
            completion=["done", "done", "partial", "done"][number],
            completion_note="按计划推进，已形成阶段成果，部分事项转入下季度继续落实",
        )
        for target_set in sets
        for number, content in enumerate(contents)
    )
    summaries = [
        summary
        for month in (7, 8, 9)
        for summary in per_owner(
            MonthlySummary,
            owners,
            organisation=organisation,
            year=YEAR,
            month=month,
            status="approved",
            submitted_at=now,
            other_work="配合办公室完成会议保障和材料起草工作，参与专项检查一次。",
        )
    ]
    items_by_owner: dict[int, list] = {}
    for target_set, start in zip(sets, range(0, len(items), 4), strict=True):
        items_by_owner[target_set.owner_id] = items[start : start + 4]
    SummaryProgress.objects.bulk_create(
        SummaryProgress(
            summary=summary,
            target_item=item,
            item_content=item.content,
            note="本月按计划推进，完成阶段任务，形成书面材料报科室负责人审阅",
            sort_order=item.sort_order,
        )
        for summary in summaries
        for item in items_by_owner[summary.owner_id]
    )


def floor_workbook(path: str, shapes: list[tuple[int, int]]) -> None:
    """A bare write-only loop: for each sheet of the export, as many rows of as many columns of
    plain values (no database, no formula guard, no styles) — what openpyxl itself costs."""
    from decimal import Decimal

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    text = ["科室1", "人员", "E0000001", "一级科员", "公务员", "较好", "较好", "好", "较好"]
    numbers = [2, Decimal("88.50"), Decimal("90.00"), Decimal("86.25"), Decimal("91.00"), Decimal("88.94"), 11, 1, 0]
    tail = ["否", "", "", "称职", "四个季度均已评鉴；“好”2次", "", ""]
    template = (text + numbers + tail) * 4
    for number, (rows, columns) in enumerate(shapes):
        sheet = workbook.create_sheet(f"floor{number}")
        sheet.append([f"列{i}" for i in range(columns)])
        for i in range(rows):
            row = template[:columns]
            row[1] = f"人员{i}"
            sheet.append(row)
    workbook.save(path)


def roster_floor(path: str, rows: int) -> None:
    """The roster's floor: a bare write-only loop of ``rows`` rows of the roster's 7 columns of plain
    values (no database, no guard, no styles)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("floor")
    sheet.append(["科室", "工号", "姓名", "月小结", "月小结迟交/逾期", "季度目标", "季度目标迟交/逾期"])
    for i in range(rows):
        sheet.append(["科室1", f"E{i:07d}", f"人员{i}", "已通过", "否", "已提交", "否"])
    workbook.save(path)


def run_roster(size: int) -> None:
    """The submission roster's export of everyone (HR's view) against :func:`roster_floor`: the
    builder to a file, and the whole download (GET /review/roster.xlsx through the test client, the
    streamed response read in blocks), each with its time and its peak resident memory."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from accounts.selectors import policy_for_organisation
    from summaries import exports, review

    settings.ALLOWED_HOSTS = ["*"]
    hr = User.objects.get(username="roster_hr")
    people = review.roster_people(viewer=hr, year=YEAR, month=ROSTER_MONTH)
    policy = policy_for_organisation(organisation_id=hr.organisation_id)
    client = Client()
    client.force_login(hr)
    url = f"/review/roster.xlsx?year={YEAR}&month={ROSTER_MONTH}"
    with tempfile.TemporaryDirectory() as directory:
        # The first, untimed run under tracemalloc: the peak of Python's own allocations, which a
        # heap grown by an earlier run cannot hide as the resident size can.
        tracemalloc.start()
        rows = exports.roster_workbook(
            f"{directory}/warm.xlsx", people=people, year=YEAR, month=ROSTER_MONTH, policy=policy
        )
        builder_traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.reset_peak()
        tracemalloc.stop()
        tracemalloc.start()
        response = client.get(url)
        sum(len(block) for block in response.streaming_content)
        response.close()
        download_traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        tracemalloc.start()
        roster_floor(f"{directory}/floor.xlsx", rows)
        floor_traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        traced = {"floor": floor_traced, "builder": builder_traced, "download": download_traced}
        results: dict[str, list] = {"floor": [], "builder": [], "download": []}
        downloaded = 0
        for _ in range(2):
            with PeakMemory() as memory:
                started = time.perf_counter()
                roster_floor(f"{directory}/floor.xlsx", rows)
                results["floor"].append((time.perf_counter() - started, memory))
            with PeakMemory() as memory:
                started = time.perf_counter()
                exports.roster_workbook(
                    f"{directory}/roster.xlsx", people=people, year=YEAR, month=ROSTER_MONTH, policy=policy
                )
                results["builder"].append((time.perf_counter() - started, memory))
            with PeakMemory() as memory:
                started = time.perf_counter()
                response = client.get(url)
                assert response.status_code == 200 and response.streaming, response.status_code
                downloaded = sum(len(block) for block in response.streaming_content)
                response.close()
                results["download"].append((time.perf_counter() - started, memory))
        size_mb = os.path.getsize(f"{directory}/roster.xlsx") / 2**20
    floor_s, floor_mem = min(results["floor"], key=lambda pair: pair[0])
    print(
        f"         roster floor (bare write-only loop, {rows}×7): {floor_s:.2f} s, +{floor_mem.added_mb:.1f} MB "
        f"(traced peak {traced['floor']:.1f} MB)"
    )
    for name, label in (("builder", "roster export (builder → file)"), ("download", "roster export (GET, streamed)")):
        seconds, memory = min(results[name], key=lambda pair: pair[0])
        worst = max(m.added_mb for _s, m in results[name])
        extra = f", {downloaded / 2**20:.1f} MB sent" if name == "download" else f", {size_mb:.1f} MB file"
        print(
            f"         {label}: {rows} rows{extra}: {seconds:.2f} s, +{memory.added_mb:.1f} MB "
            f"(worst run +{worst:.1f} MB, traced peak {traced[name]:.1f} MB)  → {seconds / floor_s:.2f}× the floor"
        )


def run(size: int, parts: set[str] | None = None) -> None:
    import logging

    from django.core.management import call_command

    # WeasyPrint logs every layout step at INFO through the project's console handler.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    from accounts.pdf import pdf_render  # noqa: F401  (warm the import outside the timings)

    call_command("migrate", "--noinput", verbosity=0)
    started = time.perf_counter()
    parts = parts or set(PARTS)
    organisation, pdf_department = build(size, parts)
    print(f"{size:>7} people: setup {time.perf_counter() - started:.1f} s (not timed below)")
    if "roster" in parts:
        run_roster(size)
    if "year" in parts:
        run_year(size, organisation)
    if "pdf" in parts:
        run_pdf(pdf_department)


def run_year(size: int, organisation) -> None:
    from publicity.reports import exports

    context = exports.ExportContext.build(organisation=organisation, year=YEAR)
    with tempfile.TemporaryDirectory() as directory:
        # A first export gives the sheets' shapes (rows written, columns) for the floor.
        counts = exports.write_workbook(f"{directory}/export.xlsx", organisation=organisation, year=YEAR)
        shapes = [(counts[spec.title()], len(spec.columns(context))) for spec in exports.SHEETS]
        # Then the floor and the export in turn, twice; the faster of each counts.
        floors, exports_ = [], []
        for _ in range(2):
            with PeakMemory() as memory:
                started = time.perf_counter()
                floor_workbook(f"{directory}/floor.xlsx", shapes)
                floors.append((time.perf_counter() - started, memory))
            with PeakMemory() as memory:
                started = time.perf_counter()
                counts = exports.write_workbook(f"{directory}/export.xlsx", organisation=organisation, year=YEAR)
                exports_.append((time.perf_counter() - started, memory))
        floor_s, floor_mem = min(floors, key=lambda pair: pair[0])
        export_s, export_mem = min(exports_, key=lambda pair: pair[0])
        size_mb = os.path.getsize(f"{directory}/export.xlsx") / 2**20
    print(
        f"         floor (bare write-only loop, same sheets: {', '.join(f'{r}×{c}' for r, c in shapes)} rows×columns): "
        f"{floor_s:.2f} s, +{floor_mem.added_mb:.1f} MB"
    )
    print(
        f"         export ({len(shapes)} sheets, {counts['people']} people, {size_mb:.1f} MB file): "
        f"{export_s:.2f} s, +{export_mem.added_mb:.1f} MB  → {export_s / floor_s:.2f}× the floor"
    )


def run_pdf(pdf_department) -> None:
    from publicity.reports import pdf

    # Wall time, and this process's CPU time: on a shared machine the wall time includes waiting
    # for a core, the CPU time does not.
    started, cpu_started = time.perf_counter(), time.process_time()
    content = pdf.department_forms_pdf(department=pdf_department, year=YEAR, quarter=3)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    per_page = seconds / pages
    print(
        f"         department forms PDF: {PDF_PEOPLE} people, {pages} pages, {seconds:.2f} s, {per_page:.3f} s/page "
        f"(CPU {cpu:.2f} s, {cpu / pages:.3f} s/page)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS), help="what to measure")
    args = parser.parse_args()
    if len(args.sizes) > 1:
        return each_size_in_a_child(__file__, args.sizes, "--parts", *args.parts)
    name = f"export_bench_{args.sizes[0]}"
    with django_on_fresh_database(name) as on_postgres:
        if on_postgres:
            print(f"PostgreSQL, database {name}")
        run(args.sizes[0], set(args.parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
