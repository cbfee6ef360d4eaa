"""The optional score model (量化评分) and department linkage (科室成绩挂钩). DOMAIN.md §4.

Each position category of an organisation has one indicator set whose weights total 100. An
evaluator scores the manual indicators; the satisfaction and service-event indicators are filled
in from the quarter's data. The personal score is the weighted sum; with linkage on, the composite
mixes in the department's score (composite = personal × (1 − k) + department × k). The policy's
bands turn a score into a suggested grade, and :func:`suggested_grades` then keeps the 好
suggestions within each pool's quota.

Every number comes from the organisation's :class:`accounts.models.Policy`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Department, Organisation, Policy, PositionCategory, User
from accounts.selectors import policy_for_organisation
from accounts.text import join_list

from ..models import (
    AppraisalQuarter,
    DepartmentScore,
    Grade,
    GradeState,
    Indicator,
    IndicatorGroup,
    IndicatorScore,
    IndicatorSet,
    IndicatorSource,
    QuarterGrade,
    SatisfactionScore,
    ServiceEvent,
    ServiceEventKind,
)
from . import quota

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

# Service events (表扬与投诉) start from full marks; the points per event are the policy's.
SERVICE_EVENTS_BASE = Decimal("100")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _split(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` whole weights summing exactly to it (40 over 5 → 8 each)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


# --- Indicator sets -------------------------------------------------------------------------


def _default_indicators(*, policy: Policy, position_category: str) -> list[dict]:
    common = [_("政治品质"), _("职业道德"), _("工作作风"), _("廉洁自律"), _("出勤情况")]
    individual = [
        (_("工作数量"), IndicatorSource.MANUAL),
        (_("工作质量"), IndicatorSource.MANUAL),
        (_("工作效率"), IndicatorSource.MANUAL),
        (_("工作成效"), IndicatorSource.MANUAL),
    ]
    if position_category == PositionCategory.SERVICE:
        individual += [(_("满意度"), IndicatorSource.SATISFACTION), (_("表扬与投诉"), IndicatorSource.SERVICE_EVENTS)]
    rows = [
        {"name": name, "group": IndicatorGroup.COMMON, "weight": weight, "source": IndicatorSource.MANUAL}
        for name, weight in zip(common, _split(policy.common_indicator_weight, len(common)), strict=True)
    ]
    rows += [
        {"name": name, "group": IndicatorGroup.INDIVIDUAL, "weight": weight, "source": source}
        for (name, source), weight in zip(
            individual, _split(policy.individual_indicator_weight, len(individual)), strict=True
        )
    ]
    for order, row in enumerate(rows, start=1):
        row["sort_order"] = order
    return rows


@transaction.atomic
def default_indicator_set(*, organisation: Organisation, position_category: str) -> IndicatorSet:
    """The organisation's indicator set for a position category, created with the defaults if missing.

    Defaults: the five common indicators share ``policy.common_indicator_weight`` and the individual
    ones (工作数量, 质量, 效率, 成效; for 服务保障 also 满意度 and 表扬与投诉, filled in automatically)
    share ``policy.individual_indicator_weight``. An existing set is returned untouched.
    """
    if position_category not in PositionCategory.values:
        raise ValidationError(_("无效的岗位类别。"))
    indicator_set, created = IndicatorSet.objects.get_or_create(
        organisation=organisation, position_category=position_category
    )
    if created:
        policy = policy_for_organisation(organisation_id=organisation.pk)
        for row in _default_indicators(policy=policy, position_category=position_category):
            Indicator(indicator_set=indicator_set, **row).save()
    return indicator_set


def _clean_indicators(indicators: list[dict]) -> list[dict]:
    """Check and normalise the rows of an indicator set; every problem is reported at once."""
    errors: list[str] = []
    cleaned: list[dict] = []
    seen: set[str] = set()
    for position, row in enumerate(indicators, start=1):
        name = str(row.get("name") or "").strip()
        if not name:
            errors.append(_("第%(n)s项：请填写指标名称。") % {"n": position})
        elif name in seen:
            errors.append(_("指标“%(name)s”重复。") % {"name": name})
        seen.add(name)
        try:
            weight = int(row.get("weight"))
        except (TypeError, ValueError):
            weight = -1
        if not 0 <= weight <= 100:
            errors.append(_("指标“%(name)s”的权重须为0至100的整数。") % {"name": name or position})
        group = row.get("group") or IndicatorGroup.INDIVIDUAL
        if group not in IndicatorGroup.values:
            errors.append(_("指标“%(name)s”的类别无效。") % {"name": name or position})
        source = row.get("source") or IndicatorSource.MANUAL
        if source not in IndicatorSource.values:
            errors.append(_("指标“%(name)s”的数据来源无效。") % {"name": name or position})
        cleaned.append(
            {
                "id": row.get("id"),
                "name": name,
                "group": group,
                "weight": weight,
                "source": source,
                "sort_order": row.get("sort_order") or position,
            }
        )
    if not cleaned:
        errors.append(_("请至少设置一项指标。"))
    elif not errors:
        total = sum(row["weight"] for row in cleaned)
        if total != 100:
            errors.append(_("各项指标权重之和须为100，当前为%(total)s。") % {"total": total})
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def indicator_set_save(*, indicator_set: IndicatorSet, indicators: list[dict]) -> IndicatorSet:
    """Replace the indicators of a set: rows with the ``id`` of one of its indicators update it,
    rows without create one, and indicators not listed are deleted (with their scores).

    Each row: ``name``, ``group``, ``weight`` (0–100), ``source``, optional ``sort_order`` and ``id``.
    Names must be unique and the weights must total exactly 100; otherwise nothing is saved.
    Personal scores already computed keep their value until the evaluator saves the scores again.
    """
    rows = _clean_indicators(indicators)
    # Lock the set so two administrators editing it at once save one after the other.
    IndicatorSet.objects.select_for_update(of=("self",)).get(pk=indicator_set.pk)
    existing = {indicator.pk: indicator for indicator in indicator_set.indicators.all()}
    unknown = [row["id"] for row in rows if row["id"] and row["id"] not in existing]
    if unknown:
        raise ValidationError(_("指标已被他人修改，请刷新页面后再保存。"))
    kept = {row["id"] for row in rows if row["id"]}
    for pk, indicator in existing.items():
        if pk not in kept:
            indicator.delete()
    for row in rows:
        indicator = existing.get(row["id"]) or Indicator(indicator_set=indicator_set)
        fields = ("name", "group", "weight", "source", "sort_order")
        if indicator.pk and all(getattr(indicator, field) == row[field] for field in fields):
            continue  # unchanged: no audit entry
        for field in fields:
            setattr(indicator, field, row[field])
        indicator.save()
    return indicator_set


def default_indicators_preview(*, organisation: Organisation, position_category: str) -> list[Indicator]:
    """The defaults :func:`default_indicator_set` would create, unsaved: what HR sees before creating them."""
    policy = policy_for_organisation(organisation_id=organisation.pk)
    return [Indicator(**row) for row in _default_indicators(policy=policy, position_category=position_category)]


def indicator_sets_ensure(*, organisation: Organisation) -> int:
    """Create the default set of every position category that has none yet; returns how many were created.

    Called by HR's explicit action and when a quarter opens under the score model — never by
    opening a page, so reading the indicators writes nothing.
    """
    existing = set(IndicatorSet.objects.filter(organisation=organisation).values_list("position_category", flat=True))
    missing = [category for category in PositionCategory.values if category not in existing]
    for category in missing:
        default_indicator_set(organisation=organisation, position_category=category)
    return len(missing)


def indicators_for(*, grade_row: QuarterGrade) -> list[Indicator]:
    """The indicators that apply to the person of ``grade_row`` (by their position category).

    Read only: a category without a set (HR has not created it yet) has no indicators.
    """
    return list(
        Indicator.objects.filter(
            indicator_set__organisation_id=grade_row.appraisal_quarter.organisation_id,
            indicator_set__position_category=grade_row.person.position_category,
        ).order_by("sort_order", "pk")
    )


# --- Automatic indicators ----------------------------------------------------------------


def satisfaction_score_for(*, grade_row: QuarterGrade) -> Decimal | None:
    """The person's satisfaction-survey score for the quarter, else their department's, else None."""
    appraisal_quarter = grade_row.appraisal_quarter
    scores = SatisfactionScore.objects.filter(
        organisation_id=appraisal_quarter.organisation_id,
        year=appraisal_quarter.year,
        quarter=appraisal_quarter.quarter,
    )
    by_kind = {
        person_id is not None: score
        for person_id, score in scores.filter(
            Q(person_id=grade_row.person_id) | Q(department_id=grade_row.department_id, person__isnull=True)
        ).values_list("person_id", "score")
    }
    return by_kind.get(True, by_kind.get(False))


def service_events_score_for(*, grade_row: QuarterGrade) -> Decimal:
    """The 表扬与投诉 indicator from the person's service events dated within the quarter.

    Rule: 100 − ``unhandled_complaint_deduction`` per complaint not (yet) handled −
    ``handled_complaint_deduction`` per handled complaint + ``praise_bonus`` per praise (the
    organisation's policy; by default 5, 2 and 2), clamped to 0–100. A complaint whose handling is
    unknown counts as not handled.
    """
    appraisal_quarter = grade_row.appraisal_quarter
    policy = policy_for_organisation(organisation_id=appraisal_quarter.organisation_id)
    first, last = appraisal_quarter.period.first_day, appraisal_quarter.period.last_day
    counts = ServiceEvent.objects.filter(
        organisation_id=appraisal_quarter.organisation_id, person_id=grade_row.person_id, date__range=(first, last)
    ).aggregate(
        praises=Count("pk", filter=Q(kind=ServiceEventKind.PRAISE)),
        handled_complaints=Count("pk", filter=Q(kind=ServiceEventKind.COMPLAINT, handled=True)),
        other_complaints=Count("pk", filter=Q(kind=ServiceEventKind.COMPLAINT) & ~Q(handled=True)),
    )
    score = (
        SERVICE_EVENTS_BASE
        - policy.unhandled_complaint_deduction * counts["other_complaints"]
        - policy.handled_complaint_deduction * counts["handled_complaints"]
        + policy.praise_bonus * counts["praises"]
    )
    return min(max(score, ZERO), HUNDRED)


def automatic_scores(*, grade_row: QuarterGrade, indicators: list[Indicator]) -> dict[int, Decimal | None]:
    """Indicator id → score for the indicators filled in from data (None: no data entered yet)."""
    result: dict[int, Decimal | None] = {}
    for indicator in indicators:
        if indicator.source == IndicatorSource.SATISFACTION:
            result[indicator.pk] = satisfaction_score_for(grade_row=grade_row)
        elif indicator.source == IndicatorSource.SERVICE_EVENTS:
            result[indicator.pk] = service_events_score_for(grade_row=grade_row)
    return result


# --- Scores ------------------------------------------------------------------------------


def band_grade(*, score: Decimal, policy: Policy) -> str:
    """The grade a score suggests by the policy's bands; below ``band_average`` it must be 较差."""
    if score >= policy.band_good:
        return Grade.GOOD
    if score >= policy.band_fairly_good:
        return Grade.FAIRLY_GOOD
    if score >= policy.band_average:
        return Grade.AVERAGE
    return Grade.POOR


# Grades a composite below the policy's ``band_average`` allows: 较差, and 不确定等次 (not a grade of
# the score: long leave, an investigation); "" is no grade yet.
GRADES_BELOW_AVERAGE_BAND = (Grade.POOR, Grade.UNCERTAIN, "")


def below_average_band(*, row: QuarterGrade, policy: Policy) -> bool:
    """Whether the person's composite score is below the policy's ``band_average`` (DOMAIN.md §4:
    then the grade must be 较差). Only under the score model and once the scores are entered."""
    return policy.score_model_enabled and row.composite_score is not None and row.composite_score < policy.band_average


def band_refusal(*, row: QuarterGrade, grade: str, policy: Policy) -> str:
    """Why ``grade`` cannot stand for the person of ``row`` by the score bands, or "" when it can.

    Only the lowest band binds (below ``band_average`` the grade must be 较差, or 不确定等次); the
    bands for 好 and 较好 are suggestions the evaluator may depart from. Reads nothing: the row's
    composite score and the policy decide."""
    if grade in GRADES_BELOW_AVERAGE_BAND or not below_average_band(row=row, policy=policy):
        return ""
    return _(
        "%(person)s的综合得分为%(score)s分，低于“一般”分数线（%(line)s分），须评为“较差”，不能评为“%(grade)s”。"
    ) % {
        "person": row.person.get_full_name(),
        "score": row.composite_score,
        "line": policy.band_average,
        "grade": Grade(grade).label,
    }


def personal_score_of(*, scores: dict[int, Decimal], indicators: list[Indicator]) -> Decimal:
    """Σ score × weight / 100 over the indicators, to two decimals."""
    return _round(sum((scores[i.pk] * i.weight / HUNDRED for i in indicators), ZERO))


def composite_for(*, personal_score: Decimal, department_score: Decimal | None, policy: Policy) -> Decimal:
    """personal × (1 − k) + department × k with linkage on and a department score; else personal."""
    if not policy.linkage_enabled or department_score is None:
        return _round(personal_score)
    k = policy.linkage_coefficient
    return _round(personal_score * (1 - k) + department_score * k)


def _department_total(*, department_id: int, appraisal_quarter: AppraisalQuarter) -> Decimal | None:
    return (
        DepartmentScore.objects.filter(
            department_id=department_id, year=appraisal_quarter.year, quarter=appraisal_quarter.quarter
        )
        .values_list("total", flat=True)
        .first()
    )


def _parse_score(value, *, label: str) -> Decimal:
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("“%(name)s”的得分无效。") % {"name": label}) from None
    if not score.is_finite() or not ZERO <= score <= HUNDRED:
        raise ValidationError(_("“%(name)s”的得分须在0至100之间。") % {"name": label})
    return _round(score)


@transaction.atomic
def indicator_scores_save(*, grade_row: QuarterGrade, actor: User, scores: dict[int, Decimal]) -> QuarterGrade:
    """The evaluator scores a person's manual indicators; the automatic ones are filled in.

    ``scores`` maps the id of every manual indicator of the person's set to a score of 0–100.
    The automatic indicators (满意度: the person's survey score, else the department's; 表扬与投诉:
    see :func:`service_events_score_for`) are computed here and may not be given. Then the
    personal and composite scores and the band's suggested grade are stored on the row.
    """
    row = (
        QuarterGrade.objects.select_for_update(of=("self",))
        .select_related("appraisal_quarter__organisation", "person__department", "department")
        .get(pk=grade_row.pk)
    )
    if not actor.has_perm("evaluations.grade_person", row):
        raise PermissionDenied(_("您不是此人的评鉴人。"))
    if not row.appraisal_quarter.is_open:
        raise ValidationError(_("本季度结果已审批，不能再修改得分。"))
    if row.state == GradeState.CONFIRMED and row.department.supervising_leader_id != actor.pk:
        raise ValidationError(_("分管领导已确认此等次，不能再修改得分。"))
    policy = policy_for_organisation(organisation_id=row.appraisal_quarter.organisation_id)
    if not policy.score_model_enabled:
        raise ValidationError(_("本单位未启用量化评分。"))

    indicators = indicators_for(grade_row=row)
    manual = {i.pk: i for i in indicators if i.source == IndicatorSource.MANUAL}
    automatic = automatic_scores(grade_row=row, indicators=indicators)
    if set(scores) - set(manual):
        raise ValidationError(_("只能为本岗位类别的评鉴人打分指标打分，请刷新页面后重试。"))
    missing = [manual[pk].name for pk in manual if scores.get(pk) is None]
    if missing:
        raise ValidationError(_("请为以下指标打分：%(names)s。") % {"names": join_list(missing)})
    no_data = [i.name for i in indicators if i.pk in automatic and automatic[i.pk] is None]
    if no_data:
        raise ValidationError(
            _("%(names)s尚无本季度数据，请先由组织人事部门录入满意度测评结果。") % {"names": join_list(no_data)}
        )
    values = {pk: _parse_score(scores[pk], label=manual[pk].name) for pk in manual}
    values.update({pk: _round(score) for pk, score in automatic.items()})

    # With their indicators: each score's audit entry is labelled with its indicator's name.
    existing = {s.indicator_id: s for s in IndicatorScore.objects.filter(quarter_grade=row).select_related("indicator")}
    for stored in existing.values():
        stored.quarter_grade = row  # its audit entry names the row's organisation (no query)
    by_id = {indicator.pk: indicator for indicator in indicators}
    for indicator_id, stale in existing.items():
        if indicator_id not in values:  # an indicator of a set that no longer applies
            stale.delete()
    for indicator_id, score in values.items():
        stored = existing.get(indicator_id) or IndicatorScore(quarter_grade=row, indicator=by_id[indicator_id])
        if stored.pk and stored.score == score:
            continue
        stored.score = score
        stored.save()

    row.personal_score = personal_score_of(scores=values, indicators=indicators)
    row.composite_score = composite_for(
        personal_score=row.personal_score,
        department_score=_department_total(department_id=row.department_id, appraisal_quarter=row.appraisal_quarter),
        policy=policy,
    )
    row.suggested_grade = band_grade(score=row.composite_score, policy=policy)
    # Not the version: scoring must not make the evaluator's open grading form look stale.
    row.save(update_fields=["personal_score", "composite_score", "suggested_grade"])
    return row


# --- Department scores -------------------------------------------------------------------


# The three parts of 党建工作 (seed 000): (key, label); each one's share of 党建工作 comes from the
# policy (``party_<key>_share``), its score is stored as ``DepartmentScore.party_<key>_score``.
PARTY_PARTS = (("basics", _lazy("基础工作")), ("education", _lazy("党员教育管理")), ("bottom_line", _lazy("底线约束")))


def party_part_weights(policy: Policy) -> list[tuple[str, str, int, Decimal]]:
    """(key, label, share of 党建工作 in %, weight in the department score in %) of each part."""
    return [
        (
            key,
            str(label),
            getattr(policy, f"party_{key}_share"),
            Decimal(policy.party_building_weight * getattr(policy, f"party_{key}_share")) / HUNDRED,
        )
        for key, label in PARTY_PARTS
    ]


@transaction.atomic
def department_score_save(
    *,
    department: Department,
    year: int,
    quarter: int,
    work_score: Decimal,
    actor: User,
    party_parts: Mapping[str, Decimal] | None = None,
    party_building_score: Decimal | None = None,
) -> DepartmentScore:
    """HR enters a department's quarterly score (科室成绩).

    党建工作 is entered as its three parts (``party_parts``: 基础工作, 党员教育管理, 底线约束, each
    scored 0–100), weighted by the policy's shares of it (summing to 100); a single
    ``party_building_score`` is still accepted where the parts are not known.
    total = party-building × w + work × (1 − w), w = ``policy.party_building_weight`` / 100, which
    must be more than half. With linkage on, the composites already computed for the department's
    people in that quarter are brought up to date.
    """
    if not actor.has_perm("evaluations.manage_scores") or actor.organisation_id != department.organisation_id:
        raise PermissionDenied(_("只有本单位组织人事部门可以录入科室得分。"))
    appraisal_quarter = AppraisalQuarter.objects.filter(
        organisation_id=department.organisation_id, year=year, quarter=quarter
    ).first()
    if appraisal_quarter is not None and not appraisal_quarter.is_open:
        raise ValidationError(_("本季度结果已审批，不能再修改科室得分。"))
    policy = policy_for_organisation(organisation_id=department.organisation_id)
    weight = policy.party_building_weight
    if weight <= 50:
        raise ValidationError(
            _("党建工作权重须超过50%%（当前为%(weight)s%%），请先修改考核政策。") % {"weight": weight}
        )
    parts: dict[str, Decimal | None] = {key: None for key, _label in PARTY_PARTS}
    shares: dict[str, int | None] = {key: None for key, _label in PARTY_PARTS}
    if party_parts is not None:
        part_weights = party_part_weights(policy)
        if sum(share for _key, _label, share, _weight in part_weights) != 100:
            raise ValidationError(_("党建工作三部分比例之和须为100，请先修改考核政策。"))
        for key, label, share, _weight in part_weights:
            if party_parts.get(key) is None:
                raise ValidationError(_("请填写党建工作的三部分得分。"))
            parts[key] = _parse_score(party_parts[key], label=label)
            shares[key] = share
        party_building = _round(sum(parts[key] * shares[key] for key in parts) / HUNDRED)
    elif party_building_score is not None:
        party_building = _parse_score(party_building_score, label=_("党建工作"))
    else:
        raise ValidationError(_("请填写党建工作的三部分得分。"))
    work = _parse_score(work_score, label=_("业务工作"))
    total = _round((party_building * weight + work * (100 - weight)) / HUNDRED)

    score = (
        DepartmentScore.objects.select_for_update(of=("self",))
        .filter(department=department, year=year, quarter=quarter)
        .first()
    ) or DepartmentScore(department=department, year=year, quarter=quarter)

    def state(party_building, work, weight, parts, shares) -> tuple:
        return (party_building, work, weight, *parts.values(), *shares.values())

    stored_parts = {key: getattr(score, f"party_{key}_score") for key in parts}
    stored_shares = {key: getattr(score, f"party_{key}_share") for key in shares}
    if score.pk and state(
        score.party_building_score, score.work_score, score.party_building_weight, stored_parts, stored_shares
    ) == state(party_building, work, weight, parts, shares):
        return score
    score.party_building_score, score.work_score = party_building, work
    score.party_building_weight, score.total, score.entered_by = weight, total, actor
    for key in parts:
        setattr(score, f"party_{key}_score", parts[key])
        setattr(score, f"party_{key}_share", shares[key])
    score.full_clean(validate_unique=False)
    score.save()
    if appraisal_quarter is not None:
        _refresh_composites(appraisal_quarter=appraisal_quarter, department=department, total=total, policy=policy)
    return score


def _refresh_composites(
    *, appraisal_quarter: AppraisalQuarter, department: Department, total: Decimal, policy: Policy
) -> None:
    rows = QuarterGrade.objects.select_for_update(of=("self",)).filter(
        appraisal_quarter=appraisal_quarter, department=department, personal_score__isnull=False
    )
    for row in rows:
        composite = composite_for(personal_score=row.personal_score, department_score=total, policy=policy)
        if composite == row.composite_score:
            continue
        row.composite_score = composite
        row.suggested_grade = band_grade(score=composite, policy=policy)
        row.save(update_fields=["composite_score", "suggested_grade"])


# --- Suggestions within the quota ----------------------------------------------------------


def suggested_grades_of(
    *,
    appraisal_quarter: AppraisalQuarter,
    rows: list[QuarterGrade],
    policy: Policy,
    pools: list[quota.PoolStatus] | None = None,
) -> dict[int, str]:
    """The same suggestions as :func:`suggested_grades`, for the people of ``rows`` only (a page of
    the grading list), without reading the quarter's other rows: 0.1–4 s at 100 000 people.

    Each pool's capacity comes from the quarter's grade counters (services.counts), through
    ``pools`` (:func:`.quota.quota_status` for ``policy``) when the page has read them already;
    whether a 好 band keeps 好 from the pool's cut-off — the first candidate past the pool's
    capacity in the same order as :func:`suggested_grades` — one query per pool of the policy,
    whatever the rows."""
    pools = pools if pools is not None else quota.quota_status(appraisal_quarter=appraisal_quarter, policy=policy)
    rules = quota.quarter_rules(appraisal_quarter, policy)
    cutoffs: dict[str, tuple | None] = {}
    for pool in pools:
        kind, capacity = pool.kind, pool.capacity
        first_out = good_candidates(appraisal_quarter=appraisal_quarter, kind=kind, policy=policy)[
            capacity : capacity + 1
        ]
        cutoffs[kind] = _rank_key(*first_out[0]) if first_out else None
    result: dict[int, str] = {}
    for row in rows:
        if row.grade == Grade.UNCERTAIN:
            result[row.person_id] = Grade.UNCERTAIN
            continue
        if row.composite_score is None:
            continue
        grade = band_grade(score=row.composite_score, policy=policy)
        cutoff = cutoffs[quota.pool_kind(is_leader_position=row.is_leader_position, policy=rules)]
        key = _rank_key(row.composite_score, row.personal_score or ZERO, row.person_id)
        if grade == Grade.GOOD and cutoff is not None and key >= cutoff:
            grade = Grade.FAIRLY_GOOD
        result[row.person_id] = grade
    return result


def good_candidates(*, appraisal_quarter: AppraisalQuarter, kind: str, policy: Policy):
    """(composite, personal, person id) of the pool's rows whose composite is in the 好 band, in
    the order they take the pool's places (through ``quartergrade_composite_idx``)."""
    return (
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, composite_score__gte=policy.band_good)
        .filter(quota.pool_filter(kind))
        .exclude(grade=Grade.UNCERTAIN)
        .annotate(personal=Coalesce("personal_score", ZERO))
        .order_by("-composite_score", "-personal", "person_id")
        .values_list("composite_score", "personal", "person_id")
    )


def _rank_key(composite: Decimal, personal: Decimal, person_id: int) -> tuple:
    """The order in which 好 candidates take the pool's places (smallest first)."""
    return (-composite, -personal, person_id)


def suggested_grades(
    *, appraisal_quarter: AppraisalQuarter, person_ids: Collection[int] | None = None
) -> dict[int, str]:
    """person id → suggested grade for the scored people of the quarter, within the 好 quota.

    First the policy's bands; then, in each quota pool, only the highest composites keep 好, up to
    the pool's capacity (``quota.good_quota`` of its participants, 不确定等次 excluded); the other
    好 bands become 较好. A tie at the cut-off goes to the higher personal score, then to the lower
    person id — deterministic, but arbitrary for equal scores, so the evaluator decides those.
    People graded 不确定等次 get that suggestion; unscored people get none. Two queries.

    With ``person_ids`` (a page's people) only theirs, with the same answer, through
    :func:`suggested_grades_of` (their rows, the quarter's counters and one query per pool), so a
    page does not read the whole quarter's rows (100 000 in a province).
    """
    policy = policy_for_organisation(organisation_id=appraisal_quarter.organisation_id)
    if person_ids is not None:
        rows = list(QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, person_id__in=list(person_ids)))
        return suggested_grades_of(appraisal_quarter=appraisal_quarter, rows=rows, policy=policy)
    rows = list(
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter)
        .order_by()
        .values_list("person_id", "grade", "is_leader_position", "personal_score", "composite_score")
    )
    rules = quota.quarter_rules(appraisal_quarter, policy)
    participants: dict[str, int] = defaultdict(int)
    candidates: dict[str, list[tuple]] = defaultdict(list)
    result: dict[int, str] = {}
    for person_id, grade, is_leader, personal, composite in rows:
        kind = quota.pool_kind(is_leader_position=is_leader, policy=rules)
        if grade == Grade.UNCERTAIN:
            result[person_id] = Grade.UNCERTAIN
            continue
        participants[kind] += 1
        if composite is None:
            continue
        result[person_id] = band_grade(score=composite, policy=policy)
        if result[person_id] == Grade.GOOD:
            candidates[kind].append(_rank_key(composite, personal or ZERO, person_id))
    for kind, ranked in candidates.items():
        capacity = quota.good_quota(participants=participants[kind], percent=rules.good_quota_percent)
        for _composite, _personal, person_id in sorted(ranked)[capacity:]:
            result[person_id] = Grade.FAIRLY_GOOD
    return result
