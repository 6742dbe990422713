"""What a Windows 7 client's boot asks of its appserver (guide 3.3.5): the names of its COW
volume and target, the IQNs, its CHAP credentials, and the refusals. Pure functions over plain
data: no LVM, no LIO, no mirror.

Names follow the guide: a master volume is `<image>_m`, a client's COW `<client>_c`. IQNs are
`<prefix>.<reverse DNS of the appserver>:<image>:<client>` for the target and
`<prefix>.<reverse DNS of the client>:system-disk` for the client, the prefix (`iqn.1989-06`)
from the configuration. iSCSI names allow only lowercase letters, digits, `-`, `.` and `:`
(RFC 3722), so an entity name's `_` becomes `-` there (cs_lab -> cs-lab). The client's iPXE
template (demo/files/ipxe_template) writes the same names with the template language, which
cannot lowercase: a name with an uppercase letter, a domain of more than MAX_LABELS labels or
an IQN with more than MAX_UNDERSCORES `_` is refused here rather than exported under a name
the client would not ask for."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MASTER_SUFFIX, COW_SUFFIX = "_m", "_c"
MAX_PASSWORD = 255  # LIO's limit for a CHAP secret
MAX_IQN = 223  # RFC 3720
MAX_LABELS = 8  # domain labels the iPXE template reverses (one regex, \1 to \8)
MAX_UNDERSCORES = 8  # `_` the iPXE template replaces (one substitute each)
_PREFIX = re.compile(r"^iqn\.[0-9]{4}-(0[1-9]|1[0-2])$")
_LV_NAME = re.compile(r"^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,125}$")
_IQN_PART = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_SIZE = re.compile(r"^([0-9]{1,12})([mMgGtT]?)$")
_UNITS = {"": 1 << 20, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_DEVICE = re.compile(r"^/dev/[A-Za-z0-9/_-]{1,100}$")  # the server variables' regex
MAX_RAM_KIB = 1 << 30  # 1 TiB of RAM disk: more than an appserver holds


class Refused(ValueError):
    """A COW target this appserver will not make; the message names the client and image
    (never a secret)."""


@dataclass(frozen=True)
class WindowsImage:
    """A windowsImage entity: imageLvSize is the C: disk the client sees, cowLvSize the
    writable space of one session."""

    name: str
    image_size: int
    cow_size: int


@dataclass(frozen=True)
class IscsiClient:
    """A client entity as its boot needs it."""

    name: str
    domain: str
    windows_image: str
    iscsi_password: str = field(repr=False)


@dataclass(frozen=True)
class Appserver:
    """The appserver that serves the COW targets, and what its configuration says."""

    name: str
    domain: str
    iqn_prefix: str
    image_vgroup: str
    windows_images: tuple[str, ...]  # its WindowsImageTab


@dataclass(frozen=True)
class CowPlan:
    """One client's COW volume and the target exporting it."""

    client: str
    image: str
    master: str
    cow: str
    cow_size: int
    target_iqn: str
    initiator_iqn: str
    chap_password: str = field(repr=False)

    @property
    def chap_user(self) -> str:
        # The iPXE script sends the initiator IQN as the CHAP user name (guide 3.3.5).
        return self.initiator_iqn


# The wimpSession modes whose client boots the image's master read-write (the iPXE template's
# AND_expr names the same three).
DIRECT_MODES = frozenset({"new", "update", "clone"})


@dataclass(frozen=True)
class Occupancy:
    """What the volume group holds right now: each volume's name and the bytes its removal
    frees, the free bytes, images being synced, images with an open wimpSession and the
    clients of those sessions that boot the session's direct disk."""

    volumes: Mapping[str, int]
    free_bytes: int
    syncing: frozenset[str] = frozenset()
    wimp_sessions: frozenset[str] = frozenset()
    session_clients: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CachePlan:
    """The guide's flashcache caches as lvmcache of the image volume group's thin pool,
    which holds the masters and the COWs alike: the SSD iscsi_cow_cache_dev when it is set,
    else a RAM disk of iscsi_image_size + iscsi_cow_cache_size KiB (1K blocks)."""

    ssd: str = ""
    ram_kib: int = 0


def cache_plan(server: str, image_kib: str, cow_kib: str, ssd: str) -> CachePlan | None:
    """The cache the appserver's iscsi_* variables ask for, None for none."""
    if ssd.strip():
        if not _DEVICE.match(ssd.strip()) or "/../" in ssd:
            raise Refused(
                f"appserver {server}: iscsi_cow_cache_dev {ssd[:60]!r} is not a /dev path"
            )
        return CachePlan(ssd=ssd.strip())
    total = 0
    for name, text in (("iscsi_image_size", image_kib), ("iscsi_cow_cache_size", cow_kib)):
        text = text.strip()
        if text and (not text.isdigit() or len(text) > 12):
            raise Refused(f"appserver {server}: {name} {text[:20]!r} is not a number of KiB")
        total += int(text or 0)
    if total > MAX_RAM_KIB:
        raise Refused(
            f"appserver {server}: iscsi_image_size + iscsi_cow_cache_size is more than "
            f"{MAX_RAM_KIB >> 20} GiB of RAM disk"
        )
    return CachePlan(ram_kib=total) if total else None


def parse_size(text: str, what: str) -> int:
    """Bytes of an imageLvSize/cowLvSize value: a number of MiB (lvcreate's default unit) or
    with an M, G or T suffix (binary units, as LVM reads them)."""
    match = _SIZE.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise Refused(f"{what} {text[:20]!r} is not a size like 2G or 512M")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def master_name(image: str) -> str:
    return _lv_name(image + MASTER_SUFFIX, f"image {image}")


def cow_name(client: str) -> str:
    return _lv_name(client + COW_SUFFIX, f"client {client}")


def _lv_name(name: str, what: str) -> str:
    if not _LV_NAME.match(name):
        raise Refused(f"{what}: {name[:60]!r} cannot be a logical volume name")
    return name


def iqn_part(name: str, what: str) -> str:
    """name as a piece of an iSCSI name: `_` as `-`; uppercase is refused (see above)."""
    part = name.strip().replace("_", "-")
    if part != part.lower():
        raise Refused(f"{what} {name[:60]!r} has an uppercase letter (iSCSI names are lowercase)")
    if not _IQN_PART.match(part):
        raise Refused(f"{what} {name[:60]!r} cannot be part of an iSCSI name")
    return part


def reverse_dns(host: str, domain: str, what: str) -> str:
    """ca.mun.cs.rook for host rook in domain cs.mun.ca."""
    if not domain.strip():
        raise Refused(f"{what} {host} has no domain")
    if domain.count(".") >= MAX_LABELS:
        raise Refused(f"{what} {host}'s domain has more than {MAX_LABELS} labels")
    labels = [iqn_part(label, f"{what} {host}'s domain") for label in domain.split(".")]
    return ".".join([*reversed(labels), iqn_part(host, what)])


def _iqn(prefix: str, rest: str, names: str, what: str) -> str:
    if not _PREFIX.match(prefix):
        raise Refused(f"iqn_prefix {prefix[:40]!r} is not iqn.YYYY-MM")
    if names.count("_") > MAX_UNDERSCORES:
        raise Refused(f"{what}: iSCSI name would have more than {MAX_UNDERSCORES} '_' to replace")
    iqn = f"{prefix}.{rest}"
    if len(iqn) > MAX_IQN:
        raise Refused(f"{what}: iSCSI name is longer than {MAX_IQN} characters")
    return iqn


def target_iqn(server: Appserver, image: str, client: str | None) -> str:
    """The target of a client's COW disk, or with client None the master's own target (a
    WIMP session's direct disk)."""
    rest = reverse_dns(server.name, server.domain, "appserver") + ":" + iqn_part(image, "image")
    if client is not None:
        rest += ":" + iqn_part(client, "client")
    names = f"{server.domain} {server.name} {image} {client or ''}"
    return _iqn(server.iqn_prefix, rest, names, f"image {image}")


def initiator_iqn(server: Appserver, client: IscsiClient) -> str:
    rest = reverse_dns(client.name, client.domain, "client") + ":system-disk"
    return _iqn(server.iqn_prefix, rest, f"{client.domain} {client.name}", f"client {client.name}")


def check_password(client: IscsiClient) -> str:
    password = client.iscsi_password
    if not password:
        raise Refused(f"client {client.name} has no iscsi_password")
    if len(password) > MAX_PASSWORD or not password.isascii() or not password.isprintable():
        raise Refused(
            f"client {client.name}: iscsi_password must be at most {MAX_PASSWORD} "
            "printable ASCII characters"
        )
    if " " in password:
        raise Refused(f"client {client.name}: iscsi_password has a space")
    return password


def image_refusal(server: Appserver, image: str, occupancy: Occupancy) -> str | None:
    """Why the master of image may not be used or changed now, or None."""
    if image in occupancy.syncing:
        return f"image {image} is being synced"
    if image in occupancy.wimp_sessions:
        return f"image {image} has an open wimpSession"
    if image not in server.windows_images:
        return f"image {image} is not in {server.name}'s WindowsImageTab"
    return None


def plan_cow(
    server: Appserver,
    client: IscsiClient,
    images: dict[str, WindowsImage],
    occupancy: Occupancy,
) -> CowPlan:
    """The COW volume and target for one boot of client, or Refused saying why."""
    if client.name in occupancy.session_clients:
        raise Refused(
            f"client {client.name} is in a WIMP session: it boots the session's direct disk"
        )
    name = client.windows_image
    who = f"client {client.name}, image {name or '(none)'}"
    if not name:
        raise Refused(f"client {client.name} has no windowsImage")
    image = images.get(name)
    if image is None:
        raise Refused(f"{who}: {name!r} is not a windowsImage")
    refusal = image_refusal(server, name, occupancy)
    if refusal:
        raise Refused(f"{who}: {refusal}")
    password = check_password(client)
    master = master_name(name)
    if master not in occupancy.volumes:
        raise Refused(f"{who}: {server.name} has no master volume {master} (run syncimage)")
    cow = cow_name(client.name)
    # The client's previous COW is removed first, so its space counts as free.
    free = occupancy.free_bytes
    free += occupancy.volumes.get(cow, 0)
    if image.cow_size > free:
        raise Refused(
            f"{who}: cowLvSize {image.cow_size >> 20} MiB is more than the "
            f"{free >> 20} MiB free in volume group {server.image_vgroup}"
        )
    return CowPlan(
        client=client.name,
        image=name,
        master=master,
        cow=cow,
        cow_size=image.cow_size,
        target_iqn=target_iqn(server, name, client.name),
        initiator_iqn=initiator_iqn(server, client),
        chap_password=password,
    )
