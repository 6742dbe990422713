"""The System Configuration webtool (guide section 2.2), one module per screen."""

from .entity import (
    EntityCreateChooseView,
    EntityCreateView,
    EntityDeleteView,
    EntityModifyView,
    EntityView,
)
from .history import ChangeLogView, EntityHistoryView, RevertView
from .home import EntityMaintenanceView, MainMenuView, NameAutocompleteView, ValueAutocompleteView
from .lists import EntityListView
from .maintenance import (
    EntityTypeDeleteView,
    EntityTypeListView,
    VariableChooseView,
    VariableDeleteView,
    VariableEditView,
    VariableListView,
)
from .quick_search import QuickSearchView
from .search import (
    BatchEditView,
    EntitySearchView,
    SearchChooseView,
    TableBatchEditView,
    TableSearchView,
)

__all__ = [
    "BatchEditView",
    "ChangeLogView",
    "EntityCreateChooseView",
    "EntityCreateView",
    "EntityDeleteView",
    "EntityHistoryView",
    "EntityListView",
    "EntityMaintenanceView",
    "EntityModifyView",
    "EntitySearchView",
    "EntityTypeDeleteView",
    "EntityTypeListView",
    "EntityView",
    "MainMenuView",
    "NameAutocompleteView",
    "QuickSearchView",
    "RevertView",
    "SearchChooseView",
    "TableBatchEditView",
    "TableSearchView",
    "ValueAutocompleteView",
    "VariableChooseView",
    "VariableDeleteView",
    "VariableEditView",
    "VariableListView",
]
