from django.urls import path

from . import views

urlpatterns = [
    path("nms/hosts/<str:host>/reports/", views.HostReport.as_view(), name="api-nms-report"),
]
