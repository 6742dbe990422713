"""Whose home directory is where, so backups imports no app: the accounts app registers the
lookup that reads the Labnet directory in its AppConfig.ready(), and the apps that need a
user's home (backups' "which backups are mine") ask home_from_directory()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Home:
    """A home directory: the server entity holding it and its path there."""

    server: str
    directory: str


class HomeUnavailable(Exception):
    """The directory that knows the home could not be asked; the message says why and quotes
    no secret."""


HomeLookup = Callable[[str], "Home | None"]
_lookup: HomeLookup | None = None


def register_home_lookup(lookup: HomeLookup | None) -> None:
    """Set the lookup (a user name -> its Home, None when the user has none)."""
    global _lookup
    _lookup = lookup


def home_from_directory(username: str) -> Home | None:
    """The user's home as the registered lookup says (None without a lookup or a home);
    raises HomeUnavailable when the lookup cannot answer."""
    return _lookup(username) if _lookup is not None else None


def directory_lookup_registered() -> bool:
    return _lookup is not None
