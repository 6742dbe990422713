"""A synthetic campus for benchmarks: the guide's installation (1,700 entities, 60,000 values)
scaled up, by default ten times. Names follow the guide; addresses come from documentation
ranges and domains from example.edu. The same arguments always give the same campus."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime

from .mirror import MirrorEntity, MirrorEntityType, MirrorValue, MirrorVariableDefinition

DEFAULT_ENTITIES = 17_000
MODIFIED = datetime(2026, 1, 5, 9, 30)

# Share of the campus per type, summing to 1.
SHARES = {
    "client": 0.55,
    "standalone": 0.33,
    "server": 0.05,
    "printer": 0.025,
    "fileMgr": 0.03,
    "service": 0.005,
    "rsyncImage": 0.004,
    "domain": 0.001,
    "lnappconf": 0.003,
    "nms": 0.002,
}

V = MirrorVariableDefinition
IP = r"\d{1,3}(\.\d{1,3}){3}"
MAC = r"([0-9a-f]{2}:){5}[0-9a-f]{2}"

SCHEMA = {
    "domain": [V("description", display_order=1)],
    "client": [
        V("domain", widget="selectonly", mandatory=True, reference_type="domain", display_order=1),
        V("ip_address", mandatory=True, regex=IP, display_order=2),
        V("mac_address", mandatory=True, regex=MAC, display_order=3),
        V("kernel", mandatory=True, display_order=4),
        V("bootfile", mandatory=True, display_order=5),
        V("menu_template", mandatory=True, display_order=6),
        V("preinit_script", mandatory=True, display_order=7),
        V("run_level_name", mandatory=True, display_order=8),
        V("server", widget="select", mandatory=True, reference_type="server", display_order=9),
        V("ntp_servers", mandatory=True, multi_valued=True, display_order=10),
        V("bootOptions", display_order=11),
        V("room", display_order=12),
        V("dept", display_order=13),
        V("site", display_order=14),
        V("printers", widget="multiselect", multi_valued=True, reference_type="printer"),
        V("default_printer", reference_type="printer"),
        V("ssh_key"),
        V("consoles"),
        V("acc_perm", table="Access"),
        V("acc_users", table="Access"),
        V("acc_origins", table="Access"),
        V("file_id", table="Config_Files_Table", reference_type="fileMgr"),
        V("group", table="Config_Files_Table"),
        *[V(f"fs_{c}", table="fstab") for c in ("spec", "file", "vfstype", "mntops", "freq")],
    ],
    "standalone": [
        V("domain", widget="selectonly", mandatory=True, reference_type="domain", display_order=1),
        V("ip_address", mandatory=True, regex=IP, display_order=2),
        V("mac_address", regex=MAC, display_order=3),
        V("server", widget="select", reference_type="server", display_order=4),
        V("room", display_order=5),
        V("nms_contactgroup", display_order=6),
        V("cname", widget="multiselect", multi_valued=True, display_order=7),
        V("cn_name", table="CNAMES"),
        V("cn_domain", table="CNAMES"),
    ],
    "server": [
        V("domain", widget="selectonly", mandatory=True, reference_type="domain", display_order=1),
        V("ip_address", mandatory=True, regex=IP, display_order=2),
        V("mac_address", mandatory=True, regex=MAC, display_order=3),
        V("functions", widget="multiselect", multi_valued=True, display_order=4),
        V("dept", display_order=5),
        V("site", display_order=6),
        V("room", display_order=7),
        V("ssh_key"),
        V("acc_perm", table="Access"),
        V("acc_users", table="Access"),
        V("acc_origins", table="Access"),
        V("file_id", table="Config_Files_Table", reference_type="fileMgr"),
        V("group", table="Config_Files_Table"),
        *[V(f"fs_{c}", table="fstab") for c in ("spec", "file", "vfstype", "mntops", "freq")],
        *[V(f"ex_{c}", table="exports") for c in ("path", "clients", "options")],
        *[V(f"cron_{c}", table="crontab_tasks") for c in ("minute", "hour", "user", "command")],
    ],
    "printer": [
        V("ip_address", mandatory=True, regex=IP, display_order=1),
        V("room", display_order=2),
        V("model", display_order=3),
        V("page_cost", regex=r"\d+(\.\d+)?", display_order=4),
        V("queue", multi_valued=True, display_order=5),
    ],
    "fileMgr": [
        V("path", mandatory=True, display_order=1),
        V("owner", mandatory=True, display_order=2),
        V("group", mandatory=True, display_order=3),
        V("mode", mandatory=True, regex="[0-7]{3,4}", display_order=4),
        V("script", display_order=5),
        *[V(c, table="FileTable") for c in ("instance", "template", "hash", "prev_hash")],
    ],
    "service": [V("daemon", mandatory=True), V("runlevel"), V("functions", multi_valued=True)],
    "rsyncImage": [V("source", mandatory=True), V("destination"), V("servers", multi_valued=True)],
    "lnappconf": [V("setting", multi_valued=True), V("value", multi_valued=True)],
    "nms": [V("warning"), V("critical"), V("unit")],
}


def _definitions() -> list[MirrorEntityType]:
    return [MirrorEntityType(name, f"{name} (generated)", list(vs)) for name, vs in SCHEMA.items()]


class _Builder:
    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.address = 0

    def ip(self) -> str:
        self.address += 1
        net = ("192.0.2", "198.51.100", "203.0.113")[self.address // 250 % 3]
        return f"{net}.{self.address % 250 + 1}"

    def mac(self) -> str:
        self.address += 1
        n = self.address
        return "02:00:5e:" + ":".join(f"{(n >> s) & 0xFF:02x}" for s in (16, 8, 0))


def _entity(entity_type: str, name: str, values: dict[str, list[str]], tables=()) -> MirrorEntity:
    entity = MirrorEntity(entity_type, name)
    for variable, texts in values.items():
        entity.variables[variable] = [
            MirrorValue(i, t, MODIFIED) for i, t in enumerate(texts, 1) if t
        ]
    for rows in tables:
        for row_number, row in enumerate(rows, 1):
            for column, text in row.items():
                entity.variables.setdefault(column, []).append(
                    MirrorValue(row_number, text, MODIFIED)
                )
    return entity


def campus(entities: int = DEFAULT_ENTITIES, seed: int = 1) -> Iterator:
    """The variable definitions, then every entity of a campus of about `entities`."""
    yield from _definitions()
    b = _Builder(seed)
    pick = b.random.choice
    count = {t: max(2, round(entities * share)) for t, share in SHARES.items()}
    domains = [f"d{i}.example.edu" for i in range(count["domain"])]
    servers = [f"srv{i:04d}" for i in range(count["server"])]
    printers = [f"lp{i:04d}" for i in range(count["printer"])]
    files = [f"file{i:04d}.conf" for i in range(count["fileMgr"])]
    rooms = [f"EN{1000 + i}" for i in range(200)]
    depts, sites = ["cs", "math", "phys", "chem", "lib"], ["mun", "grenfell"]

    for d in domains:
        yield _entity("domain", d, {"description": [f"Labnet domain {d}"]})
    for name in printers:
        yield _entity(
            "printer",
            name,
            {
                "ip_address": [b.ip()],
                "room": [pick(rooms)],
                "model": ["HP LaserJet 4250"],
                "page_cost": ["0.10"],
                "queue": [name, f"{name}-duplex"],
            },
        )
    for name in files:
        yield _entity(
            "fileMgr",
            name,
            {"path": [f"/etc/{name}"], "owner": ["root"], "group": ["root"], "mode": ["0644"]},
            [
                [
                    {
                        "instance": "mscluster",
                        "template": "0",
                        "hash": "GpxEs3Rce+D53iStS1kipZxuC7E=",
                    },
                    {"instance": "mun@site_server", "template": "1", "hash": "x1Q9xw=="},
                    {"instance": "mun@site_client", "template": "1", "hash": "b2Vtbw=="},
                ]
            ],
        )
    for i, name in enumerate(servers):
        yield _entity(
            "server",
            name,
            {
                "domain": [pick(domains)],
                "ip_address": [b.ip()],
                "mac_address": [b.mac()],
                "functions": ["appserver", "nfs"] if i % 3 == 0 else ["nfs"],
                "dept": [pick(depts)],
                "site": [pick(sites)],
                "room": [pick(rooms)],
                "ssh_key": [f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{i:020d} root@{name}"],
            },
            [
                [
                    {"acc_perm": "+", "acc_users": "root wheel", "acc_origins": "LOCAL"},
                    {"acc_perm": "+", "acc_users": "bkupclient", "acc_origins": "ALL"},
                    {"acc_perm": "-", "acc_users": "ALL", "acc_origins": "ALL"},
                ],
                [{"file_id": pick(files), "group": "mscluster"}],
                [
                    {
                        "fs_spec": f"/dev/md{n}",
                        "fs_file": mount,
                        "fs_vfstype": "ext4",
                        "fs_mntops": "defaults",
                        "fs_freq": "1",
                    }
                    for n, mount in enumerate(["/", "/var", "/home", "/diskless", "/backup"])
                ],
                [
                    {
                        "ex_path": path,
                        "ex_clients": "192.0.2.0/24",
                        "ex_options": "ro,no_subtree_check",
                    }
                    for path in ("/diskless/rootfs", "/home", "/usr/local")
                ],
                [
                    {
                        "cron_minute": str(m),
                        "cron_hour": "3",
                        "cron_user": "root",
                        "cron_command": cmd,
                    }
                    for m, cmd in (
                        (5, "/usr/local/sbin/bkupclean"),
                        (30, "/usr/local/sbin/lnrsync"),
                    )
                ],
            ],
        )
    for i in range(count["client"]):
        name = f"pc{i:05d}"
        yield _entity(
            "client",
            name,
            {
                "domain": [pick(domains)],
                "ip_address": [b.ip()],
                "mac_address": [b.mac()],
                "kernel": ["bzImage.P4-2.6.38-gentoo-r2"],
                "bootfile": ["pxelinux.0"],
                "menu_template": ["linux_template"],
                "preinit_script": ["rc.preinit.moreminimal"],
                "run_level_name": ["ipsec"],
                "server": [pick(servers)],
                "ntp_servers": [pick(servers) for _ in range(3)],
                "bootOptions": ["quiet splash"] if i % 4 == 0 else [],
                "room": [pick(rooms)],
                "dept": [pick(depts)],
                "site": [pick(sites)],
                "printers": [pick(printers) for _ in range(3)],
                "default_printer": [pick(printers)],
                "ssh_key": [f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{i:020d} root@{name}"],
                "consoles": ["2"],
            },
            [
                [
                    {"acc_perm": "+", "acc_users": "root", "acc_origins": "LOCAL"},
                    {"acc_perm": "+", "acc_users": "@labstaff", "acc_origins": "ALL"},
                    {"acc_perm": "-", "acc_users": "ALL", "acc_origins": "ALL"},
                ],
                [{"file_id": f, "group": "labpc"} for f in (pick(files), pick(files))],
                [
                    {
                        "fs_spec": spec,
                        "fs_file": mount,
                        "fs_vfstype": vfstype,
                        "fs_mntops": options,
                        "fs_freq": "0",
                    }
                    for spec, mount, vfstype, options in (
                        ("tmpfs", "/local_conf", "tmpfs", "size=8m"),
                        ("tmpfs", "/tmp", "tmpfs", "size=512m"),
                        ("/dev/sda1", "/scratch", "ext4", "noatime"),
                    )
                ],
            ],
        )
    for i in range(count["standalone"]):
        name = f"ws{i:05d}"
        domain = pick(domains)
        yield _entity(
            "standalone",
            name,
            {
                "domain": [domain],
                "ip_address": [b.ip()],
                "mac_address": [b.mac()],
                "server": [pick(servers)],
                "room": [pick(rooms)],
                "nms_contactgroup": ["housing_admins"],
                "cname": [f"{name}-{c}" for c in "abc"],
            },
            [[{"cn_name": f"{name}-{c}", "cn_domain": domain} for c in "abc"]],
        )
    for i in range(count["service"]):
        yield _entity(
            "service",
            f"svc{i:03d}",
            {"daemon": [f"daemon{i}"], "runlevel": ["default"], "functions": ["appserver"]},
        )
    for i in range(count["rsyncImage"]):
        yield _entity(
            "rsyncImage",
            f"image{i:03d}",
            {
                "source": [f"/images/master{i}"],
                "destination": ["/diskless/rootfs"],
                "servers": servers[:3],
            },
        )
    for i in range(count["lnappconf"]):
        yield _entity(
            "lnappconf", f"app{i:03d}", {"setting": ["a", "b", "c"], "value": ["1", "2", "3"]}
        )
    for i in range(count["nms"]):
        yield _entity(
            "nms", f"metric{i:02d}", {"warning": ["80"], "critical": ["95"], "unit": ["%"]}
        )
