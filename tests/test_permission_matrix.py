"""The permission matrix: every URL of the project × every persona × GET and POST, against the
expectation table in ``tests/permission_matrix.py``.

The URLs come from the URL configuration itself, so a new view without a row in the table fails
``test_every_url_pattern_has_a_row_in_the_expectation_table``: no view slips in unprotected.
Path parameters are filled with objects of one seeded organisation, owned by its staff member
(``staff``); the personas of the same organisation who must not see them, and HR of a second
organisation, show what cross-person and cross-organisation access answers.

To (re)record the observed outcomes, run the module with ``PERMISSION_MATRIX_RECORD=<dir>``: each
persona's cells are written to ``<dir>/<persona>.json`` (the test still compares them); check every
cell against the rules before copying it into the table.
"""

import json
import os
import re
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.functional import empty

from accounts import services as account_services
from accounts.models import PendingPasswordReset, PendingRoleChange, Role
from accounts.storage import private_storage
from accounts.workflow import ReviewStatus
from evaluations.ballots import services as ballot_services
from evaluations.grading.models import GradeState, IndicatorSet, QuarterState
from evaluations.grading.services.grading import appraisal_quarter_open
from evaluations.grading.services.rollup import ROLLUP_QUARTER
from evaluations.welfare import services as welfare_services
from publicity.publication import services as publication_services
from publicity.publication.review_cases import review_case_open
from summaries import services as summary_services
from summaries.models import MonthlySummary
from tests.factories import (
    AchievementFactory,
    AnnualResultFactory,
    AppraisalQuarterFactory,
    ComplianceAlertFactory,
    DepartmentFactory,
    DepartmentGoalFactory,
    DingTalkMessageFactory,
    FeedbackTalkFactory,
    FindingFactory,
    InspectionFactory,
    JobFactory,
    MonthlySummaryFactory,
    NotificationFactory,
    OrganisationFactory,
    QuarterGradeFactory,
    SanctionFactory,
    SatisfactionScoreFactory,
    ServiceEventFactory,
    StaffStatusFactory,
    SummaryConflictCopyFactory,
    TargetItemFactory,
    TargetSetFactory,
    UserFactory,
    VetoFlagFactory,
    WeeklyDigestFactory,
    WelfareAssessmentFactory,
    WelfarePostFactory,
    WorkingDayOverrideFactory,
    save_fields,
)
from tests.permission_matrix import MATRIX, PERSONAS
from tests.support.shared_rows import shared_rows

TODAY = date(2026, 12, 1)
YEAR = 2026
# The quarter of the seeded grades (``quarter`` in the record forms' URLs).
QUARTER = 3
SKIPPED_PREFIXES = ("admin/", "i18n/")

# Which seeded object fills ``<int:pk>`` of each URL (the other parameters are named after theirs).
OBJECT_FOR_PK = {
    "accounts:department_edit": "department",
    "accounts:department_deactivate": "department",
    "accounts:department_reactivate": "department",
    "accounts:staff_detail": "person",
    "accounts:staff_edit": "person",
    "accounts:staff_initial_password": "person",
    "accounts:staff_move": "person",
    "accounts:staff_move_date": "moved_person",
    "accounts:staff_deactivate": "person",
    "accounts:staff_reactivate": "person",
    "accounts:staff_status_add": "person",
    "accounts:staff_status_remove": "person",
    "accounts:staff_roles": "person",
    "accounts:staff_reset_password": "person",
    "accounts:staff_two_factor_reset": "person",
    "accounts:staff_unlock": "person",
    "accounts:role_change_confirm": "role_change",
    "accounts:role_change_reject": "role_change",
    "accounts:password_reset_confirm": "password_reset",
    "accounts:password_reset_reject": "password_reset",
    "accounts:password_reset_password": "password_reset",
    "accounts:role_change_withdraw": "role_change",
    "accounts:password_reset_withdraw": "password_reset",
    "accounts:calendar_delete": "working_day",
    "accounts:notification_open": "notification",
    "accounts:job_detail": "job",
    "accounts:job_status": "job",
    "accounts:job_download": "job",
    "targets:detail": "target_set",
    "targets:approve": "target_set",
    "targets:return": "target_set",
    "targets:assign_item": "target_set",
    "targets:record_completion": "target_set",
    "targets:goal_edit": "goal",
    "targets:goal_delete": "goal",
    "summaries:detail": "summary",
    "summaries:autosave": "summary",
    "summaries:review": "summary",
    "summaries:conflict_copy": "summary",
    "summaries:attachment_upload": "summary",
    "summaries:attachment_download": "summary",
    "summaries:attachment_delete": "summary",
    "evaluations:annual_decide": "annual_result",
    "evaluations:annual_review": "annual_result",
    "evaluations:achievement_decide": "achievement",
    "evaluations:ballot_detail": "ballot",
    "evaluations:ballot_close": "ballot",
    "evaluations:ballot_withdraw": "ballot",
    "evaluations:ballot_codes": "ballot",
    "evaluations:ballot_codes_print": "ballot",
    "evaluations:ballot_tally": "ballot",
    "evaluations:ballot_tally_export": "ballot",
    "evaluations:ballot_paper": "ballot",
    "evaluations:grade_detail": "grade",
    "evaluations:grade_confirm": "grade",
    "evaluations:grade_return": "grade",
    "evaluations:grade_scores": "grade",
    "evaluations:grade_review": "grade",
    "evaluations:quarter_approve": "quarter",
    "evaluations:quarter_discipline_opinion": "quarter",
    "evaluations:satisfaction_edit": "satisfaction",
    "evaluations:satisfaction_delete": "satisfaction",
    "evaluations:event_edit": "event",
    "evaluations:event_delete": "event",
    "evaluations:rollup_job": "job",
    "evaluations:rollup_results": "quarter",
    "evaluations:rollup_run": "quarter",
    "evaluations:rollup_export": "quarter",
    "evaluations:score_indicator_set_edit": "indicator_set",
    "evaluations:inspection_detail": "inspection",
    "evaluations:inspection_correct": "inspection",
    "evaluations:inspection_delete": "inspection",
    "evaluations:compliance_alert_explain": "compliance_alert",
    "evaluations:sanction_edit": "sanction",
    "evaluations:sanction_delete": "sanction",
    "evaluations:veto_lift": "veto",
    "publicity:feedback_record": "grade",
    "publicity:feedback_detail": "feedback_talk",
    "publicity:feedback_confirm": "feedback_talk",
    "publicity:feedback_annual": "decided_annual_result",
    "publicity:feedback_annual_confirm": "decided_annual_result",
    "publicity:feedback_annual_pdf": "decided_annual_result",
    "publicity:weekly_detail": "weekly_digest",
    "publicity:weekly_compile": "weekly_digest",
    "publicity:dingtalk_message_resend": "dingtalk_message",
    "publicity:publication_detail": "publication",
    "publicity:publication_notice": "publication",
    "publicity:publication_lock": "publication",
    "publicity:entry_republish": "publication_entry",
    "publicity:objection_new": "publication_entry",
    "publicity:objection_detail": "objection",
    "publicity:objection_attachment": "objection",
    "publicity:review_case_detail": "review_case",
    "reports:person_quarter_form": "person",
    "reports:person_year_form": "person",
    "reports:person_year": "person",
    "reports:department_summary": "department",
    "reports:department_forms": "department",
    "reports:department_forms_job": "department",
    "evaluations:welfare_assessment": "welfare_assessment",
    "evaluations:welfare_report": "welfare_assessment",
    "evaluations:welfare_report_file": "welfare_assessment",
    "evaluations:welfare_report_decide": "welfare_assessment",
    "evaluations:welfare_interview": "welfare_assessment",
    "evaluations:welfare_ballot": "welfare_assessment",
    "evaluations:welfare_ballot_close": "welfare_assessment",
    "evaluations:welfare_decide": "welfare_assessment",
    "evaluations:welfare_post_edit": "welfare_post",
    "evaluations:welfare_post_absence": "welfare_post",
    "evaluations:welfare_consequence_complete": "welfare_consequence",
}
OBJECT_FOR_PARAMETER = {"status_pk": "status", "copy_pk": "conflict_copy", "attachment_pk": "attachment"}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def url_patterns() -> dict[str, URLPattern]:
    """Every named URL of the project (admin, language switch and static files aside)."""
    return dict(_walk(get_resolver().url_patterns))


def test_every_url_pattern_has_a_row_in_the_expectation_table():
    names = set(url_patterns())
    missing, stale = sorted(names - set(MATRIX)), sorted(set(MATRIX) - names)
    assert not missing, f"URLs without a row in tests/permission_matrix.py: {missing}"
    assert not stale, f"Rows of tests/permission_matrix.py for URLs that no longer exist: {stale}"


def test_every_row_names_every_persona_and_a_known_outcome():
    for name, row in MATRIX.items():
        assert set(row) == set(PERSONAS), name
        for get, post in row.values():
            assert {get, post} <= {"ok", "login", "deny", "404", "405", "400", "409"}, (name, get, post)


def test_every_path_parameter_is_filled_with_a_seeded_object():
    for name, pattern in url_patterns().items():
        for parameter in pattern.pattern.converters:
            if parameter == "pk":
                assert name in OBJECT_FOR_PK, f"{name}: say which seeded object fills <pk> in OBJECT_FOR_PK"
            else:
                assert parameter in OBJECT_FOR_PARAMETER or parameter in ("year", "quarter"), (name, parameter)


# --- the world ------------------------------------------------------------------------------------


@pytest.fixture(scope="class")
def seeded_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the thirteen personas (each test of the class reads it as it was
    built: the test runs in its own savepoint, so whatever its POSTs write is rolled back before the
    next persona's). Its stored files (attachments) are kept here and copied for each test."""
    files = tmp_path_factory.mktemp("matrix") / "private"
    # The function-scoped settings fixtures (the fast password hasher) have not run yet.
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        pytest.MonkeyPatch.context() as patch,
        override_settings(PRIVATE_FILES_ROOT=files, PASSWORD_HASHERS=hashers),
        shared_rows(django_db_blocker),
    ):
        patch.setattr("accounts.periods.today", lambda now=None: TODAY)
        private_storage._wrapped = empty
        try:
            yield _seed(), files
        finally:
            private_storage._wrapped = empty


@pytest.fixture(scope="class")
def each_document_laid_out_once():
    """WeasyPrint lays each distinct document (its HTML, base URL and options) out once for the class;
    a later request for the very same document gets the bytes it made then. The cells are about who
    gets which answer; the views still render their templates for every request, and a page whose
    HTML differs (another person, another date) is laid out again."""
    import weasyprint

    real, pdfs = weasyprint.HTML, {}

    class LaidOutOnce:
        def __init__(self, **source):
            self.source = source

        def write_pdf(self, **options):
            key = repr((sorted(self.source.items()), sorted(options.items())))
            if key not in pdfs:
                pdfs[key] = real(**self.source).write_pdf(**options)
            return pdfs[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(weasyprint, "HTML", LaidOutOnce)
        yield pdfs


@pytest.fixture
def world(seeded_world, db, settings, tmp_path):
    """The seeded world for one persona, with a fresh copy of its stored files (a POST of an earlier
    persona may have deleted one)."""
    rows, files = seeded_world
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    if files.exists():
        shutil.copytree(files, settings.PRIVATE_FILES_ROOT)
    private_storage._wrapped = empty
    yield rows
    private_storage._wrapped = empty


def _seed() -> dict:
    organisation = OrganisationFactory(code="matrix1", name="矩阵局")
    leader = UserFactory(organisation=organisation, department=None, roles=[Role.SUPERVISING_LEADER])
    department = DepartmentFactory(organisation=organisation, supervising_leader=leader)
    other_department = DepartmentFactory(organisation=organisation, supervising_leader=leader)
    head = UserFactory(department=department, roles=[Role.STAFF, Role.DEPARTMENT_HEAD])
    other_head = UserFactory(department=other_department, roles=[Role.STAFF, Role.DEPARTMENT_HEAD])
    department.head, other_department.head = head, other_head
    department.save()
    other_department.save()
    staff = UserFactory(department=department)
    other_staff = UserFactory(department=other_department)

    def separate(role, org=organisation):
        return UserFactory(organisation=org, department=None, roles=[role])

    people = {
        "staff": staff,
        "other_staff": other_staff,
        "head": head,
        "other_head": other_head,
        "leader": leader,
        "chief": separate(Role.AGENCY_HEAD),
        "hr": separate(Role.HR_ADMIN),
        "other_hr": separate(Role.HR_ADMIN, OrganisationFactory(code="matrix2", name="邻局")),
        "inspector": separate(Role.INSPECTOR),
        "auditor": separate(Role.AUDITOR),
        "sysadmin": separate(Role.SYSADMIN),
        "security_admin": separate(Role.SECURITY_ADMIN),
    }
    quarter = appraisal_quarter_open(organisation=organisation, year=YEAR, quarter=3)
    target_set = TargetSetFactory(owner=staff, year=YEAR, quarter=4, submitted=True)
    TargetItemFactory(target_set=target_set)
    # Attached while a draft, then handed in: what the head reviews.
    summary = MonthlySummaryFactory(owner=staff, year=YEAR, month=11)
    attachment = summary_services.summary_attachment_add(
        summary=summary,
        actor=staff,
        uploaded=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    )
    save_fields(
        MonthlySummary.objects.filter(pk=summary.pk), status=ReviewStatus.SUBMITTED, submitted_at=timezone.now()
    )
    summary.refresh_from_db()
    inspection = InspectionFactory(inspector=people["inspector"])
    # Someone whose latest move's date may be corrected (a person never moved has none: 404).
    moved_person = UserFactory(department=department)
    account_services.staff_move(user=moved_person, department=other_department, on_date=date(YEAR, 6, 1))
    objects = {
        "department": department,
        "person": staff,
        "moved_person": moved_person,
        "role_change": PendingRoleChange.objects.create(
            organisation=organisation, requested_by=people["security_admin"], user=staff, role=Role.DEPARTMENT_HEAD
        ),
        "password_reset": PendingPasswordReset.objects.create(
            organisation=organisation, requested_by=people["sysadmin"], user=people["hr"]
        ),
        "working_day": WorkingDayOverrideFactory(organisation=organisation),
        "notification": NotificationFactory(recipient=staff, message="通知"),
        "job": JobFactory(kind=ROLLUP_QUARTER, requested_by=people["hr"]),
        "target_set": target_set,
        "goal": DepartmentGoalFactory(department=department, year=YEAR, content="年度目标"),
        "summary": summary,
        "conflict_copy": SummaryConflictCopyFactory(summary=summary),
        "attachment": attachment,
        "status": StaffStatusFactory(user=staff),
        "annual_result": AnnualResultFactory(person=staff),
        "achievement": AchievementFactory(person=staff, proposed_by=leader),
        "grade": quarter.grades.get(person=staff),
        "quarter": quarter,
        "satisfaction": SatisfactionScoreFactory(person=staff),
        "event": ServiceEventFactory(person=staff, date=date(YEAR, 9, 3)),
        "indicator_set": IndicatorSet.objects.get_or_create(
            organisation=organisation, position_category=staff.position_category
        )[0],
        "inspection": inspection,
        "compliance_alert": ComplianceAlertFactory(organisation=organisation),
        "sanction": SanctionFactory(person=staff),
        "veto": VetoFlagFactory(person=staff, finding=FindingFactory(inspection=inspection, person=staff)),
        "weekly_digest": WeeklyDigestFactory(compiled_by=people["hr"], published=True),
        "dingtalk_message": DingTalkMessageFactory(organisation=organisation, state="failed", last_error="HTTP 500"),
    }
    objects.update(_publication_objects(organisation, people))
    objects["ballot"] = ballot_services.ballot_open(
        actor=people["hr"],
        organisation=organisation,
        title="民主测评",
        year=YEAR,
        subjects=[head, other_head],
        raters=[staff],
    )
    ballot_services.ballot_close(actor=people["hr"], ballot=objects["ballot"])
    objects.update(_welfare_objects(staff, people))
    # The supervising leader's talk with the staff member (on the quarter's grade; the matrix checks
    # who reaches the pages, not the rules of recording) and the staff member's decided year.
    objects["feedback_talk"] = FeedbackTalkFactory(
        quarter_grade=objects["grade"], talked_on=date(YEAR, 10, 12), reasons="原因", recorded_by=leader
    )
    objects["decided_annual_result"] = AnnualResultFactory(
        person=staff, year=YEAR - 1, decided_grade="competent", decided_by=people["chief"], decided_at=timezone.now()
    )
    return {"people": people, "objects": objects}


def _publication_objects(organisation, people) -> dict:
    """An approved, published quarter with the staff member's line, an objection with an
    attachment, and a 复核 case of an annual 不称职."""
    staff = people["staff"]
    approved = AppraisalQuarterFactory(organisation=organisation, year=YEAR, quarter=2, state=QuarterState.APPROVED)
    QuarterGradeFactory(
        appraisal_quarter=approved, person=staff, grade="fairly_good", comment="稳定", state=GradeState.CONFIRMED
    )
    publication = publication_services.publication_open_quarter(actor=people["hr"], appraisal_quarter=approved)
    entry = publication.entries.get(person=staff)
    objection = publication_services.objection_lodge(
        actor=staff, entry=entry, text="异议", uploaded=SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    result = AnnualResultFactory(person=staff, year=YEAR - 2, decided_grade="incompetent")
    case = review_case_open(actor=people["hr"], annual_result=result, notified_on=TODAY)
    return {"publication": publication, "publication_entry": entry, "objection": objection, "review_case": case}


def _welfare_objects(staff, people) -> dict:
    """The staff member's public-welfare post (the matrix checks who reaches the pages; the staff
    type is left as it is, so the other rows are not moved), their year with an uploaded 述职 and an
    open 民主测评, and a consequence of it."""
    post = WelfarePostFactory(person=staff)
    assessment = WelfareAssessmentFactory(post=post, year=YEAR)
    welfare_services.welfare_report_save(
        actor=staff,
        assessment=assessment,
        text="述职",
        uploaded=SimpleUploadedFile("述职.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    )
    ballot = ballot_services.ballot_open(
        actor=people["hr"],
        organisation=staff.organisation,
        title="测评",
        year=YEAR,
        subjects=[staff],
        leaders=[people["leader"]],
        service_user_codes=2,
    )
    assessment.ballot_subject = ballot.subjects.get()
    assessment.save(update_fields=["ballot_subject"])
    consequence = assessment.consequences.create(
        organisation_id=assessment.organisation_id, kind="admonition", due_on=TODAY
    )
    return {"welfare_post": post, "welfare_assessment": assessment, "welfare_consequence": consequence}


def _url(name: str, pattern: URLPattern, objects: dict) -> str:
    kwargs = {}
    for parameter in pattern.pattern.converters:
        if parameter == "year":
            kwargs[parameter] = YEAR
        elif parameter == "quarter":
            kwargs[parameter] = QUARTER
        elif parameter == "pk":
            kwargs[parameter] = objects[OBJECT_FOR_PK[name]].pk
        else:
            kwargs[parameter] = objects[OBJECT_FOR_PARAMETER[parameter]].pk
    return reverse(name, kwargs=kwargs)


def outcome(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlparse(response["Location"]).path
        return "login" if target == reverse("accounts:login") else "ok"
    if 200 <= response.status_code < 300:
        return "ok"
    return {403: "deny", 404: "404", 405: "405"}.get(response.status_code, str(response.status_code))


def _observe(client, user, urls: dict[str, str], pages: dict[str, str] | None = None) -> dict[str, list[str]]:
    """GET every URL first (a GET never writes), then POST an empty form to each in the same order.
    ``pages``, if given, receives the HTML of each page the GETs answered."""
    observed = {name: ["", ""] for name in urls}
    for column, method in ((0, client.get), (1, client.post)):
        for name, url in urls.items():
            response = method(url)
            observed[name][column] = outcome(response)
            if pages is not None and column == 0 and _is_page(response):
                pages[name] = response.content.decode()
            # Signing out (or a refusal that ends the session) must not turn the rest into "login".
            if user is not None and "_auth_user_id" not in client.session:
                client.force_login(user)
    return observed


def _is_page(response) -> bool:
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


# Who may open what is decided in Python (rules predicates, organisation filters), the same on every
# database: the whole table runs once, on SQLite (make test-postgres skips it).
@pytest.mark.one_database
@pytest.mark.usefixtures("each_document_laid_out_once")
class TestTheExpectationTable:
    """The thirteen personas on one world, built once for the class."""

    # The pages the table's GETs answered, for the personas whose drop-downs are checked below: the
    # same pages of the same world (each test in its own savepoint), not asked for a second time.
    pages_seen: dict[str, dict[str, str]] = {}
    DROP_DOWN_PERSONAS = ["hr", "head", "inspector"]

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_each_persona_gets_what_the_expectation_table_says(self, client, world, persona):
        client.raise_request_exception = False
        user = world["people"].get(persona)
        if user is not None:
            client.force_login(user)
        urls = {name: _url(name, pattern, world["objects"]) for name, pattern in url_patterns().items()}
        pages = self.pages_seen.setdefault(persona, {}) if persona in self.DROP_DOWN_PERSONAS else None
        observed = _observe(client, user, urls, pages)
        if record := os.environ.get("PERMISSION_MATRIX_RECORD"):
            Path(record).mkdir(parents=True, exist_ok=True)
            (Path(record) / f"{persona}.json").write_text(json.dumps(observed, indent=1))
        differences = {
            name: {"expected": list(MATRIX.get(name, {}).get(persona, ())), "observed": cells}
            for name, cells in observed.items()
            if tuple(cells) != tuple(MATRIX.get(name, {}).get(persona, ()))
        }
        assert not differences, json.dumps(differences, ensure_ascii=False, indent=1)

    # Django's row of dashes, or a lone dash, as the label of the empty choice.
    DASHED_SELECT = re.compile(r'name="([^"]+)"[^>]*>\s*<option value=""[^>]*>(?:-{9}|—)<')

    @pytest.mark.parametrize("persona", DROP_DOWN_PERSONAS)
    def test_no_drop_down_offers_djangos_row_of_dashes_for_no_choice(self, client, world, persona):
        """An optional or not-yet-chosen select says what no choice means (全部, 暂不指定, 请选择…),
        not Django's ``---------``, on every page these personas can open: the widget's template
        rewrites Django's label, so this catches a select written by hand or by another renderer.
        The pages the table's test saw; asked for here when it did not run (``-k``)."""
        pages = self.pages_seen.get(persona)
        if pages is None:
            client.force_login(world["people"][persona])
            urls = {name: _url(name, pattern, world["objects"]) for name, pattern in url_patterns().items()}
            responses = {name: client.get(url) for name, url in urls.items()}
            pages = {name: r.content.decode() for name, r in responses.items() if _is_page(r)}
        assert len(pages) > 10, sorted(pages)
        dashes = [(name, field) for name, html in pages.items() for field in self.DASHED_SELECT.findall(html)]
        assert dashes == [], dashes


# --- HR cannot tell whether a user name exists in another organisation ----------------------------


def test_hr_searching_for_a_user_name_of_another_organisation_finds_what_a_name_that_exists_nowhere_finds(
    client_for, hr, outsider
):
    client = client_for(hr)
    pages = [client.get(reverse("accounts:staff_list"), {"q": name}) for name in (outsider.username, "nobody-here")]
    assert [response.status_code for response in pages] == [200, 200]
    assert [list(response.context["page"]) for response in pages] == [[], []]


def test_hr_creating_a_person_with_a_user_name_of_another_organisation_gets_the_answer_of_a_new_name(
    client_for, hr, department, outsider
):
    client = client_for(hr)

    def username_errors(username):
        # No employee number: the form is refused either way, so nobody is created and only the
        # answer about the user name is compared.
        data = {"username": username, "full_name": "新同事", "department": department.pk}
        response = client.post(reverse("accounts:staff_create"), data)
        assert response.status_code == 200
        return response.context["form"].errors.get("username")

    assert username_errors(outsider.username) == username_errors("nobody-here")
