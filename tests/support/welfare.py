"""A public-welfare worker's decided result published on a Saturday, for the tests of the
publication window (publicity) and of the stage the dates give (evaluations.welfare): the fixtures
``welfare_decided`` and ``welfare_published`` (a plugin of tests/conftest.py)."""

from __future__ import annotations

from datetime import date

import pytest

SATURDAY = date(2026, 12, 5)
# Five working days from Saturday 5 December: Monday 7 to Friday 11 December.
FIRST_DAY, LAST_DAY = date(2026, 12, 7), date(2026, 12, 11)
AFTER_WINDOW = date(2026, 12, 14)


@pytest.fixture
def welfare_decided(department, head):
    """A worker's decided result (集体研究: 合格, renewed), waiting to be published."""
    from evaluations.welfare.models import WelfareStage
    from tests.factories import WelfareAssessmentFactory, WelfarePostFactory

    post = WelfarePostFactory(person__department=department, person__full_name="保洁员甲")
    return WelfareAssessmentFactory(
        post=post, stage=WelfareStage.DECISION, grade="qualified", renew=True, decision_notes="会议研究"
    )


@pytest.fixture
def welfare_published(settings, hr, organisation, welfare_decided):
    """The year's welfare results published by HR on SATURDAY (the clock left there)."""
    from publicity.publication import services

    settings.APPRAISAL_TODAY = SATURDAY
    return services.publication_open_welfare(actor=hr, organisation=organisation, year=2026)


def worker_page(client_for, assessment) -> str:
    """The worker's own page of ``assessment``, as they see it."""
    from django.urls import reverse

    url = reverse("evaluations:welfare_assessment", args=[assessment.pk])
    return client_for(assessment.owner).get(url).content.decode()
