"""Locust users for bench/load_bench.py: signed-in people opening the main pages, and the floor.

Run by bench/load_bench.py, which seeds the database, signs the accounts in (a session per account,
made in the database the server reads) and starts gunicorn; it hands this file two variables:

  * ``LOAD_ACCOUNTS``: a JSON file ``{"sessions": {username: sessionid}, "grades": {head: [grade ids]},
    "year": …, "quarter_pk": …}``;
  * the user classes on locust's command line: ``Floor`` (every request the signed-in ``/healthz``)
    or ``Staff Head Leader Office`` (the main pages, with grading);
  * ``LOAD_WAIT``: ``0`` for a closed loop (each user asks again as soon as it has its
    answer) or the seconds between one user's requests (``constant_throughput``: 50 users at 10 s
    make the open loop of 5 requests/s, as long as an answer takes less than 10 s).

The mix, by weight: staff (home, my targets, my summaries), department heads of the large
departments (home, review inbox, the grading page, one person's grade page, a grade saved, the
roster), the supervising leader (grading), HR (quarters, staff list, roster, annual committee) and
the agency head (the approval page). A grade is saved as the grading form does it: the person's
grade page read for its CSRF token and version, then the POST (较好, within any quota).
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

from locust import HttpUser, constant, constant_throughput, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from html_form import find_form  # noqa: E402  (the bench folder is not a package)

with open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8") as handle:
    ACCOUNTS = json.load(handle)
WAIT = float(os.environ.get("LOAD_WAIT", "0"))
SESSIONS: dict[str, str] = ACCOUNTS["sessions"]
STAFF = sorted(name for name in SESSIONS if name.startswith("b0"))
HEADS = sorted(name for name in SESSIONS if name.startswith("bench_head"))


def _wait():
    return constant_throughput(1 / WAIT) if WAIT else constant(0)


class _Signed(HttpUser):
    abstract = True
    wait_time = _wait()
    account = ""

    def on_start(self) -> None:
        self.sign_in(self.account)

    def sign_in(self, account: str) -> None:
        """The account's session cookie, alone in the jar: the server renews a session with a
        Set-Cookie for the host, which a cookie set without a domain does not replace (two
        ``sessionid`` cookies: requests went out as the other account and were refused, 403)."""
        self.client.cookies.clear()
        self.client.cookies.set("sessionid", SESSIONS[account])

    def page(self, url: str, name: str | None = None):
        with self.client.get(url, name=name or url, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response


def opens(url: str, name: str, weight: int = 1):
    """A task that opens one page of the mix (``name``: its line in locust's figures), ``weight``
    times as often as a task of weight 1 of the same user."""

    @task(weight)
    def open_page(user: _Signed) -> None:
        user.page(url, name)

    # Locust's task listing (--show-task-ratio, the web UI) names a task by its function's name:
    # one line per page, as when each page had a method of its own.
    open_page.__name__ = open_page.__qualname__ = name
    return open_page


class Floor(HttpUser):
    """The floor: a signed-in ``/healthz`` (sessions and middleware, one trivial query)."""

    wait_time = _wait()

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", SESSIONS["demo_staff"])

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="/healthz (signed in)")


class Staff(_Signed):
    weight = 12

    def on_start(self) -> None:
        self.account = random.choice(STAFF)
        super().on_start()

    home = opens("/", "home (staff)", weight=2)
    targets = opens("/targets/", "my targets")
    summaries = opens("/summaries/", "my summaries")


class Head(_Signed):
    """The head of a grown department (staff / 8 people in the single shape, 50 in the province)."""

    weight = 5

    def on_start(self) -> None:
        self.account = random.choice(HEADS)
        self.grades = ACCOUNTS["grades"].get(self.account) or []
        super().on_start()

    home = opens("/", "home (head)")
    inbox = opens("/review/", "review inbox")
    grading = opens("/evaluations/grading/", "grading", weight=2)
    roster = opens("/review/roster/", "roster (head)")

    @task(2)
    def grade(self) -> None:
        """A grade saved as a browser saves it: the person's grade page read, its grading form
        filled in (较好 and a comment; the CSRF token, the row's version and every hidden field as
        rendered), posted, and the redirect back to the grade page followed."""
        if not self.grades:
            return
        url = f"/evaluations/grading/{random.choice(self.grades)}/"
        page = self.page(url, "grade page")
        form = find_form(page.text or "", value="grade-form") if page.status_code == 200 else None
        grade, comment = (form.field_ending("grade"), form.field_ending("comment")) if form else (None, None)
        if form is None or not grade or not comment or not form.field_ending("version"):
            # The page offers no form (the row is no longer the head's to change): nothing to post.
            self.environment.events.request.fire(
                request_type="POST",
                name="grade saved",
                response_time=0,
                response_length=0,
                exception=Exception("no grading form on the grade page"),
                context={},
            )
            return
        data = dict(form.data)
        data[grade] = "fairly_good"
        data[comment] = "工作认真负责，完成季度目标。"
        with self.client.post(
            form.action or url,
            data=data,
            name="grade saved",
            headers={"Referer": self.host + url},
            catch_response=True,
        ) as response:
            # Saved: a redirect to the grade page, followed, which shows the message. A refusal
            # (the quota, an edit meanwhile) re-renders the form with 400/409: a failure, as any
            # answer outside 2xx/3xx.
            redirected = any(step.status_code in (302, 303) for step in response.history)
            if response.status_code >= 400 or not redirected or "已将" not in response.text:
                first = response.history[0].status_code if response.history else response.status_code
                response.failure(f"HTTP {first}, not saved")


class Leader(_Signed):
    weight = 1
    account = "bench_leader"

    grading = opens("/evaluations/grading/", "grading (leader)")


class Office(_Signed):
    """HR and the agency head."""

    weight = 2

    def on_start(self) -> None:
        self.account = "demo_hr"
        super().on_start()

    quarters = opens("/evaluations/quarters/", "quarters")
    staff_list = opens("/accounts/staff/", "staff list")
    roster = opens("/review/roster/", "roster (hr)")
    committee = opens(f"/evaluations/annual/{ACCOUNTS['year']}/", "annual committee")

    @task
    def approval(self) -> None:
        self.sign_in("demo_chief")
        try:
            self.page(f"/evaluations/quarters/{ACCOUNTS['quarter_pk']}/approve/", "approval (chief)")
        finally:
            self.sign_in(self.account)
