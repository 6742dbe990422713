"""Run inside the QEMU guest (test_iscsi_guest.py boots it): the real lvm2 and LIO code of
imaging.host.iscsi behind menuserver's COW queue, checked with iscsiadm and libiscsi.

Writes OUT/result.json: {"checks": {name: [ok, detail]}, "figures": {name: seconds}}.
Data disks: /dev/vdb (a thin pool, cached by a RAM disk as the appserver's iscsi_image_size
and iscsi_cow_cache_size say), /dev/vdc (classic snapshots, then a thin pool cached by the
SSD iscsi_cow_cache_dev /dev/vdd). OUT/images holds the files of the image syncimage builds
(test_iscsi_guest.py makes them)."""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from entities.mirror import MirrorEntity, MirrorValue, entity_xml
from imaging.host.bootclients import ClientIndex
from imaging.host.iscsi.cow import cow_for, maker, occupancy
from imaging.host.iscsi.lio import Lio
from imaging.host.iscsi.lvm import Lvm
from imaging.host.iscsi.mirror import IscsiMirror
from imaging.host.iscsi.planning import Refused, plan_cow
from imaging.host.iscsi.storage import Storage, StorageError
from imaging.host.iscsi.upkeep import readings, state_of
from imaging.host.menuserver import CowQueue, set_cow_maker

MIB = 1 << 20
CLIENTS = ["rook", "wren", "finch", "hawk", "jay"]
PREFIX = "iqn.1989-06"
DOMAIN = "cs.example.edu"
PASSWORDS = {name: (name * 12)[:12].capitalize() + "x" for name in CLIENTS}
CACHE_KIB = {"iscsi_image_size": "24576", "iscsi_cow_cache_size": "8192"}  # a 32 MiB RAM disk
OUT = Path(sys.argv[1])
checks: dict[str, list] = {}
figures: dict[str, float] = {}


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if check and done.returncode:
        raise RuntimeError(f"{' '.join(argv)}: {done.returncode} {done.stderr.strip()[-400:]}")
    return done


def record(name: str, ok: bool, detail: object = "") -> None:
    checks[name] = [bool(ok), str(detail)[:2000]]
    save()


def save() -> None:
    (OUT / "result.json").write_text(json.dumps({"checks": checks, "figures": figures}, indent=1))


def entity(entity_type: str, name: str, **variables: str | list[str]) -> MirrorEntity:
    values = {}
    for variable, value in variables.items():
        texts = value if isinstance(value, list) else [value]
        values[variable] = [MirrorValue(i + 1, t) for i, t in enumerate(texts)]
    return MirrorEntity(entity_type, name, values)


def write_mirror(etc: Path, vgroup: str) -> None:
    made = [
        entity(
            "server",
            "megatron",
            domain=DOMAIN,
            iscsi_image_vgroup=vgroup,
            wi_image=["cs_lab"],
            TimeStamp=["none"],
            **CACHE_KIB,
        ),
        entity("lnappconf", "menuserver", iqn_prefix=PREFIX),
        entity("windowsImage", "cs_lab", imageLvSize="64M", cowLvSize="32M", dept="cs"),
    ]
    for n, name in enumerate(CLIENTS):
        made.append(
            entity(
                "client",
                name,
                mac_address=f"02:00:5e:10:00:{n + 10:02x}",
                ip_address=f"192.0.2.{n + 10}",
                server="megatron",
                domain=DOMAIN,
                windowsImage="cs_lab",
                iscsi_password=PASSWORDS[name],
            )
        )
    for one in made:
        folder = etc / one.entity_type
        folder.mkdir(parents=True, exist_ok=True)
        (folder / one.name).write_bytes(entity_xml(one))


def target_of(client: str) -> str:
    return f"{PREFIX}.edu.example.cs.megatron:cs-lab:{client}"


def initiator_of(client: str) -> str:
    return f"{PREFIX}.edu.example.cs.{client}:system-disk"


def digest(path: str, size: int) -> str:
    with open(path, "rb") as device:
        return hashlib.sha256(device.read(size)).hexdigest()


def read_at(path: str, offset: int, size: int) -> bytes:
    buffer = mmap.mmap(-1, size)  # page-aligned, as O_DIRECT wants
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        got = os.preadv(fd, [buffer], offset)
        return bytes(buffer[:got])
    finally:
        os.close(fd)
        buffer.close()


def write_at(path: str, offset: int, data: bytes) -> None:
    buffer = mmap.mmap(-1, len(data))
    buffer[:] = data
    fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
    try:
        os.pwritev(fd, [buffer], offset)
    finally:
        os.close(fd)
        buffer.close()


def iscsi_inq(initiator: str, user: str, password: str, target: str) -> subprocess.CompletedProcess:
    url = f"iscsi://{user}%{password}@127.0.0.1/{target}/0"
    return sh("iscsi-inq", "-i", initiator, url, check=False)


def iscsiadm_login(iface: str, initiator: str, target: str, user: str, password: str) -> int:
    sh("iscsiadm", "-m", "iface", "-I", iface, "-o", "new", check=False)
    sh(
        "iscsiadm",
        "-m",
        "iface",
        "-I",
        iface,
        "-o",
        "update",
        "-n",
        "iface.initiatorname",
        "-v",
        initiator,
    )
    sh("iscsiadm", "-m", "discovery", "-t", "st", "-p", "127.0.0.1", "-I", iface)
    node = ["iscsiadm", "-m", "node", "-T", target, "-p", "127.0.0.1", "-I", iface]
    for key, value in (
        ("node.session.auth.authmethod", "CHAP"),
        ("node.session.auth.username", user),
        ("node.session.auth.password", password),
    ):
        sh(*node, "-o", "update", "-n", key, "-v", value)
    return sh(*node, "--login", check=False).returncode


def logout_all() -> None:
    sh("iscsiadm", "-m", "node", "--logoutall=all", check=False)
    sh("iscsiadm", "-m", "node", "-o", "delete", check=False)


def by_path(target: str) -> str:
    path = f"/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-{target}-lun-0"
    # udev in the emulated guest can take several seconds under load; success returns at once.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return path
        time.sleep(0.1)
    raise RuntimeError(f"{path} did not appear within 60 s")


def prepare() -> None:
    for module in (
        "dm_thin_pool",
        "dm_snapshot",
        "dm_cache",
        "target_core_mod",
        "target_core_iblock",
        "iscsi_target_mod",
    ):
        sh("modprobe", module)
    if not os.path.ismount("/sys/kernel/config"):
        sh("mount", "-t", "configfs", "configfs", "/sys/kernel/config")
    sh("systemctl", "start", "iscsid")
    sh("pvcreate", "-y", "/dev/vdb", "/dev/vdc")
    sh("vgcreate", "vg2", "/dev/vdb")
    sh("vgcreate", "vg3", "/dev/vdc")


def build_master(lvm: Lvm) -> str:
    """A 64 MiB master with a partition table and random data, as syncimage would leave."""
    volume = lvm.create_master("cs_lab_m", 64 * MIB)
    image = os.urandom(64 * MIB)
    with open(volume.path, "r+b") as device:
        device.write(image)
    done = subprocess.run(
        ["sfdisk", "-q", "--wipe", "never", volume.path],
        input="label: dos\n,8M,7,*\n,,7\n",
        text=True,
        capture_output=True,
        check=False,
    )
    record("master has a partition table", done.returncode == 0, done.stderr)
    os.sync()
    return digest(volume.path, 64 * MIB)


def lvs_all(vgroup: str) -> dict[str, dict[str, str]]:
    fields = "lv_name,segtype,devices,cache_read_hits"
    out = sh("lvs", "-a", "--reportformat", "json", "-o", fields, vgroup).stdout
    return {row["lv_name"]: row for row in json.loads(out)["report"][0]["lv"]}


def cache_checks(lvm: Lvm, mirror: IscsiMirror) -> None:
    """The guide's flashcache RAM disk as lvmcache of the thin pool, from the variables."""
    done = lvm.ensure_cache(mirror.cache_plan())
    rows = lvs_all("vg2")
    ram = int(Path("/sys/block/ram0/size").read_text()) * 512 if os.path.exists("/dev/ram0") else 0
    record(
        "the thin pool is cached by a RAM disk of iscsi_image_size + iscsi_cow_cache_size",
        done == "vg2/pool cached by /dev/ram0"
        and rows["[pool_tdata]"]["segtype"] == "cache"
        and rows["[pool_cache_cvol]"]["devices"].startswith("/dev/ram0")
        and ram == 32 * MIB,
        (done, ram, rows),
    )
    record("a second pass keeps the cache as it is", lvm.ensure_cache(mirror.cache_plan()) == "")


def stale_lio_checks(storage: Storage, queue: CowQueue, clients: dict) -> None:
    """LIO changed behind the long-lived process's back (rtslib-fb's cache of storage
    objects goes stale): by `targetcli clearconfig`, a backstore made by hand, a target
    deleted by hand that leaves its storage object. Each client boots all the same."""
    import rtslib_fb

    def boots(client: str) -> subprocess.CompletedProcess:
        queue.add(clients[client])
        queue.join()
        return iscsi_inq(
            initiator_of(client), initiator_of(client), PASSWORDS[client], target_of(client)
        )

    sh("targetcli", "clearconfig", "confirm=True")
    try:  # rtslib alone, in this process that made rook's storage object before
        rtslib_fb.BlockStorageObject(
            target_of("rook").replace(":", "_"), dev=os.path.realpath("/dev/vg2/rook_c")
        )
        record("rtslib's own cache is stale after targetcli clearconfig", False, "made")
    except rtslib_fb.RTSLibError as exc:
        record(
            "rtslib's own cache is stale after targetcli clearconfig",
            "Storage object block/" in str(exc) and "exists" in str(exc),
            exc,
        )
    after = boots("rook")
    record("rook boots after targetcli clearconfig", after.returncode == 0, after.stderr)
    sh("targetcli", "/backstores/block", "create", "name=byhand", "dev=/dev/vg2/jay_c")
    meanwhile = boots("wren")
    record(
        "a backstore made by hand meanwhile does not stop wren's boot",
        meanwhile.returncode == 0,
        meanwhile.stderr,
    )
    sh("targetcli", "/backstores/block", "delete", "byhand")
    boots("hawk")
    sh("targetcli", "/iscsi", "delete", target_of("hawk"))  # its storage object stays
    left = boots("hawk")
    record(
        "a storage object left under hawk's target name does not stop its boot",
        left.returncode == 0,
        left.stderr,
    )


def thin_checks(etc: Path, root: Path) -> None:
    lvm = Lvm("vg2")
    lvm.create_thin_pool("pool", 1024 * MIB)
    mirror = IscsiMirror(etc, "megatron", root)
    cache_checks(lvm, mirror)
    master_sum = build_master(lvm)
    storage = Storage(lvm, Lio())
    set_cow_maker(maker(storage, mirror))
    queue = CowQueue()
    clients = [c for c in ClientIndex(etc).clients() if c.name in CLIENTS]
    began = time.monotonic()
    for client in clients:
        queue.add(client)
    queue.join()
    figures["5 clients' COW + target via the queue (thin)"] = time.monotonic() - began
    cows = {v.name: v for v in lvm.volumes() if v.origin == "cs_lab_m"}
    record("5 COWs of the master", sorted(cows) == sorted(f"{c}_c" for c in CLIENTS), cows)
    targets = {t.iqn: t for t in storage.targets.targets()}
    record(
        "5 targets, each with its client's ACL alone",
        all(
            targets.get(target_of(c), None)
            and targets[target_of(c)].initiators == (initiator_of(c),)
            for c in CLIENTS
        ),
        targets,
    )
    for client in CLIENTS:
        good = iscsi_inq(
            initiator_of(client), initiator_of(client), PASSWORDS[client], target_of(client)
        )
        record(
            f"iscsi-inq {client} logs in with its CHAP",
            good.returncode == 0 and "LIO" in good.stdout,
            good.stdout + good.stderr,
        )
    listed = sh(
        "iscsi-ls",
        "-i",
        initiator_of("rook"),
        f"iscsi://{initiator_of('rook')}%{PASSWORDS['rook']}@127.0.0.1/",
        check=False,
    )
    record(
        "iscsi-ls lists rook's target",
        target_of("rook") in listed.stdout,
        listed.stdout + listed.stderr,
    )
    wrong = iscsi_inq(initiator_of("rook"), initiator_of("rook"), "Wrongpasswrd", target_of("rook"))
    record(
        "iscsi-inq with a wrong password fails", wrong.returncode != 0, wrong.stdout + wrong.stderr
    )
    other = iscsi_inq(
        initiator_of("wren"), initiator_of("wren"), PASSWORDS["wren"], target_of("rook")
    )
    record(
        "iscsi-inq as another initiator fails", other.returncode != 0, other.stdout + other.stderr
    )

    status = iscsiadm_login(
        "rook", initiator_of("rook"), target_of("rook"), initiator_of("rook"), PASSWORDS["rook"]
    )
    record("iscsiadm logs rook in", status == 0, status)
    disk = by_path(target_of("rook"))
    record("rook's disk shows the master", digest(disk, 64 * MIB) == master_sum, disk)
    hits = lvs_all("vg2")["[pool_tdata]"]["cache_read_hits"]
    record("reads of the master are served by the RAM cache", int(hits or 0) > 0, hits)
    sessions = {t.iqn: t.sessions for t in storage.targets.targets()}
    record(
        "the target reports rook's session",
        sessions[target_of("rook")] == (initiator_of("rook"),),
        sessions,
    )
    block = bytes([0xAB]) * MIB
    write_at(disk, 16 * MIB, block)
    record("rook reads back what it wrote", read_at(disk, 16 * MIB, MIB) == block)
    logout_all()
    record("the master is untouched", digest("/dev/vg2/cs_lab_m", 64 * MIB) == master_sum)
    record("rook's COW holds the write", read_at("/dev/vg2/rook_c", 16 * MIB, MIB) == block)
    written = {v.name: v.written for v in lvm.volumes(written=True) if v.origin}
    record(
        "a thin COW's bytes written are measured",
        MIB <= (written["rook_c"] or 0) < 2 * MIB and written["wren_c"] == 0,
        written,
    )
    filling = {r["item"]: r["value"] for r in readings(state_of(storage, mirror, {}))}
    record(
        "a thin COW's filling is a monitoring reading of its cowLvSize",
        3.1 <= float(filling.get("rook", 0)) < 6.3 and filling.get("wren") == "0.0",
        filling,
    )

    bad = iscsiadm_login(
        "bad", initiator_of("rook"), target_of("rook"), initiator_of("rook"), "Wrongpasswrd"
    )
    record("iscsiadm with a wrong password fails", bad != 0, bad)
    logout_all()
    stranger = iscsiadm_login(
        "wren", initiator_of("wren"), target_of("rook"), initiator_of("wren"), PASSWORDS["wren"]
    )
    record("iscsiadm as another initiator fails", stranger != 0, stranger)
    logout_all()

    rook = next(c for c in clients if c.name == "rook")
    queue.add(rook)
    queue.join()
    record(
        "a reboot gives rook a fresh COW",
        read_at("/dev/vg2/rook_c", 16 * MIB, MIB) != block
        and digest("/dev/vg2/rook_c", 64 * MIB) == master_sum,
    )
    again = iscsi_inq(
        initiator_of("rook"), initiator_of("rook"), PASSWORDS["rook"], target_of("rook")
    )
    record("rook logs in to its new target", again.returncode == 0, again.stderr)

    class FailingTargets(Lio):
        def export(self, export):  # type: ignore[no-untyped-def]
            super().export(export)
            raise StorageError(f"target {export.target_iqn}: failed on purpose")

    failing = Storage(lvm, FailingTargets())
    try:
        cow_for(failing, mirror, "rook")
        record("a failing target step leaves neither COW nor target", False, "no failure")
    except StorageError:
        left = [v.name for v in lvm.volumes() if v.name == "rook_c"]
        left += [t.iqn for t in storage.targets.targets() if t.iqn == target_of("rook")]
        record("a failing target step leaves neither COW nor target", left == [], left)
    cow_for(storage, mirror, "rook")
    record(
        "after the failure rook gets its target back",
        iscsi_inq(
            initiator_of("rook"), initiator_of("rook"), PASSWORDS["rook"], target_of("rook")
        ).returncode
        == 0,
    )
    stale_lio_checks(storage, queue, {c.name: c for c in clients})
    for client in CLIENTS:
        storage.targets.remove(target_of(client))


def classic_checks(etc: Path, root: Path) -> None:
    """The guide's layout: no thin pool, each COW a classic snapshot of cowLvSize."""
    (etc / "server" / "megatron").write_bytes(
        (etc / "server" / "megatron").read_bytes().replace(b">vg2<", b">vg3<")
    )
    lvm = Lvm("vg3")
    master_sum = build_master(lvm)
    storage = Storage(lvm, Lio())
    mirror = IscsiMirror(etc, "megatron", root)
    began = time.monotonic()
    cow_for(storage, mirror, "rook")
    figures["1 client's COW + target (classic)"] = time.monotonic() - began
    cow = next(v for v in lvm.volumes() if v.name == "rook_c")
    record("classic COW of cowLvSize", cow.cow_size == 32 * MIB and cow.origin == "cs_lab_m", cow)
    record("the guide's -cow device", os.path.exists("/dev/mapper/vg3-rook_c-cow"))
    write_at(cow.path, 0, b"\xcd" * 4 * MIB)
    written = next(v for v in lvm.volumes() if v.name == "rook_c").written or 0
    record("bytes written of the COW are reported", 4 * MIB <= written < 32 * MIB, written)
    record("classic master untouched", digest("/dev/vg3/cs_lab_m", 64 * MIB) == master_sum)
    (etc / "windowsImage" / "cs_lab").write_bytes(
        (etc / "windowsImage" / "cs_lab").read_bytes().replace(b">32M<", b">900M<")
    )
    try:
        plan_cow(
            mirror.appserver(), mirror.client("wren"), mirror.images(), occupancy(storage, mirror)
        )
        record("a COW larger than the free space is refused", False, "planned")
    except Refused as exc:
        record(
            "a COW larger than the free space is refused",
            "client wren, image cs_lab" in str(exc),
            exc,
        )
    ssd_checks(etc, lvm, mirror)


def ssd_checks(etc: Path, lvm: Lvm, mirror: IscsiMirror) -> None:
    """iscsi_cow_cache_dev: the SSD /dev/vdd caches a thin pool of vg3 instead of RAM; one
    holding a file system is refused until it is wiped."""
    write_entity(
        etc, entity("server", "megatron", domain=DOMAIN, iscsi_image_vgroup="vg3",
                    wi_image=["cs_lab"], TimeStamp=["none"], iscsi_cow_cache_dev="/dev/vdd")
    )  # fmt: skip
    lvm.create_thin_pool("pool", 128 * MIB)
    sh("mkfs.ext4", "-q", "/dev/vdd")
    try:
        lvm.ensure_cache(mirror.cache_plan())
        record("an SSD holding a file system is refused", False, "cached")
    except StorageError as exc:
        record("an SSD holding a file system is refused", "/dev/vdd" in str(exc), exc)
    sh("wipefs", "-a", "/dev/vdd")
    done = lvm.ensure_cache(mirror.cache_plan())
    rows = lvs_all("vg3")
    record(
        "iscsi_cow_cache_dev caches the thin pool instead of RAM",
        done == "vg3/pool cached by /dev/vdd"
        and rows["[pool_cache_cvol]"]["devices"].startswith("/dev/vdd"),
        (done, rows),
    )


def sync_checks(etc: Path, root: Path) -> None:
    """syncimage with the real lvm2 (the thin pool of vg2): lab_sync's master from the files
    test_iscsi_guest.py made (a raw bootpart, the system partition as a block image restored
    through a loop device), the command's TimeStamp kept for the web server, then a client
    booting from it, a restart's empty LIO refilled and the clean-up of an unbooted COW."""
    from datetime import UTC, datetime, timedelta

    from imaging.host.iscsi.syncimage import REFUSED, sync_images
    from imaging.host.iscsi.upkeep import clean_up, restore_targets

    shutil.copytree(OUT / "images", root / "images")
    images = root / "images" / "cs"
    for suffix in (".bootsect", ".bootpart"):  # cs_lab's files are new too
        shutil.copy(images / f"lab_sync{suffix}", images / f"cs_lab{suffix}")
    shutil.copytree(images / "lab_sync", images / "cs_lab", dirs_exist_ok=True)
    expected = json.loads((OUT / "expected.json").read_text())
    write_entity(
        etc, entity("server", "megatron", domain=DOMAIN, iscsi_image_vgroup="vg2",
                    wi_image=["cs_lab", "lab_sync"], TimeStamp=["none", "none"], **CACHE_KIB)
    )  # fmt: skip
    write_entity(
        etc, entity("windowsImage", "lab_sync", imageLvSize="24M", cowLvSize="8M", dept="cs")
    )
    lvm = Lvm("vg2")
    storage = Storage(lvm, Lio())
    mirror = IscsiMirror(etc, "megatron", root)
    [refused] = sync_images(storage, mirror, root, "cs_lab")
    record(
        "syncimage refuses an image a client has",
        refused.state == REFUSED and "clients finch, hawk, jay, rook, wren" in refused.message,
        refused.message,
    )
    began = time.monotonic()
    done = sh(
        "python3", "-m", "workers.host", "syncimage", "megatron", "lab_sync", "--etc", str(etc),
        "--root", str(root), "--server", "http://127.0.0.1:9", "--token", "guest", check=False,
    )  # fmt: skip
    figures["syncimage of a 24 MiB master"] = time.monotonic() - began
    record("syncimage builds lab_sync's master", done.returncode == 0, done.stdout + done.stderr)
    master = "/dev/vg2/lab_sync_m"
    record(
        "the master starts with the bootsect",
        read_at(master, 0, 4096)[:512] == (images / "lab_sync.bootsect").read_bytes(),
    )
    record(
        "the boot partition is the raw bootpart",
        read_at(master, MIB, 4 * MIB) == (images / "lab_sync.bootpart").read_bytes(),
    )
    loop = sh("losetup", "--find", "--show", "--offset", str(5 * MIB), "--sizelimit",
              str(16 * MIB), "--read-only", master).stdout.strip()  # fmt: skip
    try:
        fsck = sh("e2fsck", "-fn", loop, check=False)
        record("the system partition is the restored block image (e2fsck)", fsck.returncode == 0,
               fsck.stdout + fsck.stderr)  # fmt: skip
        cat = subprocess.run(["debugfs", "-R", "cat /hello.bin", loop], capture_output=True,
                             timeout=60, check=False)  # fmt: skip
        record(
            "the restored file reads back",
            hashlib.sha256(cat.stdout).hexdigest() == expected["hello.bin"],
            cat.stderr[-300:],
        )
    finally:
        sh("losetup", "-d", loop, check=False)
    kept = [json.loads(p.read_text()) for p in etc.glob(".agent/iscsi-synced/*.json")]
    record(
        "syncimage keeps the TimeStamp for the web server",
        [k["image"] for k in kept] == ["lab_sync"],
        kept,
    )
    stamp = kept[0]["timestamp"] if kept else "none"
    write_entity(
        etc, entity("server", "megatron", domain=DOMAIN, iscsi_image_vgroup="vg2",
                    wi_image=["cs_lab", "lab_sync"], TimeStamp=["none", stamp], **CACHE_KIB)
    )  # fmt: skip
    [again] = sync_images(storage, mirror, root, "lab_sync")
    record("a second syncimage finds lab_sync up to date", again.state == "current", again)

    write_entity(
        etc, entity("client", "robin", server="megatron", domain=DOMAIN,
                    windowsImage="lab_sync", iscsi_password="Robinpasswrd")
    )  # fmt: skip
    cow_for(storage, mirror, "robin")
    target = f"{PREFIX}.edu.example.cs.megatron:lab-sync:robin"
    login = iscsi_inq(initiator_of("robin"), initiator_of("robin"), "Robinpasswrd", target)
    record("robin boots from the synced master", login.returncode == 0, login.stderr)

    for each in storage.targets.targets():  # an appserver restart: LIO comes back empty
        storage.targets.remove(each.iqn)
    now = datetime.now(UTC)
    restored = restore_targets(storage, mirror, now)
    record("a restart's empty LIO gets robin's target back", "robin" in restored, restored)
    login = iscsi_inq(initiator_of("robin"), initiator_of("robin"), "Robinpasswrd", target)
    record("robin logs in after the restart", login.returncode == 0, login.stderr)
    removed = clean_up(storage, mirror, now + timedelta(days=2))
    left = [v.name for v in lvm.volumes() if v.name == "robin_c"]
    left += [t.iqn for t in storage.targets.targets() if t.iqn == target]
    record(
        "the clean-up removes robin's unbooted COW and target",
        "robin" in removed and left == [],
        (removed, left),
    )
    reboot_checks(lvm, mirror)


def reboot_checks(lvm: Lvm, mirror: IscsiMirror) -> None:
    """An appserver reboot takes the RAM disk from under the pool's cache: the pool's
    volumes are not activated until the upkeep drops that cache and makes it again."""
    master_sum = digest("/dev/vg2/lab_sync_m", 24 * MIB)
    sh("vgchange", "-an", "vg2")
    sh("rmmod", "brd")
    boot = sh("vgchange", "-ay", "vg2", check=False)
    record(
        "after a reboot the lost RAM disk keeps the pool inactive",
        boot.returncode != 0 and not os.path.exists("/dev/vg2/lab_sync_m"),
        boot.stderr[-500:],
    )
    done = lvm.ensure_cache(mirror.cache_plan())
    rows = lvs_all("vg2")
    record(
        "the upkeep drops the lost cache and makes a new one",
        done == "the cache of vg2/pool had lost its device; dropped; vg2/pool cached by /dev/ram0"
        and rows["[pool_tdata]"]["segtype"] == "cache",
        (done, rows),
    )
    record(
        "the master is back as it was",
        os.path.exists("/dev/vg2/lab_sync_m")
        and digest("/dev/vg2/lab_sync_m", 24 * MIB) == master_sum,
    )


def write_entity(etc: Path, one: MirrorEntity) -> None:
    folder = etc / one.entity_type
    folder.mkdir(parents=True, exist_ok=True)
    (folder / one.name).write_bytes(entity_xml(one))


def main() -> None:
    work = Path("/tmp/labnet-iscsi")
    etc, root = work / "etc", work / "root"
    try:
        prepare()
        write_mirror(etc, "vg2")
        thin_checks(etc, root)
        classic_checks(etc, root)
        sync_checks(etc, root)
    except Exception:
        record("the guest script ran to its end", False, traceback.format_exc())
        raise
    record("the guest script ran to its end", True)


if __name__ == "__main__":
    main()
