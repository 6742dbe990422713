"""The shape of a host's report: {"age": seconds since it was collected, "reports":
{category: [{"item", "value", "detail"}]}}. The age is measured on the agent, so its clock
does not matter; "time" (when collected, by the agent's clock) counts when there is no age.
Without either it was collected now."""

from rest_framework import serializers

from core.api import Seconds

from ..ingest import CATEGORY, DETAIL_LENGTH, ITEM_LENGTH, VALUE_LENGTH

# Far older than any report an agent keeps; far inside what a datetime can go back.
MAX_AGE = 10 * 365 * 24 * 3600


class ReadingSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=ITEM_LENGTH, allow_blank=True, trim_whitespace=False)
    value = serializers.CharField(max_length=VALUE_LENGTH, allow_blank=True)
    detail = serializers.CharField(allow_blank=True, required=False, default="")

    def validate_detail(self, detail: str) -> str:
        """Cut to what is stored: a long message must not cost the host its report."""
        return detail[:DETAIL_LENGTH]


class ReportSerializer(serializers.Serializer):
    age = Seconds(required=False, max_value=MAX_AGE)
    time = serializers.DateTimeField(required=False)
    reports = serializers.DictField(child=ReadingSerializer(many=True), allow_empty=False)

    def validate_reports(self, reports: dict) -> dict:
        for category in reports:
            if not CATEGORY.match(category):
                raise serializers.ValidationError(f"{category!r} is not a category name.")
        # An item reported twice counts as its last reading, rather than refusing the
        # whole report.
        return {
            category: list({r["item"]: r for r in readings}.values())
            for category, readings in reports.items()
        }
