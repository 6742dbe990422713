"""The agents' endpoints: register, report, set agent-owned variables, download the mirror."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.hosts import HOST_TYPES
from core.permissions import VIEW_SECRETS
from core.refusals import api_refusal
from entities import services as entity_services
from entities.models import Entity
from entities.reading import committed_seq
from entities.secret_access import secret_access

from .. import services
from ..certificates import do_issue_certificate
from ..mirror_export import PAGE_DEFAULT, PAGE_MAX, mirror_named, mirror_page
from ..models import AgentHost
from .permissions import CanViewReports
from .serializers import (
    AgentHostSerializer,
    AgentVariablesSerializer,
    CertificateRequestSerializer,
    IssuedCertificateSerializer,
    ReportSerializer,
    StoredReportSerializer,
)

# Variables the agent sets on its own host entity (guide 2.9: "initialized by lnclientconfigd").
AGENT_VARIABLES = frozenset({"ssh_key"})
# Variables the agent may only clear, once it has done what they asked (guide 2.7: cert_cmd).
AGENT_CLEARS = frozenset({"cert_cmd"})
# The longest report body taken (docs/agent.md): far above a real pass's, far below what would
# fill the report tables.
REPORT_MAX_BYTES = 2 * 1024 * 1024


class HostMixin:
    def host(self) -> AgentHost:
        return get_object_or_404(AgentHost, name=self.kwargs["host"])


class Register(HostMixin, GenericAPIView):
    permission_classes = [IsTheHostAgent]
    serializer_class = AgentHostSerializer

    def post(self, request, host):
        agent = self.host()
        services.do_register(agent)
        data = self.get_serializer(agent).data
        data["latest"] = committed_seq()
        return Response(data)


class Reports(HostMixin, GenericAPIView):
    serializer_class = ReportSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsTheHostAgent()]
        return [CanViewReports()]

    def get_queryset(self) -> QuerySet:
        return self.host().reports.select_related("host")

    @extend_schema(responses=StoredReportSerializer(many=True))
    def get(self, request, host):
        page = self.paginate_queryset(self.get_queryset())
        context = {"show_script_output": request.user.has_perm(VIEW_SECRETS)}
        stored = StoredReportSerializer(page, many=True, context=context)
        return self.get_paginated_response(stored.data)

    @extend_schema(responses=StoredReportSerializer)
    def post(self, request, host):
        # A 400, not a 413: the agent drops a report refused as malformed instead of
        # re-sending it ahead of every later one.
        if (size := int(request.META.get("CONTENT_LENGTH") or 0)) > REPORT_MAX_BYTES:
            raise APIValidationError(
                {"report": [f"report of {size:,} bytes is longer than {REPORT_MAX_BYTES:,}"]}
            )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stored = services.do_record_report(self.host(), serializer.validated_data)
        return Response(StoredReportSerializer(stored).data, status=status.HTTP_201_CREATED)


class AgentVariables(HostMixin, GenericAPIView):
    """Set the agent-owned variables (ssh_key) of the host's own entity."""

    permission_classes = [IsTheHostAgent]
    serializer_class = AgentVariablesSerializer

    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data["values"]
        cleared = {name for name, texts in values.items() if not any(texts)}
        if refused_names := sorted(set(values) - AGENT_VARIABLES - (AGENT_CLEARS & cleared)):
            raise APIValidationError(
                {"values": [f"an agent may not set {', '.join(refused_names)}"]}
            )
        entity = get_object_or_404(
            Entity.objects.select_related("entity_type"),
            name=host,
            entity_type__name__in=HOST_TYPES,
        )
        try:
            changed = entity_services.do_set_values(entity, values, user=request.user)
        except ValidationError as exc:
            raise api_refusal(exc) from None
        return Response({"changed": changed})


class CertificateRequest(GenericAPIView):
    """Sign the host's CSR for the names and addresses it owns in the configuration."""

    permission_classes = [IsTheHostAgent]
    serializer_class = CertificateRequestSerializer

    @extend_schema(responses={201: IssuedCertificateSerializer})
    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            issued = do_issue_certificate(
                host,
                serializer.validated_data["csr"],
                revoke_previous=serializer.validated_data["revoke_previous"],
            )
        except ValidationError as exc:
            raise api_refusal(exc) from None
        return Response(IssuedCertificateSerializer(issued).data, status=status.HTTP_201_CREATED)


class MirrorDownload(GenericAPIView):
    """The XML mirror's contents as JSON, for an agent's first start and its sanity pass:
    the whole mirror page by page (`limit` entities after the cursor `after`, the previous
    page's `next`), or the named entities and types' definitions in one answer. Streamed."""

    # What an agent downloads names the sequence number it then reads the change feed from.
    reads_primary = True

    @extend_schema(
        parameters=[
            OpenApiParameter("entity", OpenApiTypes.STR, many=True, description="type/name"),
            OpenApiParameter("type", OpenApiTypes.STR, many=True, description="definitions"),
            OpenApiParameter("after", OpenApiTypes.INT, description="the previous page's next"),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"at most {PAGE_MAX}"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        entities = []
        for key in request.query_params.getlist("entity"):
            entity_type, slash, name = key.partition("/")
            if not slash:
                raise APIValidationError({"entity": [f"{key!r} is not type/name"]})
            entities.append((entity_type, name))
        types = request.query_params.getlist("type")
        secrets = secret_access(request.user)
        if entities or types:
            if paging := {"after", "limit"} & set(request.query_params):
                refusal = "pages only the whole mirror, not named entities or types"
                raise APIValidationError({p: [refusal] for p in sorted(paging)})
            answer = mirror_named(entities, types, secrets)
        else:
            after = _number(request, "after", 0, None)
            limit = _number(request, "limit", 1, PAGE_MAX)
            answer = mirror_page(after, PAGE_DEFAULT if limit is None else limit, secrets)
        return StreamingHttpResponse(answer.chunks(), content_type="application/json")


def _number(request, name: str, least: int, most: int | None) -> int | None:
    """The whole-number query parameter `name`, None when not given; outside least..most, a
    400 naming it."""
    text = request.query_params.get(name)
    if text is None:
        return None
    bound = f"from {least} to {most}" if most is not None else f"from {least}"
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise APIValidationError({name: [f"{text[:40]!r} is not a whole number {bound}"]})
    number = int(text)
    if number < least or (most is not None and number > most):
        raise APIValidationError({name: [f"{number} is not {bound}"]})
    return number
