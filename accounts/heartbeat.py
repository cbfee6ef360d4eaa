"""The worker's heartbeat: a bootstep of every Celery worker (registered by appraisal_site.celery)
that records the worker as alive when it starts and every ``settings.WORKER_HEARTBEAT_SECONDS``
(60) on the worker's own timer, in its main process. Not a task: a queue full of long jobs, or
beat stopped, does not silence it, so /healthz tells a stopped worker from a busy one (the prefork
pool runs tasks in children while the main process keeps time; the solo pool, used by the tests,
runs them in the main process, where a long task delays the next beat).

Imported by the Celery app before Django is set up: no model is imported here until a beat."""

from __future__ import annotations

import logging

from celery import bootsteps

logger = logging.getLogger(__name__)


class WorkerHeartbeatStep(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker) -> None:
        from django.conf import settings

        self.beat(worker)
        self.tref = worker.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, self.beat, (worker,), priority=10)

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def beat(self, worker) -> None:
        from django import db

        from accounts.jobs import worker_seen

        try:
            worker_seen(worker.hostname or "worker")
        except Exception:  # noqa: BLE001 — a database away for a moment: the next beat tries again
            logger.warning("Could not record the worker's heartbeat", exc_info=True)
        finally:
            # The main process forks the pool's children: none inherits this connection.
            db.connections.close_all()
