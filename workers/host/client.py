"""The agent's side of the REST API: JSON over HTTP with the host's token (urllib, no extra
dependency on the hosts). Over https the web server's certificate must come from the Labnet
CA installed on the host, not from any CA of the system's trust store (docs/identity.md)."""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from .paths import under

CA_PATH = "/etc/ssl/labnet/ca.pem"  # the labnet_ca managed file


def installed_ca(root: Path | None = None) -> Path:
    """LABNET_CA_FILE, else the Labnet CA's certificate under root (LABNET_ROOT, /)."""
    given = os.environ.get("LABNET_CA_FILE")
    if given:
        return Path(given)
    return under(Path(root or os.environ.get("LABNET_ROOT", "/")), CA_PATH)


class ApiUnavailable(OSError):
    """The web server cannot be reached or failed; the agent carries on from its mirror."""


class ApiError(Exception):
    """The web server refused the request (a 4xx answer)."""

    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status


class ApiClient:
    def __init__(self, server: str, token: str, timeout: float = 15.0, ca_file: Path | None = None):
        """ca_file: the one CA an https server's certificate may come from (installed_ca()
        when not given); unused over plain http."""
        self.base = server.rstrip("/") + "/api/v1/"
        self.token = token
        self.timeout = timeout
        self.ca_file = Path(ca_file) if ca_file else installed_ca()
        self._tls: tuple[tuple[int, int], ssl.SSLContext] | None = None

    def _tls_context(self) -> ssl.SSLContext | None:
        """The context trusting ca_file alone, re-read when the file changes (a new
        labnet_ca installed by a pass); None over plain http."""
        if not self.base.startswith("https:"):
            return None
        try:
            stat = self.ca_file.stat()
        except OSError:
            raise ApiUnavailable(
                f"{self.base}: no Labnet CA certificate at {self.ca_file} to check the web "
                "server's certificate against (install labnet_ca or set LABNET_CA_FILE)"
            ) from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._tls is None or self._tls[0] != stamp:
            try:
                # With cafile given, the system's trust store is not loaded.
                self._tls = stamp, ssl.create_default_context(cafile=str(self.ca_file))
            except ssl.SSLError as exc:
                raise ApiUnavailable(
                    f"{self.base}: {self.ca_file} is not a CA certificate: {exc}"
                ) from None
        return self._tls[1]

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
        context = self._tls_context()
        try:
            with urllib.request.urlopen(
                request, timeout=timeout or self.timeout, context=context
            ) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            if exc.code >= 500:
                raise ApiUnavailable(f"{url}: HTTP {exc.code}") from None
            raise ApiError(exc.code, text) from None
        except ssl.SSLCertVerificationError as exc:
            raise self._untrusted(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            if isinstance(getattr(exc, "reason", None), ssl.SSLCertVerificationError):
                raise self._untrusted(exc.reason) from None
            raise ApiUnavailable(f"{url}: {exc}") from None

    def _untrusted(self, exc: ssl.SSLCertVerificationError) -> ApiUnavailable:
        return ApiUnavailable(
            f"{self.base}: the web server's certificate is not trusted: it must be issued "
            f"by the Labnet CA of {self.ca_file} for the server's name "
            f"({exc.verify_message or exc.reason})"
        )

    def get(self, path: str, params: Any = None, timeout: float | None = None) -> Any:
        """path's JSON answer; timeout, when given, replaces the client's for this request."""
        return json.loads(self._request("GET", path, params, timeout=timeout))

    def get_bytes(self, path: str, params: Any = None, timeout: float | None = None) -> bytes:
        return self._request("GET", path, params, timeout=timeout)

    def post(self, path: str, body: Any) -> Any:
        answer = self._request("POST", path, body=body)
        return json.loads(answer) if answer else None
