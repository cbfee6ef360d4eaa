"""URLs of the annual room (mounted under /evaluations/ by evaluations.urls)."""

from django.urls import path

import accounts.converters  # noqa: F401  (registers <year:…>)

from . import review_views, views

urlpatterns = [
    path("history/", views.my_history, name="my_history"),
    path("annual/", views.annual_index, name="annual_index"),
    path("annual/<year:year>/", views.annual, name="annual"),
    path("annual/<year:year>/recompute/", views.annual_recompute, name="annual_recompute"),
    path("annual/<year:year>/adopt/", views.annual_adopt, name="annual_adopt"),
    path("annual/<year:year>/export/", views.annual_export, name="annual_export"),
    path("annual/<year:year>/use/", views.annual_use, name="annual_use"),
    path("annual/<year:year>/use/export/", views.annual_use_export, name="annual_use_export"),
    path("annual/achievements/", views.achievements_index, name="achievements_index"),
    path("annual/<year:year>/achievements/", views.achievements, name="achievements"),
    path("annual/<year:year>/achievements/propose/", views.achievement_propose, name="achievement_propose"),
    path("annual/achievements/<int:pk>/decide/", views.achievement_decide, name="achievement_decide"),
    path("annual/<year:year>/<int:pk>/decide/", views.annual_decide, name="annual_decide"),
    path("annual/<year:year>/<int:pk>/review/", review_views.annual_review, name="annual_review"),
]
