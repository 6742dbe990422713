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


class RsyncDoneSerializer(serializers.Serializer):
    server = serializers.CharField(max_length=MAX_NAME, help_text="the destination server")
    dst = serializers.CharField(max_length=MAX_PATH, help_text="its rs_dst")
    rs_date = serializers.CharField(read_only=True)


class RsyncDone(GenericAPIView):
    """POST: the sync from <host> to server:dst finished; rs_date of that row becomes now.
    Only <host>'s own token, and only for rows naming <host> as rs_host."""

    permission_classes = [IsTheHostAgent]
    serializer_class = RsyncDoneSerializer

    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            date = services.do_record_rsync(host, data["server"], data["dst"], user=request.user)
        except ValidationError as refused:
            raise api_refusal(refused) from None
        return Response({**data, "rs_date": date})
