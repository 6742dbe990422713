"""What WIMP reads of the configuration: Windows 7 appservers, their clients, windowsImage
entities, which clients use an image and which appservers list it (WindowsImageTab), and the
appserver's Rsync row naming the master image server of /images/<dept>."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from entities.models import Entity, Value

IMAGE_TYPE = "windowsImage"
TAB, RSYNC = "WindowsImageTab", "Rsync"
W7_FUNCTION = "w7appserver"
# A windowsImage's name is also a logical volume's (<image>_m) and part of an iSCSI name,
# where only lowercase letters, digits, '-', '.' and ':' may appear ('_' becomes '-').
IMAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_SIZE = re.compile(r"^([0-9]{1,12})([mMgGtT]?)$")
_UNITS = {"": 1 << 20, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
HARDWARE = ("graphics_card", "monitor")  # what the client choice shows of each client


def size_bytes(text: str, what: str) -> int:
    """Bytes of a size as lvm reads -L (docs/iscsi.md): MiB, or with an M, G or T suffix."""
    match = _SIZE.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise ValidationError(f"{what} {text[:20]!r} is not a size like 50G, 512M or 1T")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def check_image_name(image: str) -> str:
    if not IMAGE_NAME.match(image):
        raise ValidationError(
            f"image name {image[:70]!r}: up to 63 lowercase letters, digits, '_' and '-', "
            "starting with a letter or digit"
        )
    return image


def values(entity_type: str, name: str) -> dict[str, list[str]] | None:
    """An entity's values by variable (table columns in row order), or None if it is not."""
    if not Entity.objects.filter(entity_type__name=entity_type, name=name).exists():
        return None
    found: dict[str, list[str]] = {}
    rows = Value.objects.filter(entity__entity_type__name=entity_type, entity__name=name)
    for variable, text in rows.order_by("indx").values_list("variable__name", "value"):
        found.setdefault(variable, []).append(text)
    return found


def first(found: dict[str, list[str]], name: str) -> str:
    return (found.get(name) or [""])[0]


def table(found: dict[str, list[str]], *columns: str) -> list[dict[str, str]]:
    """The rows of a table from its columns' values (a missing cell is "")."""
    count = max((len(found.get(c, [])) for c in columns), default=0)
    return [
        {c: (found.get(c, [])[n] if n < len(found.get(c, [])) else "") for c in columns}
        for n in range(count)
    ]


def windows7_appservers() -> list[str]:
    return sorted(
        Value.objects.filter(
            entity__entity_type__name="server", variable__name="functions", value=W7_FUNCTION
        ).values_list("entity__name", flat=True)
    )


def appserver(name: str) -> dict[str, list[str]]:
    found = values("server", name)
    if found is None or W7_FUNCTION not in found.get("functions", []):
        raise ValidationError(f"{name[:70]!r} is not a Windows 7 appserver (function w7appserver)")
    return found


def clients_of(server: str) -> list[tuple[str, str]]:
    """(client, its hardware) of each client the appserver serves."""
    served = Value.objects.filter(
        entity__entity_type__name="client", variable__name__in=("server", "appserver"), value=server
    ).values_list("entity_id", flat=True)
    rows = Value.objects.filter(entity_id__in=served, variable__name__in=HARDWARE)
    hardware: dict[str, list[str]] = {}
    for name, text in rows.order_by("variable__name").values_list("entity__name", "value"):
        hardware.setdefault(name, []).append(text)
    names = Entity.objects.filter(pk__in=served).order_by("name").values_list("name", flat=True)
    return [(n, ", ".join(hardware.get(n, [])) or "hardware unknown") for n in names]


def client_of(server: str, client: str) -> dict[str, list[str]]:
    found = values("client", client)
    if found is None:
        raise ValidationError(f"{client[:70]!r} is not a client")
    if server not in (first(found, "server"), first(found, "appserver")):
        raise ValidationError(f"client {client} is not served by {server}")
    if not first(found, "iscsi_password"):
        raise ValidationError(f"client {client} has no iscsi_password (its target needs CHAP)")
    return found


def image_values(image: str) -> dict[str, list[str]]:
    found = values(IMAGE_TYPE, image)
    if found is None:
        raise ValidationError(f"{image[:70]!r} is not a windowsImage")
    return found


def users_of(image: str) -> list[str]:
    """Every client whose windowsImage is image."""
    return sorted(
        Value.objects.filter(
            entity__entity_type__name="client", variable__name="windowsImage", value=image
        ).values_list("entity__name", flat=True)
    )


def listed_by(image: str) -> list[str]:
    """The appservers whose WindowsImageTab lists image."""
    return sorted(
        Value.objects.filter(
            entity__entity_type__name="server", variable__name="wi_image", value=image
        ).values_list("entity__name", flat=True)
    )


def images_of(server: str) -> list[str]:
    return [r["wi_image"] for r in table(appserver(server), "wi_image") if r["wi_image"]]


def master_image_server(server: str, directory: str) -> tuple[str, str]:
    """(rs_host, rs_src) of the appserver's Rsync row copying directory: where the archive
    goes (guide 3.4: `rsync -a <rs_dst>/<image>* <rs_host>:<rs_src>`)."""
    rows = table(appserver(server), "rs_host", "rs_src", "rs_dst")
    for row in rows:
        if row["rs_dst"].rstrip("/") == directory.rstrip("/") and row["rs_host"]:
            return row["rs_host"], row["rs_src"]
    raise ValidationError(
        f"{server} has no Rsync row for {directory}: the master image server of its images "
        "is not known (add the row to its Rsync table)"
    )
