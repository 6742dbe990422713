from django.urls import path

from . import views

urlpatterns = [
    path(
        "accounts/machines/<str:host>/",
        views.MachineAccounts.as_view(),
        name="api-accounts-machines",
    ),
]
