"""Break-glass: restore an administrator's access that no second administrator can reset.

An administrator's password and second factor are reset only with a second administrator's
confirmation (三员分立, accounts.services.staff_reset_password / two_factor_reset). Where the
organisation has nobody to confirm — its only security administrator locked out or without their
phone — the operator who runs the deployment resets it here, from the server's shell: a new
one-time password printed once, the authenticator removed, the failed sign-ins forgotten, and one
audit entry with the stated reason and the operating-system user who ran it, which the auditors
read on the audit page (accounts.services.break_glass_reset).
"""

from __future__ import annotations

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import break_glass_reset


def operating_system_user() -> str:
    """Who runs the command, as the server knows them; the numeric id where it has no name for it
    (a container started with an arbitrary user id)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


class Command(BaseCommand):
    help = (
        "Break-glass reset of an administrator (系统管理员, 安全管理员, 审计员) whose password or second factor "
        "no second administrator can reset: prints a one-time password once (changed at the next sign-in), "
        "removes the authenticator, clears the lockout; audited with the reason and the operating-system user."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the administrator's user name")
        parser.add_argument("--reason", required=True, help="why the reset is needed (recorded in the audit log)")
        parser.add_argument(
            "--organisation", default="", help="单位代码, needed when several organisations have the user name"
        )

    def handle(self, *args, username: str, reason: str, organisation: str, **options):
        user = _the_person(username.strip(), organisation.strip())
        try:
            password, second_factor, failures = break_glass_reset(
                user=user, reason=reason, operator=operating_system_user()
            )
        except ValidationError as refusal:  # nothing was written
            raise CommandError(" ".join(refusal.messages)) from refusal
        named = {"name": user, "username": user.username, "code": user.organisation.code}
        self.stdout.write(
            _("已应急重置%(name)s（用户名%(username)s，单位代码%(code)s）的账号，已记入审计日志。") % named
        )
        if second_factor:
            self.stdout.write(_("已删除其双因素登录验证器和恢复码；如单位要求，下次登录时重新设置。"))
        if failures:
            self.stdout.write(_("已清除失败登录%(n)s次，解除登录锁定。") % {"n": failures})
        self.stdout.write(_("以下一次性密码只显示这一次，请当面交给本人，登录后须立即修改："))
        self.stdout.write(f"  {user.username}\t{password}")


def _the_person(username: str, code: str) -> User:
    """The one person ``username`` (of the organisation ``code``, when given) names; user names are
    unique per organisation only, so a name several organisations use needs the code."""
    people = User.objects.filter(username=username).select_related("organisation")
    if code:
        people = people.filter(organisation__code__iexact=code)
    found = list(people.order_by("organisation__code")[:10])
    if not found:
        where = _("单位代码为“%(code)s”的单位中") % {"code": code} if code else ""
        raise CommandError(_("%(where)s没有用户名为“%(username)s”的人员。") % {"where": where, "username": username})
    if len(found) > 1:
        codes = "、".join(person.organisation.code if person.organisation_id else "—" for person in found)
        raise CommandError(
            _("多个单位都有用户名为“%(username)s”的人员（单位代码：%(codes)s）：请用 --organisation 指定单位代码。")
            % {"username": username, "codes": codes}
        )
    return found[0]
