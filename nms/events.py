"""What monitoring tells people about: the state changes that ingest and the silence check
find and the notifications send."""

from __future__ import annotations

from dataclasses import dataclass

# A host's state change that is not a metric's.
HOST_CATEGORY = "host"


@dataclass(frozen=True)
class Event:
    """A state change to tell people about: a metric's held state moved, or a host fell
    silent or came back."""

    host: str
    category: str
    item: str
    old: str
    new: str
    value: str = ""
    detail: str = ""
