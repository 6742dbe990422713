from django.urls import path

from . import views

app_name = "entities"

urlpatterns = [
    path("", views.MainMenuView.as_view(), name="home"),
    path("entity/", views.EntityMaintenanceView.as_view(), name="entity_maintenance"),
    path("entity/names/", views.NameAutocompleteView.as_view(), name="names"),
    path("entity/<str:type>/<str:name>/", views.EntityView.as_view(), name="entity"),
    path("entity/<str:type>/<str:name>/modify/", views.EntityModifyView.as_view(), name="modify"),
    path(
        "entity/<str:type>/<str:name>/history/",
        views.EntityHistoryView.as_view(),
        name="history",
    ),
    path("entity/<str:type>/<str:name>/delete/", views.EntityDeleteView.as_view(), name="delete"),
    path("create/", views.EntityCreateChooseView.as_view(), name="create_choose"),
    path("create/<str:type>/", views.EntityCreateView.as_view(), name="create"),
    path("search/", views.SearchChooseView.as_view(), name="search_choose"),
    path("search/<str:type>/", views.EntitySearchView.as_view(), name="search"),
    path("search/<str:type>/batch/", views.BatchEditView.as_view(), name="batch_edit"),
    path(
        "search/<str:type>/values/<str:variable>/",
        views.ValueAutocompleteView.as_view(),
        name="values",
    ),
    path(
        "search/<str:type>/table/<str:table>/",
        views.TableSearchView.as_view(),
        name="table_search",
    ),
    path(
        "search/<str:type>/table/<str:table>/batch/",
        views.TableBatchEditView.as_view(),
        name="table_batch_edit",
    ),
    path("variables/", views.VariableChooseView.as_view(), name="variable_choose"),
    path("variables/<str:type>/", views.VariableListView.as_view(), name="variables"),
    path("variables/<str:type>/add/", views.VariableEditView.as_view(), name="variable_add"),
    path(
        "variables/<str:type>/<str:variable>/",
        views.VariableEditView.as_view(),
        name="variable_edit",
    ),
    path(
        "variables/<str:type>/<str:variable>/delete/",
        views.VariableDeleteView.as_view(),
        name="variable_delete",
    ),
    path("types/", views.EntityTypeListView.as_view(), name="types"),
    path("types/<str:type>/", views.EntityListView.as_view(), name="type_entities"),
    path("types/<str:type>/delete/", views.EntityTypeDeleteView.as_view(), name="type_delete"),
    path("changes/", views.ChangeLogView.as_view(), name="changes"),
    path("find/", views.QuickSearchView.as_view(), name="quick_search"),
    path("changes/<int:seq>/revert/", views.RevertView.as_view(), name="revert_change"),
    path("batches/<uuid:batch>/revert/", views.RevertView.as_view(), name="revert_batch"),
]
