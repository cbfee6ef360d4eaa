from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("季目标")
    default = True

    def ready(self) -> None:
        from accounts.audit import register

        from . import models

        register(models.DepartmentGoal, exclude_fields=["created_at"])
        register(models.TargetSet, exclude_fields=["created_at", "updated_at"])
        register(models.TargetItem)
