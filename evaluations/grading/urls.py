"""URLs of the grading room (mounted under /evaluations/ by evaluations.urls)."""

from django.urls import path

from .views import grading, inputs, locking, rollup, scores

urlpatterns = [
    path("grading/", grading.work, name="grading"),
    path("grading/confirm-all/", grading.grades_confirm_all, name="grades_confirm_all"),
    path("grading/<int:pk>/", grading.grade_detail, name="grade_detail"),
    path("grading/<int:pk>/confirm/", grading.grade_confirm, name="grade_confirm"),
    path("grading/<int:pk>/return/", grading.grade_return, name="grade_return"),
    path("grading/<int:pk>/scores/", grading.grade_scores, name="grade_scores"),
    path("grading/<int:pk>/review/", locking.grade_review, name="grade_review"),
    path("quarters/", grading.quarters, name="quarters"),
    path("quarters/open/", grading.quarter_open, name="quarter_open"),
    path("quarters/<int:pk>/approve/", grading.quarter_approve, name="quarter_approve"),
    path(
        "quarters/<int:pk>/discipline-opinion/",
        grading.quarter_discipline_opinion,
        name="quarter_discipline_opinion",
    ),
    path("inputs/satisfaction/", inputs.satisfaction_list, name="satisfaction_list"),
    path("inputs/satisfaction/new/", inputs.satisfaction_edit, name="satisfaction_create"),
    path("inputs/satisfaction/<int:pk>/edit/", inputs.satisfaction_edit, name="satisfaction_edit"),
    path("inputs/satisfaction/<int:pk>/delete/", inputs.satisfaction_delete, name="satisfaction_delete"),
    path("inputs/satisfaction/import/", inputs.satisfaction_import, name="satisfaction_import"),
    path(
        "inputs/satisfaction/import/template.xlsx",
        inputs.satisfaction_import_template,
        name="satisfaction_import_template",
    ),
    path("inputs/events/", inputs.event_list, name="event_list"),
    path("inputs/events/new/", inputs.event_edit, name="event_create"),
    path("inputs/events/<int:pk>/edit/", inputs.event_edit, name="event_edit"),
    path("inputs/events/<int:pk>/delete/", inputs.event_delete, name="event_delete"),
    path("inputs/events/import/", inputs.event_import, name="event_import"),
    path("inputs/events/import/template.xlsx", inputs.event_import_template, name="event_import_template"),
    path("rollup/", rollup.rollup_list, name="rollup"),
    path("rollup/jobs/<int:pk>/", rollup.rollup_job, name="rollup_job"),
    path("rollup/<int:pk>/", rollup.rollup_results, name="rollup_results"),
    path("rollup/<int:pk>/run/", rollup.rollup_run, name="rollup_run"),
    path("rollup/<int:pk>/export/", rollup.rollup_export, name="rollup_export"),
    path("scores/indicators/", scores.indicator_set_list, name="score_indicator_set_list"),
    path("scores/indicators/create/", scores.indicator_sets_create, name="score_indicator_sets_create"),
    path("scores/indicators/<int:pk>/", scores.indicator_set_edit, name="score_indicator_set_edit"),
    path("scores/departments/", scores.department_scores, name="score_departments"),
]
