"""A task that takes its time, for the worker tests (``--include=tests.support.slow_tasks``)."""

import time

from celery import shared_task


@shared_task(name="tests.support.slow_tasks.sleep")
def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds
