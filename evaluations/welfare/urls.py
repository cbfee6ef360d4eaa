"""URLs of the welfare room (mounted under /evaluations/ by evaluations.urls), each under
/welfare/ (the names stay ``evaluations:…``)."""

from django.urls import include, path

import accounts.converters  # noqa: F401  (registers <year:…>)

from . import views

welfare_paths = [
    path("", views.welfare_index, name="welfare_index"),
    path("<year:year>/", views.welfare, name="welfare"),
    path("<year:year>/open/", views.welfare_open, name="welfare_open"),
    path("<year:year>/export/", views.welfare_export, name="welfare_export"),
    path("<year:year>/ballot/", views.welfare_ballot_all, name="welfare_ballot_all"),
    path("<year:year>/tally/", views.welfare_tally, name="welfare_tally"),
    path("mine/", views.welfare_mine, name="welfare_mine"),
    path("assessment/<int:pk>/", views.welfare_assessment, name="welfare_assessment"),
    path("assessment/<int:pk>/report/", views.welfare_report, name="welfare_report"),
    path("assessment/<int:pk>/report/file/", views.welfare_report_file, name="welfare_report_file"),
    path("assessment/<int:pk>/report/decide/", views.welfare_report_decide, name="welfare_report_decide"),
    path("assessment/<int:pk>/interview/", views.welfare_interview, name="welfare_interview"),
    path("assessment/<int:pk>/ballot/", views.welfare_ballot, name="welfare_ballot"),
    path("assessment/<int:pk>/ballot/close/", views.welfare_ballot_close, name="welfare_ballot_close"),
    path("assessment/<int:pk>/decide/", views.welfare_decide, name="welfare_decide"),
    path("posts/", views.welfare_posts, name="welfare_posts"),
    path("posts/new/", views.welfare_post_edit, name="welfare_post_new"),
    path("posts/<int:pk>/", views.welfare_post_edit, name="welfare_post_edit"),
    path("posts/<int:pk>/absence/", views.welfare_post_absence, name="welfare_post_absence"),
    path("consequences/", views.welfare_consequences, name="welfare_consequences"),
    path("consequences/<int:pk>/complete/", views.welfare_consequence_complete, name="welfare_consequence_complete"),
]

urlpatterns = [path("welfare/", include(welfare_paths))]
