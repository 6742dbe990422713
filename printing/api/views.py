"""The print servers' accounting backend talks to these with its host's token: charge a job
before it prints, then say how it ended."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.params import MAX_INTEGER
from core.refusals import refusal_text

from .. import services
from ..choices import JobStatus
from .serializers import (
    ChargeRequestSerializer,
    ChargeSerializer,
    CountSerializer,
    FinishSerializer,
)


class ChargeJob(GenericAPIView):
    """201 with the charge; 202 with held true and the reason for a job over the printer's
    page_limit (not charged: its user releases it on the web page); 402 with the reason when
    the user's balance is short, 400 for a printer this host does not serve."""

    serializer_class = ChargeRequestSerializer
    permission_classes = [IsTheHostAgent]

    @extend_schema(responses={201: ChargeSerializer, 202: ChargeSerializer})
    def post(self, request, host: str):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job, left = services.do_charge_job(host, serializer.validated_data)
        except services.InsufficientCredit as refusal:
            return Response(
                {"detail": refusal_text(refusal)}, status=status.HTTP_402_PAYMENT_REQUIRED
            )
        except ValidationError as refusal:
            return Response({"detail": refusal_text(refusal)}, status=status.HTTP_400_BAD_REQUEST)
        if job.status == JobStatus.HELD:
            answer = ChargeSerializer(
                {"id": job.pk, "cost": job.cost, "balance": left, "held": True,
                 "detail": services.held_message(job)}
            )  # fmt: skip
            return Response(answer.data, status=status.HTTP_202_ACCEPTED)
        answer = ChargeSerializer({"id": job.pk, "cost": job.cost, "balance": left})
        return Response(answer.data, status=status.HTTP_201_CREATED)


class FinishJob(GenericAPIView):
    serializer_class = FinishSerializer
    permission_classes = [IsTheHostAgent]

    @extend_schema(responses={200: None})
    def post(self, request, host: str, job: int):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if job > MAX_INTEGER:
            return Response({"detail": "No such job."}, status=status.HTTP_404_NOT_FOUND)
        try:
            finished = services.do_finish_job(
                host, job, serializer.validated_data["status"] == "printed"
            )
        except ValidationError as refusal:
            return Response({"detail": refusal_text(refusal)}, status=status.HTTP_404_NOT_FOUND)
        return Response({"id": finished.pk, "status": finished.status})


class CountJob(GenericAPIView):
    """CUPS's count of a printed job; the charge is corrected when it differs. 200 with the
    job's cost, or with a null id when Labnet charged no such job."""

    serializer_class = CountSerializer
    permission_classes = [IsTheHostAgent]

    @extend_schema(responses={200: None})
    def post(self, request, host: str):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            job = services.do_count_job(host, data["printer"], data["job_id"], data["impressions"])
        except ValidationError as refusal:
            return Response({"detail": refusal_text(refusal)}, status=status.HTTP_400_BAD_REQUEST)
        if job is None:
            return Response({"id": None})
        return Response({"id": job.pk, "counted": job.counted, "cost": str(job.cost)})
