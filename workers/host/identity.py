"""The DNS names and IP addresses a host owns in the configuration: what its certificate may
name (the CA signs nothing else), what the agent compares its certificate with, and what the
authdns zones publish. No Django here: the CA reads the database through the same function
the agent applies to its mirror."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# A server's address is `ip`; a client's, a standalone computer's and a printer's `ip_address`.
ADDRESS_VARIABLES = ("ip", "ip_address")
INTERFACE_ADDRESS = "if_ip"  # the interfaces table: servers with more than one active port
DOMAIN = "domain"
CNAME = "cname"  # aliases in the host's own domain
CN_NAME, CN_DOMAIN = "cn_name", "cn_domain"  # the CNAMES table: an alias in any domain
# Every variable host_identity reads.
IDENTITY_VARIABLES = (DOMAIN, CNAME, CN_NAME, CN_DOMAIN, *ADDRESS_VARIABLES, INTERFACE_ADDRESS)


@dataclass(frozen=True)
class Identity:
    """One host's names: fqdn is `<entity name>.<domain>` (None without a domain), aliases
    the CNAMEs pointing at it, addresses its IPs."""

    host: str
    fqdn: str | None
    aliases: tuple[str, ...]
    addresses: tuple[str, ...]

    @property
    def names(self) -> frozenset[str]:
        """Every DNS name a certificate of this host may carry."""
        return frozenset(([self.fqdn] if self.fqdn else []) + list(self.aliases))


def _fqdn(label: str, domain: str) -> str:
    return f"{label}.{domain}".lower().rstrip(".")


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def host_identity(host: str, values: Mapping[str, Sequence[str]]) -> Identity:
    """The identity of host from its entity's values (table columns aligned by row)."""
    domain = next((d.strip() for d in values.get(DOMAIN, ()) if d.strip()), "")
    fqdn = _fqdn(host, domain) if domain else None
    aliases = [_fqdn(c, domain) for c in values.get(CNAME, ()) if c.strip() and domain]
    for name, alias_domain in zip(values.get(CN_NAME, ()), values.get(CN_DOMAIN, ()), strict=False):
        if name.strip() and alias_domain.strip():
            aliases.append(_fqdn(name.strip(), alias_domain.strip()))
    addresses = []
    for variable in (*ADDRESS_VARIABLES, INTERFACE_ADDRESS):
        addresses += [a for a in map(_address, values.get(variable, ())) if a]
    return Identity(
        host,
        fqdn,
        tuple(dict.fromkeys(a for a in aliases if a != fqdn)),
        tuple(dict.fromkeys(addresses)),
    )
