from django.urls import path

from . import views

urlpatterns = [
    path("", views.board, name="board"),
    path("publish/", views.publish, name="publish"),
    path("<int:pk>/", views.publication_detail, name="publication_detail"),
    path("<int:pk>/lock/", views.publication_lock, name="publication_lock"),
    path("<int:pk>/notice.pdf", views.notice_pdf, name="publication_notice"),
    path("entries/<int:pk>/republish/", views.entry_republish, name="entry_republish"),
    path("entries/<int:pk>/object/", views.objection_new, name="objection_new"),
    path("objections/", views.objections, name="objections"),
    path("objections/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("objections/<int:pk>/attachment/", views.objection_attachment, name="objection_attachment"),
    path("review-cases/", views.review_cases, name="review_cases"),
    path("review-cases/<int:pk>/", views.review_case_detail, name="review_case_detail"),
]
