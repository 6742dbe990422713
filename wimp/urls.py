from django.urls import path

from . import views

app_name = "wimp"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("new/<str:mode>/", views.NewSessionView.as_view(), name="new"),
    path("session/<str:image>/", views.SessionView.as_view(), name="session"),
    path("session/<str:image>/done/<str:step>/", views.StepDoneView.as_view(), name="done"),
    path("session/<str:image>/imaging/", views.ImagingView.as_view(), name="imaging"),
    path("session/<str:image>/retry/", views.RetryView.as_view(), name="retry"),
    path("session/<str:image>/abandon/", views.AbandonView.as_view(), name="abandon"),
    path("session/<str:image>/archive/", views.ArchiveView.as_view(), name="archive"),
]
