from django.urls import path

from . import views

urlpatterns = [
    path("wimp/tasks/<str:host>/<int:task>/", views.TaskReport.as_view(), name="api-wimp-task"),
]
