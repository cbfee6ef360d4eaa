from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("组织与人员")

    def ready(self) -> None:
        from . import audit

        audit.register_models()
