"""URLs of the welfare room (mounted under /evaluations/ by evaluations.urls)."""

from django.urls import path

import accounts.converters  # noqa: F401  (registers <year:…>)

from . import views

urlpatterns = [
    path("welfare/", views.welfare_index, name="welfare_index"),
    path("welfare/<year:year>/", views.welfare, name="welfare"),
    path("welfare/<year:year>/open/", views.welfare_open, name="welfare_open"),
    path("welfare/<year:year>/export/", views.welfare_export, name="welfare_export"),
    path("welfare/<year:year>/ballot/", views.welfare_ballot_all, name="welfare_ballot_all"),
    path("welfare/<year:year>/tally/", views.welfare_tally, name="welfare_tally"),
    path("welfare/mine/", views.welfare_mine, name="welfare_mine"),
    path("welfare/assessment/<int:pk>/", views.welfare_assessment, name="welfare_assessment"),
    path("welfare/assessment/<int:pk>/report/", views.welfare_report, name="welfare_report"),
    path("welfare/assessment/<int:pk>/report/file/", views.welfare_report_file, name="welfare_report_file"),
    path("welfare/assessment/<int:pk>/report/decide/", views.welfare_report_decide, name="welfare_report_decide"),
    path("welfare/assessment/<int:pk>/interview/", views.welfare_interview, name="welfare_interview"),
    path("welfare/assessment/<int:pk>/ballot/", views.welfare_ballot, name="welfare_ballot"),
    path("welfare/assessment/<int:pk>/ballot/close/", views.welfare_ballot_close, name="welfare_ballot_close"),
    path("welfare/assessment/<int:pk>/decide/", views.welfare_decide, name="welfare_decide"),
    path("welfare/posts/", views.welfare_posts, name="welfare_posts"),
    path("welfare/posts/new/", views.welfare_post_edit, name="welfare_post_new"),
    path("welfare/posts/<int:pk>/", views.welfare_post_edit, name="welfare_post_edit"),
    path("welfare/posts/<int:pk>/absence/", views.welfare_post_absence, name="welfare_post_absence"),
    path("welfare/consequences/", views.welfare_consequences, name="welfare_consequences"),
    path(
        "welfare/consequences/<int:pk>/complete/",
        views.welfare_consequence_complete,
        name="welfare_consequence_complete",
    ),
]
