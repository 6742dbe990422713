"""The Labnet directory's tree (docs/accounts.md draws it) and the names in it.

    dc=labnet,...                   the suffix (LABNET_LDAP_BASE)
      ou=people    uid=<uid>        accounts: inetOrgPerson, posixAccount, shadowAccount,
                                    labnetAccount, and sambaSamAccount when Windows needs it
      ou=groups    cn=<group>       posixGroup with memberUid (RFC 2307)
      ou=machines  cn=<host>        machine accounts of the configuration's hosts: device,
                                    posixAccount + sambaSamAccount (uid <host>$), ipHost
      ou=policies  cn=default       the ppolicy default policy
      ou=system    cn=<service>     the directory's own service identities (webtool, replicator)

Every DN made from user input goes through ldap.dn.escape_dn_chars and every filter value
through ldap.filter.escape_filter_chars: here, nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

from ldap.dn import escape_dn_chars
from ldap.filter import escape_filter_chars

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SYSTEM_SCHEMA_DIR = Path("/etc/ldap/schema")
SCHEMAS = [
    SYSTEM_SCHEMA_DIR / "core.schema",
    SYSTEM_SCHEMA_DIR / "cosine.schema",
    SYSTEM_SCHEMA_DIR / "nis.schema",
    SYSTEM_SCHEMA_DIR / "inetorgperson.schema",
    SCHEMA_DIR / "samba.schema",
    SCHEMA_DIR / "labnet.schema",
]

PEOPLE, GROUPS, MACHINES, POLICIES, SYSTEM = "people", "groups", "machines", "policies", "system"
UNITS = (PEOPLE, GROUPS, MACHINES, POLICIES, SYSTEM)

PERSON_CLASSES = ["top", "inetOrgPerson", "posixAccount", "shadowAccount", "labnetAccount"]
WINDOWS_CLASS = "sambaSamAccount"

# Machine accounts (accounts.machines): uidNumbers from FIRST_MACHINE_UID up, far from the
# people's, all in the gid MACHINES_GID (Samba's "Domain Computers" need no posixGroup).
FIRST_MACHINE_UID = 1_000_000
MACHINES_GID = 1_000_000

# A uid as posix tools and Samba take it: a lower-case letter, then letters, digits, '.', '_'
# or '-', at most 32 characters (useradd's limit).
UID_PATTERN = re.compile(r"[a-z][a-z0-9._-]{0,31}")
GROUP_PATTERN = UID_PATTERN

# Account numbers: uidNumber from FIRST_UID up; the "users" group is every account's primary.
FIRST_UID = 10000
USERS_GROUP, USERS_GID = "users", 10000

# The directory groups whose members sign in to the web tools with a role (accounts.auth);
# LABNET_LDAP_ROLE_GROUPS names them, and `manage.py ldapinit` makes these defaults.
ROLE_GROUPS = {"viewer": "labnet-viewers", "editor": "labnet-editors", "admin": "labnet-admins"}

# The password policy slapd's ppolicy overlay applies (ppolicy_default). A lock after
# MAX_FAILURES wrong binds lasts until an administrator unlocks (pwdLockoutDuration 0).
DEFAULT_POLICY = {
    "pwdAttribute": "userPassword",
    "pwdMinLength": "10",
    "pwdCheckQuality": "2",
    "pwdInHistory": "5",
    "pwdLockout": "TRUE",
    "pwdMaxFailure": "5",
    "pwdLockoutDuration": "0",
    "pwdFailureCountInterval": "900",
    "pwdAllowUserChange": "TRUE",
    "pwdMustChange": "FALSE",
}

# pwdAccountLockedTime's value for a lock that only an administrator lifts.
PERMANENT_LOCK = "000001010000Z"


def unit_dn(base: str, unit: str) -> str:
    return f"ou={unit},{base}"


def person_dn(base: str, uid: str) -> str:
    return f"uid={escape_dn_chars(uid)},{unit_dn(base, PEOPLE)}"


def machine_dn(base: str, host: str) -> str:
    """cn=<host>: the DN slapd's authz-regexp maps a host certificate's CN=<host>.<domain> to."""
    return f"cn={escape_dn_chars(host)},{unit_dn(base, MACHINES)}"


def group_dn(base: str, name: str) -> str:
    return f"cn={escape_dn_chars(name)},{unit_dn(base, GROUPS)}"


def system_dn(base: str, name: str) -> str:
    return f"cn={escape_dn_chars(name)},{unit_dn(base, SYSTEM)}"


def policy_dn(base: str) -> str:
    return f"cn=default,{unit_dn(base, POLICIES)}"


def equals(attribute: str, value: str) -> str:
    """The filter (attribute=value), value escaped."""
    return f"({attribute}={escape_filter_chars(value)})"


def contains(attribute: str, value: str) -> str:
    """The filter (attribute=*value*), value escaped."""
    return f"({attribute}=*{escape_filter_chars(value)}*)"


def starts_with(attribute: str, value: str) -> str:
    """The filter (attribute=value*), value escaped."""
    return f"({attribute}={escape_filter_chars(value)}*)"
