"""A deployment step: open an organisation (单位) with its first administrators.

Nobody can sign in to a new installation's organisation until someone holds its roles, and every
later grant of an administrator or HR role needs a second person (accounts.services.roles_set).
This command is that first step: the organisation and its policy, the three separated
administrators (三员分立: system administrator, security administrator, auditor) and the first HR
administrator, each with a one-time password printed once and to be changed at the first sign-in.
From there HR creates the departments and imports the staff, and the security administrator
grants the other roles (the agency head, inspectors) with HR's confirmation.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import periods
from accounts.audit import audit_reason
from accounts.models import Organisation, Role
from accounts.services import organisation_create, organisation_supervision_set, staff_create

# (option, role, the account's name in the organisation's list of people)
FIRST_ACCOUNTS = (
    ("sysadmin", Role.SYSADMIN, gettext_lazy("系统管理员")),
    ("security_admin", Role.SECURITY_ADMIN, gettext_lazy("安全管理员")),
    ("auditor", Role.AUDITOR, gettext_lazy("审计员")),
    ("hr", Role.HR_ADMIN, gettext_lazy("组织人事管理员")),
)


class Command(BaseCommand):
    help = (
        "Create an organisation (单位) with its policy, its three separated administrators and its first "
        "HR administrator; prints each account's one-time password once (changed at the first sign-in)."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="单位代码, typed at sign-in (unique)")
        parser.add_argument("name", help="单位名称")
        parser.add_argument("--sysadmin", default="sysadmin", help="user name of the system administrator")
        parser.add_argument("--security-admin", default="secadmin", help="user name of the security administrator")
        parser.add_argument("--auditor", default="auditor", help="user name of the auditor")
        parser.add_argument("--hr", default="hr", help="user name of the first HR administrator (组织人事)")
        parser.add_argument("--supervised-by", default="", help="code of the 公务员主管部门 that oversees it")

    def handle(self, *args, code, name, supervised_by, **options):
        code, name = code.strip(), name.strip()
        usernames = [options[option].strip() for option, _role, _label in FIRST_ACCOUNTS]
        if len({username.lower() for username in usernames}) != len(usernames) or not all(usernames):
            raise CommandError(_("四个账号的用户名须各不相同且不能为空（三员分立）。"))
        bureau = None
        if supervised_by:
            bureau = Organisation.objects.filter(code__iexact=supervised_by).first()
            if bureau is None:
                raise CommandError(_("没有单位编码为“%(code)s”的主管部门。") % {"code": supervised_by})
        try:
            with transaction.atomic(), audit_reason(_("开通单位")):
                organisation = organisation_create(code=code, name=name, started_on=periods.today())
                if bureau is not None:
                    organisation_supervision_set(organisation=organisation, bureau=bureau)
                created = [
                    (
                        role,
                        *staff_create(
                            organisation=organisation,
                            username=username,
                            full_name=str(label),
                            department=None,
                            roles={role},
                        ),
                    )
                    for username, (_option, role, label) in zip(usernames, FIRST_ACCOUNTS, strict=True)
                ]
        except ValidationError as refusal:  # nothing was written
            raise CommandError(_refusal_text(refusal)) from refusal
        opened = {"name": organisation.name, "code": organisation.code}
        self.stdout.write(_("单位%(name)s（编码%(code)s）已开通。") % opened)
        self.stdout.write(_("以下一次性密码只显示这一次，首次登录时须修改："))
        for role, user, password in created:
            self.stdout.write(f"  {Role(role).label}\t{user.username}\t{password}")
        self.stdout.write(_("登录时在“单位代码”中填写上面的编码。组织人事管理员登录后可新建科室、导入人员。"))


def _refusal_text(refusal: ValidationError) -> str:
    """The refusal with each message after the field it is about (单位编码：…)."""
    if not hasattr(refusal, "error_dict"):
        return " ".join(refusal.messages)
    labels = {field.name: str(field.verbose_name) for field in Organisation._meta.fields}
    return " ".join(
        f"{labels[field]}：{message}" if field in labels else message
        for field, messages in refusal.message_dict.items()
        for message in messages
    )
