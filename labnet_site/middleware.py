"""Request limits that hold for every page and API endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

TOO_LARGE = 413


class RequestBodyLimitMiddleware:
    """Refuse a body longer than DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads it.

    Django checks that setting only when a form is parsed; the API's parsers read the
    stream themselves, so without this the API would take a body of any size."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            message = f"request body of {length:,} bytes is longer than the {limit:,} allowed"
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=TOO_LARGE)
            return HttpResponse(message, status=TOO_LARGE, content_type="text/plain")
        return self.get_response(request)
