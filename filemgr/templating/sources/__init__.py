"""Where a template's configuration comes from: one small interface, several sources."""

from .base import ConfigSource, host_type
from .database import DatabaseSource
from .mirror import MirrorSource
from .snapshot import SnapshotSource

__all__ = ["ConfigSource", "DatabaseSource", "MirrorSource", "SnapshotSource", "host_type"]
