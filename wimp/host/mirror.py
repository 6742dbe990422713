"""What WIMP's host work reads from the XML mirror: the appserver and a client as the iSCSI
naming rule (imaging's planning) takes them. Entity files are re-read each call."""

from __future__ import annotations

from pathlib import Path

from entities.mirror import MirrorError, read_entity_file
from imaging.host.iscsi.planning import Appserver, IscsiClient, Refused


def _values(etc: Path, entity_type: str, name: str) -> dict[str, list[str]]:
    path = Path(etc) / entity_type / name
    if "/" in name or name in ("", ".", "..") or not path.is_file():
        raise Refused(f"{entity_type} {name!r} is not in the mirror")
    try:
        entity = read_entity_file(path)
    except MirrorError as exc:
        raise Refused(f"{entity_type} {name}: unreadable mirror file ({exc})") from None
    return {v: [x.text.strip() for x in values] for v, values in entity.variables.items()}


def _first(values: dict[str, list[str]], name: str) -> str:
    return (values.get(name) or [""])[0]


def appserver(etc: Path, host: str) -> Appserver:
    values = _values(etc, "server", host)
    try:
        conf = _values(etc, "lnappconf", "menuserver")
    except Refused:
        conf = {}
    return Appserver(
        name=host,
        domain=_first(values, "domain"),
        iqn_prefix=_first(conf, "iqn_prefix"),
        image_vgroup=_first(values, "iscsi_image_vgroup"),
        windows_images=tuple(v for v in values.get("wi_image", []) if v),
    )


def client(etc: Path, name: str) -> IscsiClient:
    values = _values(etc, "client", name)
    return IscsiClient(
        name=name,
        domain=_first(values, "domain"),
        windows_image=_first(values, "windowsImage"),
        iscsi_password=_first(values, "iscsi_password"),
    )
