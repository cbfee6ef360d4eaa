from django.urls import path

from . import views

urlpatterns = [
    path("weekly/", views.weekly_board, name="weekly"),
    path("weekly/post/", views.weekly_post, name="weekly_post"),
    path("weekly/compile/", views.weekly_compile_start, name="weekly_compile_start"),
    path("weekly/<int:pk>/", views.weekly_detail, name="weekly_detail"),
    path("weekly/<int:pk>/compile/", views.weekly_compile, name="weekly_compile"),
    path("goals/", views.goals_board, name="goals"),
]
