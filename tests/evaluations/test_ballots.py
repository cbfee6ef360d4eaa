"""民主测评 (evaluations.ballots): opening, casting once, the 优秀 limit, void rules, trimming,
thresholds and anonymity."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry, Policy
from evaluations.ballots import selectors, services
from evaluations.ballots.models import Ballot, BallotRater, BallotScale, BallotState, Paper, PaperAnswer, RaterGroup
from tests.evaluations import helpers
from tests.factories import UserFactory

GRADE_ANSWERS = ("excellent", "competent", "basically_competent", "incompetent")


def open_ballot(hr, people, voters, **kwargs):
    return helpers.open_ballot(hr, subjects=people, raters=voters, title="2026年度科级干部民主测评", **kwargs)


def answers(ballot, *choices, scores=None):
    subjects = list(ballot.subjects.order_by("sort_order"))
    return {
        s.pk: {"choice": choice, **({"scores": scores[i]} if scores else {})}
        for i, (s, choice) in enumerate(zip(subjects, choices, strict=True))
    }


def rater_of(ballot, user):
    return selectors.rater_for_user(ballot_id=ballot.pk, user=user)


def test_hr_opens_a_ballot_with_raters_and_single_use_codes(hr, people, voters, leader):
    ballot = open_ballot(hr, people, voters, leaders=[leader], service_user_codes=3)
    assert ballot.subjects.count() == 5
    groups = sorted(ballot.raters.values_list("group", flat=True))
    assert groups.count(RaterGroup.SERVICE_USER) == 3 and groups.count(RaterGroup.LEADER) == 1
    codes = list(ballot.raters.exclude(code=None).values_list("code", flat=True))
    assert len(set(codes)) == 3 and all(len(c) == services.CODE_LENGTH for c in codes)
    assert ballot.excellent_limit_percent == 20


def test_only_hr_of_the_organisation_opens_a_ballot(staff, outsider, people, voters, hr):
    with pytest.raises(PermissionDenied):
        open_ballot(staff, people, voters)
    with pytest.raises(PermissionDenied):
        services.ballot_open(
            actor=outsider, organisation=hr.organisation, title="x", year=2026, subjects=people, raters=voters
        )


def test_a_ballot_refuses_people_of_another_organisation(hr, people, outsider):
    with pytest.raises(ValidationError, match="不是本单位"):
        open_ballot(hr, people, [outsider])


def test_a_paper_with_too_many_excellent_is_refused_before_it_is_cast(hr, people, voters):
    ballot = open_ballot(hr, people, voters)
    rater = rater_of(ballot, voters[0])
    # Five people at 20 %: one 优秀 per paper.
    with pytest.raises(ValidationError, match="不得超过1人"):
        services.paper_cast(
            rater=rater, actor=voters[0], answers=answers(ballot, *["excellent"] * 2, *["competent"] * 3)
        )
    assert Paper.objects.count() == 0
    rater.refresh_from_db()
    assert not rater.has_voted


def test_the_excellent_limit_is_at_least_one_for_a_small_ballot(hr, people, voters):
    ballot = open_ballot(hr, people[:3], voters)
    assert services.excellent_limit(ballot=ballot, subjects=3) == 1


def test_an_incomplete_paper_is_refused_but_can_be_saved_and_resumed(hr, people, voters):
    ballot = open_ballot(hr, people, voters)
    rater = rater_of(ballot, voters[0])
    first = list(ballot.subjects.order_by("sort_order"))[0]
    partial = {first.pk: {"choice": "excellent"}}
    with pytest.raises(ValidationError, match="请为被测评人1选择评价"):
        services.paper_cast(rater=rater, actor=voters[0], answers=partial)
    services.paper_save(rater=rater, actor=voters[0], answers=partial)
    assert rater_of(ballot, voters[0]).draft == {str(first.pk): {"choice": "excellent"}}


def test_a_rater_casts_one_paper_only(hr, people, voters):
    ballot = open_ballot(hr, people, voters)
    rater = rater_of(ballot, voters[0])
    paper = answers(ballot, "excellent", "competent", "competent", "basically_competent", "competent")
    services.paper_cast(rater=rater, actor=voters[0], answers=paper)
    with pytest.raises(ValidationError, match="只能投一次"):
        services.paper_cast(rater=rater_of(ballot, voters[0]), actor=voters[0], answers=paper)
    # A stale copy of the row (a double submit) is refused by the conditional update.
    rater.has_voted = False
    with pytest.raises(ValidationError, match="只能投一次"):
        services.paper_cast(rater=rater, actor=voters[0], answers=paper)
    assert Paper.objects.count() == 1
    assert rater_of(ballot, voters[0]).draft == {}


def test_a_user_cannot_fill_another_raters_paper(hr, people, voters):
    ballot = open_ballot(hr, people, voters)
    with pytest.raises(PermissionDenied):
        services.paper_save(rater=rater_of(ballot, voters[0]), actor=voters[1], answers={})


def test_a_missing_choice_names_the_person_and_the_scales_choices(hr, people, voters):
    ballot = open_ballot(hr, people[:3], voters)
    rater = rater_of(ballot, voters[0])
    first, second, third = ballot.subjects.order_by("sort_order")
    with pytest.raises(ValidationError) as refused:
        services.paper_cast(rater=rater, actor=voters[0], answers={first.pk: {"choice": "competent"}})
    assert refused.value.message_dict == {
        str(second.pk): ["请为被测评人1选择评价（优秀、称职、基本称职、不称职）。"],
        str(third.pk): ["请为被测评人2选择评价（优秀、称职、基本称职、不称职）。"],
    }
    # A choice not of the ballot's scale is answered the same way, naming the person.
    with pytest.raises(ValidationError) as refused:
        services.paper_save(rater=rater, actor=voters[0], answers={first.pk: {"choice": "satisfied"}})
    assert refused.value.messages == ["请为被测评人0选择评价（优秀、称职、基本称职、不称职）。"]


def test_a_score_out_of_range_or_missing_names_the_person_the_dimension_and_the_range(hr, people, voters):
    ballot = open_ballot(hr, people[:2], voters, with_scores=True)
    rater = rater_of(ballot, voters[0])
    first, second = ballot.subjects.order_by("sort_order")
    paper = {
        first.pk: {"choice": "excellent", "scores": {**dict.fromkeys(services.DIMENSIONS, 8), "de": "15"}},
        second.pk: {"choice": "competent", "scores": {"de": 7, "neng": 7, "qin": "8.5", "ji": 7}},
    }
    with pytest.raises(ValidationError) as refused:
        services.paper_cast(rater=rater, actor=voters[0], answers=paper)
    assert refused.value.message_dict == {
        str(first.pk): ["被测评人0的“德”得分须为0–10的整数，您填的是“15”。"],
        str(second.pk): [
            "被测评人1的“勤”得分须为0–10的整数，您填的是“8.5”。",
            "请为被测评人1的廉打分（每项0–10分）。",
        ],
    }
    # A draft may lack scores, never hold one out of range: saving says the same about it.
    with pytest.raises(ValidationError) as refused:
        services.paper_save(rater=rater, actor=voters[0], answers=paper)
    assert refused.value.messages == [
        "被测评人0的“德”得分须为0–10的整数，您填的是“15”。",
        "被测评人1的“勤”得分须为0–10的整数，您填的是“8.5”。",
    ]
    assert Paper.objects.count() == 0 and rater_of(ballot, voters[0]).draft == {}


def test_a_rater_who_is_also_rated_is_not_on_their_own_paper(hr, people, voters):
    ballot = open_ballot(hr, people, [people[0], *voters])
    rater = rater_of(ballot, people[0])
    own = ballot.subjects.get(person=people[0])
    assert own.pk not in set(selectors.paper_subjects(ballot=ballot, rater=rater).values_list("pk", flat=True))
    assert selectors.paper_subjects(ballot=ballot, rater=rater_of(ballot, voters[0])).count() == 5
    others = {s.pk: {"choice": "competent"} for s in ballot.subjects.exclude(pk=own.pk)}
    others[ballot.subjects.get(person=people[1]).pk] = {"choice": "excellent"}
    paper = services.paper_cast(rater=rater, actor=people[0], answers=others)
    assert set(paper.answers.values_list("subject_id", flat=True)) == set(others)


def test_a_vote_for_oneself_is_refused(hr, people, voters):
    ballot = open_ballot(hr, people, [people[0], *voters])
    rater = rater_of(ballot, people[0])
    paper = {s.pk: {"choice": "competent"} for s in ballot.subjects.all()}
    paper[ballot.subjects.get(person=people[1]).pk] = {"choice": "excellent"}
    for service in (services.paper_save, services.paper_cast):
        with pytest.raises(ValidationError, match="您不能评价自己"):
            service(rater=rater, actor=people[0], answers=paper)
    rater.refresh_from_db()
    assert not rater.has_voted and rater.draft == {} and not Paper.objects.exists()


def test_the_excellent_limit_counts_the_people_on_the_paper(hr, department):
    people = [UserFactory(department=department, full_name=f"科长{n}") for n in range(10)]
    colleague = UserFactory(department=department)
    ballot = open_ballot(hr, people, [people[0], colleague])
    # 20 % of the ten on a colleague's paper, of the nine on a head's own.
    two = ["excellent", "excellent", *["competent"] * 7]
    head_paper = dict(zip(ballot.subjects.exclude(person=people[0]).values_list("pk", flat=True), two, strict=True))
    with pytest.raises(ValidationError, match="不得超过1人（被测评9人的20%）"):
        services.paper_cast(
            rater=rater_of(ballot, people[0]),
            actor=people[0],
            answers={pk: {"choice": choice} for pk, choice in head_paper.items()},
        )
    services.paper_cast(
        rater=rater_of(ballot, colleague), actor=colleague, answers=answers(ballot, *two, "basically_competent")
    )


def test_the_tally_counts_a_rated_rater_over_the_papers_that_rate_them(hr, people, voters):
    ballot = open_ballot(hr, people, [people[0], voters[0], voters[1]])
    subjects = list(ballot.subjects.order_by("sort_order"))
    own = {s.pk: {"choice": "competent"} for s in subjects[1:]}
    own[subjects[1].pk] = {"choice": "excellent"}
    services.paper_cast(rater=rater_of(ballot, people[0]), actor=people[0], answers=own)
    services.paper_cast(
        rater=rater_of(ballot, voters[0]),
        actor=voters[0],
        answers=answers(ballot, "incompetent", "competent", "competent", "excellent", "competent"),
    )
    tally = selectors.ballot_tally(ballot=ballot)
    assert (tally.raters, tally.voted, tally.papers, tally.valid, tally.rated_raters) == (3, 2, 2, 2, 1)
    first, second, *_rest = tally.people
    # 被测评人0 is rated by the one other paper: one 不称职 of one, 100 %, which reaches the threshold.
    assert first.valid == 1 and first.counts == {"incompetent": 1} and first.low_percent == Decimal("100.0")
    assert first.suggestion == selectors.SUGGEST_BASIC
    assert second.valid == 2 and second.counts == {"excellent": 1, "competent": 1}


def test_the_only_person_rated_is_no_rater_of_the_ballot(hr, people, voters):
    ballot = open_ballot(hr, people[:1], [people[0], voters[0]], leaders=[people[0]])
    assert list(ballot.raters.values_list("user", flat=True)) == [voters[0].pk]
    with pytest.raises(ValidationError, match="请至少指定一名测评人"):
        open_ballot(hr, people[:1], [people[0]])


def test_a_single_use_code_works_once(hr, people, voters):
    ballot = open_ballot(hr, people, voters, service_user_codes=1, scale=BallotScale.SATISFACTION)
    code = ballot.raters.get(group=RaterGroup.SERVICE_USER).code
    rater = selectors.rater_for_code(code=code.lower()[:4] + "-" + code.lower()[4:])
    assert rater is not None
    services.paper_cast(rater=rater, code=code, answers=answers(ballot, *["satisfied"] * 4, "dissatisfied"))
    assert selectors.rater_for_code(code=code) is None
    with pytest.raises(ValidationError):
        services.paper_cast(rater=rater, code=code, answers=answers(ballot, *["satisfied"] * 5))
    with pytest.raises(PermissionDenied):
        services.paper_save(rater=BallotRater.objects.get(code=code), code="WRONGONE", answers={})
    assert Paper.objects.get().group == RaterGroup.SERVICE_USER


def test_a_rater_or_rated_person_signed_in_may_not_vote_with_a_code(hr, people, voters, client_for):
    """A user test's staff member cast their own paper, then cast again with a service user's code
    (counted: 7 papers of 6 voters); a rated person could so rate themselves."""
    ballot = open_ballot(hr, people, voters, service_user_codes=2, scale=BallotScale.SATISFACTION)
    first, second = ballot.raters.filter(group=RaterGroup.SERVICE_USER).values_list("code", flat=True)
    for holder, code in ((voters[0], first), (people[0], second)):
        with pytest.raises(ValidationError, match="不能使用测评码投票"):
            services.code_attempt(code=code, address="198.51.100.7", holder=holder)
        rater = BallotRater.objects.get(code=code)
        with pytest.raises(ValidationError, match="不能使用测评码投票"):
            services.paper_cast(rater=rater, code=code, holder=holder, answers=answers(ballot, *["satisfied"] * 5))
        with pytest.raises(ValidationError, match="不能使用测评码投票"):
            services.paper_save(rater=rater, code=code, holder=holder, answers={})
    # On the page: the code is refused for the signed-in voter, and taken from no account at all.
    page = client_for(voters[0]).post(reverse("evaluations:ballot_code"), {"code": first})
    assert "不能使用测评码投票" in page.content.decode()
    assert services.code_attempt(code=first, address="198.51.100.7", holder=None).code == first
    assert not Paper.objects.exists()


def test_a_paper_with_identical_answers_is_void(hr, people, voters):
    ballot = open_ballot(hr, people, voters)
    paper = services.paper_cast(
        rater=rater_of(ballot, voters[0]), actor=voters[0], answers=answers(ballot, *["competent"] * 5)
    )
    assert paper.void and paper.void_reason == "identical"
    tally = selectors.ballot_tally(ballot=ballot)
    assert tally.papers == 1 and tally.void == 1 and all(p.valid == 0 for p in tally.people)


def test_a_paper_of_full_marks_is_void(hr, people, voters):
    ballot = open_ballot(hr, people[:2], voters, with_scores=True)
    full = dict.fromkeys(services.DIMENSIONS, 10)
    paper = services.paper_cast(
        rater=rater_of(ballot, voters[0]),
        actor=voters[0],
        answers=answers(ballot, "excellent", "competent", scores=[full, full]),
    )
    assert paper.void and paper.void_reason == "full_marks"


def test_the_void_rules_follow_the_policy(hr, people, voters):
    Policy.objects.filter(organisation=hr.organisation).update(ballot_void_identical=False)
    ballot = open_ballot(hr, people, voters)
    paper = services.paper_cast(
        rater=rater_of(ballot, voters[0]), actor=voters[0], answers=answers(ballot, *["competent"] * 5)
    )
    assert not paper.void


def test_the_highest_and_lowest_score_are_dropped_above_five_papers(hr, people, department):
    raters = [UserFactory(department=department) for _n in range(6)]
    ballot = open_ballot(hr, people[:2], raters, with_scores=True)
    totals = [5, 6, 7, 8, 9, 10]  # per dimension; the second person gets 8 everywhere
    for user, value in zip(raters, totals, strict=True):
        services.paper_cast(
            rater=rater_of(ballot, user),
            actor=user,
            answers=answers(
                ballot,
                "excellent",
                "competent",
                scores=[dict.fromkeys(services.DIMENSIONS, value), dict.fromkeys(services.DIMENSIONS, 8)],
            ),
        )
    first, second = selectors.ballot_tally(ballot=ballot).people
    # 30..50 per paper; 25 and 50 dropped: (30+35+40+45)/4.
    assert first.trimmed and first.scores_counted == 4 and first.average_total == Decimal("37.50")
    assert second.average_total == Decimal("40.00")


def test_no_trimming_with_five_papers_or_when_the_policy_says_so(hr, people, voters, department):
    raters = [UserFactory(department=department) for _n in range(5)]
    ballot = open_ballot(hr, people[:2], raters, with_scores=True)
    for n, user in enumerate(raters):
        services.paper_cast(
            rater=rater_of(ballot, user),
            actor=user,
            answers=answers(ballot, "excellent", "competent", scores=[dict.fromkeys(services.DIMENSIONS, 5 + n)] * 2),
        )
    first, _second = selectors.ballot_tally(ballot=ballot).people
    assert not first.trimmed and first.scores_counted == 5 and first.average_total == Decimal("35.00")


def cast_all(ballot, users, papers, **kwargs):
    for user, choices in zip(users, papers, strict=True):
        services.paper_cast(rater=rater_of(ballot, user), actor=user, answers=answers(ballot, *choices), **kwargs)


def test_the_tally_counts_and_percentages_per_person(hr, people, voters):
    ballot = open_ballot(hr, people[:2], voters)
    cast_all(
        ballot, voters, [("excellent", "competent"), ("competent", "basically_competent"), ("competent", "incompetent")]
    )
    first, second = selectors.ballot_tally(ballot=ballot).people
    assert [(c.label, c.count, c.percent) for c in first.choices] == [
        ("优秀", 1, Decimal("33.3")),
        ("称职", 2, Decimal("66.7")),
        ("基本称职", 0, Decimal("0.0")),
        ("不称职", 0, Decimal("0.0")),
    ]
    assert first.suggestion == ""
    # 2 of 3 low votes: 66.7 % ≥ 30 %.
    assert second.suggestion == selectors.SUGGEST_BASIC and "66.7%" in second.reasons[0]


def test_the_low_share_threshold_is_reached_at_exactly_the_policy_share(hr, people, department):
    Policy.objects.filter(organisation=hr.organisation).update(ballot_low_share_percent=50)
    raters = [UserFactory(department=department) for _n in range(4)]
    ballot = open_ballot(hr, people[:2], raters)
    cast_all(
        ballot,
        raters,
        [
            ("competent", "basically_competent"),
            ("competent", "incompetent"),
            ("excellent", "competent"),
            ("competent", "competent"),
        ][:4],
    )
    tally = selectors.ballot_tally(ballot=ballot)
    # The fourth paper is void (all identical): 1 low of 3 valid papers for the second = 33 % < 50 %.
    # (2 of 3 would be 66 %.) Recount: papers 1 and 2 are low for the second person.
    second = tally.people[1]
    assert tally.void == 1 and second.valid == 3 and second.low == 2 and second.suggestion == selectors.SUGGEST_BASIC
    assert tally.people[0].suggestion == ""
    # Named in the ballot's own scale: 不满意 is no choice on a 优秀/称职 ballot (a user test).
    assert "“基本称职/不称职”票占有效票66.7%" in second.reasons[0] and "不满意" not in second.reasons[0]


def test_service_users_dissatisfaction_suggests_basically_competent(hr, people, voters, client_for):
    ballot = open_ballot(hr, people[:2], voters, scale=BallotScale.SATISFACTION, service_user_codes=4)
    codes = list(ballot.raters.exclude(code=None).order_by("pk"))
    votes = [
        ("satisfied", "dissatisfied"),
        ("basically_satisfied", "satisfied"),
        ("basically_satisfied", "satisfied"),
        ("satisfied", "unknown"),
    ]
    for rater, choices in zip(codes, votes, strict=True):
        services.paper_cast(rater=rater, code=rater.code, answers=answers(ballot, *choices))
    # Colleagues all satisfied: overall 1 of 7 low (14 %), but 1 of 4 service users (25 %).
    cast_all(ballot, voters, [("satisfied", "basically_satisfied")] * 3)
    first, second = selectors.ballot_tally(ballot=ballot).people
    assert second.low_percent < 30
    assert second.service_dissatisfied_percent == Decimal("25.0")
    assert second.suggestion == selectors.SUGGEST_BASIC and "服务对象" in second.reasons[0]
    assert first.suggestion == ""
    # The tally page shows the service users' share the reason cites (a user test found only the
    # totals over every rater, which do not give it).
    services.ballot_close(actor=hr, ballot=ballot)
    page = client_for(hr).get(reverse("evaluations:ballot_tally", args=[ballot.pk])).content.decode()
    assert "其中服务对象 4，不满意 1（25.0%）" in page
    # A grade ballot offers no 不满意: its service users' share is not said in those words.
    grade_ballot = open_ballot(hr, people[:2], voters, service_user_codes=1)
    code = grade_ballot.raters.get(group=RaterGroup.SERVICE_USER)
    services.paper_cast(rater=code, code=code.code, answers=answers(grade_ballot, "competent", "basically_competent"))
    services.ballot_close(actor=hr, ballot=grade_ballot)
    page = client_for(hr).get(reverse("evaluations:ballot_tally", args=[grade_ballot.pk])).content.decode()
    assert 'data-testid="tally-service"' not in page


def test_closing_a_ballot_feeds_the_year_end_suggestion(hr, people, voters, chief):
    from evaluations.annual.models import AnnualGrade, AnnualResult
    from evaluations.annual.services import rollup_year
    from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory

    quarter = AppraisalQuarterFactory(organisation=hr.organisation, year=2026, quarter=1)
    for person in people[:2]:
        QuarterGradeFactory(appraisal_quarter=quarter, person=person, department=person.department, grade="good")
    ballot = open_ballot(hr, people[:2], voters)
    cast_all(
        ballot, voters, [("excellent", "incompetent"), ("competent", "basically_competent"), ("competent", "competent")]
    )
    rollup_year(organisation=hr.organisation, year=2026)
    assert AnnualResult.objects.get(person=people[1]).suggested_grade != AnnualGrade.BASICALLY_COMPETENT
    services.ballot_close(actor=hr, ballot=ballot)
    rollup_year(organisation=hr.organisation, year=2026)
    result = AnnualResult.objects.get(person=people[1])
    assert result.suggested_grade == AnnualGrade.BASICALLY_COMPETENT
    assert any("民主测评" in reason for reason in result.suggestion_reasons)
    assert AnnualResult.objects.get(person=people[0]).suggested_grade != AnnualGrade.BASICALLY_COMPETENT


def test_a_closed_ballot_takes_no_more_papers(hr, people, voters):
    ballot = open_ballot(hr, people[:2], voters)
    services.ballot_close(actor=hr, ballot=ballot)
    assert Ballot.objects.get().state == BallotState.CLOSED
    with pytest.raises(ValidationError, match="测评已结束"):
        services.paper_cast(
            rater=rater_of(ballot, voters[0]), actor=voters[0], answers=answers(ballot, "excellent", "competent")
        )


# --- Anonymity -------------------------------------------------------------------------------------


def test_no_foreign_key_joins_a_paper_to_its_rater_or_a_user():
    for model in (Paper, PaperAnswer):
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            assert target is None or target._meta.label in (
                "evaluations.Ballot",
                "evaluations.BallotSubject",
                "evaluations.Paper",
                "evaluations.PaperAnswer",
            ), f"{model.__name__}.{field.name} → {target}"
        names = {f.name for f in model._meta.concrete_fields}
        assert not names & {"rater", "user", "created_at", "cast_at", "voted_at", "created"}
    # A random key: the order of the papers says nothing about the order of casting.
    assert Paper._meta.pk.get_internal_type() == "UUIDField"
    assert PaperAnswer._meta.pk.get_internal_type() == "UUIDField"
    assert "voted_at" not in {f.name for f in BallotRater._meta.concrete_fields}


def test_casting_never_queries_papers_and_raters_together_nor_audits_the_answers(hr, people, voters):
    ballot = open_ballot(hr, people[:2], voters)
    rater = rater_of(ballot, voters[0])
    with CaptureQueriesContext(connection) as queries:
        services.paper_cast(rater=rater, actor=voters[0], answers=answers(ballot, "excellent", "competent"))
    paper_table, rater_table = Paper._meta.db_table, BallotRater._meta.db_table
    for query in queries.captured_queries:
        sql = query["sql"]
        assert not (paper_table in sql and rater_table in sql), sql
    with CaptureQueriesContext(connection) as queries:
        selectors.ballot_tally(ballot=ballot)
    for query in queries.captured_queries:
        sql = query["sql"]
        assert not (PaperAnswer._meta.db_table in sql and rater_table in sql), sql
    entries = AuditEntry.objects.filter(event="ballot_cast")
    assert entries.count() == 1 and entries.get().actor == voters[0]
    paper = str(Paper.objects.get().pk)
    for entry in AuditEntry.objects.all():
        text = f"{entry.object_pk} {entry.object_repr} {entry.changes}"
        assert paper not in text, text
        assert "'excellent'" not in text, text


def test_opening_and_closing_are_audited_with_who_and_the_state(hr, people, voters):
    from django.contrib.contenttypes.models import ContentType

    ballot = open_ballot(hr, people[:2], voters)
    services.ballot_close(actor=hr, ballot=ballot)
    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Ballot), object_id=ballot.pk)
    created, closed = entries.order_by("pk")
    assert created.action == AuditEntry.Action.CREATE and created.organisation_id == hr.organisation_id
    assert closed.changes["state"] == ["open", "closed"]


def test_a_ballot_closed_after_the_committee_decided_tells_it_of_the_grades_now_off_their_suggestion(
    hr, people, voters, chief, client_for
):
    """A user test: 采用全部建议, then HR closed the ballot; two decided 称职 stood against their new
    suggestion 基本称职 with no reason, nobody told and the decide page silent."""
    from evaluations.annual import services as annual
    from evaluations.annual.models import AnnualGrade, AnnualResult
    from evaluations.grading.models import QuarterState
    from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory

    for number in range(1, 5):
        quarter = AppraisalQuarterFactory(
            organisation=hr.organisation, year=2026, quarter=number, state=QuarterState.APPROVED
        )
        for person in people[:2]:
            QuarterGradeFactory(appraisal_quarter=quarter, person=person, department=person.department, grade="good")
    ballot = open_ballot(hr, people[:2], voters)
    cast_all(
        ballot, voters, [("excellent", "incompetent"), ("competent", "basically_competent"), ("competent", "competent")]
    )
    annual.rollup_year(organisation=hr.organisation, year=2026)
    result = AnnualResult.objects.get(person=people[1])
    annual.annual_decide(result=result, actor=chief, grade=result.suggested_grade, reason="")
    decided = AnnualResult.objects.get(pk=result.pk).decided_grade
    assert decided != AnnualGrade.BASICALLY_COMPETENT

    services.ballot_close(actor=hr, ballot=ballot)
    annual.rollup_year(organisation=hr.organisation, year=2026)
    annual.rollup_year(organisation=hr.organisation, year=2026)
    result = AnnualResult.objects.get(pk=result.pk)
    assert (result.decided_grade, result.suggested_grade) == (decided, AnnualGrade.BASICALLY_COMPETENT)
    message = f"{people[1].get_full_name()}的2026年度等次确定后建议等次有变，已与确定的等次不一致"
    for person in (chief, hr):
        assert person.notifications.filter(message__contains=message).count() == 1
    # Nobody else's decision moved: the first person is not named.
    assert not chief.notifications.filter(message__contains=f"{people[0].get_full_name()}的2026年度等次").exists()
    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[2026, result.pk])).content.decode()
    assert 'data-testid="decision-left-by-suggestion"' in page and "请重新确定，或说明理由" in page
    # Decided again with the reason: no more notices, no warning.
    annual.annual_decide(result=result, actor=chief, grade=decided, reason="测评样本较少，维持原等次")
    page = client_for(chief).get(reverse("evaluations:annual_decide", args=[2026, result.pk])).content.decode()
    assert 'data-testid="decision-left-by-suggestion"' not in page
