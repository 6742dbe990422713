"""Sync now (the Rsync Info Editor's button): the web tool sends the task imaging.sync_now to
the queue host.<name> of the server holding the parent copy, naming the destinations; this
host runs lnrsync for exactly those and reports each one's progress through its token
(POST imaging/rsync/<host>/steps/<step>/: running, again every few seconds with rsync's
--info=progress2 line while it copies, then lnrsync's outcome). The web server then sends
the next level of a subtree to the servers just synced. No Django here."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from entities.mirror import MirrorError
from workers.host.client import ApiClient, ApiError, ApiUnavailable
from workers.host.registry import HostSide
from workers.host.rsync_progress import Progress

from .lnrsync import FAILED, Entities, Options, Sync, read_mirror, run_sync, syncs_from

if TYPE_CHECKING:
    from workers.host.agent import Agent

log = logging.getLogger("labnet.imaging")
SYNC_NOW_TASK = "imaging.sync_now"
RUNNING = "running"
MAX_MESSAGE = 500  # the step's message and progress columns
PROGRESS_SECONDS = 2.0  # the run page reloads as often: more reports would not be seen


class SyncNow:
    """One host's sync now: read the mirror, push each destination asked for, report."""

    def __init__(
        self,
        host: str,
        etc: Path,
        root: Path,
        client: ApiClient,
        progress_seconds: float = PROGRESS_SECONDS,
    ):
        self.host, self.etc, self.root, self.client = host, etc, root, client
        self.progress_seconds = progress_seconds

    def report(self, step: int, state: str, message: str, progress: str = "") -> None:
        body = {"state": state, "message": message[-MAX_MESSAGE:], "progress": progress}
        try:
            self.client.post(f"imaging/rsync/{self.host}/steps/{step}/", body)
        except (ApiError, ApiUnavailable) as exc:
            # Progress is for people watching now: the run page says when it last heard.
            log.warning("sync now: step %s (%s) not reported: %s", step, state, exc)

    def run(self, steps: list[dict[str, Any]]) -> None:
        """steps: [{"step": id, "server": name, "dst": path, "force": bool}, ...]."""
        try:
            derivation, entities = read_mirror(self.etc)
        except MirrorError as exc:
            for step in steps:
                self.report(step["step"], FAILED, f"{self.host}'s mirror: {exc}")
            return
        syncs = {(s.node.server, s.node.path): s for s in syncs_from(derivation, self.host)}
        options = Options.from_environment()
        for step in steps:
            sync = syncs.get((step["server"], step["dst"]))
            if sync is None:
                self.report(
                    step["step"],
                    FAILED,
                    f"{self.host}'s mirror has no Rsync row of {step['server']} copying "
                    f"{step['dst']} from {self.host}",
                )
                continue
            self._one(step["step"], sync, options, entities, bool(step["force"]))

    def _one(self, step: int, sync: Sync, options: Options, entities: Entities, force: bool):
        """Push one step, telling the web server rsync's progress every progress_seconds."""
        started = f"{sync.where}: rsync from {self.host}"
        self.report(step, RUNNING, started)
        last: list[Progress] = []
        told = [time.monotonic()]

        def watch(progress: Progress) -> None:
            last[:] = [progress]
            now = time.monotonic()
            if now - told[0] >= self.progress_seconds:
                told[0] = now
                self.report(step, RUNNING, started, progress.line[:MAX_MESSAGE])

        outcome = run_sync(sync, options, self.root, entities, self.client, self.host, force, watch)
        self.report(step, outcome.state, outcome.line, last[0].line[:MAX_MESSAGE] if last else "")


def host_side(agent: Agent) -> HostSide:
    settings = agent.settings
    sync_now = SyncNow(settings.host, settings.etc, settings.root, agent.client)
    return HostSide(tasks={SYNC_NOW_TASK: sync_now.run})
