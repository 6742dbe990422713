"""API representations. Shapes are checked here; what the values mean is checked by the
service layer, so the API refuses exactly what the webtool and the importer refuse."""

from rest_framework import serializers

from ..choices import ChangeAction, EnumerationKind, Widget
from ..models import Change, EntityType, VariableDefinition
from ..services import VARDEF_FIELDS


class EntityTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = EntityType
        fields = ["name", "description"]


class VariableDefinitionSerializer(serializers.ModelSerializer):
    entity_type = serializers.SlugRelatedField(slug_field="name", read_only=True)
    reference_type = serializers.SlugRelatedField(
        slug_field="name", queryset=EntityType.objects.all(), required=False, allow_null=True
    )
    enum_type = serializers.SlugRelatedField(
        slug_field="name", queryset=EntityType.objects.all(), required=False, allow_null=True
    )
    widget = serializers.ChoiceField(Widget.choices, required=False)
    enumeration = serializers.ChoiceField(EnumerationKind.choices, required=False)
    enum_values = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = VariableDefinition
        fields = ["entity_type", "name", *VARDEF_FIELDS]
        # Uniqueness is the service layer's to check, with its own message.
        validators = []


class EntityWriteSerializer(serializers.Serializer):
    """Values replace the listed variables' values; tables replace all rows of the listed
    tables. Variables and tables not listed keep what they hold."""

    values = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True)),
        required=False,
        default=dict,
    )
    tables = serializers.DictField(
        child=serializers.ListField(
            child=serializers.DictField(child=serializers.CharField(allow_blank=True))
        ),
        required=False,
        default=dict,
    )


class EntityCreateSerializer(EntityWriteSerializer):
    type = serializers.CharField()
    name = serializers.CharField()


class EntitySummarySerializer(serializers.Serializer):
    type = serializers.CharField(source="entity_type.name")
    name = serializers.CharField()
    active = serializers.BooleanField()


class EntityDetailSerializer(EntitySummarySerializer):
    values = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    tables = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    )
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Mandatory variables without a value."
    )


class ChangeSerializer(serializers.ModelSerializer):
    """One change of the feed; the feed view writes these rows itself, masking secrets."""

    action = serializers.ChoiceField(ChangeAction.choices)

    class Meta:
        model = Change
        fields = [
            "seq",
            "batch",
            "user",
            "timestamp",
            "action",
            "entity_type",
            "entity",
            "variable",
            "indx",
            "old_value",
            "new_value",
        ]


class ChangeFeedSerializer(serializers.Serializer):
    latest = serializers.IntegerField(help_text="The newest committed sequence number.")
    more = serializers.BooleanField(help_text="True when changes after the last one are left.")
    changes = ChangeSerializer(many=True)
