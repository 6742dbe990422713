from rest_framework import serializers

from core.params import MAX_INTEGER

# A sheet of the largest roll a plotter takes, with room: 100 m by 100 m.
MAX_MM = 100_000.0


class ChargeRequestSerializer(serializers.Serializer):
    """A print server's accounting backend, before it prints a job it has counted."""

    printer = serializers.CharField(max_length=127)
    job_id = serializers.IntegerField(min_value=1, max_value=MAX_INTEGER)
    user = serializers.CharField(max_length=150)
    title = serializers.CharField(max_length=255, allow_blank=True)
    pages = serializers.IntegerField(min_value=1, max_value=1_000_000)
    copies = serializers.IntegerField(min_value=1, max_value=10_000)
    color = serializers.BooleanField()
    duplex = serializers.BooleanField()
    width_mm = serializers.FloatField(min_value=1.0, max_value=MAX_MM)
    height_mm = serializers.FloatField(min_value=1.0, max_value=MAX_MM)
    ink = serializers.FloatField(min_value=0.0, max_value=4.0, required=False)


class ChargeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    held = serializers.BooleanField(default=False)
    detail = serializers.CharField(required=False)


class FinishSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["printed", "failed"])
    age = serializers.FloatField(required=False, min_value=0, max_value=1e9)


class CountSerializer(serializers.Serializer):
    """CUPS's count of a job after printing, read from the print server's page_log."""

    printer = serializers.CharField(max_length=127)
    job_id = serializers.IntegerField(min_value=1, max_value=MAX_INTEGER)
    impressions = serializers.IntegerField(min_value=0, max_value=100_000_000)
