import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import periods
from accounts.models import Organisation, User
from appraisal_site.demo import demo_as_of
from appraisal_site.demo.appraisals import build_demo_appraisals
from appraisal_site.demo.discipline import build_demo_discipline
from appraisal_site.demo.organisation import (
    DEMO_ACCOUNTS,
    DEMO_ORGANISATION_CODE,
    DEMO_PASSWORD,
    STORY_STAFF,
    build_demo_organisation,
)
from appraisal_site.demo.year import build_demo_year
from evaluations.grading.services.grading import appraisal_quarter_open


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
        if Organisation.objects.filter(code=DEMO_ORGANISATION_CODE).exists():
            raise CommandError("The demo organisation already exists (code 'demo').")
        if staff < 1:
            raise CommandError("--staff must be at least 1.")
        # One transaction: a failure in the year leaves no half-built demo behind.
        with transaction.atomic():
            started = time.monotonic()
            organisation = build_demo_organisation(staff=min(staff, STORY_STAFF), seed=seed, year=year)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo organisation {organisation.name}: {User.objects.filter(organisation=organisation).count()} "
                    f"people, {organisation.departments.count()} departments, {time.monotonic() - started:.1f} s."
                )
            )
            for build in (build_demo_year, build_demo_appraisals, build_demo_discipline):
                started = time.monotonic()
                report = build(organisation, year=year, seed=seed)
                self.stdout.write(f"{report.describe()} ({time.monotonic() - started:.1f} s)")
            if staff > STORY_STAFF:
                self._add_extra_staff(organisation, staff - STORY_STAFF, seed=seed, year=year)
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<16} {account.description}")

    def _add_extra_staff(self, organisation: Organisation, count: int, *, seed: int, year: int) -> None:
        # The bulk path lives with the benchmarks: fixture data for scale, not part of the story.
        from bench.bulk_demo import add_staff

        started = time.monotonic()
        as_of = demo_as_of(year, periods.today())
        add_staff(organisation=organisation, count=count, seed=seed, start=min(as_of, date(year, 12, 31)))
        if as_of.year == year:
            appraisal_quarter_open(organisation=organisation, year=year, quarter=periods.Quarter.of(as_of).quarter)
        self.stdout.write(
            f"{count} more staff as accounts only (bench/bulk_demo.py), {User.objects.count()} people in all "
            f"({time.monotonic() - started:.1f} s)."
        )
