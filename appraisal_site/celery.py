"""Celery application.

With ``CELERY_BROKER_URL`` unset the settings switch Celery to eager mode, so the
embedded default (SQLite, no Redis) runs every task in-process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal_site.settings")

app = Celery("appraisal_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every worker records a heartbeat on its own timer (accounts.heartbeat), which /healthz reads.
from accounts.heartbeat import WorkerHeartbeatStep  # noqa: E402 (after the app it extends)

app.steps["worker"].add(WorkerHeartbeatStep)
