"""DNS zones built from the configuration (guide 2.3 step 9, `authdns`; the CNAMES table): a
forward zone per domain entity with the A/AAAA record of every host that has a domain and an
address (entity name + domain) and its aliases as CNAMEs, and an in-addr.arpa zone per /24
with the PTR records. A clash (a name claimed twice, an alias on a name that has an address,
an address used by two hosts) is reported and the first claim, in type then name order,
is kept, so the zone stays valid. Pure functions over a configuration source: no Django."""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .identity import ADDRESS_VARIABLES, CN_DOMAIN, CN_NAME, CNAME, DOMAIN, INTERFACE_ADDRESS

DOMAIN_TYPE = "domain"
NOT_HOSTS = frozenset({DOMAIN_TYPE, "fileMgr"})
AUTHDNS = "authdns"
TTL = 3600
SERIAL_RE = re.compile(r"^@\s+IN\s+SOA\s+\S+\s+\S+\s+\(\s*(\d+)", re.MULTILINE)


@dataclass
class Zone:
    """One zone's records: (owner name relative to the zone, type, data), in order."""

    name: str
    records: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class ZoneBuild:
    zones: dict[str, Zone]
    nameservers: list[str]
    problems: list[str]


@dataclass
class _Claims:
    """Who holds each name (fqdn -> (owner, "address" | "alias")) and each address."""

    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    addresses: dict[str, tuple[str, str]] = field(default_factory=dict)  # ip -> (owner, fqdn)


def _reverse_zone(address: ipaddress.IPv4Address) -> tuple[str, str]:
    a, b, c, d = str(address).split(".")
    return f"{c}.{b}.{a}.in-addr.arpa", d


def _hosts(source) -> Iterable[tuple[str, str, dict]]:
    for entity_type in source.entity_types():
        if entity_type in NOT_HOSTS:
            continue
        for name in source.entity_names(entity_type):
            values = source.entity_values(entity_type, name) or {}
            if any(v.strip() for v in values.get(DOMAIN, ())):
                yield entity_type, name, values


def build_zones(source) -> ZoneBuild:
    """The zones of every domain entity of source (a template engine source: the mirror)."""
    zones = {d.lower(): Zone(d.lower()) for d in source.entity_names(DOMAIN_TYPE)}
    problems: list[str] = []
    claims = _Claims()
    aliases: list[tuple[str, str, str]] = []  # (owner, alias fqdn, target fqdn)
    nameservers = []
    for entity_type, name, values in _hosts(source):
        owner = f"{entity_type}/{name}"
        domain = next(d.strip().lower() for d in values[DOMAIN] if d.strip())
        fqdn = f"{name.lower()}.{domain}"
        addresses = []
        for variable in (*ADDRESS_VARIABLES, INTERFACE_ADDRESS):
            for text in values.get(variable, ()):
                try:
                    addresses.append(ipaddress.ip_address(text.strip()))
                except ValueError:
                    continue  # empty table cells; the variable's regex refuses the rest
        if not addresses:
            continue
        if domain not in zones:
            problems.append(f"{owner}: its domain {domain} is no domain entity; not published")
            continue
        if AUTHDNS in values.get("functions", ()):
            nameservers.append(fqdn)
        if fqdn in claims.names:
            problems.append(
                f"{fqdn} is claimed by {claims.names[fqdn][0]} and {owner}; "
                f"kept {claims.names[fqdn][0]}'s"
            )
            continue
        claims.names[fqdn] = (owner, "address")
        for address in dict.fromkeys(addresses):
            kind = "A" if address.version == 4 else "AAAA"
            zones[domain].records.append((name.lower(), kind, str(address)))
            if address.version != 4:
                continue
            if str(address) in claims.addresses:
                first, first_fqdn = claims.addresses[str(address)]
                problems.append(
                    f"{address} is the address of {first} and {owner}; its PTR names {first_fqdn}"
                )
                continue
            claims.addresses[str(address)] = (owner, fqdn)
            reverse, label = _reverse_zone(address)
            zones.setdefault(reverse, Zone(reverse)).records.append((label, "PTR", fqdn + "."))
        for alias in values.get(CNAME, ()):
            if alias.strip():
                aliases.append((owner, f"{alias.strip().lower()}.{domain}", fqdn))
        for cn_name, cn_domain in zip(
            values.get(CN_NAME, ()), values.get(CN_DOMAIN, ()), strict=False
        ):
            if cn_name.strip() and cn_domain.strip():
                alias = f"{cn_name.strip().lower()}.{cn_domain.strip().lower()}"
                aliases.append((owner, alias, fqdn))
    for owner, alias, target in aliases:
        label, _, domain = alias.partition(".")
        if domain not in zones:
            problems.append(f"{owner}: alias {alias} is in no domain entity's zone; skipped")
        elif alias in claims.names:
            holder, kind = claims.names[alias]
            what = "a host's name" if kind == "address" else f"an alias of {holder}"
            problems.append(f"{owner}: alias {alias} is already {what}; skipped")
        else:
            claims.names[alias] = (owner, "alias")
            zones[domain].records.append((label, "CNAME", target + "."))
    return ZoneBuild(zones, sorted(nameservers), problems)


def _zone_body(zone: Zone, nameservers: list[str]) -> str:
    """The zone's records after the SOA: what decides whether the serial moves."""
    lines = [f"@\tIN\tNS\t{ns}." for ns in nameservers]
    width = max((len(owner) for owner, _, _ in zone.records), default=1)
    lines += [f"{o:<{width}}\tIN\t{t}\t{d}" for o, t, d in sorted(zone.records)]
    return "\n".join(lines) + "\n"


def zone_text(zone: Zone, nameservers: list[str], serial: int) -> str:
    primary = nameservers[0] if nameservers else f"ns.{zone.name}"
    soa = (
        f"@\tIN\tSOA\t{primary}. hostmaster.{zone.name}. (\n"
        f"\t{serial} ; serial\n\t3600 ; refresh\n\t900 ; retry\n\t1209600 ; expire\n"
        f"\t300 ; negative answers\n\t)\n"
    )
    return f"$ORIGIN {zone.name}.\n$TTL {TTL}\n{soa}{_zone_body(zone, nameservers)}"


def serial_of(text: str) -> int | None:
    found = SERIAL_RE.search(text)
    return int(found.group(1)) if found else None


def next_serial(previous: int | None, today: datetime.date) -> int:
    """The date form YYYYMMDDnn, always above the previous serial."""
    dated = int(today.strftime("%Y%m%d")) * 100
    return max(dated, (previous or 0) + 1)


def zone_if_changed(
    zone: Zone, nameservers: list[str], installed: str | None, today: datetime.date
) -> str | None:
    """The zone file to install, with a new serial, or None when installed holds the same
    records (its serial then stays)."""
    if installed is not None:
        previous = serial_of(installed)
        if previous is not None and installed == zone_text(zone, nameservers, previous):
            return None
    else:
        previous = None
    return zone_text(zone, nameservers, next_serial(previous, today))
