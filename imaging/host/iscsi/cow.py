"""A client's COW disk per boot (guide 3.3.5): its previous target and COW go, a fresh
snapshot of its windowsImage's master comes, exported to its initiator alone with CHAP.
menuserver's queue calls the maker one client at a time (install_cow_maker)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ..bootclients import BootClient
from .mirror import IscsiMirror
from .planning import CowPlan, Occupancy, Refused, plan_cow
from .storage import Export, Storage, StorageError, Target
from .syncimage import storage_lock

log = logging.getLogger("labnet.iscsi")


def make_cow(storage: Storage, plan: CowPlan) -> Target:
    """Replace the client's COW and target by fresh ones. A failure between the snapshot and
    the target removes what this call made, so neither is left behind."""
    remove_cow(storage, plan.target_iqn, plan.cow)
    volume = storage.volumes.create_cow(plan.cow, plan.master, plan.cow_size)
    try:
        return storage.targets.export(
            Export(
                target_iqn=plan.target_iqn,
                device=volume.path,
                initiator_iqn=plan.initiator_iqn,
                chap_user=plan.chap_user,
                chap_password=plan.chap_password,
            )
        )
    except BaseException:
        _undo(storage, plan)
        raise


def _undo(storage: Storage, plan: CowPlan) -> None:
    try:
        remove_cow(storage, plan.target_iqn, plan.cow)
    except StorageError as exc:
        log.error("client %s: could not remove its half-made COW target: %s", plan.client, exc)


def remove_cow(storage: Storage, target_iqn: str, cow: str) -> None:
    """Remove a client's target (first: it holds the volume open), then its COW volume.
    The target is removed even when it is not listed: a storage object left under its name
    (`targetcli /iscsi delete` by hand) holds the volume open too."""
    storage.targets.remove(target_iqn)
    if any(v.name == cow for v in storage.volumes.volumes()):
        storage.volumes.remove(cow)


def occupancy(storage: Storage, mirror: IscsiMirror) -> Occupancy:
    volumes = storage.volumes.volumes()
    return Occupancy(
        volumes={v.name: v.reserved for v in volumes},
        free_bytes=storage.volumes.free_bytes(),
        syncing=mirror.syncing(),
        wimp_sessions=mirror.wimp_sessions(),
        session_clients=mirror.session_clients(),
    )


def cow_for(storage: Storage, mirror: IscsiMirror, client: str) -> Target:
    """Plan and make client's COW target from the mirror; Refused or StorageError."""
    server = mirror.appserver()
    plan = plan_cow(server, mirror.client(client), mirror.images(), occupancy(storage, mirror))
    target = make_cow(storage, plan)
    log.info(
        "client %s: COW %s of %s exported as %s", client, plan.cow, plan.master, plan.target_iqn
    )
    return target


def maker(storage: Storage, mirror: IscsiMirror) -> Callable[[BootClient], None]:
    """menuserver's COW hook; a refusal or failure is logged with the client and image."""

    def make(client: BootClient) -> None:
        try:
            with storage_lock(mirror.root):  # not between syncimage's or the upkeep's steps
                cow_for(storage, mirror, client.name)
        except (Refused, StorageError) as exc:
            log.error("COW target refused: %s", exc)

    return make


def install_cow_maker(host: str, etc: Path, root: Path) -> None:
    """Register the lvm2 + LIO maker with menuserver for appserver host."""
    from ..menuserver import set_cow_maker
    from .lio import Lio
    from .lvm import Lvm

    mirror = IscsiMirror(etc, host, root)
    storage = Storage(Lvm(mirror.appserver_volume_group()), Lio())
    set_cow_maker(maker(storage, mirror))
