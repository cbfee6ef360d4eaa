from django.contrib import admin
from django.urls import include, path

from summaries import views as summaries_views

from . import views

# A database that went away answers 503 (try again), anything else 500; neither shows a traceback.
handler404 = "appraisal_site.views.page_not_found"
handler500 = "appraisal_site.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("targets/", include("targets.urls")),
    path("summaries/", include("summaries.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("publicity/", include("publicity.urls")),
    path("reports/dashboard/", views.dashboard, name="dashboard"),
    path("reports/", include("publicity.reports.urls", namespace="reports")),
    path("oversight/", include("appraisal_site.oversight.urls", namespace="oversight")),
    path("review/", summaries_views.review_inbox, name="review"),
    path("review/decide/", summaries_views.review_decide, name="review_decide"),
    path("review/roster/", summaries_views.roster, name="roster"),
    path("review/roster.xlsx", summaries_views.roster_export, name="roster_export"),
    path("review/roster/export/", summaries_views.roster_export_job, name="roster_export_job"),
    path("review/roster/urge/", summaries_views.roster_urge, name="roster_urge"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
