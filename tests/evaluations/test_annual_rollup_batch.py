"""The year roll-up of many organisations in one pass (``rollup_years``) writes what one roll-up per
organisation writes, each under its own policy and quota; a rerun rewrites no unchanged row, and the
run's time still makes the suggestions fresh."""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import Policy
from evaluations.annual import services as annual
from evaluations.models import AnnualResult, AnnualRollupRun
from tests.evaluations.test_annual import record
from tests.evaluations.test_annual_set_based import CHOICES, stored_suggestions
from tests.factories import DepartmentFactory, UserFactory, VetoFlagFactory

YEAR = 2026


def populate(organisation, department, *, seed: int, size: int = 15) -> list:
    rng = random.Random(seed)
    people = [UserFactory(department=department, employee_number=f"E{seed}{i:02d}") for i in range(size)]
    for person in people:
        record(person, "/".join(rng.choice(CHOICES) for _ in range(4)), score=str(rng.choice([85, 90.5, 95])))
    return people


def test_one_pass_over_two_organisations_writes_what_one_roll_up_each_writes(
    organisation, department, head, other_organisation
):
    other_department = DepartmentFactory(organisation=other_organisation, code="X009", name="外单位")
    Policy.objects.filter(organisation=other_organisation).update(
        excellent_forbids_average_or_below=False, excellent_quota_percent=40, basic_competent_average_quarters=1
    )
    populate(organisation, department, seed=1)
    others = populate(other_organisation, other_department, seed=2)
    VetoFlagFactory(person=others[0], year=YEAR)

    annual.rollup_year(organisation=organisation, year=YEAR)
    annual.rollup_year(organisation=other_organisation, year=YEAR)
    separately = {org.pk: stored_suggestions(org) for org in (organisation, other_organisation)}
    AnnualResult.objects.all().delete()

    stats = annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    assert {org.pk: stored_suggestions(org) for org in (organisation, other_organisation)} == separately
    assert stats[other_organisation.pk].people == len(others)
    assert stats[organisation.pk].people == 15  # the head has no grade row


def test_a_rerun_rewrites_no_unchanged_row_and_leaves_the_suggestions_fresh(organisation, department, head):
    populate(organisation, department, seed=3)
    annual.rollup_year(organisation=organisation, year=YEAR)
    earlier = timezone.now() - timedelta(days=1)
    AnnualResult.objects.update(computed_at=earlier)
    AnnualRollupRun.objects.update(computed_at=earlier)

    stats = annual.rollup_year(organisation=organisation, year=YEAR)
    assert set(AnnualResult.objects.values_list("computed_at", flat=True)) == {earlier}
    freshness = annual.suggestions_freshness(organisation=organisation, year=YEAR)
    assert freshness.computed_at == stats.computed_at
    assert not freshness.stale
