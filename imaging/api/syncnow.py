"""A sync now's progress: the agent of the server pushing a step reports it with its token."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.refusals import api_refusal

from ..choices import StepState
from ..sync_now import do_record_step

MAX_MESSAGE = 500


class StepReportSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[c for c in StepState.choices if c[0] != StepState.QUEUED],
        help_text="running, then lnrsync's outcome",
    )
    message = serializers.CharField(max_length=MAX_MESSAGE, allow_blank=True, default="")
    progress = serializers.CharField(
        max_length=MAX_MESSAGE, allow_blank=True, default="", help_text="rsync's progress line"
    )


class StepReport(GenericAPIView):
    """POST: where step <step> of a sync now stands; only the token of <host>, the server
    pushing that step."""

    permission_classes = [IsTheHostAgent]
    serializer_class = StepReportSerializer

    def post(self, request, host, step):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            found = do_record_step(host, step, data["state"], data["message"], data["progress"])
        except ValidationError as refused:
            raise api_refusal(refused) from None
        return Response(
            {"state": found.state, "message": found.message, "progress": found.progress}
        )
