"""Field factories for the kinds of column many models share (the foundation's, so every room can use them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The usual labels of the organisation and department columns (module-level: lazy, translated when shown).
ORGANISATION_LABEL = _("单位")
DEPARTMENT_LABEL = _("科室")


def optional_link(
    to, verbose_name, *, on_delete=models.PROTECT, related_name="+", blank=True, **kwargs
) -> models.ForeignKey:
    """A link a row may lack (``null``, optional in forms unless ``blank=False``): by default one its
    target does not list back (``related_name="+"``), the grade, result or document a row refers to;
    with a ``related_name``, the head of a department, the finding a veto comes from."""
    return models.ForeignKey(
        to, on_delete=on_delete, null=True, blank=blank, related_name=related_name, verbose_name=verbose_name, **kwargs
    )


def actor_link(verbose_name, **kwargs) -> models.ForeignKey:
    """Who did something (录入人, 审核人, 确认人…): empty until someone does, and emptied rather than
    blocking when the account is deleted; the audit log keeps the name. ``blank=False`` where a
    page always fills it in (录入人, 上传人: the person signed in)."""
    return optional_link(settings.AUTH_USER_MODEL, verbose_name, on_delete=models.SET_NULL, **kwargs)


def required_link(to, verbose_name, *, related_name="+", on_delete=models.PROTECT, **kwargs) -> models.ForeignKey:
    """A link a row cannot be without: by default its target stays while the row does (``PROTECT``)
    and does not list the row back (``related_name="+"``)."""
    return models.ForeignKey(to, on_delete=on_delete, related_name=related_name, verbose_name=verbose_name, **kwargs)


def person_link(verbose_name, **kwargs) -> models.ForeignKey:
    """The person a row is about or who did it, required (被考核人, 人员, 发起人…)."""
    return required_link(settings.AUTH_USER_MODEL, verbose_name, **kwargs)


def organisation_link(verbose_name=ORGANISATION_LABEL, **kwargs) -> models.ForeignKey:
    """The organisation (单位) a row belongs to, whose people alone see it."""
    return required_link("accounts.Organisation", verbose_name, **kwargs)


def department_link(verbose_name=DEPARTMENT_LABEL, **kwargs) -> models.ForeignKey:
    """The department (科室) a row belongs to or was written in."""
    return required_link("accounts.Department", verbose_name, **kwargs)
