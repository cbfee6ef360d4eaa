"""Run the job sweeper once, as beat does every minute (accounts.tasks.sweep_jobs)."""

from django.core.management.base import BaseCommand

from accounts import jobs


class Command(BaseCommand):
    help = (
        "Enqueue background jobs left pending (failed enqueue) or abandoned (dead worker), fail those out of "
        "attempts, and remove expired result files. Without a broker the jobs run here."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--here",
            action="store_true",
            help="run the jobs in this process even when a broker is configured (e.g. while it is down)",
        )

    def handle(self, *args, here: bool, **options):
        counts = jobs.jobs_sweep(inline=True if here else None)
        self.stdout.write(
            "pending {pending}, stale {stale}, sent {sent}, not sent {unsent}, given up {given_up}, "
            "files expired {expired}".format(**counts)
        )
