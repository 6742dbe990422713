"""The shape of a host's report: {"age": seconds since it was collected, "reports":
{category: [{"item", "value", "detail"}]}}. The age is measured on the agent, so its clock
does not matter; "time" (when collected, by the agent's clock) counts when there is no age.
Without either it was collected now."""

import re

from rest_framework import serializers

CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class ReadingSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=255, allow_blank=True, trim_whitespace=False)
    value = serializers.CharField(max_length=255, allow_blank=True)
    detail = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class ReportSerializer(serializers.Serializer):
    age = serializers.FloatField(required=False, min_value=0)
    time = serializers.DateTimeField(required=False)
    reports = serializers.DictField(child=ReadingSerializer(many=True), allow_empty=False)

    def validate_reports(self, reports: dict) -> dict:
        for category, readings in reports.items():
            if not CATEGORY.match(category):
                raise serializers.ValidationError(f"{category!r} is not a category name.")
            items = [r["item"] for r in readings]
            if len(items) != len(set(items)):
                raise serializers.ValidationError(f"{category}: an item is reported twice.")
        return reports
