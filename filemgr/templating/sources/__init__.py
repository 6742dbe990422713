"""Where a template's configuration comes from: one small interface, several sources. The
database source is imported from its module by the web side alone."""

from .base import ConfigSource, host_type
from .mirror import MirrorSource, ParsedFiles
from .snapshot import SnapshotSource

__all__ = ["ConfigSource", "MirrorSource", "ParsedFiles", "SnapshotSource", "host_type"]
