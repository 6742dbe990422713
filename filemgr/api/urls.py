from django.urls import path

from . import views

urlpatterns = [
    path(
        "files/<str:file>/<str:instance>/content/",
        views.InstanceContent.as_view(),
        name="api-file-content",
    ),
]
