"""Whose home directory is which: (file server, directory) for a user name. With the Labnet
directory configured (LABNET_LDAP_URL), the account's labnetHomeServer and homeDirectory,
through the lookup the accounts app registers in core.homes; without it, the setting
LABNET_BACKUP_HOMES ("alice=carme:/users/labnet2/fs1/alice,bob=..."), read once per call: no
cache to go stale."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.homes import Home, HomeUnavailable, directory_lookup_registered, home_from_directory

from .host.mangle import directory_segments

__all__ = ["Home", "HomeUnavailable", "home_of", "homes"]


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
    """The user's home; HomeUnavailable when the directory cannot be asked or gives a home
    directory a backup path cannot name."""
    if not (settings.LABNET_LDAP_URL and directory_lookup_registered()):
        return homes().get(username)
    home = home_from_directory(username)
    if home is not None:
        try:
            directory_segments(home.directory)
        except ValueError as problem:
            raise HomeUnavailable(
                f"the home directory of {username} is unusable: {problem}"
            ) from None
    return home
