"""The agent's side of the REST API: JSON over HTTP with the host's token (urllib, no extra
dependency on the hosts)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class ApiUnavailable(OSError):
    """The web server cannot be reached or failed; the agent carries on from its mirror."""


class ApiError(Exception):
    """The web server refused the request (a 4xx answer)."""

    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status


class ApiClient:
    def __init__(self, server: str, token: str, timeout: float = 15.0):
        self.base = server.rstrip("/") + "/api/v1/"
        self.token = token
        self.timeout = timeout

    def _request(
        self,
        method: str,
        path: str,
        params: Any = None,
        body: Any = None,
        timeout: float | None = None,
    ) -> bytes:
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Token {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            if exc.code >= 500:
                raise ApiUnavailable(f"{url}: HTTP {exc.code}") from None
            raise ApiError(exc.code, text) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ApiUnavailable(f"{url}: {exc}") from None

    def get(self, path: str, params: Any = None, timeout: float | None = None) -> Any:
        """path's JSON answer; timeout, when given, replaces the client's for this request."""
        return json.loads(self._request("GET", path, params, timeout=timeout))

    def get_bytes(self, path: str, params: Any = None) -> bytes:
        return self._request("GET", path, params)

    def post(self, path: str, body: Any) -> Any:
        answer = self._request("POST", path, body=body)
        return json.loads(answer) if answer else None
