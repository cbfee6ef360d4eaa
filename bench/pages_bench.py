"""Do the main pages stay fast however large the organisation grows?

One database, two sizes. First the demo organisation (``seed_demo --staff 10``: the story's ten
staff, its heads, leaders and offices, 17 people; ``--demo-staff`` changes it, up to the story's
60) is loaded and every page below is measured. Then the organisation grows in bulk (not timed) to about
``--staff`` people in 8 large departments of their own (about 12 500 each at 100 000), each
person with the current quarter's targets awaiting review, last month's summary, a grade row
in every appraisal quarter of the year and an annual result; the pages are measured again.

The clock is moved to the first day of the running quarter's grading window (its quarter is
opened then), as a grading day looks. Each page is asked for as the person who would open it,
in-process through the whole Django stack (middleware, sessions, templates), with the test
client. A page is measured once to warm up and then ``--repeat`` times (once if it takes more
than 2 s); the median is printed with its query count and HTML size, and two ratios:

  * ``×trivial``: against a signed-in trivial page (the password form) at the same size, and
  * ``×size``: the large organisation against the small one, for the same page and person.

Before the first measurement one department of 8 people (基准小科: ``small_head`` and seven
staff, one of them ``small_staff``, with the same documents as the grown people) is added; it
stays the same size while the organisation grows, so its rows answer "does a page about an
8-person department cost the same in a big organisation?" (target ×size ≤ 1.5). They are printed
again after the table, each page's time and query count at both sizes and the ratio between them.
The demo story's departments are smaller (就业促进科: 2 people at ``--demo-staff 10``).
``bench_head`` heads one of the large departments (target ×trivial ≤ 5 for every main page at
100 000).

    .venv/bin/python bench/pages_bench.py                         # SQLite in a temp dir, 100 000
    .venv/bin/python bench/pages_bench.py --staff 5000            # quick check
    tests/support/with_postgres.sh .venv/bin/python bench/pages_bench.py   # on PostgreSQL 15

Exit status 0 always: this prints figures, it does not judge them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchrows import add_people, bulk, per_owner, per_person

ROOT = Path(__file__).resolve().parents[1]
BIG_DEPARTMENTS = 8
# People in the department whose pages are measured at both sizes (add_small_department).
SMALL_DEPARTMENT = 8
LABEL = 28  # width of the page column

# (label, account, url); the url may use {year}, {quarter}, {quarter_pk}, {grade_pk}.
PAGES = [
    ("trivial (password form)", "demo_staff", "/accounts/password/"),
    ("home", "demo_staff", "/"),
    ("home", "demo_head", "/"),
    ("home", "bench_head", "/"),
    ("home", "demo_chief", "/"),
    ("my targets", "demo_staff", "/targets/"),
    ("my summaries", "demo_staff", "/summaries/"),
    ("review inbox", "demo_head", "/review/"),
    ("review inbox", "bench_head", "/review/"),
    ("grading", "demo_head", "/evaluations/grading/"),
    ("grading", "bench_head", "/evaluations/grading/"),
    ("grading", "demo_leader", "/evaluations/grading/"),
    ("grading", "bench_leader", "/evaluations/grading/"),
    ("roster", "demo_head", "/review/roster/"),
    ("roster", "demo_hr", "/review/roster/"),
    ("roster export", "demo_head", "/review/roster.xlsx"),
    ("quarters", "demo_hr", "/evaluations/quarters/"),
    ("approval", "demo_chief", "/evaluations/quarters/{quarter_pk}/approve/"),
    ("staff list", "demo_hr", "/accounts/staff/"),
    ("annual committee", "demo_hr", "/evaluations/annual/{year}/"),
    ("result use", "demo_hr", "/evaluations/annual/{year}/use/"),
    ("audit log", "demo_auditor", "/accounts/audit/"),
    # The 8-person department (add_small_department), the same at both sizes: its people's pages
    # and HR's pages opened on it.
    ("home", "small_staff", "/"),
    ("home", "small_head", "/"),
    ("my targets", "small_staff", "/targets/"),
    ("my summaries", "small_staff", "/summaries/"),
    ("review inbox", "small_head", "/review/"),
    ("grading", "small_head", "/evaluations/grading/"),
    ("roster", "small_head", "/review/roster/"),
    ("roster export", "small_head", "/review/roster.xlsx"),
    ("roster (8-person dept)", "demo_hr", "/review/roster/?department={small_department}"),
    ("staff list (8-person dept)", "demo_hr", "/accounts/staff/?department={small_department}"),
    ("annual (8-person dept)", "demo_hr", "/evaluations/annual/{year}/?department={small_department}"),
]


def about_small_department(account: str, url: str) -> bool:
    """A row of the 8-person department's pages (its ×size is the 1.5× target)."""
    return account.startswith("small_") or "{small_department}" in url


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal_site.settings")
    import logging

    import django

    django.setup()
    # One log line per request measured buried the figures.
    logging.getLogger("appraisal.request").setLevel(logging.WARNING)


def demo_organisation():
    """The organisation seed_demo made (it also makes the bureau that oversees it)."""
    from accounts.models import User

    return User.objects.select_related("organisation").get(username="demo_hr").organisation


def open_running_quarter(settings) -> None:
    """Move the clock to the first day the running quarter may be graded and open it, so the
    grading and approval pages have a quarter to show (the calendar refuses grading earlier)."""
    from accounts import periods
    from evaluations.grading.services.grading import appraisal_quarter_open, grading_window_opens

    organisation = demo_organisation()
    quarter = periods.Quarter.current()
    settings.APPRAISAL_TODAY = grading_window_opens(organisation_id=organisation.pk, quarter=quarter)
    appraisal_quarter_open(organisation=organisation, year=quarter.year, quarter=quarter.quarter)


def grow(*, staff: int, departments: int = BIG_DEPARTMENTS, per_leader: int | None = None) -> None:
    """Add people in bulk to the demo organisation until it has about ``staff`` people, in
    ``departments`` new departments (``bench_head``, ``bench_head1`` … head them). ``bench_leader``
    supervises them all, or with ``per_leader`` the first ``per_leader`` of them, ``bench_leader1``
    the next ones, and so on (an agency's 分管领导 supervise a few departments each)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import Role, RoleAssignment, User

    organisation = demo_organisation()
    existing = User.objects.filter(organisation=organisation).count()
    count = max(staff - existing, 0)
    password = make_password("Bench@2026!")
    with _bulk():
        leaders = []
        for n in range(-(-departments // per_leader) if per_leader else 1):
            leader = User.objects.create(
                username="bench_leader" if n == 0 else f"bench_leader{n}",
                full_name=f"基准分管领导{n or ''}",
                organisation=organisation,
                password=password,
            )
            RoleAssignment.objects.create(user=leader, organisation=organisation, role=Role.SUPERVISING_LEADER)
            leaders.append(leader)
        grown = [
            _department(
                organisation=organisation,
                head="bench_head" if i == 0 else f"bench_head{i}",
                head_name=f"基准科长{i}",
                code=f"BENCH{i}",
                name=f"基准业务{i}科",
                leader=leaders[i // per_leader if per_leader else 0],
                sort_order=100 + i,
                password=password,
            )
            for i in range(departments)
        ]
        _populate(departments=grown, count=count, username=lambda i: f"b{i:07d}")


def add_small_department() -> None:
    """One department of :data:`SMALL_DEPARTMENT` people (its head ``small_head`` and staff, one of
    them ``small_staff``), each with the same documents as the grown people, added before the first
    measurement: the pages about it are measured at both sizes (does a page about an 8-person
    department cost the same in an organisation of 100 000?). The demo story's own departments are
    smaller than that at ``--demo-staff 10`` (就业促进科: 2 people)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    organisation = demo_organisation()
    leader = User.objects.get(username="demo_leader")
    with _bulk():
        department = _department(
            organisation=organisation,
            head="small_head",
            head_name="小科科长",
            code="SMALL",
            name="基准小科",
            leader=leader,
            sort_order=90,
            password=make_password("Bench@2026!"),
        )
        _populate(
            departments=[department],
            count=SMALL_DEPARTMENT - 1,
            username=lambda i: "small_staff" if i == 0 else f"s{i:07d}",
        )


@contextlib.contextmanager
def _bulk():
    from auditlog.context import disable_auditlog
    from django.db import transaction

    with transaction.atomic(), disable_auditlog():
        if transaction.get_connection().vendor == "postgresql":
            # Check the foreign keys as the rows go in: deferred to COMMIT, the checks of about two
            # million bulk-inserted rows queued up and the COMMIT did not finish in an hour.
            with transaction.get_connection().cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield


def _department(*, organisation, head, head_name, code, name, leader, sort_order, password):
    from accounts.models import Department, Role, RoleAssignment, User

    head = User.objects.create(username=head, full_name=head_name, organisation=organisation, password=password)
    department = Department.objects.create(
        organisation=organisation, code=code, name=name, head=head, supervising_leader=leader, sort_order=sort_order
    )
    head.department = department
    head.save(update_fields=["department"])
    RoleAssignment.objects.create(user=head, organisation=organisation, role=Role.DEPARTMENT_HEAD)
    return department


def _populate(*, departments, count: int, username) -> None:
    """``count`` people spread over ``departments`` (whose heads exist), each person of them (heads
    too) with the current quarter's targets awaiting review, last month's summary, a grade row in
    every appraisal quarter of the year and an annual result."""
    import random

    from django.utils import timezone

    from accounts import periods
    from accounts.models import DepartmentMembership, Role, RoleAssignment, User
    from evaluations.annual.counts import annual_counts_refresh
    from evaluations.grading.services.counts import grade_counts_refresh
    from evaluations.grading.services.documents import grade_documents_refresh
    from evaluations.models import AnnualResult, AnnualRollupRun, AppraisalQuarter, Grade, QuarterGrade
    from summaries.models import MonthlySummary
    from targets.models import TargetItem, TargetSet

    rng = random.Random(1)
    organisation = demo_organisation()
    today = periods.today()
    # The quarter being graded (the open one) and the year it belongs to; the running quarter's
    # targets are what waits in the heads' inboxes.
    graded = AppraisalQuarter.objects.filter(organisation=organisation).order_by("-year", "-quarter").first()
    year = graded.year
    quarter = periods.Quarter.of(today)
    last_month = periods.Month.of(today).previous()
    now = timezone.now()
    grades = [Grade.GOOD, Grade.FAIRLY_GOOD, Grade.FAIRLY_GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE]
    add_people(
        count,
        organisation=organisation,
        department=lambda i: departments[i % len(departments)],
        username=username,
        employee_number=lambda i: username(i).upper(),
    )
    print(f"  {count} people added", flush=True)
    people = list(
        User.objects.filter(department__in=departments).values_list(
            "pk", "department_id", "department__head_id", "employee_number"
        )
    )
    start_of_year = periods.Quarter(year, 1).first_day
    bulk(
        DepartmentMembership,
        (DepartmentMembership(user_id=pk, department_id=dept, start_date=start_of_year) for pk, dept, _h, _u in people),
    )
    bulk(
        RoleAssignment,
        (RoleAssignment(user_id=pk, organisation=organisation, role=Role.STAFF) for pk, _d, _h, _u in people),
        ignore_conflicts=True,
    )
    # The graded quarter's targets approved; the running quarter's waiting for review.
    for target_quarter, status in {graded.period: "approved", quarter: "submitted"}.items():
        per_owner(
            TargetSet,
            people,
            organisation=organisation,
            year=target_quarter.year,
            quarter=target_quarter.quarter,
            status=status,
            submitted_at=now,
        )
    print("  target sets added", flush=True)
    set_ids = TargetSet.objects.filter(department__in=departments).values_list("pk", flat=True)
    bulk(
        TargetItem,
        (TargetItem(target_set_id=set_id, content=f"目标事项{n}") for set_id in set_ids.iterator() for n in range(3)),
    )
    # The graded quarter's months handed in (last month's still waiting for review).
    for month in {last_month, *(periods.Month(graded.year, m) for m in graded.period.months)}:
        per_owner(
            MonthlySummary,
            people,
            organisation=organisation,
            year=month.year,
            month=month.month,
            status="submitted" if month == last_month else "approved",
            submitted_at=now,
            other_work="日常工作",
        )
    print("  summaries added", flush=True)
    for appraisal_quarter in AppraisalQuarter.objects.filter(organisation=organisation, year=year):
        approved = appraisal_quarter.state == "approved"
        bulk(
            QuarterGrade,
            (
                QuarterGrade(
                    appraisal_quarter=appraisal_quarter,
                    person_id=pk,
                    department_id=dept,
                    evaluator_id=head,
                    state="approved" if approved else "pending",
                    grade=rng.choice(grades) if approved else "",
                    employee_number=number,
                )
                for pk, dept, head, number in people
            ),
        )
    per_person(
        AnnualResult,
        people,
        organisation=organisation,
        year=year,
        graded_quarters=3,
        suggested_grade="competent",
        computed_at=now,
        ignore_conflicts=True,
    )
    # Computed now, as the roll-up records it (the committee page reads when).
    AnnualRollupRun.objects.update_or_create(organisation=organisation, year=year, defaults={"computed_at": now})
    # bulk_create sends no signals: the grade rows learn their documents in one pass.
    print("  grade rows added", flush=True)
    grown = QuarterGrade.objects.filter(department__in=departments)
    grade_documents_refresh(rows=grown.filter(appraisal_quarter__state="open"))
    # An approved quarter had every target set approved and every summary handed in (approval
    # waits for them); the bench writes those documents for the open quarter only, so the
    # approved quarters' rows are marked complete directly, as they would be.
    grown.filter(appraisal_quarter__state="approved").update(targets_approved=True, summary_months=0b111)
    # Nor do the counters of the grown departments learn of the new rows: counted once per quarter.
    for appraisal_quarter_id in AppraisalQuarter.objects.filter(organisation=organisation, year=year).values_list(
        "pk", flat=True
    ):
        grade_counts_refresh(appraisal_quarter_id=appraisal_quarter_id)
    # Nor the annual results' counters (evaluations.annual.counts).
    annual_counts_refresh(organisation_id=organisation.pk, year=year)


def measure(
    *, repeat: int, only: frozenset = frozenset(), slowest: int = 0
) -> dict[tuple[str, str], tuple[float, int, int, int]]:
    """{(label, account): (median seconds, queries, bytes, status)} for every page; with
    ``slowest``, print each page's slowest queries of its last request (where its time goes)."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts import periods
    from accounts.models import Department, User
    from evaluations.models import AppraisalQuarter

    today = periods.today()
    open_quarter = AppraisalQuarter.objects.filter(state="open").order_by("-year", "-quarter").first()
    values = {
        # The year being decided: the graded quarter's.
        "year": open_quarter.year if open_quarter else today.year,
        "quarter": periods.Quarter.of(today).quarter,
        "quarter_pk": open_quarter.pk if open_quarter else 0,
        "small_department": Department.objects.filter(code="SMALL").values_list("pk", flat=True).first() or 0,
    }
    results = {}
    for label, account, url in PAGES:
        if only and label != PAGES[0][0] and label not in only:
            continue
        user = User.objects.filter(username=account).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        path = url.format(**values)
        client.get(path)  # warm up: template cache, connection
        times = []
        queries = size = status = 0
        for n in range(repeat):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path)
                body = b"".join(response) if response.streaming else response.content
                times.append(time.perf_counter() - started)
            queries, size, status = len(captured), len(body), response.status_code
            if times[-1] > 2 and n == 0:
                break
        results[(label, account)] = (statistics.median(times), queries, size, status)
        if slowest:
            spent = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:slowest]
            total = sum(float(q["time"]) for q in captured.captured_queries)
            print(f"{label} ({account}): {times[-1] * 1000:.1f} ms, queries {total * 1000:.1f} ms; slowest:")
            for query in spent:
                print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:300]}")
    return results


def report(small: dict, large: dict, *, small_people: int, large_people: int) -> None:
    trivial_small = small[PAGES[0][0], PAGES[0][1]][0]
    trivial_large = large[PAGES[0][0], PAGES[0][1]][0]
    print(f"{'page':<{LABEL}}{'as':<14}{small_people:>8} people{'':>12}{large_people:>8} people")
    columns = f"{'ms':>8}{'q':>5}{'KB':>7}{'×triv':>7}"
    print(f"{'':<{LABEL + 14}}{columns}  {columns}{'×size':>7}  q equal")
    unequal = []
    for label, account, _url in PAGES:
        if (label, account) not in large:
            continue
        large_row = large[label, account]
        small_row = small.get((label, account))
        left = (
            f"{small_row[0] * 1000:8.1f}{small_row[1]:5d}{small_row[2] / 1024:7.0f}{small_row[0] / trivial_small:7.1f}"
            if small_row
            else f"{'—':>27}"
        )
        ratio = f"{large_row[0] / small_row[0]:7.2f}" if small_row else f"{'—':>7}"
        status = "" if large_row[3] == 200 else f"  HTTP {large_row[3]}"
        if small_row:
            equal = "yes" if small_row[1] == large_row[1] else f"NO ({large_row[1] - small_row[1]:+d})"
            if small_row[1] != large_row[1]:
                unequal.append(f"{label} ({account})")
        else:
            equal = "—"
        print(
            f"{label:<{LABEL}}{account:<14}{left}"
            f"{large_row[0] * 1000:10.1f}{large_row[1]:5d}{large_row[2] / 1024:7.0f}"
            f"{large_row[0] / trivial_large:7.1f}{ratio}  {equal}{status}"
        )
    small_rows = [
        (label, account)
        for label, account, url in PAGES
        if about_small_department(account, url) and (label, account) in large and (label, account) in small
    ]
    if small_rows:
        print(
            f"\nA page about the {SMALL_DEPARTMENT}-person department (基准小科), at {small_people} and at "
            f"{large_people} people (target ×size ≤ 1.5):"
        )
        print(f"{'page':<{LABEL}}{'as':<14}{'ms':>8}{'q':>5}{'ms':>10}{'q':>5}{'×size':>7}")
        for key in small_rows:
            (small_ms, small_q, *_s), (large_ms, large_q, *_l) = small[key], large[key]
            print(
                f"{key[0]:<{LABEL}}{key[1]:<14}{small_ms * 1000:8.1f}{small_q:5d}{large_ms * 1000:10.1f}{large_q:5d}"
                f"{large_ms / small_ms:7.2f}"
            )
        worst = max(small_rows, key=lambda key: large[key][0] / small[key][0])
        print(f"largest ×size: {large[worst][0] / small[worst][0]:.2f} ({worst[0]}, {worst[1]})")
    print(
        f"\ntrivial page: {trivial_small * 1000:.1f} ms at {small_people} people, "
        f"{trivial_large * 1000:.1f} ms at {large_people}"
    )
    compared = sum(1 for key in large if key in small)
    print(
        f"query counts: {compared - len(unequal)} of {compared} pages asked as many queries at {large_people} people "
        f"as at {small_people}" + (f"; not: {', '.join(unequal)}" if unequal else ""),
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=100_000, help="people in the large organisation")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--demo-staff",
        type=int,
        default=10,
        help="staff in the demo's story, the small size (default 10; the story's year through the services "
        "took 470 s for 60 under load, about 90 s for 10)",
    )
    parser.add_argument(
        "--pages", default="", help="comma-separated page labels to measure (default all; the trivial page always)"
    )
    parser.add_argument(
        "--slowest", type=int, default=0, help="print each large page's N slowest queries (a profile of the page)"
    )
    args = parser.parse_args()
    tmp = None
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        tmp = tempfile.TemporaryDirectory(prefix="pages-bench-")
        database_url = f"sqlite:///{tmp.name}/bench.sqlite3"
    setup_django(database_url)

    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    call_command("migrate", "--noinput", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", "--force", "--staff", str(args.demo_staff), verbosity=0)
    print(f"seed_demo --staff {args.demo_staff}: {time.perf_counter() - started:.0f} s", flush=True)
    open_running_quarter(settings)
    add_small_department()
    small_people = User.objects.count()
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}", flush=True)
    only = frozenset(filter(None, args.pages.split(",")))
    small = measure(repeat=args.repeat, only=only)
    started = time.perf_counter()
    grow(staff=args.staff)
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        from django.db import connection

        # Fresh statistics and visibility map, as a database that has lived a while has; without
        # it autovacuum runs during the measurements.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    large_people = User.objects.count()
    print(f"grown to {large_people} people in {time.perf_counter() - started:.0f} s (not timed)\n", flush=True)
    large = measure(repeat=args.repeat, only=only, slowest=args.slowest)
    # bench_head and bench_leader exist only in the large organisation: no ×size for them.
    report(small, large, small_people=small_people, large_people=large_people)
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
