"""URLs of /oversight/ (namespace "oversight")."""

from django.urls import path

import accounts.converters  # noqa: F401  (registers <year:…>)

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.index, name="index"),
    path("<year:year>.xlsx", views.export, name="export"),
]
