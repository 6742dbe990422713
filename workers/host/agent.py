"""One host's agent: pull the change feed into the mirror, re-render what the changes touch,
report back; the sanity pass re-checks everything. One pass at a time per host (a file lock),
whether it came from the broker, the schedule, the signal or the command line."""

from __future__ import annotations

import fcntl
import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from core.files import write_atomic
from filemgr.resolution import FILE_TYPE
from filemgr.templating import MirrorSource, ParsedFiles

from .certs import CA_FILE_ENTITY, CERT_CMD, CERT_PATH, check_certificate
from .client import ApiClient, ApiError, ApiUnavailable, installed_ca
from .deps import Deps, DepsFile, entity_reads
from .files import FilesRun, HostFiles, files_to_process
from .functions import FUNCTIONS, FunctionContext, run_functions
from .master import MasterCache
from .mirror import LocalMirror, download_whole, pull
from .outbox import deliver
from .settings import AgentSettings
from .sshkey import publish_ssh_key

log = logging.getLogger("labnet.agent")
SYNC, SANITY = "sync", "sanity"
# 500 made a client's agent peak about 5 MB higher on gendata's campus for no pass faster.
PARSED_FILES = 100


class Agent:
    def __init__(self, settings: AgentSettings):
        self.settings = settings
        self.paths = settings.paths
        self.client = ApiClient(
            settings.server, settings.token, ca_file=installed_ca(settings.root)
        )
        self.mirror = LocalMirror(settings.etc, self.paths.last_seq)
        # Kept across passes: a pass re-parses only the mirror files that changed, of the
        # PARSED_FILES last read (a template reading every host parses them all anyway).
        self.parsed = ParsedFiles(PARSED_FILES)
        self.deps = DepsFile(self.paths.state / "deps.json")
        # The digest of the reads last put in a report: a sync's report carries them only
        # when they changed (a sanity pass's always does).
        self.reads_sent: str | None = None
        self.paths.state.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def locked(self) -> Iterator[None]:
        with open(self.paths.lock, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def register(self) -> dict[str, Any]:
        """Tell the web server this agent runs, and learn whether the token is this host's."""
        return self.client.post(f"agents/{self.settings.host}/register/", {})

    def sync(self, seq: int | None = None) -> dict[str, Any] | None:
        """Catch up with the change feed; seq, when given, is the change that asked for it,
        so a pile of requests queued behind one pass costs nothing."""
        with self.locked():
            last = self.mirror.last_seq()
            if seq is not None and last is not None and last >= seq:
                return None
            started = time.monotonic()
            try:
                applied, changed = pull(self.client, self.mirror)
            except ApiUnavailable as exc:
                log.warning("web server unavailable, keeping the installed files: %s", exc)
                return None
            retry = self._load_retry()
            if not changed and not retry:
                self.mirror.set_last_seq(applied)
                return None
            deps = self.deps.load()
            host_files = self._host_files()
            names = host_files.source.entity_names(FILE_TYPE)
            only = files_to_process(names, changed, deps, (host_files.kind, self.settings.host))
            run = host_files.apply(only | retry)
            self._host_work(host_files, run, SYNC)
            return self._finish(SYNC, applied, run, deps, started)

    def sanity(self) -> dict[str, Any]:
        """Re-check everything: the mirror against the database when the web server answers,
        then every managed file against the mirror."""
        with self.locked():
            started = time.monotonic()
            errors = []
            try:
                applied = download_whole(self.client, self.mirror)
            except ApiUnavailable as exc:
                applied = self.mirror.last_seq()
                errors.append({"file": "", "message": f"mirror not re-checked: {exc}"})
            host_files = self._host_files()
            errors += self._publish_ssh_key(host_files)
            run = host_files.apply()
            self._host_work(host_files, run, SANITY)
            run.errors[:0] = errors
            return self._finish(SANITY, applied, run, self.deps.load(), started)

    def _publish_ssh_key(self, host_files: HostFiles) -> list[dict[str, str]]:
        own = host_files.source.entity_values(host_files.kind, self.settings.host)
        try:
            publish_ssh_key(self.client, self.settings.host, self.paths.root, own)
        except ApiUnavailable:
            pass  # sent on the next sanity pass
        except ApiError as exc:
            return [{"file": "", "message": f"ssh_key not published: {exc}"}]
        return []

    def _host_work(self, host_files: HostFiles, run: FilesRun, kind: str) -> None:
        """After the files (guide 2.3 steps 8-9): the certificate, checked at the sanity
        pass once the campus has a Labnet CA or when cert_cmd asks (a refusal then is an
        error), and the handlers of the server's functions."""
        own = host_files.source.entity_values(host_files.kind, self.settings.host) or {}
        has_ca = host_files.source.entity_values(FILE_TYPE, CA_FILE_ENTITY) is not None
        if (kind == SANITY and has_ca) or any(c.strip() for c in own.get(CERT_CMD, ())):
            check = check_certificate(self.client, self.settings.host, self.paths, own)
            if check.serial:
                run.changed.append({"file": "certificate", "path": CERT_PATH})
            run.scripts += check.scripts
            run.errors += [{"file": "certificate", "message": m} for m in check.errors]
        context = FunctionContext(self.settings.host, self.paths, host_files.source, self.client)
        for function, done in run_functions(context, own.get(FUNCTIONS, ())).items():
            run.changed += [{"file": function, "path": path} for path in done.changed]
            run.scripts += done.scripts
            run.errors += [{"file": function, "message": m} for m in done.problems]

    def _host_files(self) -> HostFiles:
        return HostFiles(
            self.paths,
            MirrorSource(self.settings.etc, self.parsed),
            self.settings.host,
            MasterCache(self.paths.master, self.client).content,
        )

    def _load_retry(self) -> set[str]:
        """The files whose content the web server did not send on the last pass."""
        try:
            return set(json.loads((self.paths.state / "retry.json").read_text()))
        except (FileNotFoundError, ValueError):
            return set()

    def _finish(
        self, kind: str, applied: int | None, run: FilesRun, deps: Deps, started: float
    ) -> dict[str, Any]:
        reads_changed = any(deps.get(name) != reads for name, reads in run.deps.items())
        if reads_changed:
            deps.update(run.deps)
            self.deps.save(deps)
        write_atomic(self.paths.state / "retry.json", json.dumps(sorted(run.retry)).encode())
        report = {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "seq": applied or 0,
            "duration": round(time.monotonic() - started, 3),
            "files_read": run.files_read,
            "files_written": run.files_written,
            "files_changed": run.changed,
            "scripts": [asdict(s) for s in run.scripts],
            "errors": run.errors,
        }
        if kind == SANITY or reads_changed or self.reads_sent is None:
            reads, digest = entity_reads(deps)
            if kind == SANITY or digest != self.reads_sent:
                report["reads"] = reads
            self.reads_sent = digest
        self.send_report(report)
        # Only now: a pass that stopped before this point pulls the same changes again.
        if applied is not None:
            self.mirror.set_last_seq(applied)
        return report

    def send_report(self, report: dict[str, Any]) -> None:
        """Deliver this report and any kept while the web server was away, oldest first."""
        deliver(self.client, self.paths.reports, f"agents/{self.settings.host}/reports/", report)
