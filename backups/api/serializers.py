from rest_framework import serializers

from core.api import Seconds
from core.params import MAX_BIGINT, MAX_INTEGER

from ..host.dates import is_date

MAX_ROWS = 10_000  # rows in one report: far above a backup server's BackupTable rows
MAX_DISKS = 100
MESSAGE_LIMIT = 4000


def _date(value: str) -> str:
    if not is_date(value):
        raise serializers.ValidationError(f"{value[:40]!r} is not a date YYYY-MM-DD")
    return value


def _count(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_BIGINT, **kwargs)


class ResultSerializer(serializers.Serializer):
    """What backupsync did for one BackupTable row."""

    source = serializers.CharField(max_length=128)
    directory = serializers.CharField(max_length=4095)
    date = serializers.CharField(max_length=10, validators=[_date])
    ok = serializers.BooleanField()
    exit_code = serializers.IntegerField(min_value=-MAX_INTEGER, max_value=MAX_INTEGER)
    message = serializers.CharField(allow_blank=True, max_length=MESSAGE_LIMIT)
    files = _count()
    bytes = _count()
    seconds = Seconds()
    differences = serializers.ListField(
        child=serializers.CharField(max_length=4095), max_length=1000, required=False, default=list
    )


class HoldsSerializer(serializers.Serializer):
    directory = serializers.CharField(max_length=4095)
    dates = serializers.ListField(
        child=serializers.CharField(max_length=10, validators=[_date]), max_length=100_000
    )


class DiskSerializer(serializers.Serializer):
    mount = serializers.CharField(max_length=255)
    total = _count()
    used = _count()
    free = _count()
    holds = HoldsSerializer(many=True, max_length=MAX_ROWS)


class BackupReportSerializer(serializers.Serializer):
    """A backup server's report after backupsync or bkupclean."""

    results = ResultSerializer(many=True, max_length=MAX_ROWS, required=False, default=list)
    disks = DiskSerializer(many=True, max_length=MAX_DISKS)
