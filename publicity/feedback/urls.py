from django.urls import path

from . import views

urlpatterns = [
    path("feedback/", views.feedback_list, name="feedback"),
    path("feedback/mine/", views.feedback_mine, name="feedback_mine"),
    path("feedback/overview/", views.feedback_overview, name="feedback_overview"),
    path("feedback/grade/<int:pk>/", views.feedback_record, name="feedback_record"),
    path("feedback/<int:pk>/", views.feedback_detail, name="feedback_detail"),
    path("feedback/<int:pk>/confirm/", views.feedback_confirm, name="feedback_confirm"),
    path("feedback/annual/<int:pk>/", views.annual_detail, name="feedback_annual"),
    path("feedback/annual/<int:pk>/confirm/", views.annual_confirm, name="feedback_annual_confirm"),
    path("feedback/annual/<int:pk>/result.pdf", views.annual_pdf, name="feedback_annual_pdf"),
]
