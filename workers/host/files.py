"""Bringing a host's managed files to their intended content (guide 2.3 steps 5 to 7, 2.4,
2.9): resolve each fileMgr entity's instance for the host, render templates from the mirror,
install what differs, then run the scripts of the files that changed."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.files import write_atomic
from core.hosts import SERVER, host_kind
from filemgr.hashing import file_hash
from filemgr.resolution import (
    CLIENT,
    FILE_TYPE,
    BadManagedFile,
    FileInstance,
    HostFacts,
    ManagedFile,
    host_facts,
    managed_file,
    resolve,
)
from filemgr.templating import ConfigSource, TemplateError, UnknownHost, compile_template

from .install import install_file, install_symlink
from .master import ContentNotFetched, ContentUnavailable
from .paths import CLIENT_IMAGE, LOCAL_CONF, AgentPaths, PathOutsideRoot, under
from .recording import ANY, Entity, Key, Reads, RecordingSource, meets, merge
from .scripts import ScriptRun, run_script

log = logging.getLogger("labnet.agent")
APPSERVER_FUNCTION = "appserver"
Content = Callable[[str, FileInstance], bytes]
# Errors whose text is the agent's or the template engine's own, reported as it is: a
# TemplateError never quotes a configuration value, the others name a file, an instance, a
# path, a user or a group (an InstallError is an OSError).
EXPLAINED = (
    TemplateError,
    BadManagedFile,
    ContentUnavailable,
    UnknownHost,
    PathOutsideRoot,
    OSError,
)


def error_message(error: Exception) -> str:
    """What a report says of an error: any other exception's text may quote a value it could
    not handle (a secret among them), so the report names only its type."""
    if isinstance(error, EXPLAINED):
        return str(error)
    return f"unexpected {type(error).__name__}; the agent's log has the details"


@dataclass
class FilesRun:
    """What one pass over the files did: the agent's report is made from it."""

    files_read: int = 0
    files_written: int = 0
    changed: list[dict] = field(default_factory=list)
    scripts: list[ScriptRun] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    deps: dict[str, Reads] = field(default_factory=dict)
    # Files whose content the web server did not send: processed again on the next pass.
    retry: set[str] = field(default_factory=set)

    def fail(self, file: str, error: Exception, prefix: str = "", **where: str) -> None:
        """Record an error of one file; the pass goes on with the others."""
        if not isinstance(error, EXPLAINED):
            log.error("%s: unexpected error", file, exc_info=error)
        self.errors.append({"file": file, **where, "message": prefix + error_message(error)})
        if isinstance(error, ContentNotFetched):
            self.retry.add(file)


class InstalledRecord:
    """The hash of what Labnet last installed at each path: content on disk with another hash
    was changed by hand (a template instance's hash is the template's, not the output's)."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.hashes: dict[str, str] = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            self.hashes = {}
        self.dirty = False

    def get(self, target: Path) -> str | None:
        return self.hashes.get(str(target))

    def set(self, target: Path, digest: str) -> None:
        if self.hashes.get(str(target)) != digest:
            self.hashes[str(target)] = digest
            self.dirty = True

    def save(self) -> None:
        if self.dirty:
            write_atomic(self.path, json.dumps(self.hashes, sort_keys=True, indent=0).encode())
            self.dirty = False


def files_to_process(
    names: Collection[str],
    changed: Collection[Key],
    deps: Mapping[str, Reads],
    own: Entity,
) -> set[str]:
    """The files a set of changed keys can affect: all when definitions changed or the host's
    own entity came whole (created, deleted, downloaded); else a changed fileMgr entity, a file
    whose reads meet the changes (variable by variable; the host's own variables that decide
    which instance it gets are among every file's reads), a file never processed."""
    if any(n == ANY for _, n, _ in changed) or (*own, ANY) in changed:
        return set(names)
    changed_files = {n for t, n, _ in changed if t == FILE_TYPE}
    picked = set()
    for name in names:
        reads = deps.get(name)
        if reads is None or name in changed_files or any(meets(reads, k) for k in changed):
            picked.add(name)
    return picked


class HostFiles:
    """The managed files of one host, rendered from source (the mirror)."""

    def __init__(self, paths: AgentPaths, source: ConfigSource, host: str, content: Content):
        self.paths, self.source, self.host, self.content = paths, source, host, content
        # A host the mirror does not hold yet is served as a server.
        self.kind = host_kind(source, host) or SERVER
        self.record = InstalledRecord(paths.state / "installed.json")

    def facts(self, source: ConfigSource, host: str, kind: str) -> HostFacts:
        values = source.entity_values(kind, host)  # not `or {}`: that reads every variable
        return host_facts(host, kind, {} if values is None else values)

    def apply(self, only: Collection[str] | None = None) -> FilesRun:
        """Install the files named in only (all when None); run their scripts.

        Whatever goes wrong with one file (an Exception: its rendering, its path, its
        install, its script) is recorded for it and the pass goes on with the others; a
        MemoryError too, as the allocation that failed is released when it unwinds. Only
        what asks the agent to stop (KeyboardInterrupt, SystemExit) ends the pass."""
        run = FilesRun()
        # What decides which instances the host gets and whether it renders its clients'
        # image is read by every file.
        host_reads = RecordingSource(self.source)
        facts = self.facts(host_reads, self.host, self.kind)
        own = host_reads.entity_values(self.kind, self.host)
        own = {} if own is None else own
        appserver = self.kind != CLIENT and APPSERVER_FUNCTION in own.get("functions", [])
        every_file = host_reads.reads()
        to_run: list[tuple[ManagedFile, Path]] = []
        for name in self.source.entity_names(FILE_TYPE):
            if only is not None and name not in only:
                continue
            try:
                file = managed_file(name, self.source.entity_values(FILE_TYPE, name) or {})
            except Exception as exc:
                run.fail(name, exc)
                run.deps[name] = {}  # tried again when its fileMgr entity changes
                continue
            recording = RecordingSource(self.source)
            target = self._own_file(file, facts, recording, run)
            if appserver:
                self._client_image(file, recording, run)
            run.deps[file.name] = merge(every_file, recording.reads())
            if target is not None and file.script:
                to_run.append((file, target))
        self.record.save()
        for file, target in to_run:
            try:
                run.scripts.append(run_script(file.script, file.name, target, self.paths))
            except Exception as exc:
                run.fail(file.name, exc, "script: ")
        return run

    def render(
        self, file: ManagedFile, instance: FileInstance, source: ConfigSource, host: str, kind: str
    ) -> bytes:
        data = self.content(file.name, instance)
        if not instance.template:
            return data
        label = f"{file.name}/{instance.name}"
        return compile_template(data, label).render(source, host, kind, label).encode()

    def _own_file(
        self, file: ManagedFile, facts: HostFacts, source: ConfigSource, run: FilesRun
    ) -> Path | None:
        """Install the host's own copy; the path written when it changed."""
        try:
            instance = resolve(file, facts)
        except Exception as exc:
            run.fail(file.name, exc)
            return None
        if instance is None or not file.path:
            return None
        try:
            data = self.render(file, instance, source, self.host, self.kind)
            target = self.paths.file(file.path)
            # A diskless client's shared image points differing files at its /local_conf.
            local = f"{LOCAL_CONF}/{file.name}"
            if self.kind == CLIENT and target.is_symlink() and os.readlink(target) == local:
                target = under(self.paths.root, local)
            known = {file_hash(data)}
            if not instance.template:
                known |= {instance.hash, instance.prev_hash}
            return self._install(file, target, data, known, run)
        except Exception as exc:
            run.fail(file.name, exc, instance=instance.name)
            return None

    def _install(
        self, file: ManagedFile, target: Path, data: bytes, known: set[str], run: FilesRun
    ) -> Path | None:
        if (recorded := self.record.get(target)) is not None:
            known.add(recorded)
        run.files_read += 1
        done = install_file(target, data, file.owner, file.group, file.mode, known)
        self.record.set(target, file_hash(data))
        if not done.changed:
            return None
        run.files_written += 1
        run.changed.append({"file": file.name, "path": str(target), "saved": str(done.saved or "")})
        return target

    def _client_image(self, file: ManagedFile, source: ConfigSource, run: FilesRun) -> None:
        """An appserver places its clients' copy in their shared root image: the one version
        when all clients agree, else a link to /local_conf/<name> that each client fills."""
        try:
            self._install_client_image(file, source, run)
        except Exception as exc:
            run.fail(file.name, exc, "client image: ")

    def _install_client_image(self, file: ManagedFile, source: ConfigSource, run: FilesRun):
        clients = sorted(source.entities_where(CLIENT, "server", [self.host]))
        versions: set[bytes] = set()
        missing = False
        for client in clients:
            instance = resolve(file, self.facts(source, client, CLIENT))
            if instance is None:
                missing = True
                continue
            try:
                versions.add(self.render(file, instance, source, client, CLIENT))
            except Exception as exc:
                run.fail(file.name, exc, instance=instance.name, client=client)
                return
        if not versions or not file.path:
            return
        target = under(self.paths.root, CLIENT_IMAGE + "/" + file.path.lstrip("/"))
        if len(versions) == 1 and not missing:
            data = versions.pop()
            self._install(file, target, data, {file_hash(data)}, run)
            return
        run.files_read += 1
        if install_symlink(target, f"{LOCAL_CONF}/{file.name}"):
            run.files_written += 1
            run.changed.append({"file": file.name, "path": str(target), "saved": ""})
