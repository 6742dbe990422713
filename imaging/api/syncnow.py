"""A sync now's progress: the agent of the server pushing a step reports it with its token."""

from __future__ import annotations

from rest_framework import serializers

from core import api

from ..models import SyncStep
from ..sync_now import do_record_step


class StepReportSerializer(api.StepReportSerializer):
    state = serializers.ChoiceField(
        choices=SyncStep.reported_states(), help_text="running, then lnrsync's outcome"
    )


class StepReport(api.HostReportView):
    """POST: where step <step> of a sync now stands; only the token of <host>, the server
    pushing that step."""

    serializer_class = StepReportSerializer
    service = staticmethod(do_record_step)
    answer = ("state", "message", "progress")
