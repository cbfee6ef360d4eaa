"""The deploy recipe (deploy/): the parts agree with each other and with the settings."""

import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("WEB_CONCURRENCY", "BIND", "GUNICORN_MAX_WORKER_MB"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_runs_two_workers_per_core_plus_one_unless_told(monkeypatch):
    # The cores this process may use (an operator test: under taskset -c 0, or a CPU-limited
    # container, the host's count started too many workers).
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert _gunicorn_settings(monkeypatch)["workers"] == 3
    assert _gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3


def test_gunicorn_listens_where_nginx_proxies_and_believes_only_nginxs_scheme(monkeypatch):
    settings = _gunicorn_settings(monkeypatch)
    site = (DEPLOY / "nginx" / "appraisal.conf").read_text(encoding="utf-8")
    assert f"proxy_pass http://{settings['bind']};" in site
    assert settings["forwarded_allow_ips"] == "127.0.0.1"
    # Workers are recycled, which bounds their memory.
    assert settings["max_requests"] > 0 and settings["max_requests_jitter"] > 0


class _Worker:
    """What gunicorn's post_request hook reads and sets of a worker."""

    def __init__(self):
        self.alive, self.pid, self.warnings = True, 1, []
        self.log = self

    def warning(self, message, *args):
        self.warnings.append(message % args)


def test_a_gunicorn_worker_above_the_memory_ceiling_stops_after_its_request(monkeypatch):
    # This test process is well above 1 MB and well below 100 000 MB.
    low = _gunicorn_settings(monkeypatch, GUNICORN_MAX_WORKER_MB="1")
    worker = _Worker()
    low["post_request"](worker, None, {}, None)
    assert not worker.alive and "restarting" in worker.warnings[0]
    for ceiling in ("100000", "0"):  # under the ceiling, and the check switched off
        worker = _Worker()
        _gunicorn_settings(monkeypatch, GUNICORN_MAX_WORKER_MB=ceiling)["post_request"](worker, None, {}, None)
        assert worker.alive and not worker.warnings
    assert _gunicorn_settings(monkeypatch)["max_worker_rss_mb"] == 300


def test_there_is_exactly_one_beat_in_each_recipe():
    units = {path.name: path.read_text(encoding="utf-8") for path in (DEPLOY / "systemd").glob("*.service")}
    beats = [name for name, text in units.items() if re.search(r"celery .*\bbeat\b", text)]
    assert beats == ["appraisal-beat.service"]  # not a template unit (no @): one per installation
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert compose.count('"appraisal_site", "beat"') == 1
    beat_service = compose.split("\n  beat:\n", 1)[1].split("\n\n", 1)[0]
    assert '"appraisal_site", "beat"' in beat_service and "replicas: 1" in beat_service


def test_nginx_serves_the_static_files_from_static_root():
    site = (DEPLOY / "nginx" / "appraisal.conf").read_text(encoding="utf-8")
    env = (DEPLOY / "env.example").read_text(encoding="utf-8")
    static_root = re.search(r"^STATIC_ROOT=(.+)$", env, re.M).group(1)
    assert f"alias {static_root.rstrip('/')}/;" in site


def test_the_daily_backup_timer_runs_the_backup_script():
    service = (DEPLOY / "systemd" / "appraisal-backup.service").read_text(encoding="utf-8")
    timer = (DEPLOY / "systemd" / "appraisal-backup.timer").read_text(encoding="utf-8")
    assert "ExecStart=/srv/appraisal/deploy/backup.sh" in service
    assert re.search(r"^OnCalendar=\*-\*-\* \d\d:\d\d:\d\d", timer, re.M)
    script = (DEPLOY / "backup.sh").read_text(encoding="utf-8")
    assert "--format=custom" in script and "PRIVATE_FILES_ROOT" in script and "MEDIA_ROOT" in script


def test_debians_nginx_accepts_the_site(tmp_path):
    """An operator's `nginx -t` on Debian 12 refused the site (`http2 on;` needs nginx 1.25.1; Debian's
    is 1.22). Checked with Debian's own nginx (make test installs it), with a throwaway certificate."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        message = "nginx not found: apt-get install nginx"
        if os.environ.get("NGINX_REQUIRED") or os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    site = (DEPLOY / "nginx" / "appraisal.conf").read_text(encoding="utf-8")
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kaohe.example.gov.cn"]
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    site = site.replace("/etc/ssl/appraisal/fullchain.pem", str(certificate))
    site = site.replace("/etc/ssl/appraisal/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{ access_log off; include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


def test_the_backup_keeps_the_uploads_in_their_default_folders_private_and_the_password_off_the_command_line(
    tmp_path,
):
    """An operator who left MEDIA_ROOT and PRIVATE_FILES_ROOT at the application's defaults got a
    backup without the uploads, readable by everyone, and pg_dump's command line (what `ps` shows)
    held the database password. pg_dump itself is the restore drill's (make restore-drill); here a
    stand-in records what it was given."""
    project = tmp_path / "srv"
    (project / "deploy").mkdir(parents=True)
    shutil.copy(DEPLOY / "backup.sh", project / "deploy" / "backup.sh")
    (project / "var" / "private" / "summaries").mkdir(parents=True)
    (project / "var" / "private" / "summaries" / "总结.pdf").write_bytes(b"%PDF-1.4 uploaded")
    recorded = tmp_path / "pg_dump.txt"
    pg_dump = tmp_path / "pg_dump"
    pg_dump.write_text(
        f'#!/usr/bin/env bash\nprintf "%s\\n" "$*" "password=$PGPASSWORD" > {recorded}\n'
        'for a in "$@"; do case $a in --file=*) echo dump > "${a#--file=}";; esac; done\n',
        encoding="utf-8",
    )
    pg_dump.chmod(0o755)
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": "postgres://appraisal:s%40cret@db:5432/appraisal",
        "BACKUP_DIR": str(tmp_path / "backups"),
        "PG_DUMP": str(pg_dump),
    }
    done = subprocess.run(
        ["bash", str(project / "deploy" / "backup.sh")], env=env, capture_output=True, text=True, check=True
    )
    backup = Path(done.stdout.strip())
    assert sorted(p.name for p in backup.iterdir()) == [
        "SHA256SUMS",
        "database.dump",
        "media_root.tar.gz",
        "private_files_root.tar.gz",
    ]
    listed = subprocess.run(
        ["tar", "-tzf", str(backup / "private_files_root.tar.gz")], capture_output=True, text=True, check=True
    )
    assert "./summaries/总结.pdf" in listed.stdout.splitlines()
    assert "MEDIA_ROOT" in done.stderr and "does not exist" in done.stderr  # said, and an empty archive
    assert all((path.stat().st_mode & 0o077) == 0 for path in [backup, *backup.iterdir()])
    arguments, password = recorded.read_text(encoding="utf-8").splitlines()
    assert "s%40cret" not in arguments and "cret" not in arguments
    assert "--dbname=postgres://appraisal@db:5432/appraisal" in arguments and password == "password=s@cret"
