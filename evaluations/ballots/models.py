"""民主测评 (democratic evaluation ballots), shared by the year-end (§7) and the public-welfare posts (§8).

Anonymity is built into the tables, not promised by the code: who has voted lives on
:class:`BallotRater` (with the rater's draft until the paper is cast), what was voted lives on
:class:`Paper` and :class:`PaperAnswer`, and nothing joins the two. A paper has no rater, no
timestamp, a random (UUID) key that says nothing about the order of casting, and only the rater's
group (colleague, leader, service user), which the service-user threshold needs. Papers are not
registered with the audit log (its actor would name the rater); the rater row's change to 已投票 is.
"""

from __future__ import annotations

import unicodedata
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.fields import optional_link, organisation_link, person_link
from accounts.models import OrganisationScoped


def normalise_code(text: str) -> str:
    """A typed single-use code as stored: half-width (a phone's full-width keyboard), upper case,
    without spaces or dashes."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "").upper() if ch.isalnum())


class BallotScale(models.TextChoices):
    GRADE = "grade", _("优秀/称职/基本称职/不称职")
    SATISFACTION = "satisfaction", _("满意/基本满意/不满意/不了解")


class Choice(models.TextChoices):
    """The overall choice per person; a ballot offers the four of its scale (:data:`SCALE_CHOICES`)."""

    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASICALLY_COMPETENT = "basically_competent", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    UNKNOWN = "unknown", _("不了解")


SCALE_CHOICES: dict[str, tuple[str, ...]] = {
    BallotScale.GRADE: (Choice.EXCELLENT, Choice.COMPETENT, Choice.BASICALLY_COMPETENT, Choice.INCOMPETENT),
    BallotScale.SATISFACTION: (Choice.SATISFIED, Choice.BASICALLY_SATISFIED, Choice.DISSATISFIED, Choice.UNKNOWN),
}
# The choices that count as a low vote (the “一般+差” of the threshold) on either scale.
LOW_CHOICES = (Choice.BASICALLY_COMPETENT, Choice.INCOMPETENT, Choice.DISSATISFIED)

# What a ballot is about (``Ballot.purpose``): "" for the civil servants' own, whose tally feeds the
# year-end suggestion (evaluations.annual); WELFARE_PURPOSE for the public-welfare workers of a unit
# (evaluations.welfare opens its ballots with it), graded 合格/基本合格/不合格 by the unit's 集体研究,
# so their tally speaks of 基本合格, never of a civil servant's 基本称职.
WELFARE_PURPOSE = "welfare"


class Dimension(models.TextChoices):
    """德、能、勤、绩、廉: the optional per-dimension scores."""

    DE = "de", _("德")
    NENG = "neng", _("能")
    QIN = "qin", _("勤")
    JI = "ji", _("绩")
    LIAN = "lian", _("廉")


class RaterGroup(models.TextChoices):
    COLLEAGUE = "colleague", _("干部职工")
    LEADER = "leader", _("领导班子")
    SERVICE_USER = "service_user", _("服务对象")


class BallotState(models.TextChoices):
    OPEN = "open", _("测评中")
    CLOSED = "closed", _("已结束")
    # Opened by mistake and withdrawn by HR before anyone voted: nothing to count, no paper to fill.
    WITHDRAWN = "withdrawn", _("已撤销")


class Ballot(OrganisationScoped, models.Model):
    """One 民主测评: who is rated, who rates, the questionnaire, and the policy's rules copied when
    it was opened (a policy change later does not move the goalposts of a running ballot)."""

    organisation = organisation_link()
    title = models.CharField(_("测评名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    # Free tag of the scheme that opened it ("" for HR's own; the public-welfare room sets its own).
    purpose = models.CharField(_("用途"), max_length=40, blank=True, default="")
    scale = models.CharField(_("评价选项"), max_length=20, choices=BallotScale.choices, default=BallotScale.GRADE)
    with_scores = models.BooleanField(_("德能勤绩廉分项打分"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=BallotState.choices, default=BallotState.OPEN)
    excellent_limit_percent = models.PositiveSmallIntegerField(_("“优秀”最多占比（%）"))
    void_identical = models.BooleanField(_("全部同一等次作废"))
    void_full_marks = models.BooleanField(_("全部满分作废"))
    max_score = models.PositiveSmallIntegerField(_("每项满分"))
    trim_extremes = models.BooleanField(_("去掉最高最低分"))
    trim_above_papers = models.PositiveSmallIntegerField(_("去掉最高最低分的票数下限"))
    low_share_percent = models.PositiveSmallIntegerField(_("“基本称职/不称职”占比阈值（%）"))
    dissatisfied_percent = models.PositiveSmallIntegerField(_("服务对象“不满意”占比阈值（%）"))
    opened_by = person_link(_("发起人"))
    opened_at = models.DateTimeField(_("发起时间"))
    # Who ended the ballot and when, by closing it or withdrawing it (``state`` says which).
    closed_by = optional_link(settings.AUTH_USER_MODEL, _("结束人"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("民主测评")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "-opened_at", "-id"], name="ballot_org_list_idx"),
            models.Index(fields=["organisation", "year", "state"], name="ballot_org_year_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == BallotState.OPEN

    @property
    def is_closed(self) -> bool:
        """Ended and counted (a withdrawn ballot ended too, but has no tally)."""
        return self.state == BallotState.CLOSED

    @property
    def is_withdrawn(self) -> bool:
        return self.state == BallotState.WITHDRAWN

    @property
    def choices(self) -> list[tuple[str, str]]:
        labels = dict(Choice.choices)
        return [(value, labels[value]) for value in SCALE_CHOICES[self.scale]]

    @property
    def is_welfare(self) -> bool:
        """Rates public-welfare workers (see :data:`WELFARE_PURPOSE`)."""
        return self.purpose == WELFARE_PURPOSE

    @property
    def feeds_year_end(self) -> bool:
        """Its tally counts in the civil servants' year-end suggestion (a scheme's own ballots do not)."""
        return not self.purpose

    @property
    def suggestion_label(self) -> str:
        """The grade a threshold suggests, in the words of the people rated."""
        return _("基本合格") if self.is_welfare else _("基本称职")


class BallotSubject(OrganisationScoped, models.Model):
    """A person being rated in a ballot."""

    organisation_attr = "ballot.organisation_id"

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="subjects", verbose_name=_("民主测评"))
    person = person_link(_("被测评人"))
    sort_order = models.PositiveIntegerField(default=0, verbose_name=_("排序"))

    class Meta:
        verbose_name = verbose_name_plural = _("被测评人")
        ordering = ["ballot", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["ballot", "person"], name="one_subject_per_person_ballot")]

    def __str__(self) -> str:
        return str(self.person)


class BallotRater(OrganisationScoped, models.Model):
    """Someone entitled to one paper: an account holder, or the holder of a single-use code (a
    service-user representative without an account). Holds the draft until the paper is cast,
    then only the fact that it was cast."""

    organisation_attr = "ballot.organisation_id"

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="raters", verbose_name=_("民主测评"))
    user = optional_link(settings.AUTH_USER_MODEL, _("测评人"), related_name="ballot_raters")
    # A code holder's code (printed by HR, typed on the code page); unique across ballots.
    code = models.CharField(_("测评码"), max_length=16, null=True, blank=True, unique=True)
    label = models.CharField(_("测评人"), max_length=50, blank=True)
    group = models.CharField(_("测评人类别"), max_length=20, choices=RaterGroup.choices, default=RaterGroup.COLLEAGUE)
    has_voted = models.BooleanField(_("已投票"), default=False)
    # The answers saved so far ({subject id: {"choice": …, "scores": {…}}}); emptied when cast.
    draft = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("测评人")
        ordering = ["ballot", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "user"], condition=models.Q(user__isnull=False), name="one_rater_per_user_ballot"
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(code__isnull=False), name="ballot_rater_user_or_code"
            ),
        ]

    def __str__(self) -> str:
        return self.label or (str(self.user) if self.user_id else str(_("测评码")))

    @property
    def group_label(self) -> str:
        """The rater's group as the ballot's raters are chosen: a public-welfare ballot's colleagues
        are the 科室 heads (DOMAIN.md §8), not 干部职工 (a user test read its heads so)."""
        if self.group == RaterGroup.COLLEAGUE and self.ballot.is_welfare:
            return str(_("科室负责人"))
        return self.get_group_display()


# Why a paper is void, stored as a code and said in the reader's language (a paper cast by a voter
# reading English is counted with the others on a Chinese tally). Papers of before stored the text.
VOID_IDENTICAL, VOID_FULL_MARKS = "identical", "full_marks"
VOID_REASONS = {VOID_IDENTICAL: _("所有被测评人的评价相同"), VOID_FULL_MARKS: _("各项均为满分")}


class Paper(models.Model):
    """A cast ballot paper: no rater, no time, a random key. See the module docstring."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="papers")
    group = models.CharField(_("测评人类别"), max_length=20, choices=RaterGroup.choices)
    void = models.BooleanField(_("废票"), default=False)
    void_reason = models.CharField(_("作废原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("测评票")

    def __str__(self) -> str:
        return str(_("测评票"))


class PaperAnswer(models.Model):
    """One person's answer on one paper: the overall choice and, when asked, the five scores."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="answers")
    subject = models.ForeignKey(BallotSubject, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(_("评价"), max_length=30, choices=Choice.choices)
    de = models.PositiveSmallIntegerField(_("德"), null=True, blank=True)
    neng = models.PositiveSmallIntegerField(_("能"), null=True, blank=True)
    qin = models.PositiveSmallIntegerField(_("勤"), null=True, blank=True)
    ji = models.PositiveSmallIntegerField(_("绩"), null=True, blank=True)
    lian = models.PositiveSmallIntegerField(_("廉"), null=True, blank=True)
    total = models.PositiveSmallIntegerField(_("合计"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("测评票答案")
        constraints = [models.UniqueConstraint(fields=["paper", "subject"], name="one_answer_per_subject_paper")]
        indexes = [models.Index(fields=["subject", "choice"], name="paperanswer_subject_choice_idx")]

    def __str__(self) -> str:
        return self.get_choice_display()
