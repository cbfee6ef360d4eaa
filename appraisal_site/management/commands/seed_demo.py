import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Organisation, User
from appraisal_site.demo.organisation import DEMO_ACCOUNTS, DEMO_PASSWORD, STORY_STAFF, build_demo_organisation
from appraisal_site.demo.oversight import BUREAU_ACCOUNTS, build_demo_bureau
from appraisal_site.demo.story import STORY


class Command(BaseCommand):
    help = "Build the deterministic demo organisation (示例市人力资源和社会保障局) and print the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--staff", type=int, default=60, help="number of staff in departments (default 60)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--year", type=int, default=2026, help="the appraisal year (default 2026)")
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (successfully) when the database already has people"
        )

    def handle(self, *args, staff, seed, year, force, if_empty, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: refusing to load demo data into what may be production. Use --force.")
        if if_empty and User.objects.exists():
            self.stdout.write("The database already has data; demo not loaded.")
            return
        if Organisation.objects.filter(code="demo").exists():
            raise CommandError("The demo organisation already exists (code 'demo').")
        if staff < 1:
            raise CommandError("--staff must be at least 1.")
        # One transaction: a failure in the year leaves no half-built demo behind.
        with transaction.atomic():
            started = time.monotonic()
            organisation = build_demo_organisation(staff=min(staff, STORY_STAFF), seed=seed, year=year)
            people, departments = organisation.members.count(), organisation.departments.count()
            message = f"Demo organisation {organisation.name}: {people} people, {departments} departments"
            self.stdout.write(self.style.SUCCESS(f"{message}, {time.monotonic() - started:.1f} s."))
            for build in (*STORY, build_demo_bureau):
                started = time.monotonic()
                report = build(organisation, year=year, seed=seed)
                self.stdout.write(f"{report.describe()} ({time.monotonic() - started:.1f} s)")
            if staff > STORY_STAFF:
                # The bulk path lives with the benchmarks: fixture data for scale, not part of the story.
                from bench.bulk_demo import add_staff

                started, more = time.monotonic(), staff - STORY_STAFF
                add_staff(organisation=organisation, count=more, seed=seed, year=year)
                message = f"{more} more staff as accounts only (bench/bulk_demo.py), {User.objects.count()} people"
                self.stdout.write(f"{message} in all ({time.monotonic() - started:.1f} s).")
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for account in [*DEMO_ACCOUNTS, *BUREAU_ACCOUNTS]:
            self.stdout.write(f"  {account.username:<16} {account.description}")
