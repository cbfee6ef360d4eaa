from django.urls import path

from . import views

app_name = "summaries"

urlpatterns = [
    path("", views.summary_list, name="list"),
    path("start/", views.summary_start, name="start"),
    path("<int:pk>/", views.summary_detail, name="detail"),
    path("<int:pk>/autosave/", views.summary_autosave, name="autosave"),
    path("<int:pk>/review/", views.summary_review, name="review"),
    path("<int:pk>/conflicts/<int:copy_pk>/", views.conflict_copy, name="conflict_copy"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
