"""The Labnet template language (guide section 2.6): XML templates rendered into the
configuration files and boot menus of a host, from any configuration source."""

from .compiler import CompiledTemplate, compile_template
from .errors import TemplateError, UnknownHost
from .sources import ConfigSource, DatabaseSource, MirrorSource, SnapshotSource, host_type

__all__ = [
    "CompiledTemplate",
    "ConfigSource",
    "DatabaseSource",
    "MirrorSource",
    "SnapshotSource",
    "TemplateError",
    "UnknownHost",
    "compile_template",
    "host_type",
]
