"""/oversight/: a 公务员主管部门 reads, per organisation it oversees, aggregates only; nobody else
does, and no organisation it does not oversee appears."""

from datetime import date
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import TWO_PERSON_ROLES, PendingRoleChange, Role
from accounts.services import roles_set
from evaluations.grading.models import AppraisalQuarter, QuarterState
from evaluations.models import AnnualGrade, Grade
from publicity.publication.models import PublicationKind
from tests.factories import (
    AnnualResultFactory,
    AppraisalQuarterFactory,
    DepartmentFactory,
    InspectionFactory,
    OrganisationFactory,
    QuarterGradeFactory,
    UserFactory,
)
from tests.support.publication_factories import ObjectionFactory, PublicationFactory

YEAR = 2026
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def clock(settings):
    settings.APPRAISAL_TODAY = TODAY


@pytest.fixture
def bureau(db):
    return OrganisationFactory(code="bureau", name="示例市公务员局")


@pytest.fixture
def officer(bureau):
    return UserFactory(organisation=bureau, department=None, roles=[Role.OVERSIGHT], full_name="主管部门干部")


@pytest.fixture
def overseen(organisation, bureau):
    organisation.supervised_by = bureau
    organisation.save()
    return organisation


def _year_of(organisation, people_grades, hr):
    """Quarter grades (Q1), annual results, an inspection in May, a publication with an objection."""
    people = []
    department = DepartmentFactory(organisation=organisation)
    for grade, annual in people_grades:
        person = UserFactory(department=department)
        QuarterGradeFactory(
            person=person,
            grade=grade,
            appraisal_quarter=AppraisalQuarterFactory(organisation=organisation, year=YEAR, quarter=1),
        )
        AnnualResultFactory(person=person, year=YEAR, suggested_grade=annual, decided_grade=annual)
        people.append(person)
    InspectionFactory(inspector=UserFactory(organisation=organisation, department=None, roles=[Role.INSPECTOR]))
    ObjectionFactory(
        entry__publication=PublicationFactory(
            organisation=organisation,
            kind=PublicationKind.ANNUAL_EXCELLENT,
            starts_on=date(YEAR, 11, 2),
            ends_on=date(YEAR, 11, 6),
            published_by=hr,
        ),
        entry__person=people[0],
        entry__grade_label="优秀",
        objector=people[-1],
        text="异议内容",
    )
    return people


def _figures(client):
    response = client.get(reverse("oversight:index"), {"year": YEAR})
    assert response.status_code == 200
    return {f.organisation.code: f for f in response.context["figures"]}, response.content.decode()


def test_the_bureau_sees_the_aggregates_of_the_organisation_it_oversees(client_for, officer, overseen, hr):
    people = _year_of(
        overseen,
        [
            (Grade.GOOD, AnnualGrade.EXCELLENT),
            (Grade.FAIRLY_GOOD, AnnualGrade.COMPETENT),
            (Grade.AVERAGE, AnnualGrade.COMPETENT),
            (Grade.FAIRLY_GOOD, AnnualGrade.COMPETENT),
        ],
        hr,
    )
    figures, page = _figures(client_for(officer))
    row = figures[overseen.code]
    assert row.participants == 4
    assert row.grade_counts[:3] == [1, 2, 1]
    assert (row.publications, row.objections) == (1, 1)
    assert (row.annual_graded, row.excellent) == (4, 1)
    assert str(row.excellent_share) == "25.0"
    # Inspections: one in May against the policy's monthly minimum, over the 11 months ended by 1 Dec.
    assert row.months_due == 11
    assert overseen.name in page
    # A user test: 好 66 beside 参加考核人数 60 looked wrong; the page says the grades are person-quarters.
    assert "季度等次各列与“好”的名额按人次计" in page
    # Aggregates only: no person's name reaches the page.
    assert not any(person.get_full_name() in page for person in people)


def test_the_page_tells_decided_grades_from_suggestions(client_for, officer, overseen, hr):
    people = _year_of(overseen, [(Grade.GOOD, AnnualGrade.EXCELLENT), (Grade.GOOD, AnnualGrade.COMPETENT)], hr)
    # The second person's grade is only suggested: the committee has not decided it yet.
    AnnualResultFactory._meta.model.objects.filter(person=people[1]).update(decided_grade="")
    figures, page = _figures(client_for(officer))
    row = figures[overseen.code]
    assert (row.annual_graded, row.annual_decided, row.excellent) == (2, 1, 1)
    assert "年度有等次人数（已确定或建议）" in page and "其中委员会已确定" in page


def test_a_decided_not_graded_is_not_counted_among_the_decided_of_those_with_a_grade(client_for, officer, overseen, hr):
    """ "其中委员会已确定" is a part of "年度有等次人数": 不定等次, decided, is in neither (it read 60 of 58)."""
    people = _year_of(overseen, [(Grade.GOOD, AnnualGrade.EXCELLENT), (Grade.GOOD, AnnualGrade.COMPETENT)], hr)
    AnnualResultFactory._meta.model.objects.filter(person=people[1]).update(decided_grade=AnnualGrade.NOT_GRADED)
    figures, _page = _figures(client_for(officer))
    row = figures[overseen.code]
    assert (row.annual_graded, row.annual_decided) == (1, 1)


def test_no_inspection_months_are_due_before_the_organisation_appraised_in_the_system(client_for, officer, overseen):
    # A year before the organisation used the system: nothing was due, so it is not "0 of 12".
    response = client_for(officer).get(reverse("oversight:index"), {"year": YEAR - 1})
    row = {f.organisation.code: f for f in response.context["figures"]}[overseen.code]
    assert (row.months_due, row.months_compliant) == (0, 0)
    assert row.compliance_rate is None
    # The export leaves them empty as the page shows — (a user test read 0 and 0 there).
    sheet = load_workbook(BytesIO(client_for(officer).get(reverse("oversight:export", args=[YEAR - 1])).content)).active
    header = [cell.value for cell in sheet[1]]
    # Named as the dashboard and the year workbook name the column (a user test read 未评定 here).
    assert "未评鉴" in header and "未评定" not in header
    line = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == overseen.code)
    assert line[header.index("纪律检查达标月数")] is None and line[header.index("应检查月数")] is None
    # Appraised from the third quarter: the months due run from July to November (1 December).
    AppraisalQuarterFactory(organisation=overseen, year=YEAR, quarter=3)
    figures, _page = _figures(client_for(officer))
    assert figures[overseen.code].months_due == 5


def test_a_year_brought_in_from_before_the_system_shows_its_quarterly_columns_as_not_in_the_system(
    client_for, officer, overseen, hr
):
    """The demo bureau's 2025 read 参加考核人数 0 beside 58 graded for the year: the year's results
    were brought in, its quarters never appraised here. Those columns say "—", page and workbook."""
    person = UserFactory(organisation=overseen)
    AnnualResultFactory(person=person, year=YEAR - 1, suggested_grade=AnnualGrade.COMPETENT)
    AppraisalQuarterFactory(organisation=overseen, year=YEAR, quarter=1)
    client = client_for(officer)
    response = client.get(reverse("oversight:index"), {"year": YEAR - 1})
    page = response.content.decode()
    row = {f.organisation.code: f for f in response.context["figures"]}[overseen.code]
    assert not row.quarterly and row.annual_graded == 1
    assert page.count('data-testid="oversight-not-in-system"') == 9
    assert "季度各列为“—”的单位，该年度的季度考核不在本系统中。" in page
    rows = list(
        load_workbook(BytesIO(client.get(reverse("oversight:export", args=[YEAR - 1])).content)).active.iter_rows(
            values_only=True
        )
    )
    assert rows[1][2:11] == (None,) * 9 and rows[1][rows[0].index("年度有等次人数（已确定或建议）")] == 1
    # The year it appraised in: counted, 0 where nobody is graded yet.
    figures, page = _figures(client)
    assert figures[overseen.code].quarterly and figures[overseen.code].participants == 0
    assert "oversight-not-in-system" not in page and "oversight-before-system" not in page


def test_an_organisation_created_this_year_owes_inspections_from_its_creation_before_any_quarter(
    client_for, officer, overseen
):
    # Created in March, no quarter opened for grading yet (that comes after the quarter ends).
    type(overseen).objects.filter(pk=overseen.pk).update(
        created_at=timezone.make_aware(timezone.datetime(YEAR, 3, 5, 9, 0))
    )
    figures, _page = _figures(client_for(officer))
    assert figures[overseen.code].months_due == 9  # March to November
    # A year before it joined owes nothing.
    response = client_for(officer).get(reverse("oversight:index"), {"year": YEAR - 1})
    assert {f.organisation.code: f for f in response.context["figures"]}[overseen.code].months_due == 0


def _quarter_of(organisation, quarter, departments):
    """Quarter grades of ``quarter``: ``departments`` is a list of lists of (grade, is_leader_position)."""
    appraisal_quarter = AppraisalQuarterFactory(organisation=organisation, year=YEAR, quarter=quarter)
    for rows in departments:
        department = DepartmentFactory(organisation=organisation)
        for grade, is_leader_position in rows:
            QuarterGradeFactory(
                person=UserFactory(department=department),
                appraisal_quarter=appraisal_quarter,
                grade=grade,
                uncertain_reason="病假超过半个季度" if grade == Grade.UNCERTAIN else "",
                is_leader_position=is_leader_position,
            )


def test_the_good_places_are_counted_per_organisation_as_the_quota_is_enforced(client_for, officer, overseen):
    # Two departments of 4 in Q1: the quota is 40 % of the organisation's 8 participants, rounded
    # down once (3), not per department (1 + 1). In Q2 one person of 6 is 不确定等次: 5 take part, 2 places.
    four = [(Grade.GOOD, False), (Grade.FAIRLY_GOOD, False), (Grade.FAIRLY_GOOD, False), (Grade.AVERAGE, False)]
    _quarter_of(overseen, 1, [four, [(Grade.GOOD, False), (Grade.GOOD, False)] + four[1:3]])
    _quarter_of(
        overseen, 2, [[(Grade.GOOD, False)] * 2 + [(Grade.FAIRLY_GOOD, False)] * 3 + [(Grade.UNCERTAIN, False)]]
    )
    figures, page = _figures(client_for(officer))
    row = figures[overseen.code]
    assert row.grade_counts[0] == 5 and row.good_quota == 3 + 2
    assert not row.over_good_quota and "超出名额" not in page


def test_the_good_places_follow_the_separate_pools_when_the_policy_has_them(client_for, officer, overseen):
    overseen.policy.good_quota_separate_pools = True
    overseen.policy.save()
    # 2 leaders (40 % of 2 → 0 places) and 6 others (2 places): 2, where one pool of 8 would give 3.
    _quarter_of(
        overseen, 1, [[(Grade.FAIRLY_GOOD, True)] * 2 + [(Grade.GOOD, False)] * 3 + [(Grade.AVERAGE, False)] * 3]
    )
    figures, page = _figures(client_for(officer))
    row = figures[overseen.code]
    assert row.good_quota == 2
    # Three 好 against two places (written around the service, as an import could): flagged.
    assert row.over_good_quota and "超出名额" in page


def test_the_quarters_still_being_graded_are_named_on_the_page_and_in_the_export(client_for, officer, overseen):
    # A user test: the bureau read "“好” 46" where the approved quarters held 42, four of them from a
    # quarter the organisation had not approved yet, with nothing to tell them apart.
    four = [(Grade.GOOD, False), (Grade.FAIRLY_GOOD, False), (Grade.FAIRLY_GOOD, False), (Grade.AVERAGE, False)]
    _quarter_of(overseen, 1, [four])
    _quarter_of(overseen, 2, [four])
    AppraisalQuarter.objects.filter(organisation=overseen, year=YEAR, quarter=1).update(state=QuarterState.APPROVED)
    client = client_for(officer)
    figures, page = _figures(client)
    assert figures[overseen.code].open_quarters == [2]
    assert figures[overseen.code].grade_counts[0] == 2  # still counted, and said to be provisional
    assert "评鉴中：第2季度" in page and 'data-testid="oversight-open-note"' in page
    rows = list(load_workbook(BytesIO(client.get(reverse("oversight:export", args=[YEAR])).content)).active.values)
    assert rows[0][-1] == "评鉴中的季度（等次未经审批）" and rows[1][-1] == "第2季度"

    AppraisalQuarter.objects.filter(organisation=overseen, year=YEAR).update(state=QuarterState.APPROVED)
    figures, page = _figures(client)
    assert figures[overseen.code].open_quarters == []
    assert "评鉴中：" not in page and 'data-testid="oversight-open-note"' not in page


def test_an_organisation_the_bureau_does_not_oversee_is_not_shown(
    client_for, officer, overseen, other_organisation, hr
):
    other_hr = UserFactory(organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])
    _year_of(other_organisation, [(Grade.GOOD, AnnualGrade.EXCELLENT)], other_hr)
    figures, page = _figures(client_for(officer))
    assert set(figures) == {overseen.code}
    assert other_organisation.name not in page


def test_another_bureau_sees_none_of_them(client_for, overseen):
    elsewhere = OrganisationFactory(code="bureau2", name="邻市公务员局")
    officer = UserFactory(organisation=elsewhere, department=None, roles=[Role.OVERSIGHT])
    figures, page = _figures(client_for(officer))
    assert figures == {} and overseen.name not in page


@pytest.mark.parametrize("persona", ["hr", "chief", "leader", "staff", "auditor", "security_admin"])
def test_the_people_of_an_organisation_are_refused_oversight(request, client_for, overseen, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("oversight:index")).status_code == 403
    assert client.get(reverse("oversight:export", args=[YEAR])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("oversight:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_oversight_officer_takes_no_part_in_appraisal(client_for, officer):
    assert not officer.has_perm("evaluations.view_own_history")
    assert client_for(officer).get(reverse("evaluations:my_history")).status_code == 403


def test_the_page_queries_the_same_for_few_and_many_organisations_and_staff(client_for, officer, bureau, hr):
    client = client_for(officer)

    def add(n: int, staff: int) -> None:
        for _ in range(n):
            organisation = OrganisationFactory(supervised_by=bureau)
            _year_of(organisation, [(Grade.GOOD, AnnualGrade.EXCELLENT)] * staff, hr)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("oversight:index"), {"year": YEAR})
        return len(captured)

    add(1, 1)
    few = queries()
    add(3, 3)
    assert queries() == few

    def export_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("oversight:export", args=[YEAR]))
        return len(captured)

    many_export = export_queries()
    add(2, 2)
    assert export_queries() == many_export


def test_the_english_export_is_named_with_its_words_apart(client_for, officer, overseen, hr):
    """A user test downloaded "2026Organisations at a glance-20270106.xlsx" in English."""
    _year_of(overseen, [(Grade.GOOD, AnnualGrade.EXCELLENT)], hr)
    client = client_for(officer)
    client.cookies["django_language"] = "en"
    disposition = unquote(client.get(reverse("oversight:export", args=[YEAR]))["Content-Disposition"])
    name = disposition.split("filename*=UTF-8''", 1)[1]
    assert name.startswith(f"{YEAR}_Organisations_at_a_glance-") and name.endswith(".xlsx") and " " not in name


def test_the_export_has_a_row_per_organisation_and_keeps_text_as_text(client_for, officer, overseen, hr):
    overseen.name = '=HYPERLINK("http://x")局'
    overseen.save()
    _year_of(overseen, [(Grade.GOOD, AnnualGrade.EXCELLENT), (Grade.GOOD, AnnualGrade.COMPETENT)], hr)
    response = client_for(officer).get(reverse("oversight:export", args=[YEAR]))
    assert response.status_code == 200
    # Named like every export of the application: period, what it is, the day (in UTF-8, RFC 5987).
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith(f"attachment; filename*=UTF-8''{YEAR}年度各单位考核概况-") and disposition.endswith(
        ".xlsx"
    )
    workbook = load_workbook(BytesIO(response.content))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "单位" and rows[0][2] == "参加考核人数"
    assert len(rows) == 2
    cell = sheet["A2"]
    assert cell.value == overseen.name and cell.data_type == "s"
    assert rows[1][2] == 2 and rows[1][rows[0].index("优秀人数（已确定或建议）")] == 1
    assert rows[1][rows[0].index("其中委员会已确定")] == 2
    # The on-time rate says it counts the quarters rolled up (a user test compared it with the dashboard's months).
    assert "月小结按时率（%，已汇总季度）" in rows[0]


def test_granting_the_oversight_role_waits_for_a_second_person(bureau):
    assert Role.OVERSIGHT in TWO_PERSON_ROLES
    secadmin = UserFactory(organisation=bureau, department=None, roles=[Role.SECURITY_ADMIN])
    person = UserFactory(organisation=bureau, department=None, roles=[])
    waiting = roles_set(actor=secadmin, user=person, roles={Role.OVERSIGHT})
    assert [change.role for change in waiting] == [Role.OVERSIGHT]
    assert PendingRoleChange.objects.filter(user=person, state=PendingRoleChange.State.PENDING).exists()
    assert not person.has_role(Role.OVERSIGHT)


def test_the_demo_bureau_oversees_the_demo_organisation_and_its_officer_signs_in(db, client):
    from appraisal_site.demo.organisation import DEMO_PASSWORD, build_demo_organisation
    from appraisal_site.demo.oversight import BUREAU_ACCOUNTS, build_demo_bureau

    organisation = build_demo_organisation(staff=0, seed=5)  # the named accounts only
    report = build_demo_bureau(organisation)
    organisation.refresh_from_db()
    assert organisation.supervised_by == report.bureau
    assert [a.username for a in BUREAU_ACCOUNTS] == ["demo_bureau"]
    response = client.post(reverse("accounts:login"), {"username": "demo_bureau", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("oversight:index"))
    assert page.status_code == 200
    assert [f.organisation for f in page.context["figures"]] == [organisation]
    assert report.officers[0].roles == {Role.OVERSIGHT}
