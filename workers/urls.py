from django.urls import path

from . import views

app_name = "workers"

urlpatterns = [
    path("", views.AgentListView.as_view(), name="agents"),
    path("certificates/", views.CertificateListView.as_view(), name="certificates"),
    path(
        "certificates/<int:pk>/revoke/",
        views.CertificateRevokeView.as_view(),
        name="certificate_revoke",
    ),
    path("<str:host>/", views.AgentDetailView.as_view(), name="host"),
]
