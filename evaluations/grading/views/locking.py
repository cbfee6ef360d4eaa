"""HR's recorded review of a locked grade (定等后复核): /evaluations/grading/<pk>/review/.

The page and its form serve the annual result's review too (``evaluations.annual.review_views``):
both record "old grade → new grade, reason" on a locked row through their room's service.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import permission_required
from accounts.formerrors import run_service
from accounts.pages import visible_or_404
from accounts.selectors import own_matter, policy_for_organisation
from accounts.text import MultiLineCharField

from .. import selectors
from ..models import Grade, GradeReview, QuarterGrade
from ..services import locking, quota


def review_form_class(*, choices, review_model: type[models.Model]) -> type[forms.Form]:
    """The review form: the new grade among ``choices`` and a reason as long as ``review_model`` keeps."""

    class ReviewForm(forms.Form):
        # Opened on no grade: a hasty reviewer never keeps the list's first (好, 优秀) by mistake.
        new_grade = forms.ChoiceField(
            label=gettext_lazy("复核后等次"),
            choices=[("", gettext_lazy("请选择")), *choices],
            error_messages={"required": gettext_lazy("请选择复核后等次。")},
        )
        reason = MultiLineCharField(
            label=gettext_lazy("复核理由"),
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=review_model._meta.get_field("reason").max_length,
        )

    return ReviewForm


GradeReviewForm = review_form_class(choices=Grade.choices, review_model=GradeReview)


def review_after_lock_page(
    request: HttpRequest,
    *,
    row: models.Model,
    form_class: type[forms.Form],
    record: Callable[..., object],
    done: str,
    template: str,
    context: dict | None = None,
    barred: dict[str, str] | None = None,
    **done_kwargs,
) -> HttpResponse:
    """The locked ``row``, its earlier reviews, and (POST) a new review recorded by
    ``record(new_grade=…, reason=…)``; on success back to the URL named ``done``. ``context``: what
    else the page shows of the row; ``barred``: the grades the service would refuse (grade → why),
    not offered, the reason said under the field."""
    form = form_class(request.POST or None)
    if barred:
        field = form.fields["new_grade"]
        field.choices = [choice for choice in field.choices if choice[0] not in barred]
        # A page opened before the bar (or a crafted POST) gets the reason, not "excellent 不在可用的选项中".
        why = " ".join(barred.values())
        # Crispy writes help texts unescaped (``|safe``) and the reasons name people: escaped here.
        field.help_text = escape(why)
        field.error_messages["invalid_choice"] = why.replace("%", "%%")  # formatted with the value
    status = 200
    if request.method == "POST":
        if form.is_valid() and run_service(
            request,
            lambda: record(new_grade=form.cleaned_data["new_grade"], reason=form.cleaned_data["reason"]),
            success=_("复核已记录。"),
            form=form,
        ):
            return redirect(done, **done_kwargs)
        status = 400
    reviews = list(row.reviews.select_related("reviewed_by").order_by("-reviewed_at", "-pk"))
    # 本人事项: HR's own grade or result is another's to review, or theirs alone where no other can.
    own = own_matter(user=request.user, person_ids=[row.person_id], organisation_id=request.user.organisation_id)
    return render(
        request,
        template,
        {**(context or {}), "row": row, "form": form, "reviews": reviews, "own_matter": own},
        status=status,
    )


@permission_required("evaluations.view_grade_reviews")
def grade_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The locked grade, its earlier reviews, and (POST) a new recorded review."""
    row = visible_or_404(
        request,
        lambda: QuarterGrade.objects.select_related("appraisal_quarter", "person", "department").get(
            pk=pk, department__organisation_id=request.user.organisation_id
        ),
        perm="evaluations.review_locked_grade",
    )
    return review_after_lock_page(
        request,
        row=row,
        form_class=GradeReviewForm,
        record=lambda **review: locking.grade_review_after_lock(grade=row, actor=request.user, **review),
        done="evaluations:grade_review",
        template="evaluations/grading/review.html",
        # The discipline the grader and the approver saw (a review: HR decided without it).
        context={"marks": selectors.discipline_for_deciders(row.appraisal_quarter, [row]).get(row.person_id, {})},
        # 好 left out where the quota has no room for it, the reason said (the service refuses it too).
        barred=_good_barred(row),
        pk=row.pk,
    )


def _good_barred(row: QuarterGrade) -> dict[str, str] | None:
    policy = policy_for_organisation(organisation_id=row.appraisal_quarter.organisation_id)
    refusal = quota.good_refusal(grade_row=row, policy=policy)
    return {Grade.GOOD: refusal} if refusal else None
