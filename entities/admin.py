"""Django admin for every configuration model. Saves and deletes go through the service
layer so the admin validates and logs exactly like the webtool and the API."""

from django.contrib import admin

from core.refusals import ServiceAdmin

from . import services
from .models import Change, ChangeSequence, Entity, EntityType, Value, VariableDefinition
from .reading import entity_contents
from .services import VARDEF_FIELDS


@admin.register(EntityType)
class EntityTypeAdmin(ServiceAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        return ["name", "description"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.pk = services.do_create_type(obj.name, obj.description, user=request.user).pk

    def delete_model(self, request, obj):
        services.do_delete_type(obj, user=request.user)


@admin.register(VariableDefinition)
class VariableDefinitionAdmin(ServiceAdmin):
    list_display = ["name", "entity_type", "widget", "mandatory", "multi_valued", "table"]
    list_filter = ["entity_type", "mandatory", "widget"]
    search_fields = ["name", "tooltip"]

    def save_model(self, request, obj, form, change):
        fields = {key: getattr(obj, key) for key in VARDEF_FIELDS}
        saved = services.do_save_variable(obj.entity_type, obj.name, user=request.user, **fields)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.do_delete_variable(obj, user=request.user)


class ValueInline(admin.TabularInline):
    model = Value
    fields = ["variable", "indx", "value", "modified"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Entity)
class EntityAdmin(ServiceAdmin):
    list_display = ["name", "entity_type", "active"]
    list_filter = ["entity_type", "active"]
    search_fields = ["name"]
    readonly_fields = ["active"]
    inlines = [ValueInline]

    def get_readonly_fields(self, request, obj=None):
        # Values are edited in the webtool; here an entity is created or deleted.
        return ["entity_type", "name", "active"] if obj else ["active"]

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.do_create_entity(obj.entity_type, obj.name, user=request.user)
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.do_delete_entity(obj, user=request.user)


@admin.register(Value)
class ValueAdmin(ServiceAdmin):
    list_display = ["entity", "variable", "indx", "value", "modified"]
    list_select_related = ["entity__entity_type", "variable"]
    search_fields = ["entity__name", "variable__name", "value"]
    readonly_fields = ["entity", "variable", "indx", "modified"]
    fields = ["entity", "variable", "indx", "value", "modified"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        values = list(
            Value.objects.filter(entity=obj.entity, variable=obj.variable)
            .order_by("indx")
            .values_list("indx", "value")
        )
        if obj.variable.table:
            rows = entity_contents(obj.entity, show_secrets=True).tables[obj.variable.table]
            rows[obj.indx - 1][obj.variable.name] = obj.value
            services.do_set_values(obj.entity, tables={obj.variable.table: rows}, user=request.user)
        else:
            new = [obj.value if indx == obj.indx else text for indx, text in values]
            services.do_set_values(obj.entity, {obj.variable.name: new}, user=request.user)

    def delete_model(self, request, obj):
        obj.value = ""
        self.save_model(request, obj, None, True)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ["seq", "timestamp", "user", "action", "entity_type", "entity", "variable"]
    list_filter = ["action", "entity_type"]
    search_fields = ["entity", "variable", "user"]


@admin.register(ChangeSequence)
class ChangeSequenceAdmin(ReadOnlyAdmin):
    list_display = ["last_seq"]
