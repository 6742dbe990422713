from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.SearchView.as_view(), name="search"),
    path("create/", views.CreateView.as_view(), name="create"),
    path("batch/", views.BatchView.as_view(), name="batch"),
    path("password/", views.PasswordView.as_view(), name="password"),
    path("<str:uid>/", views.AccountView.as_view(), name="account"),
    path("<str:uid>/modify/", views.ModifyView.as_view(), name="modify"),
    path("<str:uid>/<str:action>/", views.ActionView.as_view(), name="action"),
]
