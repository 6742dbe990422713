"""The API's root, /api/v1/: a link to every endpoint whose path takes no parameter, by its
URL name, as NetBox's API root lists its apps; every app's endpoints appear once included."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

PREFIX = "api/v1/"


def _endpoints(patterns: list, prefix: str = "") -> list[str]:
    """The names of the patterns under PREFIX with no converter in their path."""
    names = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if entry.pattern.converters:
            continue
        if isinstance(entry, URLResolver):
            names += _endpoints(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and entry.name and route.startswith(PREFIX):
            names.append(entry.name)
    return names


class ApiRootView(APIView):
    """The endpoints of the API, by name."""

    def get(self, request: Request) -> Response:
        names = sorted(set(_endpoints(get_resolver().url_patterns)) - {"api-root"})
        return Response({name: request.build_absolute_uri(reverse(name)) for name in names})
