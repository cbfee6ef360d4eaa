"""民主测评 (democratic evaluation ballots): the writes. Shared by HR's own ballots (e.g. the
department heads of an organisation, feeding the year-end suggestion, DOMAIN.md §7) and the
public-welfare-post room (the workers of an employing unit, §8), which builds on this API.

API (stable; keyword-only; every function checks the actor's right through the rules predicates,
writes the audit trail and raises ``PermissionDenied`` / ``ValidationError`` with a Chinese message)

``ballot_open(*, actor, organisation, title, year, subjects, raters=(), leaders=(),
service_user_codes=0, scale=BallotScale.GRADE, with_scores=False, purpose="") -> Ballot``
    HR opens a ballot for ``subjects`` (any people of the organisation) rated by ``raters`` (users,
    group 干部职工), ``leaders`` (users, group 领导班子) and ``service_user_codes`` holders of
    single-use codes (group 服务对象, no account). The policy's rules (优秀 limit, void rules,
    trimming, thresholds) are copied onto the ballot. ``purpose`` tags the scheme that opened it.
``codes_issue(*, actor, ballot, count, group=RaterGroup.SERVICE_USER) -> list[BallotRater]``
    More single-use codes for an open ballot (``rater.code`` is what HR prints); a public-welfare
    ballot's service-user codes stay within the policy's bounds (``selectors.service_user_codes_left``).
``paper_save(*, rater, answers, actor=None, code=None) -> BallotRater``
    Keep a rater's unfinished answers (the draft) to come back to. ``answers`` maps a
    :class:`BallotSubject` id to ``{"choice": Choice value, "scores": {"de": 8, …}}``; anything
    missing may stay missing. A user rater passes ``actor`` (the user); a code holder ``code``.
    A rater's paper lists everyone rated but themselves (``selectors.paper_subjects``); an answer
    for oneself is refused.
``paper_check(*, ballot, answers, rater=None) -> None``
    The checks of a complete paper (every person answered, the scale's choices, scores within the
    maximum, the 优秀 limit): raises ``ValidationError`` with every message, keyed by the subject
    id of the person it names (``PAPER_ERRORS`` for the paper as a whole). ``paper_cast`` runs it.
``paper_cast(*, rater, answers, actor=None, code=None) -> Paper``
    Cast the paper, once: the rater row is marked 已投票 by a conditional UPDATE (a second cast,
    or a code used twice, is refused) and an anonymous :class:`Paper` is written with the void
    rules applied (a void paper is kept, flagged with its reason, and left out of the tally).
    A paper refused because the rater had voted already or the ballot had closed carries the
    ``ValidationError`` code ``ALREADY_VOTED`` or ``CLOSED`` (``paper_save`` likewise).
``ballot_close(*, actor, ballot) -> Ballot``
    End the ballot: no more papers; the tally counts it from then on in the year-end suggestion.
``ballot_withdraw(*, actor, ballot) -> Ballot``
    Withdraw HR's own ballot opened by mistake while nobody has voted (``ballot_withdraw_refusal``
    says why not otherwise): it ends without a tally and the raters' notices are taken back.

Reads are in :mod:`.selectors`: ``ballot_tally(*, ballot, subject_ids=None) -> Tally`` (per person
the counts and percentages of each choice, the trimmed average score, and the suggestion
``SUGGEST_BASIC`` with its reasons), ``ballot_suggestions(*, organisation, year)`` (person id →
reasons, over the year's closed ballots; the year-end roll-up reads it), ``rater_for_user`` and
``rater_for_code`` (the access helpers of a paper).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import periods
from accounts.audit import acting_as, audit_reason, record_event
from accounts.models import Notification, Organisation, Policy, StaffType, User
from accounts.selectors import policy_for_organisation
from accounts.services import notify_many
from accounts.text import in_site_language, join_list
from evaluations.year_rollup import year_rollup_request_once

from .models import (
    SCALE_CHOICES,
    VOID_FULL_MARKS,
    VOID_IDENTICAL,
    Ballot,
    BallotRater,
    BallotScale,
    BallotState,
    BallotSubject,
    Choice,
    Dimension,
    Paper,
    PaperAnswer,
    RaterGroup,
    normalise_code,
)
from .selectors import paper_subjects, rater_for_code, service_user_codes_left

# Letters and digits that cannot be mistaken for one another on paper (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_CODES = 500
MAX_SUBJECTS = 2000
DIMENSIONS = [value for value, _label in Dimension.choices]


def new_code() -> str:
    """A random single-use code such as ``K7QX3MPA`` (31^8 ≈ 8.5 × 10^11 possibilities)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def excellent_limit(*, ballot: Ballot, subjects: int) -> int | None:
    """How many people one paper may rate 优秀: the policy's share of the ``subjects`` people on
    that paper (a head's paper on the heads' ballot has one fewer: not themselves), rounded down but
    at least one (a ballot of three heads still allows one); None when there is no limit."""
    if ballot.scale != BallotScale.GRADE or ballot.excellent_limit_percent >= 100:
        return None
    if ballot.excellent_limit_percent == 0:
        return 0
    return max(1, subjects * ballot.excellent_limit_percent // 100)


def _check_manager(actor: User, ballot: Ballot | None, organisation: Organisation) -> None:
    if actor.organisation_id != organisation.pk or not actor.has_perm("evaluations.manage_ballots"):
        raise PermissionDenied(_("只有本单位组织人事干部可以组织民主测评。"))
    if ballot is not None and not actor.has_perm("evaluations.manage_ballot", ballot):
        raise PermissionDenied(_("只有本单位组织人事干部可以组织民主测评。"))


def _issue_codes(ballot: Ballot, count: int, group: str, start: int) -> list[BallotRater]:
    label = dict(RaterGroup.choices)[group]
    raters = []
    for number in range(start, start + count):
        # A clash with an existing code (unlikely) is drawn again rather than left to the unique index.
        code = new_code()
        while BallotRater.objects.filter(code=code).exists():
            code = new_code()
        raters.append(BallotRater.objects.create(ballot=ballot, code=code, group=group, label=f"{label}{number}"))
    return raters


def _open_notice_key(ballot: Ballot) -> str:
    """The key of the notices asking the raters to take part (taken back when it is withdrawn)."""
    return f"ballot-open-{ballot.pk}"


@transaction.atomic
def ballot_open(
    *,
    actor: User,
    organisation: Organisation,
    title: str,
    year: int,
    subjects: Sequence[User],
    raters: Sequence[User] = (),
    leaders: Sequence[User] = (),
    service_user_codes: int = 0,
    scale: str = BallotScale.GRADE,
    with_scores: bool = False,
    purpose: str = "",
    void_identical: bool | None = None,
) -> Ballot:
    """Open a ballot (see the module docstring). Raters are deduplicated; someone named both as a
    rater and as a leader rates once, as a leader. A rater who is also rated is not on their own
    paper (the only person rated is therefore no rater). ``void_identical`` overrides the policy's "a paper
    with every answer the same is void" (a service user content with every worker of a unit, say)."""
    _check_manager(actor, None, organisation)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("请填写测评名称。"))
    elif len(title) > 100:
        errors.setdefault("title", []).append(_("测评名称不能超过100字。"))
    if year > periods.today().year:
        # A year not begun has no year-end to inform (a user test opened one for 2030 and told 65 raters).
        errors.setdefault("year", []).append(_("测评年度不能晚于今年（%(year)s年）。") % {"year": periods.today().year})
    if scale not in BallotScale.values:
        errors.setdefault("scale", []).append(_("请选择评价选项。"))
    subjects = list(dict.fromkeys(subjects))
    if not subjects:
        errors.setdefault("subjects", []).append(_("请至少选择一名被测评人。"))
    elif len(subjects) > MAX_SUBJECTS:
        errors.setdefault("subjects", []).append(_("一次测评最多%(max)s名被测评人。") % {"max": MAX_SUBJECTS})
    leaders = list(dict.fromkeys(leaders))
    raters = [user for user in dict.fromkeys(raters) if user not in set(leaders)]
    if len(subjects) == 1:
        # Nobody rates themselves (their own row is not on their paper): the one person rated
        # would get an empty paper, so is no rater of this ballot.
        leaders = [user for user in leaders if user != subjects[0]]
        raters = [user for user in raters if user != subjects[0]]
    if not 0 <= service_user_codes <= MAX_CODES:
        errors.setdefault("service_user_codes", []).append(_("测评码数量须在0到%(max)s之间。") % {"max": MAX_CODES})
    elif not (raters or leaders or service_user_codes):
        errors.setdefault("raters", []).append(_("请至少指定一名测评人或发放测评码。"))
    if not purpose:
        # HR's own ballots rate civil servants on 优秀/称职/… and feed their year-end suggestion; a
        # public-welfare worker is graded 合格/基本合格/不合格 by the unit, rated on its own ballot
        # (evaluations.welfare opens it with its purpose).
        welfare = [u for u in subjects if u.staff_type == StaffType.PUBLIC_WELFARE]
        if welfare:
            errors.setdefault("subjects", []).append(
                _("以下人员为公益性岗位人员，应在公益性岗位考核中进行民主测评，不能列为本测评的被测评人：%(names)s")
                % {"names": join_list(welfare, limit=10)}
            )
        # Nor do they rate civil servants (全体干部职工 leaves them out; typed by 工号 alike).
        welfare = [u for u in [*raters, *leaders] if u.staff_type == StaffType.PUBLIC_WELFARE]
        if welfare:
            errors.setdefault("raters", []).append(
                _("以下人员为公益性岗位人员，不参加本测评：%(names)s") % {"names": join_list(welfare, limit=10)}
            )
    outsiders = [u for u in [*subjects, *raters, *leaders] if u.organisation_id != organisation.pk or not u.is_active]
    if outsiders:
        errors.setdefault("subjects", []).append(
            _("以下人员不是本单位在职人员：%(names)s") % {"names": join_list(outsiders, limit=10)}
        )
    if errors:
        raise ValidationError(errors)

    rules = _policy_rules(policy_for_organisation(organisation_id=organisation.pk))
    if void_identical is not None:
        rules["void_identical"] = void_identical
    ballot = Ballot.objects.create(
        organisation=organisation,
        title=title,
        year=year,
        purpose=purpose,
        scale=scale,
        with_scores=with_scores,
        opened_by=actor,
        opened_at=timezone.now(),
        **rules,
    )
    BallotSubject.objects.bulk_create(
        [BallotSubject(ballot=ballot, person=person, sort_order=n) for n, person in enumerate(subjects)]
    )
    BallotRater.objects.bulk_create(
        [BallotRater(ballot=ballot, user=user, group=RaterGroup.LEADER) for user in leaders]
        + [BallotRater(ballot=ballot, user=user, group=RaterGroup.COLLEAGUE) for user in raters]
    )
    _issue_codes(ballot, service_user_codes, RaterGroup.SERVICE_USER, 1)
    url = reverse("evaluations:ballot_paper", kwargs={"pk": ballot.pk})
    with in_site_language():
        message = _("请参加民主测评“%(title)s”（匿名）。") % {"title": title}
        notify_many(
            [Notification(recipient=user, message=message, url=url) for user in [*leaders, *raters]],
            dedupe_key=_open_notice_key(ballot),
        )
    return ballot


def _policy_rules(policy: Policy) -> dict[str, int | bool]:
    """The policy's ballot rules as the fields of a ballot, which keeps them from its opening: a
    later change of the policy does not change how an open ballot is counted."""
    return {
        "excellent_limit_percent": policy.ballot_excellent_limit_percent,
        "void_identical": policy.ballot_void_identical,
        "void_full_marks": policy.ballot_void_full_marks,
        "max_score": policy.ballot_max_dimension_score,
        "trim_extremes": policy.ballot_trim_extremes,
        "trim_above_papers": policy.ballot_trim_above_papers,
        "low_share_percent": policy.ballot_low_share_percent,
        "dissatisfied_percent": policy.ballot_dissatisfied_percent,
    }


@transaction.atomic
def codes_issue(*, actor: User, ballot: Ballot, count: int, group: str = RaterGroup.SERVICE_USER) -> list[BallotRater]:
    """Issue ``count`` more single-use codes for an open ballot, numbered after those it has."""
    _check_manager(actor, ballot, ballot.organisation)
    # The ballot's row taken first: two issues at once count the codes one after the other (the
    # 2–4 service users), and a close or withdrawal under way is seen.
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if not ballot.is_open:
        raise ValidationError(_("测评已结束，不能再发放测评码。"))
    if group not in RaterGroup.values:
        raise ValidationError(_("请选择测评人类别。"))
    existing = BallotRater.objects.filter(ballot=ballot, code__isnull=False, group=group).count()
    if not count >= 1 or existing + count > MAX_CODES:
        raise ValidationError(_("测评码数量须在1到%(max)s之间。") % {"max": MAX_CODES - existing})
    left = service_user_codes_left(ballot=ballot) if group == RaterGroup.SERVICE_USER else None
    if left is not None and count > left:
        # A public-welfare ballot is rated by 2–4 service users (the policy's bounds, which its
        # opening form keeps): more codes would let more service users rate than the rules allow.
        policy = policy_for_organisation(organisation_id=ballot.organisation_id)
        bounds = {
            "low": policy.welfare_service_users_min,
            "high": policy.welfare_service_users_max,
            "issued": existing,
            "left": left,
        }
        if left:
            message = _(
                "公益性岗位民主测评的服务对象为%(low)s至%(high)s人：本测评已发放%(issued)s个服务对象测评码，"
                "最多还可增发%(left)s个。"
            )
        else:
            message = _(
                "公益性岗位民主测评的服务对象为%(low)s至%(high)s人：本测评已发放%(issued)s个服务对象测评码，"
                "已达上限，不能再增发。"
            )
        raise ValidationError(message % bounds, code="service_users")
    return _issue_codes(ballot, count, group, existing + 1)


@transaction.atomic
def ballot_close(*, actor: User, ballot: Ballot) -> Ballot:
    """End an open ballot. Papers not cast by then are not counted; drafts are discarded."""
    _check_manager(actor, ballot, ballot.organisation)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.state != BallotState.OPEN:
        raise ValidationError(_("该测评已结束。"))
    ballot.state, ballot.closed_by, ballot.closed_at = BallotState.CLOSED, actor, timezone.now()
    ballot.save(update_fields=["state", "closed_by", "closed_at"])
    BallotRater.objects.filter(ballot=ballot, has_voted=False).exclude(draft={}).update(draft={})
    if not ballot.purpose:
        # A closed ballot of the civil servants feeds the year's suggestions (evaluations.annual
        # reads ballot_suggestions(purpose="")): ask for the recomputation by the job kind's name,
        # coalesced with one already waiting. A scheme's own ballots (公益性岗位) are read by it.
        year_rollup_request_once(organisation=ballot.organisation, year=ballot.year, requested_by=actor)
    return ballot


def ballot_withdraw_refusal(*, ballot: Ballot) -> str | None:
    """Why an open ballot can no longer be withdrawn (None when it can): it has ended, a scheme
    opened it (its own steps point at the ballot), or someone has voted (a cast paper is kept and
    counted: the ballot can then only be closed)."""
    if ballot.state != BallotState.OPEN:
        return _("该测评已结束，不能撤销。")
    if ballot.purpose:
        return _("公益性岗位的民主测评由其考核流程发起，不能在此撤销。")
    voted = BallotRater.objects.filter(ballot=ballot, has_voted=True).count()
    if voted:
        return _("已有%(count)s人投票，不能撤销；请结束测评并计票。") % {"count": voted}
    return None


@transaction.atomic
def ballot_withdraw(*, actor: User, ballot: Ballot) -> Ballot:
    """Withdraw a ballot opened by mistake, while nobody has voted: it ends without a tally (it
    never counts in the year's suggestions), its papers and codes open nothing any more, the
    drafts are discarded and the raters' notices of it are taken back (their to-do reads the open
    ballots only). Audited as the state's change, with who and when."""
    _check_manager(actor, ballot, ballot.organisation)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    refusal = ballot_withdraw_refusal(ballot=ballot)
    if refusal:
        raise ValidationError(refusal, code="not_withdrawable")
    ballot.state, ballot.closed_by, ballot.closed_at = BallotState.WITHDRAWN, actor, timezone.now()
    with acting_as(actor), audit_reason(_("撤销测评")):
        ballot.save(update_fields=["state", "closed_by", "closed_at"])
    BallotRater.objects.filter(ballot=ballot).exclude(draft={}).update(draft={})
    Notification.objects.filter(dedupe_key=_open_notice_key(ballot)).delete()
    return ballot


# --- Papers ---------------------------------------------------------------------------------------


def _check_rater(rater: BallotRater, actor: User | None, code: str | None, holder: User | None = None) -> None:
    if rater.user_id is not None:
        if actor is None or not actor.has_perm("evaluations.fill_ballot_paper", rater):
            raise PermissionDenied(_("这不是您的测评票。"))
    elif not code or rater.code is None or not secrets.compare_digest(normalise_code(code), rater.code):
        raise PermissionDenied(_("测评码无效。"))
    else:
        _check_code_holder(rater.ballot, holder)
    if rater.has_voted:
        raise _already_voted()
    if rater.ballot.state != BallotState.OPEN:
        raise _closed(rater.ballot.state)


# The codes of the two refusals a paper page tells apart (the paper was not counted because the
# rater had voted already, or because the ballot had closed); they say nothing of any paper.
ALREADY_VOTED = "already_voted"
CLOSED = "closed"


def _check_code_holder(ballot: Ballot, holder: User | None) -> None:
    """A code is for a rater without an account: a signed-in rater or rated person of the same
    ballot may not use one (a user test's staff member voted twice, once on their own paper and
    once with a service user's code; a rated person could so rate themselves). Signed out, nobody
    can be told from a service user: the codes' real safeguard stays whom HR hands them to."""
    if holder is None or not holder.is_authenticated:
        return
    takes_part = (
        BallotRater.objects.filter(ballot=ballot, user=holder).exists()
        or BallotSubject.objects.filter(ballot=ballot, person=holder).exists()
    )
    if takes_part:
        raise ValidationError(
            _("您是本次测评的测评人或被测评人，不能使用测评码投票；测评码供服务对象等没有账号的人员使用。"),
            code="participant",
        )


def _already_voted() -> ValidationError:
    return ValidationError(_("您已投票，每人只能投一次。"), code=ALREADY_VOTED)


def _closed(state: str = BallotState.CLOSED) -> ValidationError:
    if state == BallotState.WITHDRAWN:
        return ValidationError(_("该测评已撤销。"), code=CLOSED)
    return ValidationError(_("测评已结束。"), code=CLOSED)


# The key of a paper's messages that concern no one person (the 优秀 limit, a vote for oneself).
PAPER_ERRORS = NON_FIELD_ERRORS


def _paper_people(ballot: Ballot, rater: BallotRater | None) -> dict[int, str]:
    """The people on the paper, in order: subject id → name (the messages name the person)."""
    subjects = paper_subjects(ballot=ballot, rater=rater).select_related("person")
    return {subject.pk: subject.person.get_full_name() for subject in subjects}


def _add_error(errors: dict[str, list[str]], key: str, message: str) -> None:
    messages = errors.setdefault(key, [])
    if message not in messages:
        messages.append(message)


def _raise_errors(errors: dict[str, list[str]], people: dict[int, str]) -> None:
    """A ``ValidationError`` keyed by subject id (``PAPER_ERRORS`` for the paper as a whole), the
    paper's own messages first and then the people's in the order of the paper, so the page can
    show each message beside its person and ``.messages`` reads top to bottom."""
    if not errors:
        return
    keys = [PAPER_ERRORS, *(str(pk) for pk in people)]
    raise ValidationError({key: errors[key] for key in keys if key in errors})


def _choice_missing(ballot: Ballot, name: str) -> str:
    """Said of a person without a valid choice: who, and the choices of the ballot's scale."""
    choices = join_list(str(label) for _value, label in ballot.choices)
    return _("请为%(name)s选择评价（%(choices)s）。") % {"name": name, "choices": choices}


def _clean_answers(
    ballot: Ballot,
    answers: Mapping,
    people: dict[int, str],
    errors: dict[str, list[str]],
    rater: BallotRater | None = None,
) -> dict[str, dict]:
    """The answers reduced to the paper's people, the ballot's choices and dimensions, with strings
    for keys; a value out of range is reported in ``errors`` under its person, naming them and what
    is allowed, and left out. An answer for the rater themselves is refused."""
    allowed = set(SCALE_CHOICES[ballot.scale])
    by_key = {str(key): answer for key, answer in (answers or {}).items()}
    others = set(by_key) - {str(pk) for pk in people}
    if others and rater is not None and rater.user_id is not None:
        own = BallotSubject.objects.filter(ballot=ballot, person_id=rater.user_id).values_list("pk", flat=True).first()
        if own is not None and str(own) in others:
            _add_error(errors, PAPER_ERRORS, _("您不能评价自己，请只评价测评票上列出的人员。"))
    cleaned: dict[str, dict] = {}
    labels = dict(Dimension.choices)
    for pk, name in people.items():
        answer = by_key.get(str(pk))
        if not isinstance(answer, Mapping):
            continue
        item: dict = {}
        choice = answer.get("choice") or ""
        if choice:
            if choice in allowed:
                item["choice"] = choice
            else:
                _add_error(errors, str(pk), _choice_missing(ballot, name))
        if ballot.with_scores:
            scores = {}
            for dimension in DIMENSIONS:
                value = (answer.get("scores") or {}).get(dimension)
                if value in (None, ""):
                    continue
                try:
                    number = int(value)
                except (TypeError, ValueError):
                    number = -1
                if 0 <= number <= ballot.max_score:
                    scores[dimension] = number
                else:
                    _add_error(
                        errors,
                        str(pk),
                        _("%(name)s的“%(dimension)s”得分须为0–%(max)s的整数，您填的是“%(value)s”。")
                        % {
                            "name": name,
                            "dimension": labels[dimension],
                            "max": ballot.max_score,
                            "value": str(value)[:10],
                        },
                    )
            if scores:
                item["scores"] = scores
        if item:
            cleaned[str(pk)] = item
    return cleaned


def _distribution_errors(ballot: Ballot, cleaned: dict[str, dict], subjects: int) -> list[str]:
    limit = excellent_limit(ballot=ballot, subjects=subjects)
    excellent = sum(1 for item in cleaned.values() if item.get("choice") == Choice.EXCELLENT)
    if limit is not None and excellent > limit:
        return [
            _(
                "每张测评票评为“优秀”的不得超过%(limit)s人（被测评%(subjects)s人的%(percent)s%%），"
                "本票评了%(count)s人，请调整后再提交。"
            )
            % {"limit": limit, "subjects": subjects, "percent": ballot.excellent_limit_percent, "count": excellent}
        ]
    return []


def paper_check(*, ballot: Ballot, answers: Mapping, rater: BallotRater | None = None) -> None:
    """Refuse a paper that is not complete or breaks the 优秀 limit (every message at once, keyed
    by subject id, each naming the person and what is allowed). With ``rater``, the paper is theirs:
    everyone but themselves."""
    _paper_check(ballot, answers, _paper_people(ballot, rater), rater)


def _paper_check(
    ballot: Ballot, answers: Mapping, people: dict[int, str], rater: BallotRater | None
) -> dict[str, dict]:
    errors: dict[str, list[str]] = {}
    cleaned = _clean_answers(ballot, answers, people, errors, rater)
    labels = dict(Dimension.choices)
    typed = {str(key): answer for key, answer in (answers or {}).items() if isinstance(answer, Mapping)}
    for pk, name in people.items():
        item = cleaned.get(str(pk), {})
        if not item.get("choice"):
            _add_error(errors, str(pk), _choice_missing(ballot, name))
        if ballot.with_scores:
            # Only the blanks: a score out of range has its own message already.
            given = typed.get(str(pk), {}).get("scores") or {}
            unscored = [labels[d] for d in DIMENSIONS if given.get(d) in (None, "")]
            if unscored:
                _add_error(
                    errors,
                    str(pk),
                    _("请为%(name)s的%(dimensions)s打分（每项0–%(max)s分）。")
                    % {"name": name, "dimensions": join_list(str(d) for d in unscored), "max": ballot.max_score},
                )
    for message in _distribution_errors(ballot, cleaned, len(people)):
        _add_error(errors, PAPER_ERRORS, message)
    _raise_errors(errors, people)
    return cleaned


def void_rules(*, ballot: Ballot, subjects: int) -> list[str]:
    """The ballot's void rules in the rater's words, said on the paper before it is cast (a void
    paper is kept and left out of the tally, and the rater cannot vote again): the same rules as
    :func:`void_reason`."""
    rules = []
    if ballot.void_identical and subjects > 1:
        rules.append(_("对所有被测评人作出相同评价的，测评票作废。"))
    if ballot.void_full_marks and ballot.with_scores:
        rules.append(_("各项均打满分的，测评票作废。"))
    return rules


def void_reason(*, ballot: Ballot, cleaned: Mapping[str, dict]) -> str:
    """Why a complete paper is void under the ballot's rules, as a code of ``models.VOID_REASONS``
    ("" when it counts)."""
    items = list(cleaned.values())
    if ballot.void_identical and len(items) > 1 and len({item["choice"] for item in items}) == 1:
        return VOID_IDENTICAL
    if (
        ballot.void_full_marks
        and ballot.with_scores
        and items
        and all(score == ballot.max_score for item in items for score in item["scores"].values())
    ):
        return VOID_FULL_MARKS
    return ""


@transaction.atomic
def paper_save(
    *,
    rater: BallotRater,
    answers: Mapping,
    actor: User | None = None,
    code: str | None = None,
    holder: User | None = None,
) -> BallotRater:
    """Keep the answers so far (see the module docstring); refuses only values out of range."""
    _check_rater(rater, actor, code, holder)
    errors: dict[str, list[str]] = {}
    people = _paper_people(rater.ballot, rater)
    cleaned = _clean_answers(rater.ballot, answers, people, errors, rater)
    _raise_errors(errors, people)
    changed = BallotRater.objects.filter(pk=rater.pk, has_voted=False).update(draft=cleaned)
    if not changed:
        raise _already_voted()
    rater.draft = cleaned
    return rater


def _hold_ballot(ballot_id: int) -> None:
    """``SELECT … FOR SHARE`` of the ballot's row (PostgreSQL; SQLite serialises writers anyway)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Ballot._meta.db_table} WHERE id = %s FOR SHARE", [ballot_id])


@transaction.atomic
def paper_cast(
    *,
    rater: BallotRater,
    answers: Mapping,
    actor: User | None = None,
    code: str | None = None,
    holder: User | None = None,
) -> Paper:
    """Cast the rater's one paper (see the module docstring); ``holder`` is whoever is signed in
    where a code is typed."""
    _check_rater(rater, actor, code, holder)
    ballot = rater.ballot
    people = _paper_people(ballot, rater)
    cleaned = _paper_check(ballot, answers, people, rater)
    # The ballot's row held shared until this commits: a close or withdrawal (which take it for
    # update) waits for the paper, or the paper waits and then finds the ballot ended; papers of
    # the same ballot do not wait for one another.
    _hold_ballot(ballot.pk)
    # The claim: exactly one request moves the row to 已投票 (a double submit, a code typed twice).
    claimed = BallotRater.objects.filter(pk=rater.pk, has_voted=False, ballot__state=BallotState.OPEN).update(
        has_voted=True, draft={}
    )
    if not claimed:
        # Lost to a paper cast meanwhile (another tab), or to HR closing the ballot: say which.
        state = Ballot.objects.filter(pk=ballot.pk).values_list("state", flat=True).first()
        if state != BallotState.OPEN:
            raise _closed(state)
        raise _already_voted()
    reason = void_reason(ballot=ballot, cleaned=cleaned)
    paper = Paper.objects.create(ballot=ballot, group=rater.group, void=bool(reason), void_reason=reason)
    answers_rows = []
    for pk in people:
        item = cleaned[str(pk)]
        scores = item.get("scores", {})
        answers_rows.append(
            PaperAnswer(
                paper=paper,
                subject_id=pk,
                choice=item["choice"],
                total=sum(scores.values()) if scores else None,
                **{dimension: scores.get(dimension) for dimension in DIMENSIONS},
            )
        )
    PaperAnswer.objects.bulk_create(answers_rows)
    rater.has_voted, rater.draft = True, {}
    # Who voted, never what: the entry names the rater row and the ballot, not the paper.
    record_event(
        event="ballot_cast",
        obj=rater,
        actor=actor,
        label=f"{ballot} · {rater}",
        organisation_id=ballot.organisation_id,
    )
    return paper


# --- Typing a code -------------------------------------------------------------------------------

# A code holder has no account, so the sign-in lockout does not cover the code page: wrong codes
# are counted per source address over CODE_GUESS_WINDOW, and past CODE_GUESS_LIMIT that address is
# refused until the window has passed (8 characters of a 31-letter alphabet are not guessable, but
# nothing should let anyone try). The counter is Django's cache (per process unless CACHES names a
# shared one, as Redis in production).
CODE_GUESS_LIMIT = 10
CODE_GUESS_WINDOW = 15 * 60


def code_attempt(*, code: str, address: str | None, holder: User | None = None) -> BallotRater:
    """The usable rater row of a typed code, or a ValidationError: an invalid, spent or closed code,
    too many wrong codes from this address, or a code typed by a signed-in ``holder`` who rates or
    is rated in the same ballot."""
    key = f"ballot-code-guesses:{address or '-'}"
    if cache.get(key, 0) >= CODE_GUESS_LIMIT:
        raise ValidationError(
            _("测评码输错次数过多，请%(minutes)s分钟后再试。") % {"minutes": CODE_GUESS_WINDOW // 60}, code="throttled"
        )
    rater = rater_for_code(code=code)
    if rater is None:
        cache.add(key, 0, CODE_GUESS_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, CODE_GUESS_WINDOW)
        raise ValidationError(_("测评码无效、已使用或测评已结束。"), code="invalid")
    _check_code_holder(rater.ballot, holder)
    return rater
