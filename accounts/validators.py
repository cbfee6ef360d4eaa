"""Password rules (GB/T 22239 level 3): three of four character classes, not the username."""

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CLASSES = (
    re.compile(r"[a-z]"),
    re.compile(r"[A-Z]"),
    re.compile(r"[0-9]"),
    re.compile(r"[^a-zA-Z0-9]"),
)


def _organisation_policy(user):
    """The policy of ``user``'s organisation, or None (a person of no organisation: a superuser)."""
    from .selectors import policy_for_organisation

    organisation_id = getattr(user, "organisation_id", None)
    return policy_for_organisation(organisation_id=organisation_id) if organisation_id else None


# The deployment's rules below stay silent where the person's organisation asks more of the same
# (its security settings): PolicyPasswordRulesValidator then states the organisation's figure, once.
# A user test read "…至少3类" refused right above the help line "…至少4类".


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule in the application's words: Django 5.2 changed the message's id ("%d") and its
    Chinese catalogue still carries the former one, so the rule was the one shown in English."""

    def validate(self, password, user=None):
        policy = _organisation_policy(user)
        if policy is not None and policy.password_min_length > self.min_length:
            return
        super().validate(password, user)

    def get_error_message(self):
        return _("密码太短，至少需要%(min_length)d个字符。") % {"min_length": self.min_length}

    def get_help_text(self, policy=None):
        length = max(self.min_length, policy.password_min_length if policy else 0)
        return _("密码至少需要%(min_length)d个字符。") % {"min_length": length}


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        policy = _organisation_policy(user)
        if policy is not None and policy.password_min_classes > self.min_classes:
            return
        present = sum(1 for pattern in _CLASSES if pattern.search(password))
        if present < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、特殊字符中的至少%(n)d类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self, policy=None) -> str:
        classes = max(self.min_classes, policy.password_min_classes if policy else 0)
        return _("密码须包含大写字母、小写字母、数字、特殊字符中的至少%(n)d类。") % {"n": classes}


class PolicyPasswordRulesValidator:
    """The organisation's own password rules (``Policy.password_min_length`` and
    ``password_min_classes``, the security administrator's settings), where they are stricter than
    the deployment's: then this rule alone answers for any password short of it, the deployment's
    rule above staying silent (one message, the organisation's figure, as the help line says)."""

    def validate(self, password: str, user=None) -> None:
        from .models import PASSWORD_MIN_CLASSES, PASSWORD_MIN_LENGTH

        policy = _organisation_policy(user)
        if policy is None:
            return
        if policy.password_min_length > PASSWORD_MIN_LENGTH and len(password) < policy.password_min_length:
            raise ValidationError(
                _("本单位要求密码至少%(n)d位。") % {"n": policy.password_min_length}, code="password_too_short"
            )
        present = sum(1 for pattern in _CLASSES if pattern.search(password))
        if policy.password_min_classes > PASSWORD_MIN_CLASSES and present < policy.password_min_classes:
            raise ValidationError(
                _("本单位要求密码包含大写字母、小写字母、数字、特殊字符中的至少%(n)d类。")
                % {"n": policy.password_min_classes},
                code="password_too_simple",
            )

    def get_help_text(self, policy=None) -> str:
        # With the person's policy at hand the two rules above already say its figures.
        return "" if policy else _("本单位的安全设置可能要求更长或更复杂的密码。")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list of 20 000 common passwords, its messages in the application's words (您, not 你)."""

    def get_error_message(self):
        return _("这个密码过于常见，容易被猜中，请换一个。")

    def get_help_text(self, policy=None):
        return _("不能使用常见密码。")


class NotUsernameValidator:
    def validate(self, password: str, user=None) -> None:
        username = getattr(user, "username", "") or ""
        # A name of one or two letters (hr) would forbid half the passwords for no gain in strength.
        if len(username) >= 3 and username.lower() in password.lower():
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("密码不能包含用户名。")


PASSWORD_HISTORY_DEPTH = 5


class PasswordHistoryValidator:
    """None of the person's last ``depth`` passwords again (compared with their stored hashes).

    Django calls :meth:`password_changed` after every save that set a password (the change form,
    an administrator's reset, an import), which records the new hash, keeps only the last
    ``depth`` and stamps ``User.password_changed_at`` for the policy's maximum age.
    """

    def __init__(self, depth: int = PASSWORD_HISTORY_DEPTH) -> None:
        self.depth = depth

    def _recent_hashes(self, user) -> list[str]:
        from .models import PasswordHistory

        hashes = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.depth])
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)
        return hashes[: self.depth]

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from django.contrib.auth.hashers import check_password

        if any(check_password(password, encoded) for encoded in self._recent_hashes(user)):
            raise ValidationError(
                _("不能使用最近%(n)d次用过的密码。") % {"n": self.depth}, code="password_recently_used"
            )

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from django.utils import timezone

        from .models import PasswordHistory, User

        PasswordHistory.objects.create(user=user, password=user.password)
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: self.depth]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(password_changed_at=now)
        user.password_changed_at = now

    def get_help_text(self) -> str:
        return _("不能使用最近%(n)d次用过的密码。") % {"n": self.depth}


def help_texts_for(user) -> list[str]:
    """The password rules as they apply to ``user``: the deployment's rules with the figures of the
    person's organisation where its security settings are stricter (Django's own help text, asked
    without a person, can only say "may require more")."""
    from .selectors import policy_for_organisation

    policy = policy_for_organisation(organisation_id=user.organisation_id) if user.organisation_id else None
    texts = []
    for validator in password_validation.get_default_password_validators():
        try:
            text = validator.get_help_text(policy)
        except TypeError:  # a validator of Django's, which knows no policy
            text = validator.get_help_text()
        if text:
            texts.append(text)
    return texts
