"""The main pages under load: gunicorn on PostgreSQL, locust as the load generator, a floor beside.

Run it on a throwaway PostgreSQL (it needs ``DATABASE_URL`` to name a PostgreSQL database)::

    PYTHON=.venv/bin/python tests/support/with_postgres.sh .venv/bin/python bench/load_bench.py --staff 100000
    PYTHON=.venv/bin/python tests/support/with_postgres.sh .venv/bin/python bench/load_bench.py --staff 2000 \
        --seconds 20                                   # quick check

What it does:

1. Migrates, loads the demo (``seed_demo``), moves the clock into the running quarter's grading
   window and opens the quarter, then grows the database to ``--staff`` people (``bench/pages_bench.py``'s
   ``grow``: targets, summaries, a grade row per quarter, an annual result each), and ``VACUUM ANALYZE``.
   ``--shape single`` (the default): the demo organisation alone grows to ``--staff`` in 8 large
   departments (12 500 people each at 100 000: a stress case, far larger than any real department).
   ``--shape province``: issue 13's province — the demo organisation grows to ``--staff`` / 20 (5 000)
   in departments of 50 (ten to a supervising leader), and ``bench/province.py`` adds the rest as
   organisations of 30–1 000 people (380 at 100 000: 250 on average, at most 400) in departments of
   5–60, each with a year of grade rows, targets, summaries and roles.
2. Signs the accounts in: one session per account (force_login, stored in the database the server
   reads) for 40 grown staff, the heads of the grown departments, ``bench_leader``, HR
   and the agency head, written with each head's pending grade ids to a JSON file for
   ``bench/locustfile.py``.
3. Starts gunicorn with ``deploy/gunicorn.conf.py`` (``--workers``, default the conf's 2 × cores + 1)
   on a free port, and runs locust headless, one phase after another, each ``--seconds`` long:

   * ``floor closed``: 50 users asking for the signed-in ``/healthz`` as fast as they get answers;
   * ``mix closed``: 50 users over the main pages, grading included, as fast as they get answers;
   * ``floor open`` and ``mix open``: the same at 5 requests/s (50 users, one request every 10 s
     each: locust's ``constant_throughput``).

4. Prints, per phase, requests, failures, p50/p95/p99 (ms) and requests/s, the mix phases'
   ratios to the floor of the same loop, the per-page lines of the mix (``--pages``), and every
   gunicorn worker's resident memory: at boot and the highest seen (sampled every 0.5 s), and how
   many workers were replaced (``max_requests`` or the memory cap in the conf).

5. Prints each page's share of the workers' time in the mix phases, from the application's request
   log (one JSON line per request with its ``duration_ms``; gunicorn runs at ``LOG_LEVEL=INFO``).

Seed once and load many times: ``--seed-only FILE`` seeds the database ``DATABASE_URL`` names (keep
that PostgreSQL running) and writes the clock to FILE; ``--accounts FILE`` then skips seeding and
signs the accounts in afresh (sessions expire when idle) before the phases.

Exit status 0 always: this prints figures, it does not judge them. Locust comes from the ``bench``
extra of pyproject.toml (``LOCUST=path`` chooses the executable; default ``.venv/bin/locust``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import pages_bench  # noqa: E402  (the bench folder is not a package)

USERS = 50
OPEN_WAIT = 10.0  # seconds between one user's requests in the open loop: 50 users → 5 requests/s
MIX = ["Staff", "Head", "Leader", "Office"]
PHASES = [
    ("floor closed", ["Floor"], 0.0),
    ("mix closed", MIX, 0.0),
    ("floor open", ["Floor"], OPEN_WAIT),
    ("mix open", MIX, OPEN_WAIT),
]
STAFF_SESSIONS = 40
IDS = re.compile(r"/\d+(?=/)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ``--shape province``: the province of issue 13 around the demo organisation. The demo
# organisation grows to a twentieth of ``--staff`` (5 000 at 100 000: the issue's "one large
# organisation") in departments of PROVINCE_DEPARTMENT people, ten to a supervising leader, and the
# rest of the staff are ``bench/province.py``'s organisations (380 at 100 000, 30–1 000 people each
# in departments of 5–60, with a year of grade rows, targets, summaries and the staff role) beside it
# in the same tables.
PROVINCE_DEPARTMENT = 50
# Departments a supervising leader (分管领导) of the grown organisation supervises: ``bench_leader``,
# whose grading page the mix asks for, has the first ten.
PROVINCE_LEADER_DEPARTMENTS = 10


def province_plan(staff: int) -> tuple[int, int, int]:
    """(the demo organisation's size, the other organisations' count, their staff) for ``staff``."""
    large = max(staff // 20, 2 * PROVINCE_DEPARTMENT)
    rest = max(staff - large, 0)
    organisations = min(400, rest // 250)
    return large, organisations, rest if organisations else 0


def seed(staff: int, *, shape: str = "single") -> str:
    """Seed and grow the database; returns the clock's date (APPRAISAL_TODAY)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.0f} s; seed_demo …", flush=True)
    started = time.perf_counter()
    call_command("seed_demo", "--force", verbosity=0)
    print(f"seed_demo in {time.perf_counter() - started:.0f} s; growing to {staff} ({shape}) …", flush=True)
    pages_bench.open_running_quarter(settings)
    started = time.perf_counter()
    if shape == "province":
        import province

        large, organisations, rest = province_plan(staff)
        pages_bench.grow(
            staff=large, departments=max(large // PROVINCE_DEPARTMENT, 1), per_leader=PROVINCE_LEADER_DEPARTMENTS
        )
        if organisations:
            province.seed_province(organisations=organisations, staff=rest, large=0, roles=True)
    else:
        pages_bench.grow(staff=staff)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    people = User.objects.count()
    print(f"seeded: {people} people in {time.perf_counter() - started:.0f} s (not timed)", flush=True)
    return str(settings.APPRAISAL_TODAY)


def shape_text(shape: str) -> str:
    """The grown departments' sizes, as the report names them."""
    from django.db.models import Count

    from accounts.models import Department, Organisation

    departments = Department.objects.filter(code__startswith="BENCH").annotate(people=Count("members"))
    sizes = sorted(d.people for d in departments)
    text = f"{len(sizes)} grown departments of {sizes[0]}–{sizes[-1]} people" if sizes else "no grown department"
    if shape == "province":
        text += f", {Organisation.objects.filter(code__startswith='P').count()} other organisations"
    return text


def sign_in() -> dict:
    """One fresh session per account (sessions expire when idle: made again before every load run),
    with each head's pending grade ids."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from evaluations.models import AppraisalQuarter, QuarterGrade

    settings.ALLOWED_HOSTS = ["*"]
    open_quarter = AppraisalQuarter.objects.filter(state="open").order_by("-year", "-quarter").first()
    names = ["demo_staff", "demo_hr", "demo_chief", "bench_leader"]
    names += list(User.objects.filter(username__startswith="bench_head").values_list("username", flat=True))
    names += list(
        User.objects.filter(username__startswith="b0")
        .order_by("username")
        .values_list("username", flat=True)[:STAFF_SESSIONS]
    )
    sessions = {}
    for user in User.objects.filter(username__in=names):
        client = Client()
        client.force_login(user)
        sessions[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    grades: dict[str, list[int]] = {}
    if open_quarter is not None:
        for name in sessions:
            if name.startswith("bench_head"):
                grades[name] = list(
                    QuarterGrade.objects.filter(
                        appraisal_quarter=open_quarter, department__head__username=name, state="pending"
                    )
                    # Not the head's own row: their leader grades it (the grade page answers 404).
                    .exclude(person__username=name)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:200]
                )
    accounts = {
        "sessions": sessions,
        "grades": grades,
        "year": open_quarter.year if open_quarter else 0,
        "quarter_pk": open_quarter.pk if open_quarter else 0,
        "people": User.objects.count(),
    }
    return accounts


class WorkerMemory:
    """Every gunicorn worker's resident memory (the master's children), sampled every 0.5 s."""

    def __init__(self, master: int):
        self.master = master
        self.boot: dict[int, int] = {}
        self.peak: dict[int, int] = {}
        self.initial = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.master}/task/{self.master}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    @staticmethod
    def rss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def sample(self) -> None:
        for pid in self.workers():
            rss = self.rss(pid)
            if not rss:
                continue
            self.boot.setdefault(pid, rss)
            self.peak[pid] = max(self.peak.get(pid, 0), rss)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def start(self) -> None:
        self.sample()
        self.initial = len(self.boot)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> str:
        mb = 2**20
        boots = sorted(self.boot.values())
        peaks = sorted(self.peak.values())
        return (
            f"gunicorn workers: {len(self.boot)} seen ({len(self.boot) - self.initial} started during the run); "
            f"RSS at first sight {boots[0] / mb:.0f}–{boots[-1] / mb:.0f} MB, highest {peaks[-1] / mb:.0f} MB"
            if boots
            else "gunicorn workers: none seen"
        )


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int, *, children: bool = False) -> float:
    """CPU seconds (user + system) a process has used, and with ``children`` those of its children
    that have exited and been waited for (gunicorn's replaced workers, PostgreSQL's closed backends)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state is field 3; utime, stime, cutime, cstime are fields 14–17.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def process_tree_cpu(root: int) -> float:
    """CPU seconds of a process, its live children and its waited-for children."""
    try:
        live = Path(f"/proc/{root}/task/{root}/children").read_text().split()
    except OSError:
        live = []
    return process_cpu(root, children=True) + sum(process_cpu(int(pid)) for pid in live)


def postmaster_pid() -> int | None:
    """The PostgreSQL server's process id (the cluster's postmaster.pid), when it runs on this machine."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            directory = cursor.fetchone()[0]
        return int((Path(directory) / "postmaster.pid").read_text().split()[0])
    except Exception:  # noqa: BLE001 — another machine, or not readable: no PostgreSQL figure
        return None


class PhaseCpu:
    """CPU spent during a phase by gunicorn (master and workers), PostgreSQL (every backend) and
    locust: per request, what each answer costs the machine whatever else runs on it (the
    requests/s and latencies depend on how much of the 2 cores the rest of the machine leaves)."""

    def __init__(self, *, gunicorn: int, postgres: int | None):
        self.gunicorn, self.postgres = gunicorn, postgres

    def snapshot(self) -> dict[str, float]:
        import resource

        return {
            "gunicorn": process_tree_cpu(self.gunicorn),
            "postgres": process_tree_cpu(self.postgres) if self.postgres else 0.0,
            # locust runs as this process's child and has been waited for when a phase ends.
            "locust": sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f) for f in ("ru_utime", "ru_stime")),
        }


def start_server(*, port: int, workers: int | None, today: str, logfile: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        BIND=f"127.0.0.1:{port}",
        APPRAISAL_TODAY=today,
        # The application's one line per request (INFO, as in production) with its duration:
        # where the workers' time goes, page by page (worker_time below).
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
        # Only the clock needs DEBUG (APPRAISAL_TODAY is read only then); each request's query
        # list, which DEBUG keeps, is cleared at the start of the next.
        DEBUG="1",
    )
    env.pop("CELERY_BROKER_URL", None)
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"), "appraisal_site.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=logfile.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on port {port}; see {logfile}")


def run_phase(*, host: str, users: list[str], wait: float, seconds: int, accounts: Path, out: Path) -> list[dict]:
    locust = os.environ.get("LOCUST") or str(ROOT / ".venv/bin/locust")
    env = dict(os.environ, LOAD_ACCOUNTS=str(accounts), LOAD_WAIT=str(wait))
    subprocess.run(
        [
            locust,
            "-f",
            str(ROOT / "bench/locustfile.py"),
            "--headless",
            "--users",
            str(USERS),
            "--spawn-rate",
            # Closed loop: everyone at once. Open loop: the users start one period apart in all
            # (5 a second for 50 users asking every 10 s), so their requests spread evenly over each
            # period; started together they would ask in bursts of 50 every 10 s, which is not an
            # open loop of 5 requests/s (the floor's p95 was 880 ms that way, for a 28 ms /healthz).
            str(USERS / wait if wait else USERS),
            "--run-time",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            str(out),
            "--only-summary",
            "--loglevel",
            "WARNING",
            *users,
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=(out.parent / f"{out.name}.log").open("wb"),
    )
    with open(f"{out}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _line(label: str, row: dict, floor: dict | None) -> str:
    count, failures = int(row["Request Count"]), int(row["Failure Count"])
    p50, p95, p99 = (float(row[key] or 0) for key in ("50%", "95%", "99%"))
    rate = float(row["Requests/s"] or 0)
    text = f"{label:<24}{count:>7}{failures:>6}{p50:>8.0f}{p95:>8.0f}{p99:>8.0f}{rate:>9.1f}"
    if floor:
        f95, frate = float(floor["95%"] or 0), float(floor["Requests/s"] or 0)
        text += f"{p95 / f95 if f95 else 0:>9.1f}{frate / rate if rate else 0:>9.1f}"
    return text


def worker_time(log: Path, began: datetime, ended: datetime) -> str:
    """Each page's share of the time the workers spent answering, from the request log's
    ``duration_ms`` (ids in paths folded: ``/evaluations/grading/<n>/``), most first."""
    totals: dict[str, list[float]] = {}
    statuses: dict[str, dict[int, int]] = {}
    with log.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if '"duration_ms"' not in line:
                continue
            try:
                entry = json.loads(line)
                at = datetime.fromisoformat(entry["time"])
            except (ValueError, KeyError):
                continue
            if not began <= at <= ended:
                continue
            key = f"{entry['method']} {IDS.sub('/<n>', entry['path'])}"
            totals.setdefault(key, []).append(float(entry["duration_ms"]))
            counts = statuses.setdefault(key, {})
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    whole = sum(sum(values) for values in totals.values()) or 1.0
    lines = [f"{'page':<52}{'reqs':>6}{'mean ms':>9}{'total s':>9}{'share':>7}  statuses"]
    for key, values in sorted(totals.items(), key=lambda item: -sum(item[1])):
        answered = " ".join(f"{status}×{n}" for status, n in sorted(statuses[key].items()))
        lines.append(
            f"{key[:52]:<52}{len(values):>6}{sum(values) / len(values):>9.0f}{sum(values) / 1000:>9.1f}"
            f"{sum(values) / whole:>7.0%}  {answered}"
        )
    return "\n".join(lines)


def cpu_report(results: dict[str, list[dict]], spent: dict[str, dict[str, float]]) -> str:
    """Each phase's CPU per request (ms), by process, and the mix's against the floor's of the same loop:
    on a machine of its own the closed loop's throughput ratio tends to the CPU ratio."""
    lines = [
        f"\nCPU per request, ms (user + system, from /proc){'':<4}{'gunicorn':>9}{'postgres':>9}{'locust':>8}"
        f"{'server':>8}{'all':>7}{'×floor':>8}"
    ]
    per_request: dict[str, dict[str, float]] = {}
    for name, _users, _wait in PHASES:
        count = int(next(row for row in results[name] if row["Name"] == "Aggregated")["Request Count"]) or 1
        each = {part: seconds * 1000 / count for part, seconds in spent[name].items()}
        each["server"] = each["gunicorn"] + each["postgres"]
        each["all"] = each["server"] + each["locust"]
        per_request[name] = each
        ratio = ""
        if name.startswith("mix"):
            floor = per_request[f"floor {name.split()[1]}"]
            ratio = f"{each['server'] / floor['server']:>5.1f} / {each['all'] / floor['all']:.1f}"
        lines.append(
            f"{name:<50}{each['gunicorn']:>9.1f}{each['postgres']:>9.1f}{each['locust']:>8.1f}"
            f"{each['server']:>8.1f}{each['all']:>7.1f}  {ratio}"
        )
    lines.append("(×floor: the server's CPU per request / everything's, the mix's over the floor's in the same loop)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument(
        "--shape",
        choices=["single", "province"],
        default="single",
        help="single: one organisation of --staff in 8 departments (the stress case); province: the demo "
        "organisation of --staff / 20 in departments of 50 beside organisations of 30–1 000 "
        "(380 at 100 000; issue 13's province)",
    )
    parser.add_argument("--seconds", type=int, default=60, help="length of each phase")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: the conf's)")
    parser.add_argument("--pages", action="store_true", help="print each page's line of the mix phases")
    parser.add_argument(
        "--seed-only",
        metavar="FILE",
        help="seed, write the clock to FILE and stop: run the load later with --accounts FILE",
    )
    parser.add_argument(
        "--accounts",
        metavar="FILE",
        help="a file written by --seed-only on the same database: skip seeding, run the load only",
    )
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("load_bench.py runs on PostgreSQL: tests/support/with_postgres.sh sets DATABASE_URL")
    # Stopped (a timeout, Ctrl-C): unwind through the finally below, which stops gunicorn (it runs in
    # its own session, so it would outlive this process).
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    pages_bench.setup_django(database_url)
    if args.accounts:
        stored = json.loads(Path(args.accounts).read_text(encoding="utf-8"))
        today, args.shape = stored["today"], stored.get("shape", "single")
    else:
        today = seed(args.staff, shape=args.shape)
    if args.seed_only:
        Path(args.seed_only).write_text(json.dumps({"today": today, "shape": args.shape}), encoding="utf-8")
        print(f"accounts written to {args.seed_only}; run the load with --accounts {args.seed_only}", flush=True)
        return 0
    from django.conf import settings

    settings.APPRAISAL_TODAY = date.fromisoformat(today)
    accounts = sign_in()
    work = Path(tempfile.mkdtemp(prefix="load-bench-"))
    accounts_file = work / "accounts.json"
    accounts_file.write_text(json.dumps(accounts), encoding="utf-8")
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = start_server(port=port, workers=args.workers, today=today, logfile=work / "gunicorn.log")
    memory = WorkerMemory(server.pid)
    memory.start()
    results: dict[str, list[dict]] = {}
    windows: dict[str, tuple[datetime, datetime]] = {}
    cpu = PhaseCpu(gunicorn=server.pid, postgres=postmaster_pid())
    spent: dict[str, dict[str, float]] = {}
    try:
        for name, users, wait in PHASES:
            started = time.perf_counter()
            began = datetime.now(UTC)
            before = cpu.snapshot()
            results[name] = run_phase(
                host=f"http://127.0.0.1:{port}",
                users=users,
                wait=wait,
                seconds=args.seconds,
                accounts=accounts_file,
                out=work / name.replace(" ", "_"),
            )
            windows[name] = (began, datetime.now(UTC))
            after = cpu.snapshot()
            spent[name] = {part: after[part] - before[part] for part in after}
            print(f"  {name}: {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        memory.stop()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    with open("/proc/loadavg") as handle:
        load = " ".join(handle.read().split()[:3])
    print(
        f"\n{accounts['people']} people ({args.shape}: {shape_text(args.shape)}), {USERS} users, "
        f"{args.seconds} s per phase, load average now {load}"
    )
    print(f"{'phase':<24}{'reqs':>7}{'fail':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'req/s':>9}{'p95×fl':>9}{'fl÷rps':>9}")
    for name, _users, _wait in PHASES:
        total = next(row for row in results[name] if row["Name"] == "Aggregated")
        floor = None
        if name.startswith("mix"):
            loop = name.split()[1]
            floor = next(row for row in results[f"floor {loop}"] if row["Name"] == "Aggregated")
        print(_line(name, total, floor))
        if args.pages and name.startswith("mix"):
            for row in results[name]:
                if row["Name"] != "Aggregated":
                    print(_line(f"  {row['Name']}"[:24], row, None))
    print(memory.report())
    print(cpu_report(results, spent))
    for name in ("mix closed", "mix open"):
        print(f"\nworkers' time by page, {name} (the application's request log: time inside Django)")
        print(worker_time(work / "gunicorn.log", *windows[name]))
    print(f"(locust CSVs, failures and gunicorn's log in {work})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
