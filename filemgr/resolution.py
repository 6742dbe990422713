"""Which FileTable instance of a managed file a host gets (DESIGN.md, "File instance names").

Pure functions over plain values, so the web tools, the fan-out and the host agent (which has
no database) share one implementation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from core.hosts import CLIENT, SERVER
from entities.mirror import is_plain_name

from .hashing import NO_HASH

FILE_TYPE = "fileMgr"
INSTANCE, TEMPLATE, HASH, PREV_HASH = "ft_instance", "ft_template", "ft_hash", "ft_prev_hash"
FILE_TABLE = (INSTANCE, TEMPLATE, HASH, PREV_HASH)
CONFIG_FILES_TABLE, FILE_ID, FILE_GROUP = "Config_Files_Table", "file_id", "file_group"
# A client's appserver is the host named by its `server` variable (guide 2.9).
APPSERVER_VARIABLE = "server"
MODE_RE = re.compile(r"[0-7]{1,4}")
# What an instance name selects: a group (hosts naming it in their Config_Files_Table), or a
# subject and an audience after "@", each for servers, for clients or for both.
GROUP, HOST, APPSERVER, DEPT, SITE = "group", "host", "appserver", "dept", "site"
DEFAULT, BOTH = "default", "both"
SCOPES = (SERVER, CLIENT, BOTH)


@dataclass(frozen=True)
class FileInstance:
    """One row of a fileMgr entity's FileTable."""

    name: str
    template: bool
    hash: str = NO_HASH
    prev_hash: str = NO_HASH


@dataclass(frozen=True)
class ManagedFile:
    """A fileMgr entity: where the file goes, whose it is, and its instances."""

    name: str
    path: str
    owner: str
    group: str
    mode: int
    script: str = ""
    instances: tuple[FileInstance, ...] = ()

    def instance(self, name: str) -> FileInstance | None:
        """The first row of that name: a repeated name never shadows the earlier row."""
        return next((i for i in self.instances if i.name == name), None)


@dataclass(frozen=True)
class HostFacts:
    """What resolution needs to know about a host: its kind, dept, site, appserver, groups."""

    name: str
    kind: str
    dept: str = ""
    site: str = ""
    appserver: str = ""
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _first(values: Mapping[str, Sequence[str]], variable: str) -> str:
    found = values.get(variable) or [""]
    return found[0].strip()


class BadManagedFile(ValueError):
    """A fileMgr entity whose values cannot describe a file; the message names it."""


def _mode(file: str, text: str) -> int:
    if not MODE_RE.fullmatch(text):
        raise BadManagedFile(f"{file}: mode {text!r} is not an octal mode such as 0644")
    return int(text, 8)


def managed_file(name: str, values: Mapping[str, Sequence[str]]) -> ManagedFile:
    """A ManagedFile from a fileMgr entity's values (table columns aligned by row); raises
    BadManagedFile when they cannot describe one."""
    names = values.get(INSTANCE, [])
    column = {c: list(values.get(c, [])) for c in (TEMPLATE, HASH, PREV_HASH)}

    def cell(col: str, row: int, default: str) -> str:
        cells = column[col]
        return cells[row] if row < len(cells) and cells[row] else default

    instances = tuple(
        FileInstance(
            instance.strip(),
            cell(TEMPLATE, row, "no").strip().lower() == "yes",
            cell(HASH, row, NO_HASH),
            cell(PREV_HASH, row, NO_HASH),
        )
        for row, instance in enumerate(names)
        if instance.strip()
    )
    return ManagedFile(
        name=name,
        path=_first(values, "path"),
        owner=_first(values, "owner") or "root",
        group=_first(values, "group") or "root",
        mode=_mode(name, _first(values, "mode") or "0644"),
        script=_first(values, "script"),
        instances=instances,
    )


def host_facts(name: str, kind: str, values: Mapping[str, Sequence[str]]) -> HostFacts:
    """HostFacts from a client or server entity's values."""
    groups: dict[str, list[str]] = {}
    for file_id, group in zip(values.get(FILE_ID, []), values.get(FILE_GROUP, []), strict=False):
        if file_id.strip() and group.strip():
            groups.setdefault(file_id.strip(), []).append(group.strip())
    return HostFacts(
        name=name,
        kind=CLIENT if kind == CLIENT else SERVER,
        dept=_first(values, "dept"),
        site=_first(values, "site"),
        appserver=_first(values, APPSERVER_VARIABLE) if kind == CLIENT else "",
        groups={k: tuple(v) for k, v in groups.items()},
    )


def instance_name(audience: str, subject: str, scope: str) -> str:
    """The FileTable instance name of an audience, for servers, clients or both."""
    if audience == GROUP:
        return subject
    if audience == DEFAULT:
        return DEFAULT if scope == BOTH else f"{DEFAULT}_{scope}"
    if audience == APPSERVER:  # all clients of that appserver, whatever the scope
        return f"{subject}@{APPSERVER}_{CLIENT}"
    return f"{subject}@{audience}" + ("" if scope == BOTH else f"_{scope}")


# The audience of each suffix after "@", and the names of the default instances.
_AUDIENCE_OF = {
    instance_name(audience, "", scope)[1:]: audience
    for audience in (HOST, APPSERVER, DEPT, SITE)
    for scope in SCOPES
}
_DEFAULTS = {instance_name(DEFAULT, "", scope) for scope in SCOPES}
_INSTANCE_NAME_RE = re.compile(
    r"[A-Za-z0-9_.-]+(@(" + "|".join(re.escape(s) for s in sorted(_AUDIENCE_OF)) + "))?"
)


def is_instance_name(name: str) -> bool:
    """Whether name may name a file instance (it names a file in the master store)."""
    return is_plain_name(name) and _INSTANCE_NAME_RE.fullmatch(name) is not None


def candidate_names(file: str, host: HostFacts) -> list[str]:
    """Instance names tried for host, most specific first."""
    names = list(host.groups.get(file, ()))
    own = host.kind
    names.append(instance_name(HOST, host.name, own))
    if host.kind == SERVER:
        names.append(instance_name(HOST, host.name, BOTH))
    elif host.appserver:
        names.append(instance_name(APPSERVER, host.appserver, CLIENT))
        names.append(instance_name(HOST, host.appserver, BOTH))
    for audience, subject in ((DEPT, host.dept), (SITE, host.site)):
        if subject:
            names += [instance_name(audience, subject, own), instance_name(audience, subject, BOTH)]
    return names + [instance_name(DEFAULT, "", own), instance_name(DEFAULT, "", BOTH)]


def resolve(file: ManagedFile, host: HostFacts) -> FileInstance | None:
    """The instance host gets: the first candidate name the FileTable has."""
    for name in candidate_names(file.name, host):
        if (instance := file.instance(name)) is not None:
            return instance
    return None


def instance_audience(instance: str) -> tuple[str, str]:
    """What an instance name selects: (audience, subject), audience one of GROUP, HOST,
    APPSERVER, DEPT, SITE, DEFAULT. A name of no audience is tried only as a group."""
    subject, at, suffix = instance.partition("@")
    if not at:
        return (DEFAULT, "") if instance in _DEFAULTS else (GROUP, instance)
    if suffix in _AUDIENCE_OF:
        return _AUDIENCE_OF[suffix], subject
    return GROUP, instance


def clients_appserver(instance: str) -> str:
    """The appserver whose clients may get instance through it ("" for none): a client tries
    `<appserver>@appserver_client` and `<appserver>@host`."""
    subject = instance.partition("@")[0]
    through = (instance_name(APPSERVER, subject, CLIENT), instance_name(HOST, subject, BOTH))
    return subject if instance in through else ""


def hosts_getting(file: ManagedFile, hosts: Iterable[HostFacts]) -> dict[str, list[str]]:
    """Instance name -> the hosts that get it, for every instance of file."""
    getting: dict[str, list[str]] = {i.name: [] for i in file.instances}
    for host in hosts:
        if (instance := resolve(file, host)) is not None:
            getting[instance.name].append(host.name)
    return getting
