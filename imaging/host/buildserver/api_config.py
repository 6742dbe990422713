"""buildserver through the API with the server's own token (--server URL --token T): the
mirror download, the master store's contents and the certificate as the agent gets them;
writes only through the endpoints that token may use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from filemgr.resolution import FileInstance
from workers.host.certs import check_certificate
from workers.host.client import ApiClient
from workers.host.master import MasterCache
from workers.host.mirror import LocalMirror, download_whole
from workers.host.paths import AgentPaths

from .steps import Changes


class ApiConfiguration:
    def __init__(self, client: ApiClient, server: str, staging: Path):
        self.client, self.server = client, server
        # File contents are cached beside the staging mirror, as the agent caches them.
        self.cache = MasterCache(staging / "master", client)

    def export_mirror(self, directory: Path) -> None:
        paths = AgentPaths(directory, directory)
        mirror = LocalMirror(directory, paths.last_seq)
        mirror.set_last_seq(download_whole(self.client, mirror))

    def record(self, server: str, changes: Changes) -> None:
        tables = {t: {str(r): cells for r, cells in rows.items()} for t, rows in changes.items()}
        self.client.post(f"imaging/buildserver/{server}/tables/", {"tables": tables})

    def content(self, file: str, instance: FileInstance) -> bytes:
        return self.cache.content(file, instance)

    def publish_ssh_key(self, server: str, key: str) -> None:
        self.client.post(f"agents/{server}/variables/", {"values": {"ssh_key": [key]}})

    def certificate(
        self, server: str, paths: AgentPaths, own: Mapping[str, Sequence[str]]
    ) -> list[str]:
        check = check_certificate(self.client, server, paths, own)
        lines = [f"certificate: {check.reason or 'the installed one is good'}"]
        if check.serial:
            lines.append(f"certificate {check.serial} installed")
        return lines + [f"certificate error: {e}" for e in check.errors]

    def report(self, server: str, status: int, log: str) -> None:
        self.client.post(f"imaging/buildserver/{server}/reports/", {"status": status, "log": log})
