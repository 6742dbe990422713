"""buildserver on the database directly (manage.py buildserver SERVER): the mirror exported
from the database, file contents from the master store, writes through build_records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from entities.exporting import export_mirror
from filemgr.resolution import FileInstance
from filemgr.store import MasterStore

from . import build_records
from .host.buildserver.steps import Changes


class DatabaseConfiguration:
    # No web server to ask: the server's agent brings its functions' work (masterldap's
    # machine accounts) at its first pass.
    client = None

    def __init__(self, user: str):
        self.user = user
        self.store = MasterStore()

    def export_mirror(self, directory: Path) -> None:
        export_mirror(directory)

    def record(self, server: str, changes: Changes) -> None:
        build_records.do_record_build(server, changes, user=self.user)

    def content(self, file: str, instance: FileInstance) -> bytes:
        data = self.store.read_by_hash(file, instance.name, instance.hash)
        if data is None:
            # An OSError: the host side reports its message for that file alone.
            raise FileNotFoundError(
                f"{file} instance {instance.name}: the master store has no content with its hash"
            )
        return data

    def publish_ssh_key(self, server: str, key: str) -> None:
        build_records.do_record_ssh_key(server, key, user=self.user)

    def certificate(self, server: str, paths: Any, own: Mapping[str, Sequence[str]]) -> list[str]:
        # The CA signs a host's request only through its agent token; without one the new
        # server's agent asks at its first sanity pass, before any service needs it.
        return [
            f"the certificate is made by {server}'s agent at its first sanity pass (run "
            "buildserver with --server and --token to make it now)"
        ]

    def report(self, server: str, status: int, log: str) -> None:
        try:
            build_records.do_keep_build_report(server, status, log, self.user)
        except ValidationError:
            pass  # not a server: the run said so already
