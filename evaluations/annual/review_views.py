"""HR's recorded review of a locked annual result (定等后复核):
/evaluations/annual/<year>/<pk>/review/."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import permission_required
from accounts.formerrors import add_service_errors, error_text

from . import locking
from .models import AnnualGrade, AnnualResult, AnnualReview


class AnnualReviewForm(forms.Form):
    new_grade = forms.ChoiceField(label=gettext_lazy("复核后等次"), choices=AnnualGrade.choices)
    reason = forms.CharField(
        label=gettext_lazy("复核理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=AnnualReview._meta.get_field("reason").max_length,
    )


@permission_required("evaluations.view_grade_reviews")
def annual_review(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """The locked annual result, its earlier reviews, and (POST) a new recorded review."""
    row = (
        AnnualResult.objects.select_related("person", "department")
        .filter(pk=pk, year=year, organisation_id=request.user.organisation_id)
        .first()
    )
    if row is None or not request.user.has_perm("evaluations.review_locked_annual", row):
        raise Http404
    form = AnnualReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                locking.annual_review_after_lock(
                    result=row,
                    actor=request.user,
                    new_grade=form.cleaned_data["new_grade"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("复核已记录。"))
                return redirect("evaluations:annual_review", year=year, pk=row.pk)
        status = 400
    reviews = list(row.reviews.select_related("reviewed_by").order_by("-reviewed_at", "-pk"))
    return render(
        request, "evaluations/annual/review.html", {"row": row, "form": form, "reviews": reviews}, status=status
    )
