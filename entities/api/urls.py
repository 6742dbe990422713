from django.urls import path

from . import views

urlpatterns = [
    path("types/", views.EntityTypeList.as_view(), name="api-types"),
    path("types/<str:name>/", views.EntityTypeDetail.as_view(), name="api-type"),
    path("types/<str:type>/variables/", views.VariableList.as_view(), name="api-variables"),
    path(
        "types/<str:type>/variables/<str:name>/",
        views.VariableDetail.as_view(),
        name="api-variable",
    ),
    path("entities/", views.EntityList.as_view(), name="api-entities"),
    path("entities/<str:type>/", views.EntitiesOfType.as_view(), name="api-type-entities"),
    path("entities/<str:type>/<str:name>/", views.EntityDetail.as_view(), name="api-entity"),
    path("changes/", views.ChangeFeed.as_view(), name="api-changes"),
]
