"""What a host is: managed hosts are the entities of the client and server types. No Django
here: web, fan-out and agent share it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

CLIENT = "client"
SERVER = "server"
# Searched in this order for a host whose type is not given.
HOST_TYPES = (CLIENT, SERVER)
# A client's variables that name the servers serving it: `server` boots it (guide 2.9),
# `appserver` serves its Windows image and iPXE menu, which carry its iSCSI CHAP password.
SERVED_BY = ("server", "appserver")


class EntityReader(Protocol):
    """What host_kind reads: a template engine source, the database or a mirror."""

    def entity_values(self, entity_type: str, name: str) -> Mapping[str, Sequence[str]] | None:
        """Every variable of one entity with its values; None if no such entity."""


def host_kind(source: EntityReader, host: str) -> str | None:
    """CLIENT or SERVER, whichever type holds an entity named host (client first); None when
    neither does."""
    return next((t for t in HOST_TYPES if source.entity_values(t, host) is not None), None)
