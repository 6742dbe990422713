"""Back up now (the backup status pages' button): the web tool sends the task
backups.back_up_now to the queue host.<bk_server>, naming one step per BackupTable row; this
backup server runs backupsync for exactly those rows, one after the other, and reports each
step through its token (POST backups/<host>/steps/<step>/): running, with rsync's progress
line every few seconds, then done or failed once the usual report has set bk_date. No
Django here."""

from __future__ import annotations

import logging
import os
import time
from datetime import date as Date
from typing import TYPE_CHECKING, Any

from core.ssh import rsync_shell
from workers.host.client import ApiClient, ApiError, ApiUnavailable
from workers.host.registry import HostSide
from workers.host.settings import LocalHost

from .backupsync import backupsync, disks_report, outcome
from .commands import REPORT_PATH
from .config import mirror_filter, mirror_rows
from .rsync import Progress
from .table import BackupRow, rows_backed_up_by

if TYPE_CHECKING:
    from workers.host.agent import Agent

log = logging.getLogger("labnet.backups")
BACK_UP_NOW_TASK = "backups.back_up_now"
STEP_PATH = "backups/{host}/steps/{step}/"
# The states a backup server reports of a step (backups.choices.StepState).
RUNNING, DONE, FAILED = "running", "done", "failed"
MAX_MESSAGE = 500  # the step's message and progress columns
PROGRESS_SECONDS = 2.0  # the run page reloads as often: more reports would not be seen


def _key(source: str, directory: str) -> tuple[str, str]:
    return source, directory.rstrip("/") or "/"


class BackUpNow:
    """One backup server's back up now: find each step's row in the mirror, back it up,
    report."""

    def __init__(
        self, local: LocalHost, client: ApiClient, progress_seconds: float = PROGRESS_SECONDS
    ):
        self.local, self.client, self.progress_seconds = local, client, progress_seconds

    def report(self, step: int, state: str, message: str, progress: str = "") -> None:
        body = {
            "state": state,
            "message": message[-MAX_MESSAGE:],
            "progress": progress[:MAX_MESSAGE],
        }
        try:
            self.client.post(STEP_PATH.format(host=self.local.host, step=step), body)
        except (ApiError, ApiUnavailable) as exc:
            # Progress is for people watching now: the run page says when it last heard.
            log.warning("back up now: step %s (%s) not reported: %s", step, state, exc)

    def run(self, steps: list[dict[str, Any]]) -> None:
        """steps: [{"step": id, "source": server, "directory": bk_directory}, ...]."""
        host, paths = self.local.host, self.local.paths
        try:
            rows = rows_backed_up_by(host, mirror_rows(paths.etc))
        except ValueError as exc:  # MirrorError: a file that cannot be read
            for step in steps:
                self.report(step["step"], FAILED, f"{host}'s mirror: {exc}")
            return
        by_key = {_key(r.source, r.directory): r for r in rows}
        ssh_config = os.environ.get("LABNET_SSH_CONFIG")
        rsh = rsync_shell(ssh_config)
        for step in steps:
            row = by_key.get(_key(step["source"], step["directory"]))
            if row is None:
                self.report(
                    step["step"],
                    FAILED,
                    f"{host}'s mirror has no BackupTable row of {step['source']} for "
                    f"{step['directory']} backed up by {host} with bk_on on",
                )
                continue
            self._one(step["step"], row, rows, rsh)

    def _one(self, step: int, row: BackupRow, rows: list[BackupRow], rsh: str) -> None:
        where = f"{row.source}:{row.directory}"
        self.report(step, RUNNING, f"{where}: rsync to {self.local.host}")
        last: list[Progress] = []
        told = [0.0]

        def watch(_: BackupRow, progress: Progress) -> None:
            last[:] = [progress]
            now = time.monotonic()
            if now - told[0] >= self.progress_seconds:
                told[0] = now
                self.report(step, RUNNING, f"{where}: rsync to {self.local.host}", progress.line)

        paths = self.local.paths
        try:
            [result] = backupsync(
                paths,
                [row],
                Date.today().isoformat(),
                rsh,
                lambda name: mirror_filter(paths.etc, name),
                say=log.info,
                watch=watch,
            )
        except OSError as exc:  # the backup disk itself: unwritable, gone
            self.report(step, FAILED, f"{where}: {exc}")
            return
        line = last[0].line if last else ""
        body = {"results": [result.as_report()], "disks": disks_report(paths, rows)}
        try:
            self.client.post(REPORT_PATH.format(host=self.local.host), body)
        except (ApiError, ApiUnavailable) as exc:
            self.report(step, FAILED, f"{where}: the web server did not take the report: {exc}")
            return
        self.report(step, DONE if result.ok else FAILED, f"{where}: {outcome(result)}", line)


def host_side(agent: Agent) -> HostSide:
    settings = agent.settings
    back_up_now = BackUpNow(LocalHost(settings.host, settings.paths), agent.client)
    return HostSide(tasks={BACK_UP_NOW_TASK: back_up_now.run})
