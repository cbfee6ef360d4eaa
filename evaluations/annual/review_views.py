"""HR's recorded review of a locked annual result (定等后复核):
/evaluations/annual/<year>/<pk>/review/ (the page of the quarterly grade's review, for a year)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.decorators import permission_required
from accounts.pages import visible_or_404
from evaluations.grading.views.locking import review_after_lock_page, review_form_class

from . import services
from .models import AnnualGrade, AnnualResult, AnnualReview

AnnualReviewForm = review_form_class(choices=AnnualGrade.choices, review_model=AnnualReview)


@permission_required("evaluations.view_grade_reviews")
def annual_review(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """The locked annual result, its earlier reviews, and (POST) a new recorded review."""
    row = visible_or_404(
        request,
        lambda: AnnualResult.objects.select_related("person", "department").get(
            pk=pk, year=year, organisation_id=request.user.organisation_id
        ),
        perm="evaluations.review_locked_annual",
    )
    return review_after_lock_page(
        request,
        row=row,
        form_class=AnnualReviewForm,
        record=lambda **review: services.annual_review_after_lock(result=row, actor=request.user, **review),
        done="evaluations:annual_review",
        template="evaluations/annual/review.html",
        # What the grade was drawn from, beside it (a user test reviewed 称职 to 优秀 reading the
        # current grade alone).
        context={
            # Standing on the posted 优秀 list, not yet locked: reviewed once the list is locked.
            "on_show": row.locked_at is None and bool(services.posted_of([row.pk])),
            "quarter_record": services.quarter_records(
                person_ids=[row.person_id], organisation=request.user.organisation, year=year
            ).get(row.person_id, "—/—/—/—"),
        },
        # Not offered where the service would refuse it (a user test chose 优秀 for a vetoed person).
        barred={AnnualGrade.EXCELLENT: _("不可复核为优秀。%(why)s") % {"why": why}}
        if (why := services.review_excellent_barred(row))
        else None,
        year=year,
        pk=row.pk,
    )
