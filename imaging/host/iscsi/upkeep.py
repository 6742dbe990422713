"""The appserver agent's iSCSI upkeep (a Job on the agent's clock): syncimage for every
WindowsImageTab row whose files are newer than its TimeStamp (checked each pass, so a change
of the table or of the files is seen within a pass), the storage reported as it is, a COW
disk's filling as the monitoring reading `iscsi_cow`, and at the agent's start and every
sanity interval: the thin pool's cache (lvmcache) made or, after a reboot took its RAM disk,
made again; targets re-created for COW disks that outlived an appserver restart, and
COW disks of clients that have not booted for cow_max_age hours removed with their targets.

Nothing here imports Django: the mirror in, the API out."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from entities.mirror import MirrorError, read_entity_file
from workers.host.client import ApiClient
from workers.host.outbox import deliver
from workers.host.registry import HostSide, Job

from .mirror import IscsiMirror
from .planning import (
    COW_SUFFIX,
    MASTER_SUFFIX,
    Refused,
    check_password,
    initiator_iqn,
    target_iqn,
)
from .storage import Export, Storage, StorageError, Volume
from .syncimage import (
    CURRENT,
    SYNCED,
    Outcome,
    image_rows,
    real_storage,
    report_synced,
    storage_lock,
    sync_images,
)

if TYPE_CHECKING:
    from workers.host.agent import Agent

log = logging.getLogger("labnet.iscsi")
POLL = 60.0  # seconds between passes on an appserver
IDLE = 600.0  # seconds before a host that is no Windows 7 appserver looks again
SANITY = 24 * 3600.0  # the agent's sanity interval: clean-up and targets re-created
DEFAULT_MAX_AGE_HOURS = 24  # lnappconf menuserver cow_max_age when unset
KEEP = 50  # state reports waiting for the web server, newest kept
CATEGORY = "iscsi_cow"  # monitoring category: percent of cowLvSize written


def max_age(mirror: IscsiMirror) -> timedelta:
    """lnappconf menuserver's cow_max_age (hours), or the default."""
    try:
        conf = read_entity_file(mirror.etc / "lnappconf" / "menuserver")
    except (OSError, MirrorError):
        return timedelta(hours=DEFAULT_MAX_AGE_HOURS)
    text = (conf.values("cow_max_age") or [""])[0].strip()
    hours = int(text) if text.isdigit() and 0 < int(text) <= 24 * 365 else DEFAULT_MAX_AGE_HOURS
    return timedelta(hours=hours)


def same_device(one: str, other: str) -> bool:
    """LIO names a target's device by its /dev/dm-N, lvm by /dev/<vg>/<lv>."""
    return os.path.realpath(one) == os.path.realpath(other)


def _client_of(volume: Volume) -> str:
    return volume.name[: -len(COW_SUFFIX)]


def _cows(volumes: list[Volume]) -> list[Volume]:
    return [v for v in volumes if v.origin.endswith(MASTER_SUFFIX) and v.name.endswith(COW_SUFFIX)]


def _created(volume: Volume) -> datetime | None:
    try:
        return datetime.fromisoformat(volume.created)
    except ValueError:
        return None


def clean_up(storage: Storage, mirror: IscsiMirror, now: datetime) -> list[str]:
    """Remove the COW disk and target of each client that has not booted (its COW was made
    at its last boot) for longer than cow_max_age, unless it is logged in right now."""
    oldest = now - max_age(mirror)
    targets = storage.targets.targets()
    removed = []
    for cow in _cows(storage.volumes.volumes()):
        created = _created(cow)
        if created is None or created >= oldest:
            continue
        held = [t for t in targets if same_device(t.device, cow.path)]
        if any(t.sessions for t in held):
            continue
        try:
            for target in held:
                storage.targets.remove(target.iqn)
            storage.volumes.remove(cow.name)
        except StorageError as exc:  # one stuck COW must not keep the others
            log.error("COW disk %s not removed: %s", cow.name, exc)
            continue
        removed.append(_client_of(cow))
    return removed


def restore_targets(storage: Storage, mirror: IscsiMirror, now: datetime) -> list[str]:
    """After an appserver restart LIO is empty but the COW volumes survive: export each
    young COW of a client still assigned its image again, with its ACL and CHAP."""
    server = mirror.appserver()
    oldest = now - max_age(mirror)
    exported = {os.path.realpath(t.device) for t in storage.targets.targets()}
    restored = []
    for cow in _cows(storage.volumes.volumes()):
        created = _created(cow)
        if os.path.realpath(cow.path) in exported or created is None or created < oldest:
            continue
        name = _client_of(cow)
        try:
            client = mirror.client(name)
            image = client.windows_image
            if cow.origin != image + MASTER_SUFFIX:
                raise Refused(f"client {name}: its COW is of {cow.origin}, not of {image}")
            storage.targets.export(
                Export(
                    target_iqn=target_iqn(server, image, name),
                    device=cow.path,
                    initiator_iqn=initiator_iqn(server, client),
                    chap_user=initiator_iqn(server, client),
                    chap_password=check_password(client),
                )
            )
        except (Refused, StorageError) as exc:
            log.warning("COW target of %s not re-created: %s", name, exc)
            continue
        restored.append(name)
    return restored


def state_of(storage: Storage, mirror: IscsiMirror, sync_states: dict[str, str]) -> dict[str, Any]:
    """The report of imaging/iscsi/<host>/state/: what LVM and LIO hold now. A thin COW
    has no size of its own: its bytes written are measured against its image's cowLvSize."""
    volumes = storage.volumes.volumes(written=True)
    cow_sizes = {i.name + MASTER_SUFFIX: i.cow_size for i in mirror.images().values()}
    rows = {r.image: r for r in image_rows(mirror)}
    by_name = {v.name: v for v in volumes}
    masters = []
    for image in sorted(set(rows) | {v.name[:-2] for v in volumes if v.name.endswith("_m")}):
        volume = by_name.get(image + MASTER_SUFFIX)
        row = rows.get(image)
        masters.append(
            {
                "image": image,
                "volume": volume.name if volume else "",
                "size": volume.size if volume else 0,
                "timestamp": row.timestamp if row else "",
                "sync": sync_states.get(image, "" if volume else "no master volume"),
            }
        )
    cows = [
        {
            "client": _client_of(v),
            "volume": v.name,
            "origin": v.origin,
            "cow_size": v.cow_size or cow_sizes.get(v.origin, 0),
            "written": v.written,
            "created": v.created,
        }
        for v in _cows(volumes)
    ]
    targets = [
        {
            "iqn": t.iqn,
            "device": t.device,
            "initiators": list(t.initiators),
            "sessions": list(t.sessions),
        }
        for t in storage.targets.targets()
    ]
    return {
        "vgroup": mirror.appserver().image_vgroup,
        "free_bytes": storage.volumes.free_bytes(),
        "masters": masters,
        "cows": cows,
        "targets": targets,
    }


def readings(state: dict[str, Any]) -> list[dict[str, str]]:
    """One `iscsi_cow` reading per COW: percent of its cowLvSize written (the nms entity
    iscsi_cow warns before it is critical). A full classic snapshot is dropped by LVM; a
    thin one goes on filling the pool that every client shares."""
    found = []
    for cow in state["cows"]:
        if cow["written"] is None or not cow["cow_size"]:
            continue
        percent = 100 * cow["written"] / cow["cow_size"]
        detail = f"{cow['written'] >> 20} of {cow['cow_size'] >> 20} MiB written"
        found.append({"item": cow["client"], "value": f"{percent:.1f}", "detail": detail})
    return found


@dataclass
class Upkeep:
    """One appserver's upkeep; run() is the Job, returning the seconds to the next pass."""

    host: str
    etc: Path
    root: Path
    state_dir: Path
    client: ApiClient
    make_storage: Callable[[str], Storage]
    clock: Callable[[], float] = time.monotonic
    _storage: Storage | None = None
    _last_sanity: float | None = None
    _sync_states: dict[str, str] = field(default_factory=dict)
    _sent: dict[str, str] = field(default_factory=dict)  # TimeStamps sent, by image

    def run(self) -> float:
        mirror = IscsiMirror(self.etc, self.host, self.root)
        try:
            vgroup = mirror.appserver_volume_group()
        except Refused:
            return IDLE  # not a Windows 7 appserver (yet)
        try:
            if self._storage is None:
                self._storage = self.make_storage(vgroup)
            self.one_pass(self._storage, mirror)
        except (Refused, StorageError, OSError) as exc:
            log.error("iSCSI upkeep of %s: %s", self.host, exc)
        return POLL

    def one_pass(self, storage: Storage, mirror: IscsiMirror) -> None:
        now = datetime.now(UTC)
        if self._last_sanity is None or self.clock() - self._last_sanity >= SANITY:
            self._last_sanity = self.clock()
            with storage_lock(self.root):
                try:  # before the targets: a lost RAM cache leaves the COWs inactive
                    cached = storage.volumes.ensure_cache(mirror.cache_plan())
                except (Refused, StorageError) as exc:  # the disks work on without a cache
                    cached = ""
                    log.error("cache of %s not made: %s", self.host, exc)
                restored = restore_targets(storage, mirror, now)
                removed = clean_up(storage, mirror, now)
            if cached:
                log.info("%s", cached)
            if restored:
                log.info("COW targets re-created for %s", ", ".join(restored))
            if removed:
                log.info("COW disks removed (not booted lately): %s", ", ".join(removed))
        for outcome in sync_images(storage, mirror, self.root, synced=self._sent):
            self._note(outcome)
        self.report(storage, mirror)

    def _note(self, outcome: Outcome) -> None:
        """Remember the row's sync state for the report; log and send what changed."""
        if outcome.state == SYNCED and outcome.synced:
            log.info("%s", outcome.message)
            message = f"synced at {outcome.synced.timestamp}"
            self._sent[outcome.image] = outcome.synced.timestamp
            report_synced(self.client, self.state_dir, self.host, outcome.synced)
        elif outcome.state == CURRENT:
            message = "up to date"
        else:
            message = outcome.message
            if self._sync_states.get(outcome.image) != message:
                log.warning("%s", message)  # once, not every pass while it stands
        self._sync_states[outcome.image] = message

    def report(self, storage: Storage, mirror: IscsiMirror) -> None:
        state = state_of(storage, mirror, self._sync_states)
        endpoint = f"imaging/iscsi/{self.host}/state/"
        deliver(self.client, self.state_dir / "iscsi-state", endpoint, state, KEEP)
        found = readings(state)
        if found:
            nms = {"time": datetime.now(UTC).isoformat(), "reports": {CATEGORY: found}}
            endpoint = f"nms/hosts/{self.host}/reports/"
            deliver(self.client, self.state_dir / "iscsi-readings", endpoint, nms, KEEP)


def host_side(agent: Agent) -> HostSide:
    settings = agent.settings
    upkeep = Upkeep(
        settings.host, settings.etc, settings.root, agent.paths.state, agent.client, real_storage
    )
    return HostSide(jobs=[Job("iscsi-upkeep", upkeep.run)])
