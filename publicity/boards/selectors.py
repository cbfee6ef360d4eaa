"""Reads of the weekly progress board and the goals board."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import Department
from accounts.periods import Week

from .models import WeeklyDigest, WeeklyDigestSection, WeeklyPost, WeeklyPostItem


def published_digests(*, organisation_id: int) -> QuerySet[WeeklyDigest]:
    """The organisation's published weeks, newest first (the board's index serves this order)."""
    return WeeklyDigest.objects.filter(organisation_id=organisation_id, state=WeeklyDigest.State.PUBLISHED).order_by(
        "-year", "-week"
    )


def draft_digests(*, organisation_id: int) -> QuerySet[WeeklyDigest]:
    return WeeklyDigest.objects.filter(organisation_id=organisation_id, state=WeeklyDigest.State.DRAFT).order_by(
        "-year", "-week"
    )


def digest_sections(*, digest: WeeklyDigest) -> list[WeeklyDigestSection]:
    return list(digest.sections.select_related("department").order_by("position", "department__sort_order", "pk"))


def digest_for_detail(*, pk: int, organisation_id: int | None) -> WeeklyDigest:
    """One week with its compiler and publisher, or DoesNotExist (another organisation's too)."""
    return WeeklyDigest.objects.select_related("published_by", "compiled_by").get(
        pk=pk, organisation_id=organisation_id
    )


def _items():
    return Prefetch("items", queryset=WeeklyPostItem.objects.select_related("goal").order_by("position", "pk"))


def posts_of_week(*, organisation_id: int, week: Week) -> list[WeeklyPost]:
    """Every department's post for ``week``, in the departments' order, with items and goals."""
    return list(
        WeeklyPost.objects.filter(organisation_id=organisation_id, year=week.year, week=week.week)
        .select_related("department", "author")
        .prefetch_related(_items())
        .order_by("department__sort_order", "department__code")
    )


def departments_without_post(*, organisation_id: int, posts: list[WeeklyPost]) -> list[Department]:
    """The active departments with a head (who posts for them) that have no post among ``posts``
    (:func:`posts_of_week`), in the departments' order: what the office's compilation lacks."""
    return list(
        Department.objects.filter(organisation_id=organisation_id, is_active=True, head__isnull=False)
        .exclude(pk__in=[post.department_id for post in posts])
        .order_by("sort_order", "code")
    )


def post_of_department(*, department: Department, week: Week) -> WeeklyPost | None:
    return (
        WeeklyPost.objects.filter(department=department, year=week.year, week=week.week)
        .prefetch_related(_items())
        .first()
    )
