"""python manage.py export_year YEAR --output FILE.xlsx [--organisation CODE]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation
from publicity.reports.exports import write_workbook


class Command(BaseCommand):
    help = "Write an organisation's year-end workbook (年度考核汇总) to an .xlsx file, streamed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--organisation", help="the organisation's code (needed when there are several)")

    def handle(self, *args, year: int, output: str, organisation: str | None, **options) -> None:
        if organisation:
            org = Organisation.objects.filter(code=organisation).first()
            if org is None:
                raise CommandError(f"No organisation with the code {organisation!r}.")
        else:
            orgs = list(Organisation.objects.filter(is_active=True)[:2])
            if len(orgs) != 1:
                raise CommandError("Several organisations (or none): name one with --organisation CODE.")
            org = orgs[0]
        started = time.perf_counter()
        counts = write_workbook(output, organisation=org, year=year)
        people = counts.pop("people", 0)
        sheets = ", ".join(f"{title} {rows}" for title, rows in counts.items())
        self.stdout.write(f"{output}: {people} people; rows per sheet: {sheets}; {time.perf_counter() - started:.1f} s")
