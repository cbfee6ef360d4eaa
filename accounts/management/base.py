"""What the commands that run a beat task now, without a broker, have in common."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts import jobs


class TaskCommand(BaseCommand):
    """Run :attr:`task` in this process (``apply()``: the same code a worker runs), print
    :meth:`summary` of its result, and fail naming the organisations whose job failed (each
    organisation is a job of its own: the others were done, these are retried by the sweeper)."""

    task = None

    def task_args(self, **options) -> tuple:
        """The task's arguments from the command's (none by default)."""
        return ()

    def summary(self, result: dict, **options) -> str:
        raise NotImplementedError

    def handle(self, *args, **options):
        result = self.task.apply(args=self.task_args(**options)).get()
        self.stdout.write(self.summary(result, **options))
        if result["failed"]:
            raise CommandError(jobs.failed_organisations_message(result["failed"]))
