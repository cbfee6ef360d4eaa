"""Tasks of the year-end room. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Organisation

from . import services as annual


def _summary(stats: annual.AnnualRollupStats) -> dict:
    return {
        "state": "done",
        "people": stats.people,
        "excellent_quota": stats.excellent_quota,
        "excellent_suggested": stats.excellent_suggested,
    }


@shared_task(name="evaluations.tasks.rollup_year", acks_late=True, reject_on_worker_lost=True)
def rollup_year(organisation_id: int | None, year: int, organisation_ids: list[int] | None = None) -> dict:
    """Suggest one organisation's annual grades; idempotent, and committee decisions are kept.

    With ``organisation_ids`` (the command's every organisation; ``organisation_id`` is then
    ignored), one set-based pass over all of them (:func:`.services.rollup_years`), not one roll-up
    each; the answer then carries each organisation's figures under ``"organisations"`` (id, as a
    string as JSON carries it → the single answer's keys). Messages queued with two arguments still
    roll one organisation up.
    """
    if organisation_ids is not None:
        organisations = list(Organisation.objects.filter(pk__in=organisation_ids).order_by("pk"))
        results = annual.rollup_years(organisations=organisations, year=year) if organisations else {}
        found = {pk: _summary(stats) for pk, stats in results.items()}
        return {
            "state": "done",
            "organisations": {str(pk): found.get(pk, {"state": "missing"}) for pk in organisation_ids},
        }
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return {"state": "missing"}
    return _summary(annual.rollup_year(organisation=organisation, year=year))
