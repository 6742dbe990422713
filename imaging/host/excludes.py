"""What lnrsync must not copy over a destination: every managed file that resolves for that
server (the agent owns those, guide 3.1), then the image's own filter rules. Read from the XML
mirror; no Django."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from core.hosts import CLIENT, SERVER
from filemgr.resolution import FILE_TYPE, BadManagedFile, host_facts, managed_file, resolve
from workers.host.paths import CLIENT_IMAGE

from ..replication import Image

Values = Mapping[str, Sequence[str]]
_WILDCARDS = "*?["


def managed_paths(server: str, entities: Mapping[tuple[str, str], Values]) -> set[str]:
    """The paths of the managed files the agent installs on server: its own, and its
    clients' copies in the client image when it is their appserver."""
    facts = host_facts(server, SERVER, entities.get((SERVER, server), {}))
    clients = [
        host_facts(name, CLIENT, values)
        for (kind, name), values in entities.items()
        if kind == CLIENT and [v.strip() for v in values.get("server", [])[:1]] == [server]
    ]
    paths = set()
    for (kind, name), values in entities.items():
        if kind != FILE_TYPE:
            continue
        try:
            file = managed_file(name, values)
        except BadManagedFile:
            continue  # the agent reports it; it installs nothing there either
        if not file.path:
            continue
        if resolve(file, facts) is not None:
            paths.add(file.path)
        if any(resolve(file, client) is not None for client in clients):
            paths.add(CLIENT_IMAGE + file.path)
    return paths


def _literal(path: str) -> str:
    """path as an rsync pattern matching only itself."""
    if not any(c in path for c in _WILDCARDS):
        return path
    return "".join("\\" + c if c in _WILDCARDS + "\\" else c for c in path)


def filter_rules(image: Image, dst: str, managed: Iterable[str]) -> list[str]:
    """The merge-file lines for one sync into dst: managed files under dst first (rsync takes
    the first rule that matches, so no include of the image can bring one back), then the
    image's rules."""
    top = dst.rstrip("/")
    protected = sorted(p[len(top) :] for p in managed if p.startswith(top + "/"))
    return [f"- {_literal(p)}" for p in protected] + [r.rsync_rule for r in image.filters]
