"""The site's error pages that need more than Django's defaults."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page, saying what was wrong when a view refused a parameter (`BadRequest`,
    core.params); other 400s (a disallowed host, a malformed cookie) keep their message for
    the log."""
    message = str(exception) if isinstance(exception, BadRequest) else ""
    return render(request, "400.html", {"message": message}, status=400)
