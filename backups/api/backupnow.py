"""A back up now's progress: the agent of the backup server running a step reports it with
its token."""

from __future__ import annotations

from rest_framework import serializers

from core import api

from ..backup_now import do_record_step
from ..models import BackupNowStep


class StepReportSerializer(api.StepReportSerializer):
    state = serializers.ChoiceField(
        choices=BackupNowStep.reported_states(), help_text="running, then done or failed"
    )


class StepReport(api.HostReportView):
    """POST: where step <step> of a back up now stands; only the token of <host>, the
    backup server running that step."""

    serializer_class = StepReportSerializer
    service = staticmethod(do_record_step)
