"""Windows 7 appserver figures (the iSCSI issue), printed, not asserted, from one boot of the
QEMU guest (imaging/tests/guest.py: this machine's kernel has no device-mapper or LIO; the
guest runs under TCG, an emulated CPU, so every figure is many times slower than on an
appserver, and only the ratios measured in the same run mean much):

1. a COW disk + target per client: Labnet's maker (imaging.host.iscsi.cow, lvm2 CLI + rtslib)
   for CLIENTS clients one after the other, against the same thin snapshot and target made by
   hand, `lvcreate -s` and one `targetcli` command per step, as the guide's admin would;
2. a storm: CLIENTS clients asking at once through menuserver's COW queue (one at a time by
   design), against the by-hand commands for the same clients one after the other (the
   total of 1.'s by-hand times: the same commands in the same order);
3. iSCSI sequential read of a client's disk (logged in with iscsiadm over loopback) against
   reading its master volume directly (O_DIRECT, 1 MiB requests).

    .venv/bin/python bench/bench_iscsi.py [--clients 45] [--master-mib 128]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PREFIX, DOMAIN, SERVER, IMAGE = "iqn.1989-06", "cs.example.edu", "megatron", "bench_img"
MIB = 1 << 20


def host_main(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(REPO))
    from imaging.tests.guest import run_in_guest

    with tempfile.TemporaryDirectory(prefix="bench-iscsi-") as work:
        out = Path(work) / "out"
        script = (
            f"python3 /labnet/bench/bench_iscsi.py --in-guest /out "
            f"--clients {args.clients} --master-mib {args.master_mib} > /out/run.log 2>&1"
        )
        status = run_in_guest(script, out, disks_mib=[4096, 64], timeout=args.timeout)
        result = out / "figures.json"
        figures = json.loads(result.read_text()) if result.exists() else {}
        if status or "hand_each" not in figures:
            log = (out / "run.log").read_text(errors="replace")
            print(log[:3000], "\n...\n", log[-3000:])
            print("figures so far:", json.dumps(figures))
            return status or 1
        report(figures)
    return status


def report(figures: dict) -> None:
    n = figures["clients"]
    print(f"QEMU guest under TCG (emulated CPU), {n} clients, master {figures['master_mib']} MiB")
    maker, hand = figures["maker_each"], figures["hand_each"]
    print("COW + target per client, median (min-max):")
    for name, times in (("  Labnet maker", maker), ("  lvcreate -s + targetcli", hand)):
        print(f"{name:28} {statistics.median(times):6.2f} s ({min(times):.2f}-{max(times):.2f})")
    ratio = statistics.median(maker) / statistics.median(hand)
    print(f"  ratio maker / by hand       {ratio:6.2f}")
    storm, hand_storm = figures["storm"], sum(hand)
    print(f"storm of {n} clients at once:")
    print(f"  menuserver's queue           {storm:6.1f} s ({storm / n:.2f} s a client)")
    print(f"  by hand, one after the other {hand_storm:6.1f} s ({hand_storm / n:.2f} s a client)")
    print(f"  ratio queue / by hand        {storm / hand_storm:6.2f}")
    iscsi, direct = figures["read_iscsi"], figures["read_master"]
    print("sequential read (O_DIRECT, 1 MiB):")
    print(f"  a client's disk over iSCSI   {iscsi:6.1f} MB/s")
    print(f"  the master volume directly   {direct:6.1f} MB/s")
    print(f"  ratio iSCSI / direct         {iscsi / direct:6.2f}")


# --- inside the guest --------------------------------------------------------------------


def guest_main(args: argparse.Namespace) -> int:
    from imaging.host.bootclients import ClientIndex
    from imaging.host.iscsi.cow import cow_for, maker
    from imaging.host.iscsi.lio import Lio
    from imaging.host.iscsi.lvm import Lvm
    from imaging.host.iscsi.mirror import IscsiMirror
    from imaging.host.iscsi.storage import Storage
    from imaging.host.menuserver import CowQueue, set_cow_maker
    from imaging.tests.iscsi_guest import by_path, iscsiadm_login, logout_all, prepare, sh

    out = Path(args.in_guest)
    clients = [f"pc{n:02d}" for n in range(args.clients)]
    etc, root = Path("/tmp/bench/etc"), Path("/tmp/bench/root")
    write_mirror(etc, clients, args.master_mib)
    prepare()
    lvm = Lvm("vg2")
    lvm.create_thin_pool("pool", 3 * 1024 * MIB)
    size = args.master_mib * MIB
    master = lvm.create_master(f"{IMAGE}_m", size)
    with open(master.path, "r+b") as device:
        for _ in range(args.master_mib):
            device.write(os.urandom(MIB))
    os.sync()
    storage = Storage(lvm, Lio())
    mirror = IscsiMirror(etc, SERVER, root)
    figures: dict = {"clients": args.clients, "master_mib": args.master_mib}

    def clear() -> None:
        """Labnet's targets and COWs, removed through the storage interface."""
        for target in storage.targets.targets():
            storage.targets.remove(target.iqn)
        for volume in lvm.volumes():
            if volume.origin:
                lvm.remove(volume.name)

    def save() -> None:
        (out / "figures.json").write_text(json.dumps(figures, indent=1))

    figures["maker_each"] = []
    for client in clients:
        began = time.monotonic()
        cow_for(storage, mirror, client)
        figures["maker_each"].append(time.monotonic() - began)
    clear()
    save()

    set_cow_maker(maker(storage, mirror))
    queue = CowQueue()
    index = [c for c in ClientIndex(etc).clients() if c.name in clients]
    began = time.monotonic()
    for client in index:
        queue.add(client)
    queue.join()
    figures["storm"] = time.monotonic() - began
    made = [v for v in lvm.volumes() if v.origin]
    if len(made) != len(clients):
        raise RuntimeError(f"the storm made {len(made)} COWs for {len(clients)} clients")
    save()

    initiator = initiator_of(clients[0])
    status = iscsiadm_login("bench", initiator, target_of(clients[0]), initiator, PASSWORD)
    if status:
        raise RuntimeError(f"iscsiadm login failed: {status}")
    disk = by_path(target_of(clients[0]))
    figures["read_iscsi"] = read_rate(disk, size)
    figures["read_master"] = read_rate(master.path, size)
    logout_all()
    clear()
    save()

    # Last, as targetcli leaves backstores named its own way.
    figures["hand_each"] = []
    for client in clients:
        began = time.monotonic()
        by_hand(sh, client)
        figures["hand_each"].append(time.monotonic() - began)
    save()
    return 0


PASSWORD = "Benchpasswrd"


def target_of(client: str) -> str:
    return f"{PREFIX}.edu.example.cs.{SERVER}:bench-img:{client}"


def initiator_of(client: str) -> str:
    return f"{PREFIX}.edu.example.cs.{client}:system-disk"


def by_hand(sh, client: str) -> None:  # noqa: ANN001 (iscsi_guest's sh)
    """The guide's admin: a thin snapshot with lvcreate, then targetcli one step a command."""
    sh("lvcreate", "-y", "-s", "-kn", "-n", f"{client}_c", f"vg2/{IMAGE}_m")
    target, initiator = target_of(client), initiator_of(client)
    tpg = f"/iscsi/{target}/tpg1"
    for command in (
        ["/backstores/block", "create", f"name={client}_c", f"dev=/dev/vg2/{client}_c"],
        ["/iscsi", "create", target],
        [tpg, "set", "attribute", "authentication=1", "generate_node_acls=0"],
        [f"{tpg}/acls", "create", initiator],
        [f"{tpg}/acls/{initiator}", "set", "auth", f"userid={initiator}", f"password={PASSWORD}"],
        [f"{tpg}/luns", "create", f"/backstores/block/{client}_c"],
    ):
        sh("targetcli", *command)


def read_rate(path: str, size: int) -> float:
    """MB/s of one sequential O_DIRECT read of size bytes, 1 MiB a request."""
    import mmap

    buffer = mmap.mmap(-1, MIB)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        began = time.monotonic()
        offset = 0
        while offset < size:
            got = os.preadv(fd, [buffer], offset)
            if got <= 0:
                break
            offset += got
        seconds = time.monotonic() - began
    finally:
        os.close(fd)
        buffer.close()
    return offset / seconds / 1e6


def write_mirror(etc: Path, clients: list[str], master_mib: int) -> None:
    from entities.mirror import MirrorEntity, MirrorValue, entity_xml

    def one(entity_type: str, name: str, **variables: str | list[str]) -> None:
        values = {}
        for variable, value in variables.items():
            texts = value if isinstance(value, list) else [value]
            values[variable] = [MirrorValue(i + 1, t) for i, t in enumerate(texts)]
        (etc / entity_type).mkdir(parents=True, exist_ok=True)
        (etc / entity_type / name).write_bytes(entity_xml(MirrorEntity(entity_type, name, values)))

    one("server", SERVER, domain=DOMAIN, iscsi_image_vgroup="vg2", wi_image=[IMAGE])
    one("lnappconf", "menuserver", iqn_prefix=PREFIX)
    one("windowsImage", IMAGE, imageLvSize=f"{master_mib}M", cowLvSize="32M", dept="cs")
    for n, client in enumerate(clients):
        one(
            "client",
            client,
            mac_address=f"02:00:5e:20:{n // 256:02x}:{n % 256:02x}",
            ip_address=f"192.0.2.{n + 10}",
            server=SERVER,
            domain=DOMAIN,
            windowsImage=IMAGE,
            iscsi_password=PASSWORD,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=45)
    parser.add_argument("--master-mib", type=int, default=128)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for the guest")
    parser.add_argument("--in-guest", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 16 <= args.master_mib <= 1024:
        parser.error("--clients 1 to 200, --master-mib 16 to 1024")
    return guest_main(args) if args.in_guest else host_main(args)


if __name__ == "__main__":
    sys.exit(main())
