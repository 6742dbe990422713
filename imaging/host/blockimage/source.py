"""Where restoreimage reads an image: a directory (local or NFS) or an http(s) URL, read
with Range requests so a client fetches only the blocks it needs."""

from __future__ import annotations

import http.client
import os
import re
import urllib.parse

from .format import ImageError, Reader

TIMEOUT = 60.0
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def open_image(location: str) -> Reader:
    if location.startswith(("http://", "https://")):
        return HttpImage(location)
    return DirectoryImage(location)


class DirectoryImage:
    def __init__(self, path: str):
        if not os.path.isdir(path):
            raise ImageError(f"{path}: no such image directory")
        self.path = path

    def describe(self) -> str:
        return self.path

    def _open(self, name: str):
        try:
            return open(os.path.join(self.path, name), "rb")
        except OSError as exc:
            raise ImageError(f"{self.path}: cannot read {name}: {exc.strerror}") from None

    def read(self, name: str, limit: int) -> bytes:
        with self._open(name) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise ImageError(f"{self.path}: {name} is over {limit} bytes")
        return data

    def read_range(self, name: str, start: int, end: int) -> bytes:
        with self._open(name) as f:
            data = os.pread(f.fileno(), end - start, start)
        if len(data) != end - start:
            raise ImageError(f"{self.path}: {name} ends before byte {end}")
        return data


class HttpImage:
    """One kept-alive connection; every read is a GET with a Range header, answered 206."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        if not parts.hostname or parts.query or parts.fragment:
            raise ImageError(f"{self._safe(url)}: not an image URL (http[s]://host/path)")
        if parts.username or parts.password:
            raise ImageError(f"{self._safe(url)}: an image URL carries no user or password")
        self.scheme, self.netloc = parts.scheme, parts.netloc
        self.base = parts.path.rstrip("/") + "/"
        self.url = f"{parts.scheme}://{parts.netloc}{self.base}"
        self.connection: http.client.HTTPConnection | None = None

    @staticmethod
    def _safe(url: str) -> str:
        # A user:password in the URL never reaches a message.
        parts = urllib.parse.urlsplit(url)
        return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"

    def describe(self) -> str:
        return self.url

    def _get(self, name: str, start: int, end: int) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):  # a kept-alive connection the server closed is opened again
            if self.connection is None:
                kind = (
                    http.client.HTTPSConnection
                    if self.scheme == "https"
                    else http.client.HTTPConnection
                )
                self.connection = kind(self.netloc, timeout=TIMEOUT)
            try:
                self.connection.request(
                    "GET", self.base + name, headers={"Range": f"bytes={start}-{end - 1}"}
                )
                response = self.connection.getresponse()
                body = response.read(end - start + 1)
                if response.status != 206 or response.length:
                    self.close()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, body
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 2:
                    raise ImageError(f"{self.url}{name}: {exc}") from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def read(self, name: str, limit: int) -> bytes:
        status, headers, body = self._get(name, 0, limit + 1)
        if status == 416:
            return b""  # an empty file: there is no byte 0 to send
        total = self._checked(name, status, headers, 0, limit + 1)
        if total > limit or len(body) > limit:
            raise ImageError(f"{self.url}{name}: is over {limit} bytes")
        return body

    def read_range(self, name: str, start: int, end: int) -> bytes:
        status, headers, body = self._get(name, start, end)
        self._checked(name, status, headers, start, end)
        if len(body) != end - start:
            raise ImageError(f"{self.url}{name}: ends before byte {end}")
        return body

    def _checked(
        self, name: str, status: int, headers: dict[str, str], start: int, end: int
    ) -> int:
        """Refuse anything but the asked range; the file's total size, as the server says."""
        where = f"{self.url}{name}"
        if status == 404:
            raise ImageError(f"{where}: not found (404)")
        if status != 206:
            raise ImageError(f"{where}: answered {status}; the server must honour Range requests")
        match = CONTENT_RANGE.fullmatch(headers.get("content-range", ""))
        if not match or int(match[1]) != start or int(match[2]) > end - 1:
            raise ImageError(f"{where}: answered another range than bytes {start}-{end - 1}")
        return int(match[2]) + 1 if match[3] == "*" else int(match[3])
