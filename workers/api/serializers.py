from rest_framework import serializers

from core.api import Seconds
from core.params import MAX_BIGINT, MAX_INTEGER
from entities.reading import SECRET_MASK

from ..ca import MAX_CSR_BYTES
from ..models import AgentHost, AgentReport, HostCertificate


class ScriptRunSerializer(serializers.Serializer):
    file = serializers.CharField()
    command = serializers.CharField()
    exit_status = serializers.IntegerField()
    output = serializers.CharField(allow_blank=True)


class ReportSerializer(serializers.Serializer):
    """What an agent sends after each pass."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(AgentReport.Kind.choices)
    seq = serializers.IntegerField(min_value=0, max_value=MAX_BIGINT)
    duration = Seconds(required=False, default=0)
    files_read = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=MAX_INTEGER
    )
    files_written = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=MAX_INTEGER
    )
    files_changed = serializers.ListField(child=serializers.DictField(), required=False)
    scripts = ScriptRunSerializer(many=True, required=False)
    errors = serializers.ListField(child=serializers.DictField(), required=False)
    reads = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        required=False,
        help_text="[type, name] of every entity the host's templates read; name * is any. "
        "Left out when unchanged since the last report that carried them.",
    )


class StoredReportSerializer(serializers.ModelSerializer):
    """A stored report; scripts' output (which may quote secrets the script read) shows as
    the mask unless the context's `show_script_output` says the reader may see secrets."""

    host = serializers.CharField(source="host.name")

    class Meta:
        model = AgentReport
        fields = [
            "host",
            "report_id",
            "received",
            "kind",
            "seq",
            "duration",
            "files_read",
            "files_written",
            "files_changed",
            "scripts",
            "errors",
        ]

    def to_representation(self, report: AgentReport) -> dict:
        data = super().to_representation(report)
        if not self.context.get("show_script_output"):
            data["scripts"] = [{**run, "output": SECRET_MASK} for run in data["scripts"]]
        return data


class AgentHostSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgentHost
        fields = ["name", "registered", "last_report", "last_seq"]


class AgentVariablesSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True))
    )


class CertificateRequestSerializer(serializers.Serializer):
    """A host's CSR (PEM); revoke_previous revokes its certificates still valid first."""

    csr = serializers.CharField(max_length=MAX_CSR_BYTES)
    revoke_previous = serializers.BooleanField(required=False, default=False)


class IssuedCertificateSerializer(serializers.ModelSerializer):
    certificate = serializers.CharField(source="pem")

    class Meta:
        model = HostCertificate
        fields = ["host", "serial", "subject", "names", "addresses", "not_after", "certificate"]
