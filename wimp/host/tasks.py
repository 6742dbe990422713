"""The work a WIMP session sends to a host's agent by task name (queue host.<name>), and its
reports: each task posts `running` with what it is doing, then `done` or `failed` with a
message and the storage's live state, through the host's token to
POST /api/v1/wimp/tasks/<host>/<task>/. No Django here."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imaging.host.iscsi.planning import Refused, master_name
from imaging.host.iscsi.storage import Storage, StorageError
from workers.host.client import ApiClient, ApiError, ApiUnavailable
from workers.host.paths import PathOutsideRoot, under
from workers.host.registry import HostSide

from . import archive, mirror, volumes
from .storage import storage_for

if TYPE_CHECKING:
    from workers.host.agent import Agent

log = logging.getLogger("labnet.wimp")
RUNNING, DONE, FAILED = "running", "done", "failed"
MAX_MESSAGE = 500
# The appserver's one lock on volume and target changes (imaging's syncimage, boots, upkeep).
STORAGE_LOCK = "run/labnet/iscsi.lock"
TIMESTAMP = "%Y-%m-%d %H:%M:%S"  # WindowsImageTab's TimeStamp


@contextmanager
def storage_lock(root: Path) -> Iterator[None]:
    path = Path(root) / STORAGE_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


class WimpTasks:
    """One host's WIMP work."""

    def __init__(
        self,
        host: str,
        etc: Path,
        root: Path,
        client: ApiClient,
        make_storage: Callable[[str], Storage] = storage_for,
    ):
        self.host, self.etc, self.root, self.client = host, Path(etc), Path(root), client
        self.make_storage = make_storage

    def report(self, task: int, state: str, message: str, detail: dict | None = None) -> None:
        try:
            self.client.post(
                f"wimp/tasks/{self.host}/{task}/",
                {"state": state, "message": message[-MAX_MESSAGE:], "detail": detail or {}},
            )
        except (ApiError, ApiUnavailable) as exc:
            log.warning("WIMP task %s (%s) not reported: %s", task, state, exc)

    def _do(self, task: int, work: Callable[[], tuple[str, dict[str, Any]]]) -> None:
        try:
            message, detail = work()
        except (Refused, StorageError, archive.ArchiveError, OSError) as exc:
            log.error("WIMP task %s: %s", task, exc)
            self.report(task, FAILED, str(exc))
            return
        self.report(task, DONE, message, detail)

    def _directory(self, archive_dir: str) -> Path:
        """The session's image directory inside the agent's root; a '..' in it is refused,
        so a delete never reaches outside."""
        try:
            return under(self.root, archive_dir)
        except PathOutsideRoot as exc:
            raise Refused(f"image directory: {exc}") from None

    def _storage(self) -> tuple[Storage, Any]:
        server = mirror.appserver(self.etc, self.host)
        if not server.image_vgroup:
            raise Refused(f"{self.host} has no iscsi_image_vgroup: not a Windows 7 appserver")
        return self.make_storage(server.image_vgroup), server

    def prepare(self, task: int, image: str, client: str, size: int, mode: str, source: str = ""):
        def work():
            self.report(task, RUNNING, f"creating {master_name(image)} on {self.host}")
            storage, server = self._storage()
            with storage_lock(self.root):
                target, lines = volumes.prepare(
                    storage, server, mirror.client(self.etc, client), image, size, mode, source
                )
            state = {**volumes.live_state(storage, image), "lines": lines}
            return f"master {master_name(image)} exported as {target.iqn} to {client}", state

        self._do(task, work)

    def capture(self, task: int, image: str, archive_dir: str, master_host: str, master_dir: str):
        def work():
            started = datetime.now().strftime(TIMESTAMP)
            storage, server = self._storage()
            with storage_lock(self.root):
                volumes.release(storage, server, image)
            master = {v.name: v for v in storage.volumes.volumes()}.get(master_name(image))
            if master is None:
                raise Refused(f"{self.host} has no master volume {master_name(image)}")
            directory = self._directory(archive_dir)
            progress = lambda line: self.report(task, RUNNING, line)  # noqa: E731
            lines = archive.capture(master.path, directory, image, self.root, progress)
            progress(f"copying to {master_host}:{master_dir}")
            lines.append(archive.copy_verified(directory, image, master_host, master_dir))
            detail = {**volumes.live_state(storage, image), "lines": lines, "timestamp": started}
            return f"{image} archived in {archive_dir}, {lines[-1]}", detail

        self._do(task, work)

    def remove(self, task: int, image: str):
        def work():
            storage, server = self._storage()
            with storage_lock(self.root):
                volumes.remove(storage, server, image)
            return f"master {master_name(image)} removed", volumes.live_state(storage, image)

        self._do(task, work)

    def remove_archive(self, task: int, image: str, archive_dir: str):
        def work():
            removed = archive.remove_files(self._directory(archive_dir), image)
            names = ", ".join(removed) or "nothing was there"
            return f"removed from {self.host}:{archive_dir}: {names}", {"lines": removed}

        self._do(task, work)

    def local_image(self, task: int, image: str, partition: str, archive_dir: str):
        def work():
            self.report(task, RUNNING, f"imaging {partition}")
            target = self._directory(archive_dir) / image
            target.parent.mkdir(parents=True, exist_ok=True)
            line = archive.make_verified(partition, target, self.root)
            return f"{partition} imaged into {archive_dir}/{image} and verified", {"lines": [line]}

        self._do(task, work)

    def local_restore(self, task: int, image: str, partition: str, archive_dir: str):
        def work():
            self.report(task, RUNNING, f"restoring {partition}")
            source = self._directory(archive_dir) / image
            if not source.is_dir():
                raise Refused(f"{self.host} has no image {image} in {archive_dir}")
            state = archive.state_file(self.root, source)
            Path(state).parent.mkdir(parents=True, exist_ok=True)
            said = archive.host_program(
                "restoreimage", str(source), partition, "--state", state, what=partition
            )
            return f"{partition} restored from {archive_dir}/{image}", {"lines": said.splitlines()}

        self._do(task, work)

    def local_delete(self, task: int, image: str, archive_dir: str):
        """A standalone image deleted from the client's 4th partition (or the image
        directory it has mounted)."""

        def work():
            self.report(task, RUNNING, f"deleting {archive_dir}/{image}")
            removed = archive.remove_files(self._directory(archive_dir), image)
            if not removed:
                raise Refused(f"{self.host} has no image {image} in {archive_dir}")
            names = ", ".join(removed)
            return f"deleted from {self.host}:{archive_dir}: {names}", {"lines": removed}

        self._do(task, work)

    def tasks(self) -> dict[str, Callable[..., None]]:
        return {
            "wimp.prepare": self.prepare,
            "wimp.capture": self.capture,
            "wimp.remove": self.remove,
            "wimp.remove_archive": self.remove_archive,
            "wimp.local_image": self.local_image,
            "wimp.local_restore": self.local_restore,
            "wimp.local_delete": self.local_delete,
        }


def host_side(agent: Agent) -> HostSide:
    settings = agent.settings
    return HostSide(
        tasks=WimpTasks(settings.host, settings.etc, settings.root, agent.client).tasks()
    )
