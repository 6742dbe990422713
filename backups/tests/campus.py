"""A file server `carme` and a backup server `bumper` for the backups tests: their entities
in the database, the XML mirror bumper's programs read, the source directories on "carme"
(reached over a real sshd on loopback) and bumper's LABNET_ROOT."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command

from core.ssh import rsync_shell
from entities.models import Entity
from entities.reading import entity_contents
from testing import factories, hosts
from testing.sshd import Sshd
from workers.host.paths import AgentPaths
from workers.host.settings import LocalHost
from workers.services import do_make_host_token
from workers.tests.test_agent_retry import WebServer

_count = itertools.count(1)


@dataclass
class Campus:
    root: Path  # bumper's LABNET_ROOT
    etc: Path  # the mirror
    sources: Path  # carme's directories live under it (a path the configuration accepts)
    sshd: Sshd
    client: WebServer  # the API with bumper's token

    @property
    def bumper(self) -> LocalHost:
        return LocalHost("bumper", AgentPaths(self.root, self.etc))

    @property
    def rsh(self) -> str:
        return rsync_shell(self.sshd.ssh_config)

    def source(self, name: str) -> Path:
        return self.sources / name

    def target(self, directory: str, basedir: str = "/backup1/users") -> Path:
        from backups.host.mangle import mangle

        return self.root / basedir.lstrip("/") / mangle("carme", str(self.source(directory)))

    def export(self) -> None:
        """Write the database to the mirror, as the agent's sync would."""
        call_command("exportxml", str(self.etc))

    def bk_dates(self, server: str = "carme") -> list[str]:
        entity = Entity.objects.get(entity_type__name="server", name=server)
        return [r["bk_date"] for r in entity_contents(entity).tables["BackupTable"]]


def row(directory: Path | str, bk_server: str = "bumper", basedir: str = "/backup1/users", **cells):
    return {
        "bk_directory": str(directory),
        "bk_server": bk_server,
        "bk_basedir": basedir,
        "bk_on": "on",
        "bk_date": "none",
        **cells,
    }


@contextmanager
def campus(tmp_path: Path, sshd: Sshd, directories: list[str]) -> Iterator[Campus]:
    """carme with one BackupTable row per directory (backed up by bumper into
    /backup1/users), each directory made; bumper's root with /backup1/users."""
    # bk_directory's regex has no "_", which pytest's temporary paths hold.
    sources = Path(tempfile.gettempdir()) / f"labnet-carme-{os.getpid()}-{next(_count)}"
    try:
        for name in directories:
            (sources / name).mkdir(parents=True)
        filters = factories.demo_type("rsync_filter")
        factories.entity(
            filters,
            "user_homes",
            tables={"Rsync_Filter_Tab": [{"rf_action": "exclude", "rf_pattern": ".cache/"}]},
        )
        hosts.host("server", "bumper")
        hosts.host(
            "server",
            "carme",
            tables={"BackupTable": [row(sources / d, bk_filter="user_homes") for d in directories]},
        )
        root = tmp_path / "bumper"
        (root / "backup1/users").mkdir(parents=True)
        built = Campus(
            root, tmp_path / "etc", sources, sshd, WebServer(do_make_host_token("bumper"))
        )
        built.export()
        yield built
    finally:
        shutil.rmtree(sources, ignore_errors=True)
