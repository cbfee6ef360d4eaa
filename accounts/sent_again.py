"""A record's form sent again — the browser's Back then 保存, a phone's retry, a second click —
refused instead of saved twice (user tests found two identical sanctions, complaints, 创新突破
proposals and department goals, each counted). One mechanism for every form that makes a new row:
a row made by the same person in the last half hour with every value the same is the same form
again, not a second record that happens to read alike (two complaints the same day are two rows
apart in time, or worded differently)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import User

SENT_AGAIN_WITHIN = datetime.timedelta(minutes=30)


def hold_the_sender(actor: User) -> None:
    """Lock ``actor``'s row: the same form sent twice at once waits here for the first to commit,
    then finds its row (call inside the transaction, before looking for the twin)."""
    list(User.objects.select_for_update(of=("self",)).filter(pk=actor.pk).values_list("pk", flat=True))


def refuse_sent_again(
    row: Model,
    *,
    fields: tuple[str, ...],
    by: str,
    actor: User,
    made_at: str,
    what: str,
    clock: Callable[[], datetime.datetime] = timezone.now,
) -> None:
    """Refuse (``code="sent_again"``) a new ``row`` whose ``fields`` all equal those of one ``actor``
    (its field ``by``) made in the last half hour (its field ``made_at``, stamped by ``clock``:
    ``periods.now`` where the service stamps the moved day of a demo). ``what`` names the record in
    the message (处分记录, 表扬或投诉 …)."""
    hold_the_sender(actor)
    columns = (type(row)._meta.get_field(name).attname for name in fields)
    same = type(row).objects.filter(**{column: getattr(row, column) for column in columns}, **{by: actor})
    since = clock() - SENT_AGAIN_WITHIN
    twin = same.filter(**{f"{made_at}__gte": since}).order_by(f"-{made_at}").values_list(made_at, flat=True).first()
    if twin is not None:
        raise ValidationError(
            _("这条%(what)s已于%(time)s保存（内容相同），未重复保存。如确为另一条，请在内容中写明区别后再保存。")
            % {"what": what, "time": timezone.localtime(twin).strftime("%Y-%m-%d %H:%M")},
            code="sent_again",
        )
