"""File instance contents from the master store, cached under LABNET_ETC so the agent can
re-render while the web server is away. A content is used only when its hash is the one the
FileTable names."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from core.files import write_atomic
from entities.mirror import is_plain_name
from filemgr.hashing import NO_HASH, file_hash
from filemgr.resolution import FileInstance

from .client import ApiClient, ApiError, ApiUnavailable


class ContentUnavailable(LookupError):
    pass


class ContentNotFetched(ContentUnavailable):
    """The web server did not answer: the agent asks again on its next pass."""


class MasterCache:
    def __init__(self, directory: Path, client: ApiClient | None):
        self.directory = directory
        self.client = client

    def content(self, file: str, instance: FileInstance) -> bytes:
        if instance.hash == NO_HASH:
            raise ContentUnavailable(f"{file} instance {instance.name} has no content yet")
        if not (is_plain_name(file) and is_plain_name(instance.name)):
            raise ContentUnavailable(f"{file} instance {instance.name}: not a plain name")
        cached = self.directory / file / instance.name
        try:
            data = cached.read_bytes()
            if file_hash(data) == instance.hash:
                return data
        except FileNotFoundError:
            pass
        if self.client is None:
            raise ContentUnavailable(f"{file} instance {instance.name} is not cached")
        try:
            data = self.client.get_bytes(
                f"files/{urllib.parse.quote(file)}/{urllib.parse.quote(instance.name)}/content/",
                {"hash": instance.hash},
            )
        except ApiUnavailable as exc:
            raise ContentNotFetched(f"{file} instance {instance.name}: {exc}") from None
        except ApiError as exc:
            raise ContentUnavailable(f"{file} instance {instance.name}: {exc}") from None
        if file_hash(data) != instance.hash:
            raise ContentUnavailable(
                f"{file} instance {instance.name}: the master store sent content whose hash "
                f"is not {instance.hash}"
            )
        write_atomic(cached, data)
        return data
