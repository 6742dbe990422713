"""Machine accounts (guide 2.3 step 9, `masterldap`: "triggers creation of special machine
accounts"): what the configuration asks of the directory's machines branch. Every host
(client or server) has one entry, `cn=<host>,ou=machines`:

- `device` with `cn` the host, its full name and its aliases: the entry slapd's
  authz-regexp maps the host certificate's CN to (a replica's SASL EXTERNAL bind);
- `posixAccount` + `sambaSamAccount`, uid `<host>$`: the workstation trust account Samba
  (ldapsam) looks up when the host joins or logs on, and the posix identity NSS gives it;
- `ipHost` with its addresses, when it has any.

An active host's account is enabled (`[W]`); a host that is not active (a mandatory
variable without a value) keeps its entry, number, SID and trust password, disabled (`[WD]`);
a host deleted from the configuration loses its entry. Only entries that are posixAccounts
with a uid ending in `$` are Labnet's; anything else in the branch is left alone.
accounts.services.do_sync_machines writes what this module computes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from core.hosts import HOST_TYPES
from entities.models import Entity, Value, VariableDefinition
from workers.host.identity import IDENTITY_VARIABLES, host_identity

from . import layout

CLASSES = ["top", "device", "posixAccount", "sambaSamAccount"]
IP_HOST = "ipHost"
HOME, SHELL = "/dev/null", "/usr/sbin/nologin"
# Samba's account flags: W a workstation (or member server) trust account, D disabled.
ENABLED, DISABLED = "[W          ]", "[WD         ]"
# What Labnet keeps of an entry; the rest (sambaNTPassword, sambaPwdLastSet: Samba's join
# sets them) is left as it is.
MANAGED = (
    "objectClass", "cn", "uid", "gidNumber", "homeDirectory", "loginShell", "description",
    "ipHostNumber", "sambaSID", "sambaAcctFlags",
)  # fmt: skip
READ = [*MANAGED, "uidNumber"]
OURS = "(&(objectClass=posixAccount)(uid=*$))"


@dataclass(frozen=True)
class Machine:
    """One host as its machine account shows it."""

    entity_type: str
    host: str
    active: bool
    names: tuple[str, ...]
    addresses: tuple[str, ...]

    @property
    def uid(self) -> str:
        return f"{self.host}$"

    def attributes(self, uid_number: int) -> dict[str, list[str]]:
        """The entry's MANAGED attributes for its uidNumber, each a list of strings."""
        kept = "" if self.active else "; disabled: not active in the configuration"
        return {
            "objectClass": CLASSES + ([IP_HOST] if self.addresses else []),
            "cn": list(dict.fromkeys([self.host, *self.names])),
            "uid": [self.uid],
            "gidNumber": [str(layout.MACHINES_GID)],
            "homeDirectory": [HOME],
            "loginShell": [SHELL],
            "description": [f"Labnet {self.entity_type} {self.host}{kept}"],
            "ipHostNumber": list(self.addresses),
            # Samba's algorithmic RID, as for people (accounts.services).
            "sambaSID": [f"{settings.LABNET_LDAP_SAMBA_DOMAIN_SID}-{2 * uid_number + 1000}"],
            "sambaAcctFlags": [ENABLED if self.active else DISABLED],
        }


def machine_problem(entity_type: str, host: str) -> str | None:
    """Why host cannot have a machine account, or None: its uid is the host's name and '$'."""
    if len(host) < 32 and layout.UID_PATTERN.fullmatch(host):
        return None
    return (
        f"{entity_type}/{host}: no machine account: its uid would be {host[:40]!r} and '$', "
        "and a host name for one is a lower-case letter, then letters, digits, '.', '_' or "
        "'-', at most 31 characters"
    )


def configured_machines() -> tuple[list[Machine], list[str]]:
    """The machine account of every host of the configuration, in type then name order, and
    the problems of hosts that cannot have one (a name that is no uid; a name a host of the
    other type took first)."""
    hosts = list(
        Entity.objects.filter(entity_type__name__in=HOST_TYPES)
        .order_by()
        .values_list("pk", "entity_type__name", "name", "active")
    )
    # By variable id, unordered and without a join: the host types' identity variables hold
    # only hosts' values, and a join or an ORDER BY makes the database walk them all again.
    variables = dict(
        VariableDefinition.objects.filter(
            entity_type__name__in=HOST_TYPES, name__in=IDENTITY_VARIABLES
        ).values_list("pk", "name")
    )
    rows = sorted(
        Value.objects.filter(variable_id__in=variables)
        .order_by()
        .values_list("entity_id", "variable_id", "indx", "value")
    )
    values: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for entity_id, variable_id, _, value in rows:
        values[entity_id][variables[variable_id]].append(value)
    machines: dict[str, Machine] = {}
    problems = []
    order = {kind: n for n, kind in enumerate(HOST_TYPES)}
    for pk, kind, name, active in sorted(hosts, key=lambda h: (order[h[1]], h[2])):
        if problem := machine_problem(kind, name):
            problems.append(problem)
            continue
        if name in machines:
            problems.append(
                f"{kind}/{name}: no machine account: {machines[name].entity_type}/{name} "
                f"has the machine account {name}$"
            )
            continue
        identity = host_identity(name, values[pk])
        names = ([identity.fqdn] if identity.fqdn else []) + list(identity.aliases)
        machines[name] = Machine(kind, name, active, tuple(names), identity.addresses)
    return list(machines.values()), problems
