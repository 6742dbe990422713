"""Where the agent reads and writes: every path under LABNET_ROOT, its state under LABNET_ETC
(DESIGN.md contract 4)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LOCAL_CONF = "/local_conf"
CLIENT_IMAGE = "/diskless/rootfs"


class PathOutsideRoot(ValueError):
    """A configured path that would lead out of LABNET_ROOT."""


def under(root: Path, path: str) -> Path:
    """path (absolute, as the configuration names it) inside root; refuses any '..' segment,
    whether or not it would climb above the root once normalised."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise PathOutsideRoot(f"path {path!r} leaves the root")
    return root.joinpath(*parts)


@dataclass(frozen=True)
class AgentPaths:
    root: Path
    etc: Path

    @property
    def state(self) -> Path:
        """The agent's own files beside the mirror; a dot folder is never an entity type."""
        return self.etc / ".agent"

    @property
    def last_seq(self) -> Path:
        return self.state / "last_seq"

    @property
    def master(self) -> Path:
        """Cached master-store contents, one file per fileMgr entity and instance."""
        return self.state / "master"

    @property
    def installed(self) -> Path:
        return self.state / "installed.json"

    @property
    def reports(self) -> Path:
        """Reports not yet delivered while the web server was away."""
        return self.state / "reports"

    @property
    def lock(self) -> Path:
        return self.state / "lock"

    @property
    def pidfile(self) -> Path:
        return self.state / "agent.pid"

    def file(self, path: str) -> Path:
        return under(self.root, path)
