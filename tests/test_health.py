import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db.utils import OperationalError

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_reports_the_database_and_the_in_process_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager"}


@pytest.fixture
def broker_not_answering(settings):
    """A broker address where nothing listens: /healthz reports it and the worker beside the database."""
    from tests.support.services import free_port

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"


def test_healthz_says_no_worker_was_ever_seen_when_none_ran(client, db, broker_not_answering):
    response = client.get("/healthz")
    assert response.status_code == 200
    answer = response.json()
    assert answer["broker"].startswith("error")
    assert answer["worker"] == "never seen"


def test_healthz_says_how_long_the_workers_have_been_silent(client, db, broker_not_answering):
    """A worker that ran the per-minute sweeper lately is ok; one silent for ten minutes (stopped,
    or beat stopped) is reported with the seconds since, and the site still answers 200."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.jobs import worker_seen

    worker_seen("jobs@web1", now=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 200
    silent = response.json()["worker"]
    assert silent.startswith("silent for ") and 600 <= int(silent.split()[2]) < 660, silent
    # A second worker seen a minute ago: one is taking tasks.
    worker_seen("jobs@web2", now=timezone.now() - timedelta(minutes=1))
    assert client.get("/healthz").json()["worker"] == "ok"


def test_a_worker_gone_for_a_week_is_forgotten(db):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.jobs import worker_seen
    from accounts.models import WorkerHeartbeat

    now = timezone.now()
    worker_seen("jobs@old-container", now=now - timedelta(days=8))
    worker_seen("jobs@new-container", now=now)
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == ["jobs@new-container"]


def test_healthz_is_503_when_the_database_is_unreachable(client, db):
    # A database outage cannot be caused inside the test's own transaction, so this fault is simulated.
    with mock.patch("appraisal_site.views.connection.cursor", side_effect=OperationalError("unreachable")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")


def test_the_deploy_check_passes_with_production_settings():
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "appraisal.example.gov.cn",
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
        # As the README's production recipe: gunicorn behind nginx on the same host.
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("debug", "proxies", "served_directly", "warned"),
    [
        (False, [], False, True),
        (False, ["127.0.0.1"], False, False),
        (False, [], True, False),
        (True, [], False, False),
    ],
)
def test_the_deploy_check_warns_when_production_names_no_trusted_proxy(
    settings, debug, proxies, served_directly, warned
):
    from accounts.checks import trusted_proxies_check

    settings.DEBUG = debug
    settings.TRUSTED_PROXIES = proxies
    settings.SERVED_WITHOUT_PROXY = served_directly
    assert [message.id for message in trusted_proxies_check()] == (["accounts.W001"] if warned else [])


def test_the_readmes_production_recipe_names_nginx_as_the_trusted_proxy_and_nginx_forwards_the_address():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    recipe = readme.split("## Production deployment", 1)[1].split("\n## ", 1)[0]
    assert "TRUSTED_PROXIES=127.0.0.1" in recipe
    assert "deploy/nginx/appraisal.conf" in recipe
    site = (ROOT / "deploy" / "nginx" / "appraisal.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "proxy_pass http://127.0.0.1:8000;" in site
    assert "TRUSTED_PROXIES=127.0.0.1" in (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")


def test_nginx_accepts_the_largest_upload_and_no_more_than_its_allowance():
    """client_max_body_size sits just above the 10 MB upload limit, with room for the form around it."""
    import re

    from accounts.excel import MAX_FILE_BYTES
    from accounts.models import Policy
    from accounts.storage import MULTIPART_ALLOWANCE

    site = (ROOT / "deploy" / "nginx" / "appraisal.conf").read_text(encoding="utf-8")
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    largest_upload = max(MAX_FILE_BYTES, Policy._meta.get_field("attachment_max_mb").default * 1024 * 1024)
    assert largest_upload + MULTIPART_ALLOWANCE <= megabytes * 1024 * 1024 <= largest_upload + 4 * 1024 * 1024


def test_production_refuses_to_start_without_a_secret_key():
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "ALLOWED_HOSTS": "x"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.postgres
def test_page_queries_run_without_postgresql_jit(db):
    """A page's query whose estimated cost crosses jit_above_cost must not pay for compiling."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_healthz_answers_quickly_and_reports_the_broker_down_when_it_is_unreachable(client, db, settings):
    import time

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 200  # the site still serves; tasks wait
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("error")
    assert elapsed < 2, elapsed  # loose on purpose: the check's own budget is a fraction of a second


def test_old_secret_keys_are_read_from_the_environment_after_a_rotation():
    """README: SECRET_KEY_FALLBACKS keeps what the old key signed readable; it was documented but
    only settable by editing settings.py."""
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "1", "SECRET_KEY_FALLBACKS": "old-key-one,old-key-two"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['old-key-one', 'old-key-two']"


def test_the_containers_health_check_asks_under_the_sites_name(client, db, settings):
    """An operator read compose.yaml's web health check: it asked http://127.0.0.1:8000/healthz, which
    the application answers 400 (DisallowedHost) under env.example's ALLOWED_HOSTS, so the container
    would never be healthy. The check's own code is run here, its request answered by the application."""
    import re
    import urllib.request

    compose = (ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8")
    web = compose.split("\n  web:\n", 1)[1].split("\n\n", 1)[0]
    code = re.search(r'test: \["CMD", "python", "-c", "(.+)"\]', web).group(1)
    allowed = re.search(r"^ALLOWED_HOSTS=(.+)$", (ROOT / "deploy" / "env.example").read_text(encoding="utf-8"), re.M)
    settings.ALLOWED_HOSTS = allowed.group(1).split(",")
    answers = []

    def urlopen(request, timeout):
        assert request.full_url == "http://127.0.0.1:8000/healthz"
        answers.append(client.get("/healthz", HTTP_HOST=request.get_header("Host")).status_code)

    with (
        mock.patch.dict("os.environ", {"ALLOWED_HOSTS": allowed.group(1)}),
        mock.patch.object(urllib.request, "urlopen", urlopen),
    ):
        exec(code, {})
    assert answers == [200]
    # Under the address alone, as the check first asked: refused.
    assert client.get("/healthz", HTTP_HOST="127.0.0.1").status_code == 400


def test_hr_and_the_system_administrator_see_on_the_home_page_that_the_worker_has_stopped(
    client_for, hr, sysadmin, staff, broker_not_answering
):
    """Those who ask for roll-ups and exports and who run the system learn it where they work, not
    only from /healthz; nobody else is shown it."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.jobs import worker_seen

    def notice(user) -> str:
        html = client_for(user).get("/").content.decode()
        return html.split('data-testid="worker-silent"', 1)[1].split("</div>", 1)[0] if "worker-silent" in html else ""

    assert "后台任务程序尚未运行" in notice(hr) and "后台任务程序尚未运行" in notice(sysadmin)
    assert notice(staff) == ""
    stopped = timezone.now() - timedelta(minutes=10)
    worker_seen("jobs@web1", now=stopped)
    since = timezone.localtime(stopped).strftime("%Y-%m-%d %H:%M")
    assert f"后台任务程序自{since}起未运行" in notice(hr)
    worker_seen("jobs@web1")
    assert notice(hr) == "" and notice(sysadmin) == ""


def test_without_a_broker_the_home_page_says_nothing_of_a_worker(client_for, hr):
    assert 'data-testid="worker-silent"' not in client_for(hr).get("/").content.decode()
