"""Connections to the Labnet directory and to the campus directory, from settings.

The webtool and the tasks bind as the directory's webtool identity
(cn=webtool,ou=system,<base>, which the slapd config lets manage the tree); `initialise`
makes the tree once, bound as the rootdn (`manage.py ldapinit`)."""

from __future__ import annotations

from dataclasses import dataclass

import ldap
from django.conf import settings
from ldap.ldapobject import LDAPObject

from . import layout

TIMEOUT_SECONDS = 5.0


class NotConfigured(Exception):
    """LABNET_LDAP_URL (or the campus directory's URL) is not set."""


@dataclass(frozen=True)
class Directory:
    """Where a directory is and who Labnet binds as."""

    url: str
    base: str
    bind_dn: str
    password: str = ""

    def connect(self) -> LDAPObject:
        """A connection bound as bind_dn (anonymous when it is empty)."""
        if not self.url:
            raise NotConfigured("no LDAP directory is configured (LABNET_LDAP_URL)")
        conn = ldap.initialize(self.url)
        conn.protocol_version = 3
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, TIMEOUT_SECONDS)
        conn.set_option(ldap.OPT_TIMEOUT, TIMEOUT_SECONDS)
        conn.set_option(ldap.OPT_REFERRALS, 0)
        if self.bind_dn:
            conn.simple_bind_s(self.bind_dn, self.password)
        return conn

    def bind_as(self, dn: str, password: str) -> LDAPObject:
        """A connection bound as dn: raises ldap.INVALID_CREDENTIALS as slapd answers."""
        return Directory(self.url, self.base, dn, password).connect()


def labnet() -> Directory:
    """The Labnet directory the webtool manages."""
    base = settings.LABNET_LDAP_BASE
    bind_dn = settings.LABNET_LDAP_BIND_DN or layout.system_dn(base, "webtool")
    return Directory(settings.LABNET_LDAP_URL, base, bind_dn, settings.LABNET_LDAP_BIND_PASSWORD)


def campus() -> Directory:
    """The university's authoritative directory, which ldapsync reads."""
    return Directory(
        settings.LABNET_CAMPUS_LDAP_URL,
        settings.LABNET_CAMPUS_LDAP_BASE,
        settings.LABNET_CAMPUS_LDAP_BIND_DN,
        settings.LABNET_CAMPUS_LDAP_BIND_PASSWORD,
    )


def _entry(attributes: dict[str, list[str] | str]) -> list[tuple[str, list[bytes]]]:
    return [
        (name, [v.encode() for v in ([values] if isinstance(values, str) else values)])
        for name, values in attributes.items()
    ]


def initialise(
    url: str, root_dn: str, root_password: str, base: str, webtool_password: str
) -> list[str]:
    """Make the tree under base (the suffix entry, the units, the default password policy, the
    users group and the webtool identity) bound as the rootdn; entries already there are
    left. Returns the DNs it added."""
    conn = Directory(url, base, root_dn, root_password).connect()
    top = base.split(",", 1)[0].split("=", 1)
    wanted: list[tuple[str, dict]] = [
        (base, {"objectClass": ["top", "dcObject", "organization"], top[0]: top[1], "o": "Labnet"}),
        *(
            (layout.unit_dn(base, unit), {"objectClass": "organizationalUnit", "ou": unit})
            for unit in layout.UNITS
        ),
        (
            layout.policy_dn(base),
            {"objectClass": ["organizationalRole", "pwdPolicy"], "cn": "default"}
            | layout.DEFAULT_POLICY,
        ),
        (
            layout.group_dn(base, layout.USERS_GROUP),
            {
                "objectClass": "posixGroup",
                "cn": layout.USERS_GROUP,
                "gidNumber": str(layout.USERS_GID),
            },
        ),
        *(
            (
                layout.group_dn(base, name),
                {"objectClass": "posixGroup", "cn": name, "gidNumber": str(layout.USERS_GID + n)},
            )
            for n, name in enumerate(layout.ROLE_GROUPS.values(), start=1)
        ),
        (
            layout.system_dn(base, "webtool"),
            {
                "objectClass": ["organizationalRole", "simpleSecurityObject"],
                "cn": "webtool",
                "userPassword": webtool_password,
                "description": "Labnet's webtool and tasks manage the tree as this identity",
            },
        ),
    ]
    added = []
    try:
        for dn, attributes in wanted:
            try:
                conn.add_s(dn, _entry(attributes))
            except ldap.ALREADY_EXISTS:
                continue
            added.append(dn)
    finally:
        conn.unbind_s()
    return added
