from django.urls import path

from . import views

app_name = "workers"

urlpatterns = [
    path("", views.AgentListView.as_view(), name="agents"),
    path("<str:host>/", views.AgentDetailView.as_view(), name="host"),
]
