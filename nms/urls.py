from django.urls import path

from . import views

app_name = "nms"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("host/<str:name>/", views.HostView.as_view(), name="host"),
    path("host/<str:name>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("host/<str:name>/collect/", views.CollectNowView.as_view(), name="collect"),
    path("acknowledgement/<int:pk>/end/", views.EndAcknowledgementView.as_view(), name="ack_end"),
    path("maintenance/", views.MaintenanceView.as_view(), name="maintenance"),
    path("maintenance/<int:pk>/end/", views.EndMaintenanceView.as_view(), name="maintenance_end"),
]
