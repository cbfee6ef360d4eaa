from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("", views.my_targets, name="my_targets"),
    path("start/", views.start, name="start"),
    path("start/copy/", views.start_from_previous, name="start_from_previous"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/return/", views.return_, name="return"),
    path("<int:pk>/assign/", views.assign_item, name="assign_item"),
    path("<int:pk>/completion/", views.record_completion, name="record_completion"),
    path("goals/", views.goal_list, name="goal_list"),
    path("goals/add/", views.goal_create, name="goal_create"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="goal_delete"),
]
