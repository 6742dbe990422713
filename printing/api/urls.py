from django.urls import path

from . import views

urlpatterns = [
    path("printing/hosts/<str:host>/jobs/", views.ChargeJob.as_view(), name="api-printing-charge"),
    path(
        "printing/hosts/<str:host>/jobs/counted/",
        views.CountJob.as_view(),
        name="api-printing-count",
    ),
    path(
        "printing/hosts/<str:host>/jobs/<int:job>/finish/",
        views.FinishJob.as_view(),
        name="api-printing-finish",
    ),
]
