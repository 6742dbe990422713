"""lnrsync's one write: a distribution server's token sets rs_date of a row it copied to."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.refusals import api_refusal

from .. import services
from ..replication import MAX_PATH

MAX_NAME = 255
MAX_ROWS = 1000  # a distribution server's children in one night


class RsyncRowSerializer(serializers.Serializer):
    server = serializers.CharField(max_length=MAX_NAME, help_text="the destination server")
    dst = serializers.CharField(max_length=MAX_PATH, help_text="its rs_dst")


class RsyncDoneSerializer(serializers.Serializer):
    rows = RsyncRowSerializer(
        many=True, min_length=1, max_length=MAX_ROWS, help_text="the rows synced, in one batch"
    )
    rs_date = serializers.CharField(read_only=True)


class RsyncDone(GenericAPIView):
    """POST: the syncs from <host> to each row's server:dst finished; rs_date of those rows
    becomes now, in one batch (lnrsync sends it once its pushes are over). Only <host>'s own
    token, and only for rows naming <host> as rs_host; one row refused refuses them all."""

    permission_classes = [IsTheHostAgent]
    serializer_class = RsyncDoneSerializer

    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data["rows"]
        done = [(row["server"], row["dst"]) for row in rows]
        try:
            date = services.do_record_rsync(host, done, user=request.user)
        except ValidationError as refused:
            raise api_refusal(refused) from None
        return Response({"rows": rows, "rs_date": date})
