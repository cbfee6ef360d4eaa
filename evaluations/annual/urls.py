"""URLs of the annual room (mounted under /evaluations/ by evaluations.urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("history/", views.my_history, name="my_history"),
    path("annual/", views.annual_index, name="annual_index"),
    path("annual/<int:year>/", views.annual, name="annual"),
    path("annual/<int:year>/recompute/", views.annual_recompute, name="annual_recompute"),
    path("annual/<int:year>/adopt/", views.annual_adopt, name="annual_adopt"),
    path("annual/<int:year>/use/", views.annual_use, name="annual_use"),
    path("annual/<int:year>/<int:pk>/decide/", views.annual_decide, name="annual_decide"),
]
