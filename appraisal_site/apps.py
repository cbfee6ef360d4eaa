from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalSiteConfig(AppConfig):
    """The composition root: home page, navigation, dashboards and the demo. Nothing imports it."""

    name = "appraisal_site"
    verbose_name = _("平时考核系统")
