from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("组织与人员")

    def ready(self) -> None:
        from . import audit, checks, lists, middleware, services, workflow

        audit.register_models()
        # Importing the module registered its list exports (listing.exportable).
        assert lists.STAFF_EXPORT
        audit.connect_signals()
        # A department's heads over time (DepartmentHeadship), whoever saves the department.
        services.connect_headship()
        # A move tells the new reviewer of the documents waiting (the workflow builds on services).
        services.register_person_moved(workflow.documents_moved_tell)
        # The sign-in stamp of the idle timeout (a signal receiver) must be connected before
        # the first request loads the middleware.
        assert middleware.stamp_on_login
        # Importing the module registered the deploy checks.
        assert checks.trusted_proxies_check
