"""What every app's REST API shares: who may write for a host, the fields of a host's
reports, and the view a host's agent reports its work's progress to."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from .refusals import api_refusal
from .runs import MAX_MESSAGE


class IsTheHostAgent(BasePermission):
    """The request comes with the token of the host named in the URL (`<host>`): a host's
    agent writes only its own reports, readings and agent-owned variables."""

    message = "Only this host's agent token may do this."

    def has_permission(self, request, view) -> bool:
        # `agent_host` is the host a token user stands for (workers.AgentHost.user).
        host = getattr(request.user, "agent_host", None) if request.user.is_authenticated else None
        return host is not None and host.name == view.kwargs.get("host")


class Seconds(serializers.FloatField):
    """A duration or an age in seconds: finite and not negative. float() reads "NaN" and
    "Infinity", which the database and the JSON answer would refuse with a server error."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, **kwargs)

    def to_internal_value(self, data) -> float:
        seconds = super().to_internal_value(data)
        if not math.isfinite(seconds):
            self.fail("invalid")
        return seconds


class HostReportSerializer(serializers.Serializer):
    """What a host's agent reports of its work (core.runs.HostStep); a subclass declares
    `state` as a ChoiceField of its model's `reported_states()`."""

    message = serializers.CharField(max_length=MAX_MESSAGE, allow_blank=True, default="")


class StepReportSerializer(HostReportSerializer):
    """What a host's agent reports of a step it copies with rsync (core.runs.Step)."""

    progress = serializers.CharField(
        max_length=MAX_MESSAGE, allow_blank=True, default="", help_text="rsync's progress line"
    )


class HostReportView(GenericAPIView):
    """POST: where a host's work stands, from the token of <host>, the host doing it. The
    subclass names its serializer, the URL's id argument and the service (a staticmethod),
    called as `service(host, id, **validated_data)`, that returns the step written."""

    permission_classes = [IsTheHostAgent]
    id_kwarg = "step"
    service: Callable[..., Any]
    answer = ("state", "message")  # the step's fields the answer shows

    def post(self, request: Request, host: str, **ids: int) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            step = self.service(host, ids[self.id_kwarg], **serializer.validated_data)
        except ValidationError as refused:
            raise api_refusal(refused) from None
        return Response({name: getattr(step, name) for name in self.answer})
