"""HR's record of the work-group pushes: what was sent, what failed and why, and a resend."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from accounts.formerrors import run_service
from accounts.pagination import page_of
from accounts.selectors import policy_for_organisation

from . import selectors, services
from .models import DingTalkMessage


def _message_for_user(request: HttpRequest, pk: int) -> DingTalkMessage:
    try:
        return DingTalkMessage.objects.get(pk=pk, organisation_id=request.user.organisation_id)
    except DingTalkMessage.DoesNotExist:
        raise Http404 from None


@permission_required("publicity.view_dingtalk_messages")
def message_list(request: HttpRequest) -> HttpResponse:
    organisation_id = request.user.organisation_id
    state = request.GET.get("state") or None
    if state not in DingTalkMessage.State.values:
        state = None
    page = page_of(request, selectors.dingtalk_messages(organisation_id=organisation_id, state=state), per_page=25)
    policy = policy_for_organisation(organisation_id=organisation_id)
    return render(
        request,
        "publicity/dingtalk_messages.html",
        {
            "page": page,
            "state": state or "",
            "states": DingTalkMessage.State.choices,
            "query": f"state={state}" if state else "",
            "configured": bool(policy.dingtalk_webhook_url),
            "secret_set": policy.dingtalk_secret_is_set,
        },
    )


@require_POST
@permission_required("publicity.view_dingtalk_messages")
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_for_user(request, pk)
    run_service(
        request,
        lambda: services.dingtalk_message_resend(actor=request.user, message=message),
        success=_("已重新提交发送。"),
    )
    return redirect("publicity:dingtalk_messages")
