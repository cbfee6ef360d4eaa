"""/reports/ (namespace ``reports``): HR's year-end workbook and the PDF record forms."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("year/export/", views.year_export, name="year_export"),
    path("year/<int:year>.xlsx", views.year_workbook, name="year_workbook"),
    path("forms/", views.forms, name="forms"),
    path("forms/people/<int:pk>/<int:year>/q<int:quarter>.pdf", views.person_quarter_form, name="person_quarter_form"),
    path("forms/people/<int:pk>/<int:year>.pdf", views.person_year_form, name="person_year_form"),
    path("people/<int:pk>/<int:year>/", views.person_year, name="person_year"),
    path(
        "forms/departments/<int:pk>/<int:year>/q<int:quarter>/summary.pdf",
        views.department_summary,
        name="department_summary",
    ),
    path(
        "forms/departments/<int:pk>/<int:year>/q<int:quarter>/forms.pdf",
        views.department_forms,
        name="department_forms",
    ),
    path(
        "forms/departments/<int:pk>/<int:year>/q<int:quarter>/batch/",
        views.department_forms_job,
        name="department_forms_job",
    ),
]
