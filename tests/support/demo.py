"""The small demo organisation that the demo-story tests build on (appraisal_site.demo)."""

from __future__ import annotations

from datetime import date

from accounts.models import Organisation
from appraisal_site.demo.appraisals import build_demo_appraisals
from appraisal_site.demo.organisation import build_demo_organisation
from appraisal_site.demo.year import build_demo_year

STAFF = 12
SEED = 5


def build_demo_until(settings, *, today: date, year: int = 2026, appraisals: bool = True) -> Organisation:
    """The demo's organisation, its year of summaries and (unless ``appraisals`` is off) its
    quarterly appraisals, built as they stand on ``today``, which becomes the site's today."""
    settings.APPRAISAL_TODAY = today
    organisation = build_demo_organisation(staff=STAFF, seed=SEED)
    build_demo_year(organisation, year=year, seed=SEED, today=today)
    if appraisals:
        build_demo_appraisals(organisation, year=year, seed=SEED, today=today)
    return organisation
