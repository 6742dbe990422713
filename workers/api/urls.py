from django.urls import path

from . import views

urlpatterns = [
    path("agents/<str:host>/register/", views.Register.as_view(), name="api-agent-register"),
    path("agents/<str:host>/reports/", views.Reports.as_view(), name="api-agent-reports"),
    path(
        "agents/<str:host>/variables/",
        views.AgentVariables.as_view(),
        name="api-agent-variables",
    ),
    path(
        "agents/<str:host>/certificate/",
        views.CertificateRequest.as_view(),
        name="api-agent-certificate",
    ),
    path("mirror/", views.MirrorDownload.as_view(), name="api-mirror"),
]
