"""The Labnet template language (guide section 2.6): XML templates rendered into the
configuration files and boot menus of a host, from any configuration source.

The engine imports no Django: the host agent renders from its XML mirror. Only the database
source (`sources.database`, not exported here) reads through the ORM, for the web side."""

from .errors import TemplateError, UnknownHost
from .sources import ConfigSource, MirrorSource, ParsedFiles, SnapshotSource, host_type
from .template import CompiledTemplate, compile_template

__all__ = [
    "CompiledTemplate",
    "ConfigSource",
    "MirrorSource",
    "ParsedFiles",
    "SnapshotSource",
    "TemplateError",
    "UnknownHost",
    "compile_template",
    "host_type",
]
