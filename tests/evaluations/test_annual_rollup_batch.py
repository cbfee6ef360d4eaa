"""The year roll-up of many organisations in one pass (``rollup_years``) writes what one roll-up per
organisation writes, each under its own policy and quota; a rerun rewrites no unchanged row, and the
run's time still makes the suggestions fresh."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import jobs
from accounts.models import AuditEntry, Job, Policy
from evaluations.annual import rollup as rollup_sql
from evaluations.annual import services as annual
from evaluations.annual.tasks import rollup_year as rollup_year_task
from evaluations.discipline.models import SanctionKind
from evaluations.models import AnnualGrade, AnnualResult, AnnualRollupRun
from tests.evaluations.test_annual import record
from tests.evaluations.test_annual_set_based import CHOICES, stored_suggestions
from tests.factories import DepartmentFactory, SanctionFactory, UserFactory, VetoFlagFactory

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


# --- A person graded in two organisations in the year --------------------------------------------


@pytest.fixture
def moved(organisation, department, other_organisation):
    """Someone graded in ``organisation`` for Q1–Q2, then moved to ``other_organisation`` for Q3–Q4,
    beside a few people who stayed in each, and a sanction decided by the first organisation."""
    other_department = DepartmentFactory(organisation=other_organisation, code="X009", name="外单位")
    populate(organisation, department, seed=4, size=6)
    populate(other_organisation, other_department, seed=5, size=6)
    person = UserFactory(department=department, employee_number="M001")
    # Graded where they are at the time (record's rows follow the person's organisation and department).
    record(person, "好/好", score="90")
    person.organisation, person.department = other_organisation, other_department
    person.save()
    record(person, "好/一般", score="80", first=3)
    return person, other_department


def all_rows() -> dict[int, tuple]:
    fields = ["organisation_id", "department_id", "graded_quarters", "good_quarters", "average_quarters"]
    fields += ["composite_score", "eligible_excellent", "rank", "suggested_grade", "suggestion_reasons"]
    return {row[0]: row[1:] for row in AnnualResult.objects.values_list("person_id", *fields)}


def test_a_person_graded_in_two_organisations_has_one_result_in_the_latest_with_every_quarter(
    organisation, other_organisation, moved
):
    person, other_department = moved
    stats = annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    result = AnnualResult.objects.get(person=person, year=YEAR)
    assert (result.organisation_id, result.department_id) == (other_organisation.pk, other_department.pk)
    assert (result.graded_quarters, result.good_quarters, result.average_quarters) == (4, 3, 1)
    assert result.composite_score == Decimal("85.00")
    # Counted once, by the organisation that owns the result.
    assert (stats[organisation.pk].people, stats[other_organisation.pk].people) == (6, 7)


@pytest.mark.parametrize("order", ["first, then other", "other, then first"])
def test_one_pass_writes_what_one_roll_up_per_organisation_writes_for_a_moved_person(
    organisation, other_organisation, moved, order
):
    annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    one_pass = all_rows()
    AnnualResult.objects.all().delete()
    pair = [organisation, other_organisation]
    for each in pair if order == "first, then other" else reversed(pair):
        annual.rollup_year(organisation=each, year=YEAR)
    assert all_rows() == one_pass


def test_a_sanction_of_the_former_organisation_counts_in_either_roll_up(organisation, other_organisation, moved):
    person, _department = moved
    SanctionFactory(person=person, organisation=organisation, kind=SanctionKind.DEMERIT)
    annual.rollup_year(organisation=other_organisation, year=YEAR)
    alone = all_rows()[person.pk]
    AnnualResult.objects.all().delete()
    annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    assert all_rows()[person.pk] == alone
    assert alone[-2] != AnnualGrade.EXCELLENT and any("处分影响" in reason for reason in alone[-1])


def test_the_former_organisations_roll_up_leaves_the_moved_persons_result_alone(
    organisation, other_organisation, moved
):
    person, _department = moved
    annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    before = all_rows()
    # A result still filed under the former organisation is neither stale there nor rewritten.
    AnnualResult.objects.filter(person=person).update(organisation=organisation)
    annual.rollup_year(organisation=organisation, year=YEAR)
    assert AnnualResult.objects.get(person=person).organisation_id == organisation.pk
    annual.rollup_year(organisation=other_organisation, year=YEAR)
    assert all_rows() == before


def test_a_rerun_of_the_one_pass_writes_the_same_rows(organisation, other_organisation, moved):
    annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    first = list(AnnualResult.objects.order_by("pk").values())
    annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    assert list(AnnualResult.objects.order_by("pk").values()) == first


# --- Every path rolls up in one pass -------------------------------------------------------------


def test_the_command_rolls_every_organisation_up_in_one_pass_as_one_roll_up_each_would(
    organisation, other_organisation, moved, capsys
):
    for each in (organisation, other_organisation):
        annual.rollup_year(organisation=each, year=YEAR)
    separately = all_rows()
    AnnualResult.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        call_command("rollup_year", str(YEAR))
    assert all_rows() == separately
    # One pass: the staging table is created once, whatever the number of organisations.
    assert sum("CREATE TEMPORARY TABLE" in query["sql"] for query in queries.captured_queries) == 1
    out = capsys.readouterr().out
    assert f"{organisation.code}: {YEAR} rolled up: 6 people" in out
    assert f"{other_organisation.code}: {YEAR} rolled up: 7 people" in out
    call_command("rollup_year", str(YEAR))
    assert all_rows() == separately


def test_the_task_given_many_organisations_answers_for_each_and_for_a_missing_one(
    organisation, other_organisation, moved
):
    answer = rollup_year_task(None, YEAR, organisation_ids=[organisation.pk, other_organisation.pk, 999999])
    assert answer["state"] == "done"
    assert answer["organisations"][str(other_organisation.pk)]["people"] == 7
    assert answer["organisations"]["999999"] == {"state": "missing"}
    assert rollup_year_task(organisation.pk, YEAR)["people"] == 6


def test_the_committees_recalculation_job_writes_what_the_one_pass_writes(organisation, other_organisation, moved):
    annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    one_pass = all_rows()
    AnnualResult.objects.all().delete()
    for each in (organisation, other_organisation):
        job = jobs.job_run_here(kind=annual.ROLLUP_YEAR, organisation=each, params={"year": YEAR})
        assert job.state == Job.State.DONE
    assert all_rows() == one_pass


def test_the_changed_people_fetched_for_the_audit_entry_fill_its_list():
    # The audit entry lists the changed people's ids cut at 2 000 characters; the roll-up fetches the
    # first CHANGED_LISTED of each organisation, which fill it even when every id is one digit.
    assert len(", ".join(["1"] * rollup_sql.CHANGED_LISTED)) > 2000


@pytest.mark.django_db
def test_the_audit_entrys_list_of_many_changed_people_is_their_first_ids_in_order_cut_at_2000_characters():
    """Over a stage of 1 500 people in two organisations (some unchanged), each organisation's list
    is what joining all its changed ids in order and cutting the text would give, on either
    database (PostgreSQL in the stats statement, SQLite through CHANGED_SQL and Python)."""
    rng = random.Random(5)
    rows = []
    for person_id in rng.sample(range(1, 10**6), 1500):
        changed = rng.random() < 0.8
        rows.append((1 + person_id % 2, person_id, "competent", None if changed else "competent"))
    expected = {
        organisation_id: ", ".join(
            str(person_id)
            for o, person_id, _grade, previous in sorted(rows, key=lambda row: row[1])
            if o == organisation_id and previous is None
        )[: rollup_sql.LISTED_CHARACTERS]
        for organisation_id in (1, 2)
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {rollup_sql.STAGE} (organisation_id integer, person_id integer, "
            "grade varchar(30), previous varchar(30), decided varchar(30), eligible boolean, existing_id integer)"
        )
        cursor.executemany(f"INSERT INTO {rollup_sql.STAGE} VALUES (%s, %s, %s, %s, '', FALSE, NULL)", rows)
        if rollup_sql.lists_changed():
            cursor.execute(rollup_sql.stats_sql(), rollup_sql.grade_params())
            listed = {row[0]: row[6] for row in cursor.fetchall()}
        else:
            cursor.execute(rollup_sql.changed_sql())
            changed: dict[int, list[int]] = {}
            for organisation_id, person_id in cursor.fetchall():
                changed.setdefault(organisation_id, []).append(person_id)
            listed = {pk: ", ".join(map(str, people))[: rollup_sql.LISTED_CHARACTERS] for pk, people in changed.items()}
        cursor.execute(f"DROP TABLE {rollup_sql.STAGE}")
    assert listed == expected
    assert all(len(text) == rollup_sql.LISTED_CHARACTERS for text in listed.values())


def test_the_audit_entry_counts_every_changed_suggestion_and_lists_them_in_order(organisation, department, head):
    people = populate(organisation, department, seed=6)
    annual.rollup_year(organisation=organisation, year=YEAR)
    entry = AuditEntry.objects.filter(event="job_run", organisation=organisation).latest("pk")
    assert entry.changes_dict["suggestions_changed"][1] == str(len(people))
    assert entry.changes_dict["people"][1] == ", ".join(str(person.pk) for person in sorted(people, key=lambda p: p.pk))


def test_one_pass_audits_each_organisation_in_as_many_queries_for_two_as_for_four(organisation, department, head):
    """A pass's audit entries, one per organisation whose suggestions changed, are written together:
    the pass over four organisations asks as many queries as the pass over two."""
    from tests.factories import OrganisationFactory

    # A fifth organisation outside both passes: neither covers every organisation with a quarter.
    organisations = [organisation] + [OrganisationFactory() for _ in range(4)]
    for seed, each in enumerate(organisations, start=1):
        own = department if each is organisation else DepartmentFactory(organisation=each, code=f"Y{seed:03d}")
        populate(each, own, seed=seed, size=4)

    def first_pass(scope):
        """The pass's query count and its audit entries (the log is append-only: none is deleted)."""
        AnnualResult.objects.all().delete()
        before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with CaptureQueriesContext(connection) as queries:
            annual.rollup_years(organisations=scope, year=YEAR)
        entries = AuditEntry.objects.filter(event="job_run", pk__gt=before).order_by("organisation_id")
        return len(queries), list(entries)

    # Once unmeasured: a process's first audit entry reads its content type into Django's cache (one
    # query more), which under xdist depends on the tests run before this one.
    first_pass(organisations[:2])
    two, entries = first_pass(organisations[:2])
    assert len(entries) == 2
    four, entries = first_pass(organisations[:4])
    assert [entry.organisation_id for entry in entries] == sorted(each.pk for each in organisations[:4])
    assert all(entry.changes_dict["suggestions_changed"][1] == "4" for entry in entries)
    assert four == two


# --- 谁管理谁认定: the year moves, the former committee's decision does not ------------------------


def _decided_by_the_former_organisation(person, organisation, chief, **values):
    """The moved person's result as it was before the move: the former organisation's, decided by
    its committee (the given of the tests below)."""
    AnnualResult.objects.filter(person=person).update(
        organisation=organisation,
        decided_grade=AnnualGrade.EXCELLENT,
        decision_reason="贡献突出",
        decided_by=chief,
        decided_at=timezone.now(),
        **values,
    )


def test_the_former_organisations_decision_is_taken_back_and_audited_when_the_year_moves(
    organisation, other_organisation, moved, chief
):
    person, _department = moved
    annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    _decided_by_the_former_organisation(person, organisation, chief)
    stayed = AnnualResult.objects.filter(organisation=other_organisation).exclude(person=person).first()
    AnnualResult.objects.filter(pk=stayed.pk).update(decided_grade=AnnualGrade.COMPETENT)

    annual.rollup_year(organisation=other_organisation, year=YEAR)

    result = AnnualResult.objects.get(person=person, year=YEAR)
    assert result.organisation_id == other_organisation.pk
    assert (result.decided_grade, result.decision_reason, result.decided_by, result.decided_at) == ("", "", None, None)
    entry = AuditEntry.objects.filter(object_pk=str(result.pk)).latest("pk")
    assert "原单位确定的年度等次不再适用" in entry.reason
    assert entry.changes_dict["decided_grade"] == [AnnualGrade.EXCELLENT, ""]
    # The new organisation's own decisions stay, and a rerun takes nothing more back.
    assert AnnualResult.objects.get(pk=stayed.pk).decided_grade == AnnualGrade.COMPETENT
    entries = AuditEntry.objects.count()
    annual.rollup_year(organisation=other_organisation, year=YEAR)
    assert AuditEntry.objects.filter(object_pk=str(result.pk)).count() == 1
    assert AuditEntry.objects.count() == entries


def test_a_published_and_locked_decision_of_the_former_organisation_stays(
    organisation, other_organisation, moved, chief
):
    person, _department = moved
    annual.rollup_years(organisations=[organisation, other_organisation], year=YEAR)
    _decided_by_the_former_organisation(person, organisation, chief, locked_at=timezone.now())
    annual.rollup_year(organisation=other_organisation, year=YEAR)
    result = AnnualResult.objects.get(person=person, year=YEAR)
    assert (result.decided_grade, result.decided_by) == (AnnualGrade.EXCELLENT, chief)
