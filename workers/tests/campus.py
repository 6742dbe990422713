"""A small campus for the identity tests: domains, and hosts with addresses and aliases."""

from __future__ import annotations

from entities.models import Entity
from testing import factories, hosts

DOMAINS = {"cs.example.edu": "192.0.2.0", "math.example.edu": "198.51.100.0"}


def domains() -> None:
    domain_type = factories.demo_type("domain")
    for name, subnet in DOMAINS.items():
        if not Entity.objects.filter(entity_type=domain_type, name=name).exists():
            factories.entity(
                domain_type,
                name,
                subnet=subnet,
                netmask="255.255.255.0",
                gateway=subnet[:-1] + "1",
            )


def server(name: str, ip: str, domain: str = "cs.example.edu", tables=None, **values) -> Entity:
    domains()
    return hosts.host("server", name, domain=domain, ip=ip, tables=tables, **values)


def client(name: str, ip: str, domain: str = "cs.example.edu", **values) -> Entity:
    domains()
    return hosts.host("client", name, domain=domain, ip_address=ip, **values)
