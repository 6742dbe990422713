"""Request limits that hold for every page and API endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

BAD, TOO_LARGE = 400, 413


class RequestBodyLimitMiddleware:
    """Refuse a body longer than DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads it, so
    every view may trust CONTENT_LENGTH.

    Django checks that setting only when a form is parsed; the API's parsers read the
    stream themselves, so without this the API would take a body of any size."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        header = request.META.get("CONTENT_LENGTH") or "0"
        if not (header.isascii() and header.isdigit()):
            return _refusal(request, f"Content-Length {header[:40]!r} is not a number", BAD)
        if (length := int(header)) > limit:
            message = f"request body of {length:,} bytes is longer than the {limit:,} allowed"
            return _refusal(request, message, TOO_LARGE)
        return self.get_response(request)


def _refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain")
