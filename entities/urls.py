from django.urls import path
from django.views.generic import RedirectView

app_name = "entities"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/"), name="home"),
]
