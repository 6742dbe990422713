from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from ..store import MasterStore, StoreError


class InstanceContent(APIView):
    """The bytes of a file instance in the master store: the version with `hash` when given
    (what an agent's mirror names), else the newest."""

    reads_primary = True  # an agent reads it: never from a replica behind its change feed

    @extend_schema(
        parameters=[OpenApiParameter("hash", OpenApiTypes.STR, description="SHA-256, base64")],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, file: str, instance: str):
        store = MasterStore()
        digest = request.query_params.get("hash")
        try:
            data = (
                store.read_by_hash(file, instance, digest) if digest else store.read(file, instance)
            )
        except StoreError:
            data = None
        if data is None:
            raise Http404(f"no content for {file} instance {instance}")
        return HttpResponse(data, content_type="application/octet-stream")
