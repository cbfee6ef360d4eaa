"""`make stack-check`: the deployed stack (PostgreSQL, Redis, a Celery worker, beat, gunicorn), used
over HTTP as a person would.

Run by tests/support/run_stack.sh in check mode (tests/support/stack_check.sh) once the stack's
processes are started:

    python tests/support/stack_check.py check URL LOGDIR

It first writes a small organisation through the test factories (HR, a department of five graded
for a quarter) while gunicorn and the worker boot, then signs HR in with a real session and CSRF
token, asks for the quarter's roll-up, waits for it to finish and checks from the worker's log that
the worker ran it (the web processes have a broker, so nothing runs in-process), downloads the
roster export, and checks that the web and the worker log JSON lines with the request id, user and
organisation, or the task. Any failure exits 1 with what went wrong; run_stack.sh then stops everything.

``seed`` alone writes the same organisation (make restore-drill uses it).
"""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORGANISATION = "stackorg"
USERNAME = "stackhr"
YEAR, QUARTER = 2026, 3
GRADING_DAY = date(2026, 10, 9)
TEAM = 5
JOB_TIMEOUT = 45


class CheckFailed(Exception):
    pass


def seed() -> None:
    _setup_django()
    from accounts.models import Role
    from evaluations.grading.services.counts import grade_counts_refresh
    from evaluations.grading.services.grading import appraisal_quarter_open
    from evaluations.models import Grade, GradeState, QuarterGrade
    from tests.factories import DepartmentFactory, OrganisationFactory, UserFactory, audited

    # With their audit entries, as on a real site (the restore drill compares the audit log).
    with audited():
        organisation = OrganisationFactory(code=ORGANISATION, name="联调局")
        department = DepartmentFactory(organisation=organisation, code="S001", name="综合科")
        UserFactory(
            username=USERNAME, full_name="人事干部", organisation=organisation, department=None, roles=[Role.HR_ADMIN]
        )
        team = [UserFactory(username=f"stack{n}", full_name=f"科员{n}", department=department) for n in range(TEAM)]
    appraisal_quarter = appraisal_quarter_open(organisation=organisation, year=YEAR, quarter=QUARTER, today=GRADING_DAY)
    QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, person__in=team).update(
        grade=Grade.GOOD, state=GradeState.CONFIRMED
    )
    # QuerySet.update() sends no signals: the quarter's grade counters are counted again.
    grade_counts_refresh(appraisal_quarter_id=appraisal_quarter.pk)
    print(f"stack-check: seeded {organisation.code}: HR {USERNAME}, {TEAM} graded people, {YEAR} Q{QUARTER}")


class Session:
    """A browser's part of the conversation: cookies (the session, the CSRF cookie), no redirects
    followed silently, Chinese as the language asked for."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)
        request.add_header("Accept-Language", "zh-hans")
        if data is not None:
            # Django checks the Referer only over HTTPS; sent anyway, as a browser does.
            request.add_header("Referer", self.base_url + path)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def cookie(self, name: str) -> str:
        for cookie in self.cookies:
            if cookie.name == name:
                return cookie.value
        raise CheckFailed(f"no {name} cookie")


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def step(name: str, started: float) -> None:
    print(f"stack-check: {name} ({time.monotonic() - started:.1f} s)", flush=True)


def check(base_url: str, logdir: Path) -> None:
    from django.urls import reverse

    started = time.monotonic()
    # Seeding here, while gunicorn and the worker boot, costs no extra start of Django.
    seed()
    step("seeded", started)
    password = _password()
    rollup_page = reverse("evaluations:rollup")
    browser = Session(base_url)

    # The site answers, on PostgreSQL, with the broker reachable and the worker seen running.
    deadline = time.monotonic() + 60
    while True:
        try:
            status, _, body = browser.request("/healthz")
            if status == 200 and json.loads(body) == {"database": "ok", "broker": "ok", "worker": "ok"}:
                break
        except (OSError, ValueError):
            pass
        expect(time.monotonic() < deadline, "/healthz did not say database, broker and worker ok in 60 s")
        time.sleep(0.2)
    step("healthz ok", started)

    # Sign in as a person does: the form's CSRF token, then name and password.
    status, _, body = browser.request(reverse("accounts:login"))
    expect(status == 200, f"login page answered {status}")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    expect(token is not None, "no CSRF token in the login form")
    status, headers, _ = browser.request(
        reverse("accounts:login"),
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": USERNAME, "password": password},
    )
    expect(status == 302, f"sign-in answered {status}, not a redirect")
    expect(browser.cookie("sessionid"), "no session cookie after signing in")
    status, _, body = browser.request("/")
    expect(status == 200 and "人事干部".encode() in body, f"home page after sign-in answered {status}")
    # Without the token a POST is refused: the session really is CSRF-protected.
    status, _, _ = browser.request(reverse("accounts:logout"), {})
    expect(status == 403, f"a POST without the CSRF token answered {status}, not 403")
    step("signed in", started)

    # The roll-up: asked for over HTTP, performed by the worker.
    status, _, body = browser.request(rollup_page)
    expect(status == 200, f"roll-up page answered {status}")
    run = re.search(rb'action="(' + re.escape(rollup_page.encode()) + rb'\d+/run/)"', body)
    expect(run is not None, "no roll-up button on the roll-up page")
    csrf = browser.cookie("csrftoken")
    status, headers, _ = browser.request(run.group(1).decode(), {"csrfmiddlewaretoken": csrf})
    expect(status == 302, f"asking for the roll-up answered {status}")
    status, _, body = browser.request(rollup_page)
    # Queued; or, when the worker was quicker than the web process's look at the job after
    # handing it over (a 5-person roll-up takes it under 0.1 s), already done. That the worker,
    # not the web process, ran it is checked below from the worker's log.
    expect(
        "已提交汇总任务".encode() in body or f"已汇总{TEAM}人".encode() in body,
        "the roll-up page says neither that the roll-up was queued nor that it is done",
    )
    status_url = re.search(rb'data-job-status-url="([^"]+)"', body)
    expect(status_url is not None, "the roll-up page shows no job")
    job_id = int(re.search(rb"/(\d+)/$", status_url.group(1)).group(1))
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        status, _, body = browser.request(status_url.group(1).decode())
        expect(status == 200, f"the job's status answered {status}")
        job = json.loads(body)
        if job["state"] == "done":
            break
        expect(job["state"] in ("pending", "running"), f"the roll-up job ended {job['state']}: {job}")
        expect(time.monotonic() < deadline, f"the roll-up job is still {job['state']} after {JOB_TIMEOUT} s")
        time.sleep(0.3)
    # The worker logs the task's success just after the task has marked the job done.
    deadline = time.monotonic() + 10
    while not _worker_ran_job(logdir, job_id):
        expect(
            time.monotonic() < deadline,
            f"the worker's log shows no finished run_job task for job {job_id} (did it run in the web process?)",
        )
        time.sleep(0.2)
    status, _, body = browser.request(rollup_page)
    expect(f"已汇总{TEAM}人".encode() in body, f"the roll-up page does not report {TEAM} people rolled up")
    step(f"roll-up job {job_id} done by the worker", started)

    # An export downloads as a real workbook.
    status, headers, body = browser.request(reverse("roster_export"))
    expect(status == 200, f"the roster export answered {status}")
    expect(body[:2] == b"PK", "the roster export is not an xlsx (zip) file")
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    expect(sum(1 for _ in sheet.iter_rows()) > TEAM, "the roster export has fewer rows than people")
    step(f"roster export downloaded ({len(body)} bytes)", started)

    _check_logs(logdir, reverse("roster_export"))
    step("web and worker log JSON lines with the request id, user and organisation, or the task", started)


def _worker_ran_job(logdir: Path, job_id: int) -> bool:
    """The worker's JSON log has the run_job task's success for this job (its one argument)."""
    return any(
        line.get("task") == "accounts.tasks.run_job"
        and "succeeded" in line.get("message", "")
        and line.get("data", {}).get("args") == f"[{job_id}]"
        for line in _json_lines(logdir / "worker.log")
    )


def _json_lines(path: Path) -> list[dict]:
    """The JSON lines of a log (gunicorn's and Celery's start-up banners are plain text)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    # A line still being written (the log is read while the worker runs) is not read yet.
    lines = text.split("\n")[:-1]
    return [json.loads(line) for line in lines if line.startswith("{")]


def _check_logs(logdir: Path, export_path: str) -> None:
    web = [line for line in _json_lines(logdir / "web.log") if line.get("path") == export_path]
    expect(web, "the web log has no JSON line for the export request")
    line = web[-1]
    expect(
        line.get("request_id") and line.get("user_id") and line.get("organisation") and line.get("status") == 200,
        f"the export's log line lacks the request id, user or organisation: {line}",
    )
    worker = [line for line in _json_lines(logdir / "worker.log") if line.get("task") == "accounts.tasks.run_job"]
    expect(worker and all(line.get("task_id") for line in worker), "the worker logs no JSON line naming the job task")


def _setup_django() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal_site.settings")
    django.setup()


def _password() -> str:
    from tests.factories import PASSWORD

    return PASSWORD


def main(argv: list[str]) -> int:
    if argv[:1] == ["seed"]:
        seed()
        return 0
    if argv[:1] == ["check"] and len(argv) == 3:
        try:
            check(argv[1], Path(argv[2]))
        except CheckFailed as failure:
            print(f"stack-check: FAILED: {failure}", file=sys.stderr)
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
