"""The template engine on large files, against Jinja2 giving byte-identical output from the same
in-memory snapshot, in the same run: the shipped `dhcpd.conf` and `kea-dhcp4.conf` of an
appserver serving 2,000 clients, and an `/etc/hosts` naming every host of gendata's
17,000-entity campus (the shipped template's line for each server, client and standalone).

The Jinja2 templates get what the Labnet ones read: the host's own values, and the snapshot's
lookups (entities of a type whose variable has a value, through the same index) as functions.

Run: .venv/bin/python bench/bench_large_templates.py [--clients 2000] [--profile]"""

from __future__ import annotations

import argparse
import cProfile
import ipaddress
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from entities import gendata  # noqa: E402
from entities.mirror import MirrorEntity, MirrorValue  # noqa: E402
from filemgr.templating import SnapshotSource, compile_template  # noqa: E402

ROUNDS = 15
FILES = ROOT / "demo" / "files"
APPSERVER = "srv0000"

# The shipped /etc/hosts (demo/files/hosts) with its server loop over every host type.
CAMPUS_HOSTS = """<Template>
# /etc/hosts: made by the Labnet agent from the server entities (and this host's own name).
127.0.0.1       localhost
::1             localhost
<iterateOverLists>
  <iteratorList>server<literal>client</literal><literal>standalone</literal></iteratorList>
  <iterateOverLists>
    <iteratorList><getentitylist><item/></getentitylist></iteratorList>
    <setdefaults><type><item level="1"/></type><entity><item/></entity>
      <setvalue>address<cat><varVal>ip</varVal><varVal>ip_address</varVal></cat></setvalue>
      <line><getvalue>address</getvalue><ts>16</ts><item/>.<varVal>domain</varVal>
        <literal> </literal><item/></line>
    </setdefaults>
  </iterateOverLists>
</iterateOverLists>
</Template>"""

JINJA_CAMPUS_HOSTS = """\
# /etc/hosts: made by the Labnet agent from the server entities (and this host's own name).
127.0.0.1       localhost
::1             localhost
{% for type in ("server", "client", "standalone") %}{% for name in names(type) %}\
{% set e = values(type, name) %}{% set address = j(e.ip) ~ j(e.ip_address) %}\
{{ address }}{{ tab(address, 16) }}{{ name }}.{{ j(e.domain) }} {{ name }}
{% endfor %}{% endfor %}"""

JINJA_DHCPD = """\
# /etc/dhcp/dhcpd.conf: made by the Labnet agent for the diskless clients and standalone
# computers whose `server` is this host (ISC dhcpd; kea-dhcp4.conf is the same for Kea).
# BIOS PXE gets the client's bootfile over TFTP and pxelinux its menu_template (option 209);
# UEFI (architecture 7 or 9, option 93) gets ipxe.efi; iPXE itself gets its script from
# menuserver over HTTP.
option pxelinux-configfile code 209 = text;
option client-arch code 93 = unsigned integer 16;
authoritative;
ddns-update-style none;
{% set domain = j(v.domain) %}{% set server_ip = j(v.ip) %}\
{% set port = j(conf("menuserver").port) %}\
{% set d = values("domain", domain) %}\
subnet {{ j(d.subnet) }} netmask {{ j(d.netmask) }} {}
{% for type in ("client", "standalone") %}{% for name in where(type, "server", host) %}\
{% set e = values(type, name) %}{% set cd = values("domain", j(e.domain)) %}\
host {{ name }} {
  hardware ethernet {{ j(e.mac_address) }};
  fixed-address {{ j(e.ip_address) }};
  option host-name "{{ name }}";
  option subnet-mask {{ j(cd.netmask) }};
  option routers {{ j(cd.gateway) }};
  option domain-name-servers {{ cd.nameservers|join(", ") }};
  option domain-name "{{ j(e.domain) }}";
{% if j(e.bootfile) %}\
  next-server {{ server_ip }};
{% if j(e.menu_template) %}  option pxelinux-configfile "{{ j(e.menu_template) }}";
{% endif %}\
{% if j(e.ipxe_menu) %}\
  if exists user-class and option user-class = "iPXE" {
    filename "http://{{ server_ip }}:{{ port }}/ipxe?mac=${net0/mac}";
  } elsif option client-arch = 7 or option client-arch = 9 {
{% else %}\
  if option client-arch = 7 or option client-arch = 9 {
{% endif %}\
    filename "ipxe.efi";
  } else {
    filename "{{ j(e.bootfile) }}";
  }
{% endif %}\
}
{% endfor %}{% endfor %}"""

KEA_HEADER = """\
// /etc/kea/kea-dhcp4.conf: made by the Labnet agent for the diskless clients and standalone
// computers whose `server` is this host (Kea, the successor of ISC dhcpd; dhcpd.conf is the
// same for ISC dhcpd). BIOS PXE gets the client's bootfile over TFTP and pxelinux its
// menu_template (option 209); UEFI (architecture 7 or 9, option 93) gets ipxe.efi; iPXE
// itself gets its script from menuserver over HTTP. A client's bootfile is in a class of its
// own, not in its reservation (whose fields would win over every class): classes matched by
// a test come first, so iPXE and UEFI win over it.


{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "*" ] },
    "lease-database": { "type": "memfile", "lfc-interval": 3600 },
    "authoritative": true,
    "option-def": [
      { "name": "pxelinux-configfile", "code": 209, "type": "string", "space": "dhcp4" }
    ],
    "client-classes": [
      {
        "name": "iPXE",
        "test": "option[77].text == 'iPXE'",
"""
JINJA_KEA = (
    KEA_HEADER
    + """\
{% set domain = j(v.domain) %}{% set server_ip = j(v.ip) %}\
{% set port = j(conf("menuserver").port) %}\
{% set served = [] %}{% for type in ("client", "standalone") %}\
{% for name in where(type, "server", host) %}\
{% do served.append((name, values(type, name))) %}{% endfor %}{% endfor %}\
        "boot-file-name": "http://{{ server_ip }}:{{ port }}/ipxe?mac=${net0/mac}"
      },
      {
        "name": "UEFI",
        "test": "option[93].hex == 0x0007 or option[93].hex == 0x0009",
        "boot-file-name": "ipxe.efi"
      }{% for name, e in served %}{% if j(e.bootfile) %},
      { "name": "boot {{ name }}", "next-server": "{{ server_ip }}", "boot-file-name": "{{
j(e.bootfile) }}" }\
{% endif %}{% endfor %}
    ],

{% set d = values("domain", domain) %}\
    "subnet4": [ { "id": 1, "subnet": "{{ j(d.subnet) }}/{{ prefix(j(d.netmask)) }}" } ],

    "reservations-global": true,
    "reservations-in-subnet": false,
    "reservations": [{% for name, e in served %}{% set cd = values("domain", j(e.domain)) %}
      {
        "hostname": "{{ name }}",
        "hw-address": "{{ j(e.mac_address) }}",
        "ip-address": "{{ j(e.ip_address) }}",
{% if j(e.bootfile) %}        "client-classes": [ "boot {{ name }}" ],
{% endif %}\
        "option-data": [
          { "name": "subnet-mask", "data": "{{ j(cd.netmask) }}" },
          { "name": "routers", "data": "{{ j(cd.gateway) }}" },
          { "name": "domain-name-servers", "data": "{{ cd.nameservers|join(", ") }}" },
{% if j(e.menu_template) %}\
          { "name": "pxelinux-configfile", "data": "{{ j(e.menu_template) }}" },
{% endif %}\
          { "name": "domain-name", "data": "{{ j(e.domain) }}" }
        ]
      }{{ "," if not loop.last }}{% endfor %}
    ]
  }
}
"""
)
# Kea's subnet prefix length from a netmask, as the shipped template's <indexof> computes it.
PREFIXES = {str(ipaddress.IPv4Network(f"0.0.0.0/{n}").netmask): n for n in range(16, 31)}


def campus(clients: int) -> SnapshotSource:
    """gendata's campus, with the first `clients` clients served by APPSERVER."""
    items = list(gendata.campus())
    served = [
        i
        for i in items
        if isinstance(i, MirrorEntity) and i.entity_type == "client" and "server" in i.variables
    ]
    for client in served[:clients]:
        client.variables["server"] = [
            MirrorValue(v.indx, APPSERVER, v.modified) for v in client.variables["server"]
        ]
    return SnapshotSource.from_items(items)


def labnet_renderers(source: SnapshotSource) -> dict[str, Callable[[], str]]:
    def shipped(name: str) -> bytes:
        return next((FILES / name).iterdir()).read_bytes()

    dhcpd = compile_template(shipped("dhcpd.conf"))
    kea = compile_template(shipped("kea-dhcp4.conf"))
    hosts = compile_template(CAMPUS_HOSTS.encode())
    return {
        "dhcpd.conf": lambda: dhcpd.render(source, APPSERVER, "server"),
        "kea-dhcp4.conf": lambda: kea.render(source, APPSERVER, "server"),
        "/etc/hosts": lambda: hosts.render(source, APPSERVER, "server"),
    }


def jinja_renderers(source: SnapshotSource) -> dict[str, Callable[[], str]]:
    env = jinja2.Environment(
        keep_trailing_newline=True, autoescape=False, extensions=["jinja2.ext.do"]
    )
    empty: dict[str, list[str]] = {}

    def values(entity_type: str, name: str) -> dict[str, list[str]]:
        return source.entity_values(entity_type, name) or empty

    env.globals |= {
        "j": "".join,
        "values": values,
        "names": source.entity_names,
        "where": lambda t, var, val: sorted(source.entities_where(t, var, [val])),
        "conf": lambda name: values("lnappconf", name),
        "tab": lambda text, stop: " " * max(0, stop - len(text)),
        "prefix": PREFIXES.get,
        "host": APPSERVER,
    }
    own = values("server", APPSERVER)
    dhcpd = env.from_string(JINJA_DHCPD)
    kea = env.from_string(JINJA_KEA)
    hosts = env.from_string(JINJA_CAMPUS_HOSTS)
    return {
        "dhcpd.conf": lambda: dhcpd.render(v=own),
        "kea-dhcp4.conf": lambda: kea.render(v=own),
        "/etc/hosts": lambda: hosts.render(),
    }


def best_time(render: Callable[[], str]) -> float:
    """The least CPU time of this process over the rounds: on a shared machine, other
    processes' load moves wall-clock figures far more than either engine does."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        render()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    source = campus(args.clients)
    labnet, jinja = labnet_renderers(source), jinja_renderers(source)
    for name, render in jinja.items():
        ours, theirs = labnet[name](), render()
        if ours != theirs:
            for n, (a, b) in enumerate(zip(ours.splitlines(), theirs.splitlines(), strict=False)):
                if a != b:
                    sys.exit(f"{name}: line {n + 1} differs:\n{a!r}\n{b!r}")
            sys.exit(f"{name}: {len(ours)} characters against {len(theirs)}")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [render() for render in labnet.values()])
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    print(f"appserver {APPSERVER} serving {args.clients} clients; output identical to Jinja2's")
    print(f"{'file':16} {'lines':>7} {'labnet':>10} {'jinja2':>10} {'ratio':>6}")
    for name, render in jinja.items():
        lines = labnet[name]().count("\n")
        ours, theirs = best_time(labnet[name]), best_time(render)
        print(
            f"{name:16} {lines:7} {ours * 1000:8.1f}ms {theirs * 1000:8.1f}ms {ours / theirs:6.2f}"
        )


if __name__ == "__main__":
    main()
