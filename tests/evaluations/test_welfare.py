"""The public-welfare-post annual assessment (DOMAIN.md §8): the window, the steps, publication
and 定等 through publicity, the consequences, and who may see what."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEntry, Policy, Role
from accounts.workflow import ReviewStatus
from appraisal_site.todos import todos_for
from evaluations.ballots import services as ballot_services
from evaluations.ballots.models import BallotRater, BallotSubject, RaterGroup
from evaluations.welfare import selectors, services
from evaluations.welfare.exports import result_rows
from evaluations.welfare.models import ConsequenceKind, WelfareAssessment, WelfareStage
from publicity.publication import services as publication_services
from tests.factories import DepartmentFactory, UserFactory, WelfareAssessmentFactory, WelfarePostFactory
from tests.support.queries import warm_page_queries

DEC_1 = date(2026, 12, 1)


def _rate(assessment, *, hr, choices=("satisfied", "satisfied")):
    """Open the worker's 民主测评 with one service user per choice, cast a paper per code, close it."""
    ballot = services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=len(choices))
    subject = BallotSubject.objects.get(ballot=ballot, person=assessment.owner)
    for rater, choice in zip(ballot.raters.filter(code__isnull=False).order_by("pk"), choices, strict=True):
        ballot_services.paper_cast(rater=rater, answers={subject.pk: {"choice": choice}}, code=rater.code)
    ballot_services.ballot_close(actor=hr, ballot=ballot)
    return ballot


def _walk_to_decision(assessment, *, worker, head, hr, grade="qualified", renew=True):
    services.welfare_report_save(actor=worker, assessment=assessment, text="一年来认真保洁。")
    services.welfare_report_submit(actor=worker, assessment=assessment)
    services.welfare_report_approve(actor=head, assessment=assessment)
    services.welfare_interview_record(actor=hr, assessment=assessment, notes="谈话：表现稳定。")
    _rate(assessment, hr=hr)
    return services.welfare_decision_record(actor=hr, assessment=assessment, grade=grade, renew=renew, notes="会议研究")


def _publish_and_close(hr, organisation, year=2026):
    publication = publication_services.publication_open_welfare(
        actor=hr, organisation=organisation, year=year, today=date(year, 12, 10)
    )
    publication_services.publication_lock_due(publication=publication, today=date(year + 1, 1, 20))
    return publication


def test_it_refuses_to_open_the_year_before_the_first_day_of_the_window(hr, organisation, worker):
    with pytest.raises(ValidationError, match="2026-12-01"):
        services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026, today=date(2026, 11, 30))
    assert services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026, today=DEC_1) == 1
    # Twice is harmless.
    assert services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026, today=DEC_1) == 0
    assert WelfareAssessment.objects.get().stage == WelfareStage.REPORT


def test_the_window_follows_the_policy(hr, organisation, worker):
    organisation.policy.welfare_window_month, organisation.policy.welfare_window_first_day = 11, 20
    organisation.policy.save()
    assert services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026, today=date(2026, 11, 20))


def test_an_assessment_goes_from_report_to_final_and_every_step_is_audited(today, hr, head, worker, organisation):
    services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026)
    assessment = WelfareAssessment.objects.get(owner=worker)
    decided = _walk_to_decision(assessment, worker=worker, head=head, hr=hr)
    assert decided.stage == WelfareStage.DECISION and decided.status == ReviewStatus.APPROVED
    _publish_and_close(hr, organisation)
    assessment.refresh_from_db()
    assert assessment.stage == WelfareStage.FINAL and assessment.finalised_at is not None
    stages = [
        entry.changes_dict["stage"]
        for entry in AuditEntry.objects.filter(object_pk=str(assessment.pk), content_type__model="welfareassessment")
        if "stage" in (entry.changes_dict or {})
    ]
    assert (
        ["interview", "rating"] in stages and ["decision", "published"] in stages and ["published", "final"] in stages
    )
    interview = next(
        e
        for e in AuditEntry.objects.filter(content_type__model="welfareassessment")
        if "interview_notes" in e.changes_dict
    )
    assert interview.actor == hr


def test_a_step_out_of_order_is_refused(today, hr, worker, organisation):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    with pytest.raises(ValidationError, match="个人述职"):
        services.welfare_interview_record(actor=hr, assessment=assessment, notes="谈话")


def test_an_empty_report_cannot_be_handed_in(today, worker):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    with pytest.raises(ValidationError, match="述职"):
        services.welfare_report_submit(actor=worker, assessment=assessment)


def test_a_refused_hand_in_leaves_the_page_able_to_save_and_hand_in_next(today, client_for, worker):
    from django.urls import reverse

    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    url = reverse("evaluations:welfare_report", args=[assessment.pk])
    client = client_for(worker)
    refused = client.post(url, {"report_text": "", "version": assessment.version, "submit": "1"})
    assert refused.status_code == 200 and "请填写述职内容或上传述职材料后再提交" in refused.content.decode()
    # The page shown again sends back the version its form carries: the next hand-in goes through.
    import re

    shown = int(re.search(r'name="version" value="(\d+)"', refused.content.decode()).group(1))
    handed = client.post(url, {"report_text": "一年来认真保洁。", "version": shown, "submit": "1"})
    assert handed.status_code == 302
    assessment.refresh_from_db()
    assert assessment.report_text == "一年来认真保洁。" and assessment.status == "submitted"


def test_the_report_may_be_uploaded_instead_of_typed(today, worker, settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    pdf = SimpleUploadedFile("述职.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    saved = services.welfare_report_save(actor=worker, assessment=assessment, text="", uploaded=pdf)
    assert saved.report_content_type == "application/pdf" and saved.report_file_name == "述职.pdf"
    services.welfare_report_submit(actor=worker, assessment=saved)


def test_a_report_file_above_the_pages_body_cap_is_taken_up_to_the_policys_limit(
    today, client_for, worker, settings, tmp_path
):
    """A user test's 3 MB PDF met the 2 MB cap of every page's body and lost the typed text: the
    report takes files up to the policy's attachment limit, says the limit, and a larger file is
    refused with the text kept."""
    from django.urls import reverse

    settings.PRIVATE_FILES_ROOT = tmp_path
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    policy = Policy.objects.get(organisation=worker.organisation)
    policy.attachment_max_mb = 2
    policy.save(update_fields=["attachment_max_mb"])
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    url = reverse("evaluations:welfare_report", args=[assessment.pk])
    client = client_for(worker)
    page = client.get(url).content.decode()
    assert "不超过 2 MB" in page and f'data-max-bytes="{2 * 1024 * 1024}"' in page and "data-too-large" in page

    def send(text: str, name: str, size: int):
        pdf = b"%PDF-1.4\n" + b"0" * size + b"\n%%EOF\n"
        data = {"report_text": text, "version": assessment.version, "upload": SimpleUploadedFile(name, pdf)}
        return client.post(url, data)

    assert send("一年来认真保洁。", "述职.pdf", 1536 * 1024).status_code == 302
    assessment.refresh_from_db()
    assert assessment.report_file_name == "述职.pdf" and assessment.report_text == "一年来认真保洁。"

    # A body beyond the limit and the text's room is refused unread, saying the limit.
    unread = send("改过的述职。", "很大.pdf", 2 * 1024 * 1024 + 128 * 1024)
    assert unread.status_code == 413 and "附件不能超过 2 MB" in unread.content.decode()
    refused = send("改过的述职。", "大.pdf", 2 * 1024 * 1024 + 1)
    assert refused.status_code == 200
    assert "附件不能超过 2 MB" in refused.content.decode() and "改过的述职。" in refused.content.decode()
    # Anyone but the worker is refused before the body is parsed at all, as the page answers them
    # (signed in last: client_for signs the one test client in).
    other = client_for(UserFactory(organisation=worker.organisation))
    other_post = {"report_text": "x", "version": 1, "upload": SimpleUploadedFile("x.pdf", b"0" * (2200 * 1024))}
    assert other.post(url, other_post).status_code == 404


def test_a_program_is_refused_as_a_report(today, worker):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    with pytest.raises(ValidationError):
        services.welfare_report_save(
            actor=worker, assessment=assessment, text="", uploaded=SimpleUploadedFile("a.pdf", b"MZ\x90\x00binary")
        )


def test_unqualified_is_never_renewed(today, hr, head, worker):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    with pytest.raises(ValidationError, match="不予续签"):
        _walk_to_decision(assessment, worker=worker, head=head, hr=hr, grade="unqualified", renew=True)


@pytest.mark.parametrize(
    ("grade", "previous", "expected"),
    [
        ("qualified", None, []),
        ("basically_qualified", None, [ConsequenceKind.ADMONITION]),
        ("unqualified", None, [ConsequenceKind.NO_RENEWAL]),
        ("unqualified", "qualified", [ConsequenceKind.NO_RENEWAL]),
        ("unqualified", "unqualified", [ConsequenceKind.TERMINATION]),
    ],
)
def test_consequences_of_a_final_grade(grade, previous, expected):
    assert services.consequence_kinds(grade=grade, previous_grade=previous) == expected


def test_a_second_consecutive_unqualified_puts_a_termination_on_hrs_todo_list(today, hr, head, worker, organisation):
    earlier = WelfareAssessmentFactory(
        post=worker.welfare_post, year=2025, stage=WelfareStage.FINAL, grade="unqualified", renew=False
    )
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    _walk_to_decision(assessment, worker=worker, head=head, hr=hr, grade="unqualified", renew=False)
    _publish_and_close(hr, organisation)
    consequence = assessment.consequences.get()
    assert consequence.kind == ConsequenceKind.TERMINATION and earlier.consequences.count() == 0
    todo = next(t for t in todos_for(hr, today=today) if t.key == "welfare-termination")
    assert todo.count == 1 and consequence.due_on.isoformat() in todo.label
    services.welfare_consequence_complete(actor=hr, consequence=consequence, note="已解除劳动合同")
    worker.welfare_post.refresh_from_db()
    assert worker.welfare_post.terminated_on == today
    assert not [t for t in todos_for(hr, today=today) if t.key.startswith("welfare-")]


def test_basically_qualified_asks_for_an_admonition_talk_with_its_deadline(today, hr, head, worker, organisation):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    _walk_to_decision(assessment, worker=worker, head=head, hr=hr, grade="basically_qualified")
    _publish_and_close(hr, organisation)
    consequence = assessment.consequences.get()
    assert consequence.kind == ConsequenceKind.ADMONITION
    # Ten working days (policy) from the day the results became final.
    assert consequence.due_on > date(2027, 1, 20)


def test_an_open_objection_holds_the_result_until_it_is_answered(today, hr, head, worker, colleague, organisation):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    _walk_to_decision(assessment, worker=worker, head=head, hr=hr)
    publication = publication_services.publication_open_welfare(actor=hr, organisation=organisation, year=2026)
    entry = publication.entries.get()
    publication_services.objection_lodge(actor=colleague, entry=entry, text="该同志经常不在岗")
    publication_services.publication_lock_due(publication=publication, today=date(2027, 1, 20))
    assessment.refresh_from_db()
    assert assessment.stage == WelfareStage.PUBLISHED


# --- 民主测评 -----------------------------------------------------------------------------------


def _at_rating(worker, head, hr):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    services.welfare_report_save(actor=worker, assessment=assessment, text="述职")
    services.welfare_report_submit(actor=worker, assessment=assessment)
    services.welfare_report_approve(actor=head, assessment=assessment)
    return services.welfare_interview_record(actor=hr, assessment=assessment, notes="谈话")


def test_the_ballot_is_rated_by_the_units_leaders_heads_and_service_users(today, hr, head, leader, chief, worker):
    assessment = _at_rating(worker, head, hr)
    ballot = services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=3)
    raters = list(ballot.raters.all())
    assert {(r.user_id, r.group) for r in raters if r.user_id} == {
        (leader.pk, RaterGroup.LEADER),
        (chief.pk, RaterGroup.LEADER),
        (head.pk, RaterGroup.COLLEAGUE),
    }
    codes = [r for r in raters if r.code]
    assert len(codes) == 3 and {r.group for r in codes} == {RaterGroup.SERVICE_USER}
    assert [s.person_id for s in ballot.subjects.all()] == [worker.pk]


@pytest.mark.parametrize("service_users", [1, 5])
def test_service_users_outside_the_policys_two_to_four_are_refused(today, hr, head, worker, service_users):
    assessment = _at_rating(worker, head, hr)
    with pytest.raises(ValidationError, match="2至4"):
        services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=service_users)


def test_the_unit_cannot_decide_before_the_ballot_is_closed(today, hr, head, worker):
    assessment = _at_rating(worker, head, hr)
    with pytest.raises(ValidationError, match="民主测评"):
        services.welfare_decision_record(actor=hr, assessment=assessment, grade="qualified", renew=True, notes="x")
    services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=2)
    with pytest.raises(ValidationError, match="尚未结束"):
        services.welfare_decision_record(actor=hr, assessment=assessment, grade="qualified", renew=True, notes="x")


def test_a_decision_at_another_step_is_refused_naming_the_decision(today, hr, worker):
    """A user test: 集体研究 recorded at 个人述职 was refused as "…不能办理“民主测评”"."""
    assessment = WelfareAssessmentFactory(post=worker.welfare_post, stage=WelfareStage.REPORT)
    with pytest.raises(ValidationError, match="当前处于“个人述职”环节，不能办理“集体研究”"):
        services.welfare_decision_record(actor=hr, assessment=assessment, grade="qualified", renew=True, notes="x")


def test_the_tally_gives_counts_and_shares_of_the_valid_papers(today, hr, head, worker):
    assessment = _at_rating(worker, head, hr)
    _rate(assessment, hr=hr, choices=("satisfied", "satisfied", "dissatisfied", "basically_satisfied"))
    assessment.refresh_from_db()
    tally = selectors.welfare_tally(subject_ids=[assessment.ballot_subject_id])[assessment.ballot_subject_id]
    assert tally.valid == 4
    assert [(label, n, str(share)) for label, n, share in tally.choices()] == [
        ("满意", 2, "50.0"),
        ("基本满意", 1, "25.0"),
        ("不满意", 1, "25.0"),
        ("不了解", 0, "0.0"),
    ]


def test_one_ballot_rates_every_worker_of_the_unit_at_that_step(today, hr, head, department):
    workers = [WelfarePostFactory(person__department=department).person for _n in range(3)]
    assessments = [_at_rating(w, head, hr) for w in workers]
    ballot = services.welfare_ballot_open(actor=hr, assessments=assessments, service_users=2)
    assert ballot.subjects.count() == 3
    assert WelfareAssessment.objects.filter(ballot_subject__ballot=ballot).count() == 3
    with pytest.raises(ValidationError, match="已经发起"):
        services.welfare_ballot_open(actor=hr, assessments=assessments[:1], service_users=2)


def test_a_service_user_content_with_every_worker_of_the_unit_casts_a_valid_paper(today, hr, head, department):
    """The policy voids a paper with every answer the same (a careless paper on a cadres' ballot);
    on a unit-wide ballot of public-welfare workers 满意 for all is a real answer."""
    workers = [WelfarePostFactory(person__department=department).person for _n in range(3)]
    ballot = services.welfare_ballot_open(
        actor=hr, assessments=[_at_rating(w, head, hr) for w in workers], service_users=2
    )
    rater = ballot.raters.filter(code__isnull=False).first()
    answers = {subject.pk: {"choice": "satisfied"} for subject in ballot.subjects.all()}
    paper = ballot_services.paper_cast(rater=rater, answers=answers, code=rater.code)
    assert (paper.void, ballot.void_identical) == (False, False)


def test_the_tally_page_costs_the_same_for_few_and_many_workers(
    today, client_for, hr, head, department, django_assert_num_queries
):
    first = _at_rating(WelfarePostFactory(person__department=department).person, head, hr)
    _rate(first, hr=hr)
    client = client_for(hr)
    url = reverse("evaluations:welfare_tally", args=[2026])
    few = warm_page_queries(client, url)
    for _n in range(4):
        _rate(_at_rating(WelfarePostFactory(person__department=department).person, head, hr), hr=hr)
    with django_assert_num_queries(few):
        response = client.get(url)
    assert len(response.context["page"]) == 5
    assert "100.0%" in response.content.decode()


def test_no_count_is_shown_while_the_ballot_is_open(today, client_for, hr, chief, head, worker):
    """A user test read the unit's tally page before and after the 副局长 cast a paper: the counts
    that moved told how they voted. Until the ballot closes neither the unit's page nor the
    worker's shows a count, and the selector counts no paper of an open ballot."""
    assessment = _at_rating(worker, head, hr)
    ballot = services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=2)
    subject = ballot.subjects.get()
    for rater in ballot.raters.filter(code__isnull=False):
        ballot_services.paper_cast(rater=rater, answers={subject.pk: {"choice": "dissatisfied"}}, code=rater.code)
    assert selectors.welfare_tally(subject_ids=[subject.pk]) == {}
    tally_url = reverse("evaluations:welfare_tally", args=[2026])
    for reader in (hr, chief):
        page = client_for(reader).get(tally_url).content.decode()
        assert 'data-testid="welfare-tally-hidden"' in page and "不满意" in page  # (the header)
        assert "（100.0%）" not in page and "（0.0%）" not in page
    detail = client_for(hr).get(reverse("evaluations:welfare_assessment", args=[assessment.pk]))
    assert detail.context["tally"].valid == 0
    ballot_services.ballot_close(actor=hr, ballot=ballot)
    page = client_for(hr).get(tally_url).content.decode()
    assert 'data-testid="welfare-tally-hidden"' not in page and "2（100.0%）" in page


def test_a_code_holder_rates_once(today, hr, head, worker):
    assessment = _at_rating(worker, head, hr)
    ballot = services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=2)
    rater = ballot.raters.filter(code__isnull=False).first()
    subject = ballot.subjects.get()
    ballot_services.paper_cast(rater=rater, answers={subject.pk: {"choice": "satisfied"}}, code=rater.code)
    with pytest.raises(ValidationError):
        ballot_services.paper_cast(
            rater=BallotRater.objects.get(pk=rater.pk), answers={subject.pk: {"choice": "satisfied"}}, code=rater.code
        )


# --- Denials -----------------------------------------------------------------------------------


def test_another_units_hr_cannot_see_or_act_on_our_workers(today, client_for, worker, head, hr):
    other_hr = UserFactory(organisation=DepartmentFactory().organisation, department=None, roles=[Role.HR_ADMIN])
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    services.welfare_report_save(actor=worker, assessment=assessment, text="述职")
    services.welfare_report_submit(actor=worker, assessment=assessment)
    services.welfare_report_approve(actor=head, assessment=assessment)
    assert client_for(other_hr).get(reverse("evaluations:welfare_assessment", args=[assessment.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.welfare_interview_record(actor=other_hr, assessment=assessment, notes="x")
    page = client_for(other_hr).get(reverse("evaluations:welfare", args=[2026]))
    assert worker.full_name not in page.content.decode()


def test_a_worker_sees_only_their_own_assessment(today, client_for, worker, department):
    mine = WelfareAssessmentFactory(post=worker.welfare_post)
    other = WelfareAssessmentFactory(post=WelfarePostFactory(person__department=department))
    client = client_for(worker)
    assert client.get(reverse("evaluations:welfare_assessment", args=[mine.pk])).status_code == 200
    assert client.get(reverse("evaluations:welfare_assessment", args=[other.pk])).status_code == 404
    assert client.get(reverse("evaluations:welfare", args=[2026])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.welfare_report_save(actor=worker, assessment=other, text="冒名")


def test_a_worker_cannot_decide_their_own_year(today, worker):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post, stage=WelfareStage.RATING)
    with pytest.raises(PermissionDenied):
        services.welfare_decision_record(actor=worker, assessment=assessment, grade="qualified", renew=True, notes="x")


# --- Lists and export --------------------------------------------------------------------------


def test_the_unit_list_costs_the_same_for_few_and_many_workers(
    today, client_for, hr, department, organisation, django_assert_num_queries
):
    WelfareAssessmentFactory(post=WelfarePostFactory(person__department=department))
    client = client_for(hr)
    url = reverse("evaluations:welfare", args=[2026])
    few = warm_page_queries(client, url)
    for _n in range(12):
        WelfareAssessmentFactory(post=WelfarePostFactory(person__department=department))
    with django_assert_num_queries(few):
        response = client.get(url)
    assert len(response.context["page"]) == 13


def test_the_posts_and_consequences_lists_cost_the_same_for_few_and_many(
    today, client_for, hr, department, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(hr)
    for name in ("evaluations:welfare_posts", "evaluations:welfare_consequences"):
        client.get(reverse(name))

    def one_more():
        post = WelfarePostFactory(person__department=department)
        assessment = WelfareAssessmentFactory(post=post, stage=WelfareStage.FINAL, grade="basically_qualified")
        assessment.consequences.create(organisation=assessment.organisation, kind="admonition", due_on=DEC_1)

    one_more()
    counts = {}
    for name in ("evaluations:welfare_posts", "evaluations:welfare_consequences"):
        with CaptureQueriesContext(connection) as few:
            client.get(reverse(name))
        counts[name] = len(few)
    for _n in range(6):
        one_more()
    for name, count in counts.items():
        with django_assert_num_queries(count):
            client.get(reverse(name))


def test_the_export_flags_a_worker_absent_from_the_post(today, hr, worker, department):
    present = WelfarePostFactory(person__department=department, person__full_name="在岗者")
    WelfareAssessmentFactory(post=worker.welfare_post)
    WelfareAssessmentFactory(post=present)
    services.welfare_post_record_absence(actor=hr, post=worker.welfare_post, since=date(2026, 10, 8), note="长期未到岗")
    rows = {row[2]: row for row in result_rows(organisation_id=worker.organisation_id, year=2026)}
    assert rows["保洁员甲"][-2].startswith("不在岗（自2026-10-08）") and rows["保洁员甲"][-1] == "停发"
    assert rows["在岗者"][-2] == "在岗"


def test_the_export_runs_as_a_job_and_writes_a_workbook(
    today, client_for, hr, worker, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.PRIVATE_FILES_ROOT = tmp_path
    WelfareAssessmentFactory(post=worker.welfare_post)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hr).post(reverse("evaluations:welfare_export", args=[2026]))
    assert response.status_code == 302
    from accounts.models import Job

    job = Job.objects.get(kind="evaluations.welfare_results")
    assert job.state == Job.State.DONE and job.file.name.endswith(".xlsx")
    # Done, the page does not say "正在生成" beside 已完成.
    assert job.message == ""
    assert "正在生成" not in client_for(hr).get(job.get_absolute_url()).content.decode()


def test_hr_records_a_post_agreement_only_for_a_public_welfare_worker(hr, staff, worker):
    terms = {
        "post_name": "协管",
        "agreement_start": date(2026, 1, 1),
        "agreement_end": date(2026, 12, 31),
        "monthly_subsidy": Decimal("1500"),
    }
    with pytest.raises(ValidationError):
        services.welfare_post_save(actor=hr, person=staff, **terms)
    post = services.welfare_post_save(actor=hr, person=worker, **terms)
    assert post.post_name == "协管" and post.organisation_id == worker.organisation_id


def test_an_agreement_from_1900_or_to_9999_is_refused_at_its_date(hr, worker):
    """A user test saved an agreement from 1900-01-01 to 9999-12-31 (and 不在岗 since 1999)."""
    terms = {"post_name": "协管", "monthly_subsidy": Decimal("1500")}
    with pytest.raises(ValidationError) as refused:
        services.welfare_post_save(
            actor=hr, person=worker, agreement_start=date(1900, 1, 1), agreement_end=date(2026, 12, 31), **terms
        )
    assert "协议开始日期须在2000年至" in refused.value.message_dict["agreement_start"][0]
    with pytest.raises(ValidationError) as refused:
        services.welfare_post_save(
            actor=hr, person=worker, agreement_start=date(2026, 1, 1), agreement_end=date(9999, 12, 31), **terms
        )
    assert refused.value.message_dict["agreement_end"] == ["协议截止日期须在2026年至2028年之间（现为9999-12-31）。"]
    # A three-year agreement is taken (a re-test).
    services.welfare_post_save(
        actor=hr, person=worker, agreement_start=date(2026, 1, 1), agreement_end=date(2028, 12, 31), **terms
    )


def test_the_post_form_says_an_agreement_ending_before_it_starts_at_the_end_date(client_for, hr, worker):
    from django.urls import reverse

    post = worker.welfare_post
    url = reverse("evaluations:welfare_post_edit", args=[post.pk])
    page = client_for(hr).get(url).content.decode()
    # The saved dates are in the pickers (ISO, which a date input accepts).
    assert f'value="{post.agreement_start.isoformat()}"' in page
    response = client_for(hr).post(
        url,
        {
            "post_name": post.post_name,
            "agreement_start": "2026-12-31",
            "agreement_end": "2026-01-01",
            "monthly_subsidy": post.monthly_subsidy,
        },
    )
    assert response.status_code in (200, 400)
    assert response.context["form"].errors["agreement_end"] == ["协议截止日期不能早于协议开始日期。"]
    assert "welfare_agreement_end_after_start" not in response.content.decode()


def test_a_workers_home_names_no_evaluator_they_do_not_have(client_for, worker, staff, head):
    """A user test: a public-welfare worker's home said 审核评鉴人：潘建, though they write no targets
    and have no quarterly grade; a civil servant's still names theirs."""
    assert "审核评鉴人" not in client_for(worker).get("/").content.decode()
    assert f"审核评鉴人：<strong>{head.get_full_name()}</strong>" in client_for(staff).get("/").content.decode()


def test_an_absence_cannot_begin_after_today_nor_before_the_agreement(today, hr, worker):
    """A user test recorded 不在岗 from a day still to come (and from before the agreement): the
    subsidy stopped at once."""
    post = worker.welfare_post
    for since, refusal in (
        (date(2030, 6, 1), "不在岗起始日期不能晚于今天"),
        (date(2020, 1, 1), "不在岗起始日期不能早于协议开始日期（2026-01-01）"),
    ):
        with pytest.raises(ValidationError, match=refusal):
            services.welfare_post_record_absence(actor=hr, post=post, since=since, note="未到岗")
    post.refresh_from_db()
    assert post.absent_since is None


def test_an_absence_cannot_begin_after_the_agreement_ended(hr, worker, settings):
    """A re-test recorded 不在岗 from November on a post whose agreement ended in June."""
    settings.APPRAISAL_TODAY = date(2027, 1, 5)
    with pytest.raises(ValidationError, match="不在岗起始日期不能晚于协议截止日期（2026-12-31）"):
        services.welfare_post_record_absence(actor=hr, post=worker.welfare_post, since=date(2027, 1, 2), note="未到岗")


def test_a_refused_absence_keeps_what_was_typed_and_says_why_at_its_box(client_for, today, hr, worker):
    """A re-test: a refused date came back as a flash above an empty form, the note lost."""
    url = reverse("evaluations:welfare_post_absence", args=[worker.welfare_post.pk])
    response = client_for(hr).post(url, {"since": "2030-06-01", "note": "长期未到岗，电话联系不上"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "长期未到岗，电话联系不上" in html and "不在岗起始日期不能晚于今天" in html
    worker.welfare_post.refresh_from_db()
    assert worker.welfare_post.absent_since is None
