"""Whose home directory is which: (file server, directory) for a user name. Until accounts
come from the Labnet directory, from the setting LABNET_BACKUP_HOMES
("alice=carme:/users/labnet2/fs1/alice,bob=..."), read once per call: no cache to go stale."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .host.mangle import directory_segments


@dataclass(frozen=True)
class Home:
    server: str
    directory: str


def homes() -> dict[str, Home]:
    found = {}
    for entry in filter(None, (e.strip() for e in settings.LABNET_BACKUP_HOMES.split(","))):
        user, _, place = entry.partition("=")
        server, colon, directory = place.partition(":")
        try:
            if not (user and server and colon):
                raise ValueError("not user=server:/directory")
            directory_segments(directory)
        except ValueError as problem:
            raise ImproperlyConfigured(f"LABNET_BACKUP_HOMES entry {entry!r}: {problem}") from None
        found[user.strip()] = Home(server.strip(), "/" + directory.strip("/"))
    return found


def home_of(username: str) -> Home | None:
    return homes().get(username)
