"""The quarters page (and the approval page) read the 纪委意见 of the selected quarter once, and
hand it to what it waits for and to the approval blocker: the page's queries are the same however
many quarters and opinions the organisation has."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Policy
from evaluations.grading.services.grading import quarter_discipline_opinion_record
from evaluations.models import QuarterDisciplineOpinion, QuarterGrade, QuarterState
from tests.factories import AppraisalQuarterFactory

QUARTERS = reverse("evaluations:quarters")
OPINIONS = QuarterDisciplineOpinion._meta.db_table


@pytest.fixture
def graded(organisation, all_confirmed):
    Policy.objects.filter(organisation=organisation).update(discipline_review_step=True)
    return all_confirmed


def _approved_quarters_with_opinions(organisation, inspector, year: int, numbers=range(1, 5)) -> None:
    for number in numbers:
        old = AppraisalQuarterFactory(organisation=organisation, year=year, quarter=number, state=QuarterState.APPROVED)
        QuarterDisciplineOpinion.objects.create(
            appraisal_quarter=old, text="无意见", given_by=inspector, given_at=timezone.now(), grades_version=0
        )


def _get(client, url: str) -> tuple[str, int, int]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    opinion_reads = [q["sql"] for q in queries if OPINIONS in q["sql"]]
    return page, len(queries), len(opinion_reads)


@pytest.mark.parametrize("viewer", ["inspector", "chief"])
def test_the_quarters_page_reads_the_opinion_once_whatever_the_number_of_quarters(
    request, client_for, organisation, graded, inspector, viewer, django_assert_num_queries
):
    quarter_discipline_opinion_record(appraisal_quarter=graded, actor=inspector, text="未发现问题。")
    _approved_quarters_with_opinions(organisation, inspector, 2026, numbers=[3])
    client = client_for(request.getfixturevalue(viewer))
    page, few, reads = _get(client, QUARTERS)
    assert 'data-testid="discipline-opinion"' in page and "未发现问题。" in page
    assert page.count('data-testid="quarter-row"') == 2 and reads == 1

    _approved_quarters_with_opinions(organisation, inspector, 2025)
    _approved_quarters_with_opinions(organisation, inspector, 2024)
    with django_assert_num_queries(few):
        page = client.get(QUARTERS).content.decode()
    assert page.count('data-testid="quarter-row"') == 10 and "未发现问题。" in page


def test_a_stale_or_missing_opinion_still_blocks_and_is_said_once_read(
    client_for, graded, inspector, chief, grade_of, staff
):
    client = client_for(chief)
    page, _n, reads = _get(client, QUARTERS)
    assert reads == 1 and "须先取得纪委意见" in page
    quarter_discipline_opinion_record(appraisal_quarter=graded, actor=inspector, text="未发现问题。")
    page, _n, reads = _get(client, QUARTERS)
    assert reads == 1 and "须先取得纪委意见" not in page and 'data-testid="discipline-opinion-stale"' not in page
    # A grade changed after it: the page says the opinion must be recorded again, and approval waits.
    QuarterGrade.objects.filter(pk=grade_of(staff).pk).update(version=F("version") + 1)
    page, _n, reads = _get(client, QUARTERS)
    assert reads == 1 and "纪委意见记录后又有评鉴、确认或检查发现" in page


def test_the_approval_page_reads_the_opinion_once(client_for, graded, inspector, chief):
    quarter_discipline_opinion_record(appraisal_quarter=graded, actor=inspector, text="未发现问题。")
    page, _n, reads = _get(client_for(chief), reverse("evaluations:quarter_approve", args=[graded.pk]))
    assert reads == 1 and "未发现问题。" in page
