from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from auditlog.context import disable_auditlog
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import (
    Department,
    DepartmentMembership,
    Job,
    Notification,
    Organisation,
    PeriodLock,
    Policy,
    Role,
    RoleAssignment,
    StaffStatus,
    StaffStatusKind,
    User,
    WorkingDayOverride,
)
from accounts.periods import Month, Quarter
from accounts.selectors import policy_for_organisation
from accounts.workflow import HANDED_IN_STATUSES, ReviewStatus
from evaluations.discipline.models import ComplianceAlert
from evaluations.models import (
    Achievement,
    AnnualResult,
    AnnualReview,
    AnnualRollupRun,
    AppraisalQuarter,
    DepartmentScore,
    Finding,
    GradeReview,
    Inspection,
    InspectionKind,
    QuarterGrade,
    Sanction,
    SanctionEffect,
    SanctionKind,
    SanctionRule,
    SatisfactionScore,
    ServiceEvent,
    ServiceEventKind,
    Severity,
    VetoFlag,
)
from publicity.boards.models import WeeklyDigest, WeeklyDigestSection, WeeklyPost, WeeklyPostItem
from publicity.dingtalk.models import DingTalkKind, DingTalkMessage
from publicity.feedback.models import FeedbackTalk
from summaries.models import MonthlySummary, SummaryConflictCopy
from targets.models import DepartmentGoal, TargetItem, TargetSet

PASSWORD = "Test@2026pw"
CHINA = ZoneInfo("Asia/Shanghai")


class Factory(DjangoModelFactory):
    """A test's given rows, written without audit entries: the audit records what people and jobs
    change through the services (tested there), not how a test laid out its starting point. Half
    of a factory's cost was its rows' audit entries (django-auditlog's diff and insert per row).
    A test about the entries of rows made so writes them inside ``audited()``."""

    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy, params):
        with nullcontext() if _audited.get() else disable_auditlog():
            return super()._generate(strategy, params)


_audited: ContextVar[bool] = ContextVar("factories_audited", default=False)


@contextmanager
def audited() -> Iterator[None]:
    """Factories inside the block write their rows' audit entries, as a service's save would."""
    token = _audited.set(True)
    try:
        yield
    finally:
        _audited.reset(token)


# --- accounts ----------------------------------------------------------------------------------


class OrganisationFactory(Factory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    policy = factory.RelatedFactory("tests.factories.PolicyFactory", factory_related_name="organisation")


class PolicyFactory(Factory):
    class Meta:
        model = Policy
        django_get_or_create = ("organisation",)


def policy_with(organisation: Organisation, **values) -> Policy:
    """The organisation's policy with ``values`` set and saved as a test's starting point (not
    through policy_update: a test that wants the service's checks calls it)."""
    policy = policy_for_organisation(organisation_id=organisation.pk)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    return policy


class DepartmentFactory(Factory):
    class Meta:
        model = Department

    organisation = factory.SubFactory(OrganisationFactory)
    # Not D001…: the `department` persona is D001.
    code = factory.Sequence(lambda n: f"F{n:04d}")
    name = factory.Sequence(lambda n: f"科室{n}")


class DepartmentMembershipFactory(Factory):
    class Meta:
        model = DepartmentMembership

    user = factory.SubFactory("tests.factories.UserFactory", membership=False)
    department = factory.SelfAttribute("user.department")
    start_date = date(2026, 1, 1)


class UserFactory(Factory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"人员{n}")
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    organisation = factory.LazyAttribute(lambda o: o.department.organisation if o.department else None)
    department = factory.SubFactory(DepartmentFactory)
    password = factory.django.Password(PASSWORD)

    # A new person's membership and roles are written straight (one INSERT for all the roles), not
    # through their factories: a role's get_or_create asked first for a row a new person cannot
    # have, and the two were a third of the cost of making a person.
    @factory.post_generation
    def membership(self, create, extracted, **kwargs):
        if create and self.department_id and extracted is not False:
            start = date(2026, 1, 1)
            DepartmentMembership.objects.create(user=self, department_id=self.department_id, start_date=start)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        roles = dict.fromkeys(extracted if extracted is not None else [Role.STAFF])
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=self, organisation_id=self.organisation_id, role=role) for role in roles
        )


class OnePersonsFactory(Factory):
    """A record of one person (made for it unless given), in the person's organisation."""

    class Meta:
        abstract = True

    person = factory.SubFactory(UserFactory)
    organisation = factory.SelfAttribute("person.organisation")


class RoleAssignmentFactory(Factory):
    class Meta:
        model = RoleAssignment
        django_get_or_create = ("user", "organisation", "role")

    user = factory.SubFactory(UserFactory, roles=[])
    organisation = factory.SelfAttribute("user.organisation")
    role = Role.STAFF


class StaffStatusFactory(Factory):
    class Meta:
        model = StaffStatus

    user = factory.SubFactory(UserFactory)
    kind = StaffStatusKind.PROBATION
    start_date = date(2026, 1, 1)


class WorkingDayOverrideFactory(Factory):
    """A day off unless told otherwise; global (no organisation) unless given one."""

    class Meta:
        model = WorkingDayOverride

    organisation = None
    date = factory.Sequence(lambda n: date(2040, 1, 1) + timedelta(days=n))
    is_working_day = False


class PeriodLockFactory(Factory):
    """A quarter of the organisation locked (the rows of its documents and inputs closed)."""

    class Meta:
        model = PeriodLock

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2026
    quarter = 1
    locked_at = factory.LazyFunction(timezone.now)


class NotificationFactory(Factory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    message = factory.Sequence(lambda n: f"通知{n}")


class JobFactory(Factory):
    class Meta:
        model = Job

    # The echo kind of tests/support/job_kinds.py (registered when a test imports that module).
    kind = "tests.echo"
    requested_by = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda o: o.requested_by.organisation)


# --- targets and summaries: a document's organisation and department are its owner's --------


class _ReviewedDocumentFactory(Factory):
    class Meta:
        abstract = True

    owner = factory.SubFactory(UserFactory)
    organisation = factory.SelfAttribute("owner.organisation")
    department = factory.SelfAttribute("owner.department")
    year = 2026


class TargetSetFactory(_ReviewedDocumentFactory):
    class Meta:
        model = TargetSet

    class Params:
        # Submitted on the 8th of the quarter's first month, before the day-10 deadline.
        submitted = factory.Trait(
            status=ReviewStatus.SUBMITTED,
            submitted_at=factory.LazyAttribute(
                lambda o: datetime(o.year, Quarter(o.year, o.quarter).first_month, 8, 9, tzinfo=CHINA)
            ),
        )

    quarter = 4


class DepartmentGoalFactory(Factory):
    """A department's goal of the year 2026 (``quarter=`` for a quarter's)."""

    class Meta:
        model = DepartmentGoal

    department = factory.SubFactory(DepartmentFactory)
    year = 2026
    content = factory.Sequence(lambda n: f"科室目标{n}")


class TargetItemFactory(Factory):
    class Meta:
        model = TargetItem

    target_set = factory.SubFactory(TargetSetFactory)
    sort_order = factory.Sequence(lambda n: n)
    content = factory.Sequence(lambda n: f"目标{n}")


def _third_of_the_next_month(year: int, month: int) -> datetime:
    following = Month(year, month).next()
    return datetime(following.year, following.month, 3, 9, tzinfo=CHINA)


class MonthlySummaryFactory(_ReviewedDocumentFactory):
    class Meta:
        model = MonthlySummary

    class Params:
        # Submitted on the 3rd of the following month, before the day-5 deadline.
        submitted = factory.Trait(
            status=ReviewStatus.SUBMITTED,
            submitted_at=factory.LazyAttribute(lambda o: _third_of_the_next_month(o.year, o.month)),
        )

    month = 10


class SummaryConflictCopyFactory(Factory):
    class Meta:
        model = SummaryConflictCopy

    summary = factory.SubFactory(MonthlySummaryFactory)
    author = factory.SelfAttribute("summary.owner")
    based_on_version = 1
    payload = factory.Dict({})


# --- evaluations: grading ----------------------------------------------------------------------


class AppraisalQuarterFactory(Factory):
    class Meta:
        model = AppraisalQuarter
        # As the services do: one row per organisation and quarter, whoever asks first.
        django_get_or_create = ("organisation", "year", "quarter")

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2026
    quarter = 4


class QuarterGradeFactory(Factory):
    class Meta:
        model = QuarterGrade

    person = factory.SubFactory(UserFactory)
    department = factory.SelfAttribute("person.department")
    appraisal_quarter = factory.SubFactory(
        AppraisalQuarterFactory, organisation=factory.SelfAttribute("..person.organisation")
    )


class _ReviewAfterLockFactory(Factory):
    """A 定等后复核 by HR, now (give the reviewed row, ``old_grade``, ``new_grade`` and ``reviewed_by``)."""

    class Meta:
        abstract = True

    reason = "复核"
    reviewed_at = factory.LazyFunction(timezone.now)


class GradeReviewFactory(_ReviewAfterLockFactory):
    class Meta:
        model = GradeReview


class SatisfactionScoreFactory(Factory):
    """A person's score, or a department's when given ``department=``."""

    class Meta:
        model = SatisfactionScore

    department = None
    person = factory.Maybe("department", yes_declaration=None, no_declaration=factory.SubFactory(UserFactory))
    organisation = factory.LazyAttribute(lambda o: (o.department or o.person).organisation)
    year = 2026
    quarter = 4
    score = Decimal("90")


class ServiceEventFactory(OnePersonsFactory):
    class Meta:
        model = ServiceEvent

    date = date(2026, 10, 9)
    kind = ServiceEventKind.PRAISE
    description = "来信表扬"


class DepartmentScoreFactory(Factory):
    class Meta:
        model = DepartmentScore

    department = factory.SubFactory(DepartmentFactory)
    year = 2026
    quarter = 3
    party_building_score = Decimal("80")
    work_score = Decimal("80")
    party_building_weight = 60
    total = Decimal("80")


# --- evaluations: discipline -------------------------------------------------------------------


class InspectionFactory(Factory):
    class Meta:
        model = Inspection

    inspector = factory.SubFactory(UserFactory, roles=[Role.INSPECTOR])
    organisation = factory.SelfAttribute("inspector.organisation")
    date = date(2026, 5, 12)
    kind = InspectionKind.DISCIPLINE


class ComplianceAlertFactory(Factory):
    """A month short of inspections (two required, one done), open."""

    class Meta:
        model = ComplianceAlert

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2026
    month = 3
    inspections = 1
    required = 2


class FindingFactory(Factory):
    """Serious by default: the findings tests make are mostly the ones that raise a veto."""

    class Meta:
        model = Finding

    inspection = factory.SubFactory(InspectionFactory)
    person = factory.SubFactory(
        UserFactory, department__organisation=factory.SelfAttribute("...inspection.organisation")
    )
    severity = Severity.SERIOUS
    description = "上班时间饮酒"


class SanctionRuleFactory(Factory):
    class Meta:
        model = SanctionRule

    organisation = factory.SubFactory(OrganisationFactory)
    kind = SanctionKind.WARNING
    effect = SanctionEffect.NOT_GRADED


class SanctionFactory(OnePersonsFactory):
    class Meta:
        model = Sanction

    kind = SanctionKind.WARNING
    decided_on = date(2026, 3, 1)


class VetoFlagFactory(Factory):
    """A flag raised by a finding about the same person (pass ``finding=None, sanction=…`` for the other cause)."""

    class Meta:
        model = VetoFlag

    person = factory.SubFactory(UserFactory)
    year = 2026
    finding = factory.SubFactory(FindingFactory, person=factory.SelfAttribute("..person"))
    reason = "上班时间饮酒"


# --- evaluations: annual -----------------------------------------------------------------------


class _OnePersonsYearFactory(OnePersonsFactory):
    """A person's record of a year (2026), in their department at the time."""

    class Meta:
        abstract = True

    department = factory.SelfAttribute("person.department")
    year = 2026


class AnnualResultFactory(_OnePersonsYearFactory):
    class Meta:
        model = AnnualResult
        skip_postgeneration_save = True

    computed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def run(self, create, extracted, **kwargs):
        """A computed result is a roll-up's: its year's AnnualRollupRun at least as late, which is what
        the freshness check reads (the rows' own computed_at only until the former evaluations 0026)."""
        if not create or self.computed_at is None:
            return
        run, made = AnnualRollupRun.objects.get_or_create(
            organisation_id=self.organisation_id, year=self.year, defaults={"computed_at": self.computed_at}
        )
        if not made and run.computed_at < self.computed_at:
            AnnualRollupRun.objects.filter(pk=run.pk).update(computed_at=self.computed_at)


class AchievementFactory(_OnePersonsYearFactory):
    class Meta:
        model = Achievement

    title = factory.Sequence(lambda n: f"创新突破{n}")
    proposed_by = factory.SubFactory(
        UserFactory, department=None, organisation=factory.SelfAttribute("..organisation"), roles=[Role.AGENCY_HEAD]
    )
    proposed_at = factory.LazyFunction(timezone.now)


class AnnualReviewFactory(_ReviewAfterLockFactory):
    class Meta:
        model = AnnualReview


def hand_in_quarter_inputs(appraisal_quarter: AppraisalQuarter) -> None:
    """Approved targets and a submitted summary for every month, for everyone graded in the quarter:
    what approval waits for besides the grades."""
    period = appraisal_quarter.period
    for row in appraisal_quarter.grades.select_related("person"):
        # What the person already has (a test's own target set, say) is handed in, not duplicated.
        target_set = TargetSet.objects.filter(owner=row.person, year=period.year, quarter=period.quarter).first()
        if target_set is None:
            TargetSetFactory(owner=row.person, year=period.year, quarter=period.quarter, status=ReviewStatus.APPROVED)
        else:
            save_fields(TargetSet.objects.filter(pk=target_set.pk), status=ReviewStatus.APPROVED)
        for month in period.months:
            summary = MonthlySummary.objects.filter(owner=row.person, year=period.year, month=month).first()
            if summary is None:
                MonthlySummaryFactory(owner=row.person, year=period.year, month=month, submitted=True)
            elif summary.status not in HANDED_IN_STATUSES:
                save_fields(
                    MonthlySummary.objects.filter(pk=summary.pk),
                    status=ReviewStatus.SUBMITTED,
                    submitted_at=_third_of_the_next_month(period.year, month),
                )


def quarter_open_with_inputs(organisation: Organisation, period: Quarter) -> AppraisalQuarter:
    """``period`` opened for grading through the service (on a day of its grading window), with
    everyone's targets and summaries handed in: what its approval waits for besides the grades."""
    from evaluations.grading.services.grading import appraisal_quarter_open

    appraisal_quarter = appraisal_quarter_open(organisation=organisation, year=period.year, quarter=period.quarter)
    hand_in_quarter_inputs(appraisal_quarter)
    return appraisal_quarter


def save_fields(objects, **fields) -> None:
    """Set ``fields`` on each of ``objects`` and save it, as the services do — not
    ``QuerySet.update()``, which sends no signals (the grade rows learn of a target set's or a
    summary's status change from them: evaluations.grading.services.documents)."""
    for obj in objects:
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.save(update_fields=list(fields))


# --- publicity ---------------------------------------------------------------------------------


class WeeklyPostFactory(Factory):
    """A department's post for ISO week 48 of 2026 (23–29 November), written by its head."""

    class Meta:
        model = WeeklyPost

    department = factory.SubFactory(DepartmentFactory)
    organisation = factory.SelfAttribute("department.organisation")
    year = 2026
    week = 48
    author = factory.LazyAttribute(lambda o: o.department.head or UserFactory(department=o.department))
    posted_at = factory.LazyFunction(timezone.now)


class WeeklyPostItemFactory(Factory):
    class Meta:
        model = WeeklyPostItem

    post = factory.SubFactory(WeeklyPostFactory)
    position = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"完成工作事项{n}")


class WeeklyDigestFactory(Factory):
    class Meta:
        model = WeeklyDigest

    class Params:
        published = factory.Trait(
            state=WeeklyDigest.State.PUBLISHED,
            published_by=factory.SelfAttribute("compiled_by"),
            published_at=factory.LazyFunction(timezone.now),
        )

    compiled_by = factory.SubFactory(
        UserFactory, department=None, organisation=factory.SubFactory(OrganisationFactory), roles=[Role.HR_ADMIN]
    )
    organisation = factory.SelfAttribute("compiled_by.organisation")
    year = 2026
    week = 48


class WeeklyDigestSectionFactory(Factory):
    class Meta:
        model = WeeklyDigestSection

    digest = factory.SubFactory(WeeklyDigestFactory)
    department = factory.SubFactory(DepartmentFactory, organisation=factory.SelfAttribute("..digest.organisation"))
    position = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"本周进展{n}")


class DingTalkMessageFactory(Factory):
    class Meta:
        model = DingTalkMessage

    organisation = factory.SubFactory(OrganisationFactory)
    kind = DingTalkKind.WEEKLY_DIGEST
    title = factory.Sequence(lambda n: f"钉钉消息{n}")
    text = "### 每周工作进展"


class FeedbackTalkFactory(Factory):
    """A recorded feedback talk about ``quarter_grade`` (its person, grade and organisation)."""

    class Meta:
        model = FeedbackTalk

    quarter_grade = factory.SubFactory(QuarterGradeFactory)
    person = factory.SelfAttribute("quarter_grade.person")
    organisation = factory.SelfAttribute("quarter_grade.person.organisation")
    grade = factory.SelfAttribute("quarter_grade.grade")
    talked_on = factory.LazyFunction(lambda: timezone.localdate())
    content = "谈话"
    recorded_by = factory.SubFactory(UserFactory, organisation=factory.SelfAttribute("..organisation"))
    recorded_at = factory.LazyFunction(timezone.now)


class WelfarePostFactory(Factory):
    """A public-welfare worker's post agreement; the worker is made 公益性岗位 staff of the unit."""

    class Meta:
        model = "evaluations.WelfarePost"

    person = factory.SubFactory(UserFactory, staff_type="public_welfare")
    organisation = factory.SelfAttribute("person.organisation")
    post_name = "保洁"
    agreement_start = date(2026, 1, 1)
    agreement_end = date(2026, 12, 31)
    monthly_subsidy = Decimal("1800.00")


class WelfareAssessmentFactory(Factory):
    class Meta:
        model = "evaluations.WelfareAssessment"

    post = factory.SubFactory(WelfarePostFactory)
    owner = factory.SelfAttribute("post.person")
    organisation = factory.SelfAttribute("post.organisation")
    department = factory.SelfAttribute("post.person.department")
    year = 2026
