"""Publications of results (结果公示), their entries, objections (异议) and 复核/申诉 cases. DOMAIN §6, §7."""

from __future__ import annotations

import functools
import uuid
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.fields import actor_link, optional_link, organisation_link, person_link
from accounts.modelbits import DetailPage
from accounts.models import OrganisationScoped
from accounts.storage import get_private_storage
from accounts.textlimits import MEDIUM, SHORT, bounded_text
from evaluations.annual.models import AnnualGrade
from evaluations.grading.models import Grade, score_field
from evaluations.welfare.models import WelfareGrade


class PublicationKind(models.TextChoices):
    QUARTER = "quarter", _("季度考核结果")
    ANNUAL_EXCELLENT = "annual_excellent", _("年度考核优秀人选")
    # 张榜公示 of the public-welfare posts' annual results (DOMAIN.md §8): 等次 and 是否续签.
    WELFARE = "welfare", _("公益性岗位年度考核结果")


def publication_title(*, kind: str, year: int, quarter: int | None = None, batch: int = 1) -> str:
    """A publication's title in the active language, e.g. 2026年第3季度平时考核结果. A year's
    public-welfare results are published in batches (a worker decided late): the second and later
    say which, 2026年度公益性岗位考核结果（第2批）, so the board's rows are told apart."""
    if kind == PublicationKind.QUARTER:
        return gettext("%(year)s年第%(quarter)s季度平时考核结果") % {"year": year, "quarter": quarter}
    if kind == PublicationKind.ANNUAL_EXCELLENT:
        return gettext("%(year)s年度考核优秀等次人选") % {"year": year}
    if batch > 1:
        return gettext("%(year)s年度公益性岗位考核结果（第%(batch)s批）") % {"year": year, "batch": batch}
    return gettext("%(year)s年度公益性岗位考核结果") % {"year": year}


@functools.cache
def _published_words() -> dict[str, Promise]:
    """The words a line's grade is published with (a grade; a welfare line's 续签 or 不续签), by
    how each reads in every language, to the word (lazy: it reads in the active language)."""
    words = [*Grade.labels, *AnnualGrade.labels, *WelfareGrade.labels, _("续签"), _("不续签")]
    found = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.update({str(word): word for word in words})
    return found


class Publication(DetailPage, OrganisationScoped, models.Model):
    """One published list: an approved quarter's grades, or the year's decided 优秀 list, shown to
    every staff member of the organisation for a window of working days (policy)."""

    detail_url_name = "publicity:publication_detail"

    organisation = organisation_link()
    kind = models.CharField(_("类别"), max_length=20, choices=PublicationKind.choices)
    appraisal_quarter = optional_link("evaluations.AppraisalQuarter", _("考核季度"))
    year = models.PositiveSmallIntegerField(_("年度"))
    # The year's public-welfare results go out in batches: the first, second … of the year (1 for
    # the other kinds, published once).
    batch = models.PositiveSmallIntegerField(_("批次"), default=1)
    title = models.CharField(_("标题"), max_length=200)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示截止"))
    published_by = person_link(_("发布人"))
    published_at = models.DateTimeField(_("发布时间"))
    # Set by the locking job once every entry is locked (定等).
    closed_at = models.DateTimeField(_("定等时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("结果公示")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal_quarter"],
                condition=Q(appraisal_quarter__isnull=False),
                name="one_publication_per_quarter",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=Q(kind="annual_excellent"),
                name="one_annual_publication_per_year",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "batch"],
                condition=Q(kind="welfare"),
                name="one_welfare_publication_per_batch",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "-published_at"], name="publication_org_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the reader's language (a quarter's reads its ``appraisal_quarter``: select
        it). ``title`` keeps the words written when it was published, in the publisher's language:
        the notice, messages, lock reasons, exports and the audit trail quote it as it was."""
        quarter = self.appraisal_quarter.quarter if self.appraisal_quarter_id else None
        return publication_title(kind=self.kind, year=self.year, quarter=quarter, batch=self.batch)

    def is_open_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def lock_reason(self) -> str:
        """The reason its 定等 records: on its lines' locks and, for a year's 优秀 list, on the
        year's close (and on a result decided after it, locked as the close would have)."""
        return gettext("公示期满定等：%(title)s") % {"title": self.title}

    def status_on(self, day: date, *, republished_until: date | None = None) -> PublicationStatus:
        """The list's state as a reader takes it on ``day``, from its dates alone: the window is
        over the day after it ends, not when the locking job (00:30, or HR's 定等) gets to it; only
        已定等 waits for the lock (``closed_at``). ``republished_until``: the last day of the lines
        published again after a regrade (``selectors.republished_until``), which outlast the list's
        window. The board, the list's page and its lines (``PublicationEntry.status_on``) say the same."""
        if self.closed_at is not None:
            return PublicationStatus("locked", gettext("已定等"))
        if day < self.starts_on:
            starts = gettext("待公示（%(start)s起）") % {"start": self.starts_on.isoformat()}
            return PublicationStatus("upcoming", starts)
        if day <= self.ends_on:
            return PublicationStatus("open", gettext("公示中"))
        if republished_until is not None and day <= republished_until:
            return PublicationStatus("republished", gettext("公示期已结束，重新公示的人员仍在公示期内"))
        return PublicationStatus("ended", gettext("公示期满，待定等"))


class PublicationStatus(NamedTuple):
    """A publication's state on a day (``Publication.status_on``): ``key`` is one of locked,
    upcoming, open, republished and ended (the badge's colour), ``label`` what the page says."""

    key: str
    label: str


class EntryState(models.TextChoices):
    PUBLISHED = "published", _("公示中")
    REGRADING = "regrading", _("退回重评")
    LOCKED = "locked", _("已定等")
    # Sent back to the committee and decided other than 优秀: off the year's 优秀 list for good.
    WITHDRAWN = "withdrawn", _("已撤下")


class PublicationEntry(OrganisationScoped, models.Model):
    """One person's line on a publication. An entry sent back for regrading is published again for
    a window of its own, so the window is the entry's."""

    organisation_attr = "publication.organisation_id"

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="entries", verbose_name=_("结果公示")
    )
    person = person_link(_("人员"))
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("科室")
    )
    quarter_grade = optional_link("evaluations.QuarterGrade", _("季度等次"))
    annual_result = optional_link("evaluations.AnnualResult", _("年度考核结果"))
    welfare_assessment = optional_link("evaluations.WelfareAssessment", _("公益性岗位年度考核"))
    grade_label = models.CharField(_("等次"), max_length=30)
    score = score_field(_("综合得分"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=EntryState.choices, default=EntryState.PUBLISHED)
    window_starts_on = models.DateField(_("公示开始"))
    window_ends_on = models.DateField(_("公示截止"))
    republished_at = models.DateTimeField(_("重新公示时间"), null=True, blank=True)
    locked_at = models.DateTimeField(_("定等时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("公示名单条目")
        ordering = ["publication", "department__name", "person__full_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "person"], name="one_entry_per_person_publication"),
        ]
        indexes = [models.Index(fields=["state", "window_ends_on"], name="publication_entry_due")]

    def __str__(self) -> str:
        return f"{self.person} {self.grade_label}"

    @property
    def grade_display(self) -> str:
        """The published grade in the reader's language. ``grade_label`` keeps it as it was
        published (a welfare line's with its renewal: 合格 · 续签), in the publisher's language."""
        words = _published_words()
        return " · ".join(str(words[part]) if part in words else part for part in self.grade_label.split(" · "))

    def is_open_on(self, day: date) -> bool:
        return self.state == EntryState.PUBLISHED and self.window_starts_on <= day <= self.window_ends_on

    def status_on(self, day: date) -> str:
        """The line's state as a reader takes it on ``day``: 公示中 only inside its window (the first
        working day on or after publishing is its first day, so a list published on a Saturday is
        not yet open); after it, waiting for 定等 (the locking job, or an open objection's answer)."""
        if self.state == EntryState.PUBLISHED:
            if day < self.window_starts_on:
                return gettext("待公示（%(start)s起）") % {"start": self.window_starts_on.isoformat()}
            if day > self.window_ends_on:
                return gettext("公示期满，待定等")
        if self.state == EntryState.REGRADING and self.annual_result_id:
            # The committee decides a year's line again; nobody regrades it (a user test read 退回重评).
            return gettext("已退回考核委员会重新确定")
        return self.get_state_display()


class ObjectionState(models.TextChoices):
    LODGED = "lodged", _("已提出")
    ACCEPTED = "accepted", _("已受理")
    VERIFIED = "verified", _("已核实")
    ANSWERED = "answered", _("已答复")


def _objection_path(instance: Objection, filename: str) -> str:
    return f"objections/{instance.organisation_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :].lower()}"


class Objection(DetailPage, OrganisationScoped, models.Model):
    """An objection (异议) to an entry, lodged during its window and handled by HR: 受理 → 核实 → 答复."""

    detail_url_name = "publicity:objection_detail"

    organisation = organisation_link()
    entry = models.ForeignKey(
        PublicationEntry, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示名单条目")
    )
    objector = person_link(_("提出人"))
    text = bounded_text(_("异议内容"), limit=MEDIUM)
    # The entry's grade as published when the objection was lodged: an upheld objection changes the
    # entry's grade_label when it is published again, and the objection stays about the grade it
    # questioned (the year's workbook read 较好 beside an answer that kept 好).
    grade_label = models.CharField(_("异议时等次"), max_length=30, blank=True)
    # The grade the entry was published again with (or, for a year's 优秀 sent back and decided
    # otherwise, the committee's new grade), for an objection that sent it back or was still open
    # when it changed; blank when the grade did not change while the objection stood.
    regraded_label = models.CharField(_("处理后等次"), max_length=30, blank=True)
    attachment = models.FileField(
        _("附件"), storage=get_private_storage, upload_to=_objection_path, max_length=300, blank=True
    )
    attachment_name = models.CharField(_("附件名"), max_length=200, blank=True)
    attachment_type = models.CharField(_("附件类型"), max_length=100, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=ObjectionState.choices, default=ObjectionState.LODGED)
    notes = bounded_text(_("核实情况"), limit=MEDIUM, blank=True)
    answer = bounded_text(_("答复"), limit=MEDIUM, blank=True)
    send_back_reason = bounded_text(_("退回重评理由"), limit=SHORT, blank=True)
    handled_by = actor_link(_("处理人"))
    lodged_at = models.DateTimeField(_("提出时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    sent_back_at = models.DateTimeField(_("退回重评时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("异议")
        ordering = ["-lodged_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "state", "-lodged_at"], name="objection_org_state"),
            models.Index(fields=["objector", "-lodged_at"], name="objection_objector"),
        ]
        constraints = [
            # One unanswered objection per person and entry (services.objection_lodge refuses the
            # second in words; this catches two submissions at once). An answered one may be followed.
            models.UniqueConstraint(
                fields=["entry", "objector"],
                condition=~models.Q(state=ObjectionState.ANSWERED) & models.Q(sent_back_at__isnull=True),
                name="one_open_objection_per_objector_entry",
            ),
        ]

    def __str__(self) -> str:
        # The list too: the audit trail names the objection by this (a user test read 对张三的异议
        # and could not tell which list's).
        entry = self.entry
        return str(
            _("对%(person)s的异议（%(list)s）") % {"person": entry.person, "list": entry.publication.display_title}
        )

    @property
    def is_open(self) -> bool:
        return self.state != ObjectionState.ANSWERED


class ReviewCaseKind(models.TextChoices):
    REVIEW = "review", _("复核")
    APPEAL = "appeal", _("申诉")


class ReviewCaseState(models.TextChoices):
    AWAITING_REQUEST = "awaiting", _("待申请")
    REQUESTED = "requested", _("已申请，待决定")
    DECIDED = "decided", _("已决定")
    LAPSED = "lapsed", _("逾期未申请")


class ReviewCase(DetailPage, OrganisationScoped, models.Model):
    """The statutory 复核 (or 申诉) of an annual 不称职: 30 days to ask from the notification, 30 days
    to decide from the request. HR records each step; reminders come before each deadline."""

    detail_url_name = "publicity:review_case_detail"

    organisation = organisation_link()
    annual_result = models.ForeignKey(
        "evaluations.AnnualResult", on_delete=models.PROTECT, related_name="+", verbose_name=_("年度考核结果")
    )
    person = person_link(_("当事人"))
    kind = models.CharField(_("类别"), max_length=20, choices=ReviewCaseKind.choices, default=ReviewCaseKind.REVIEW)
    state = models.CharField(
        _("状态"), max_length=20, choices=ReviewCaseState.choices, default=ReviewCaseState.AWAITING_REQUEST
    )
    notified_on = models.DateField(_("结果告知日"))
    request_by = models.DateField(_("申请截止日"))
    requested_on = models.DateField(_("申请日"), null=True, blank=True)
    decide_by = models.DateField(_("决定截止日"), null=True, blank=True)
    decided_on = models.DateField(_("决定日"), null=True, blank=True)
    decision = bounded_text(_("决定"), limit=MEDIUM, blank=True)
    # The annual grade the decision set, when it changed the result (through the recorded review
    # after locking, evaluations.annual.locking); blank when the decision kept the grade.
    changed_to = models.CharField(_("变更后等次"), max_length=30, blank=True, choices=AnnualGrade.choices)
    opened_by = person_link(_("发起人"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("复核申诉案件")
        ordering = ["-notified_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["annual_result", "kind"], name="one_case_per_result_and_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()}"


# What the audit trail records: publications, entries, objections and 复核/申诉 cases (registered by
# PublicityConfig.ready()).
AUDITED = (Publication, PublicationEntry, Objection, ReviewCase)
