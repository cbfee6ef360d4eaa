from django.urls import path

from . import views

urlpatterns = [
    path("dingtalk/", views.message_list, name="dingtalk_messages"),
    path("dingtalk/<int:pk>/resend/", views.message_resend, name="dingtalk_message_resend"),
]
