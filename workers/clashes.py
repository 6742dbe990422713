"""Refusing, at write time, a change that would give a host a DNS name or an address another
host already has (guide 2.7, the CNAMES table): a name claimed twice (entity name + domain,
or an alias), an alias (CNAME) on another host's name (its A record), an address used by two
hosts. Registered with entities.value_checks in WorkersConfig.ready(), so every door that
writes values (forms, API, batch edit, admin, revert) is checked by entities' services.

Only what the change adds is checked: clashes already stored (loaded by importxml from an
older database) do not block an unrelated edit of the same host, and the authdns zone build
keeps reporting them (docs/identity.md). Within one type, `ip`/`ip_address`/`mac_address`
are the `unique` flag's already; this adds the clashes across types and variables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db.models import Q

from entities.models import Entity, Value

from .host.identity import (
    ADDRESS_VARIABLES,
    CN_NAME,
    CNAME,
    DOMAIN,
    IDENTITY_VARIABLES,
    INTERFACE_ADDRESS,
    Identity,
    host_identity,
)

ADDRESSES = (*ADDRESS_VARIABLES, INTERFACE_ADDRESS)

Values = dict[str, list[str]]


def _stored(entity_ids: Iterable[int]) -> dict[int, Values]:
    """The identity variables' values of entity_ids, in indx order."""
    ids = list(entity_ids)
    values: dict[int, Values] = defaultdict(lambda: defaultdict(list))
    for start in range(0, len(ids), 1000):
        for entity_id, variable, value in (
            Value.objects.filter(
                entity_id__in=ids[start : start + 1000], variable__name__in=IDENTITY_VARIABLES
            )
            .order_by("entity_id", "variable__name", "indx")
            .values_list("entity_id", "variable__name", "value")
        ):
            values[entity_id][variable].append(value)
    return values


def _candidates(names: set[str], addresses: set[str], exclude: set[int]) -> set[int]:
    """The other entities that might own one of names or addresses: those holding the
    address, and those whose name, cname or cn_name is a name's first labels."""
    prefixes = {
        name.rsplit(".", depth)[0] for name in names for depth in range(1, name.count(".") + 1)
    }
    found: set[int] = set()
    if addresses:
        found |= set(
            Value.objects.filter(variable__name__in=ADDRESSES, value__in=addresses)
            .exclude(entity_id__in=exclude)
            .values_list("entity_id", flat=True)
        )
    if prefixes:
        # Case-insensitive, as DNS names are; a host has a handful of names.
        named, aliased = Q(), Q()
        for prefix in prefixes:
            named |= Q(name__iexact=prefix)
            aliased |= Q(value__iexact=prefix)
        found |= set(
            Entity.objects.filter(named).exclude(pk__in=exclude).values_list("pk", flat=True)
        )
        found |= set(
            Value.objects.filter(aliased, variable__name__in=(CNAME, CN_NAME))
            .exclude(entity_id__in=exclude)
            .values_list("entity_id", flat=True)
        )
    return found


def _alias_variable(values: Mapping[str, list[str]], alias: str, name: str) -> str:
    """Which variable gave name its alias: cname (its own domain) or the CNAMES table."""
    own = host_identity(name, {DOMAIN: values.get(DOMAIN, []), CNAME: values.get(CNAME, [])})
    return CNAME if alias in own.aliases else CN_NAME


def _address_variable(values: Mapping[str, list[str]], address: str) -> str:
    for variable in ADDRESSES:
        if address in host_identity("", {variable: values.get(variable, [])}).addresses:
            return variable
    return ADDRESS_VARIABLES[0]


def identity_clashes(planned: Mapping[Entity, Mapping[str, list[str]]]) -> list[tuple[str, str]]:
    """The names and addresses the planned values add to their entities that another entity
    (stored, or written by the same action) already has, as (variable, sentence)."""
    stored = _stored(e.pk for e in planned)
    after: dict[Entity, Values] = {}
    added: dict[Entity, tuple[set[str], set[str]]] = {}
    for entity, values in planned.items():
        before = host_identity(entity.name, stored.get(entity.pk, {}))
        after[entity] = {**stored.get(entity.pk, {}), **values}
        now = host_identity(entity.name, after[entity])
        new_names, new_addresses = (
            now.names - before.names,
            set(now.addresses) - set(before.addresses),
        )
        if new_names or new_addresses:
            added[entity] = new_names, new_addresses
    if not added:
        return []
    planned_ids = {e.pk for e in planned}
    others = _candidates(
        {n for names, _ in added.values() for n in names},
        {a for _, addresses in added.values() for a in addresses},
        planned_ids,
    )
    holders: list[tuple[str, Identity]] = []
    if others:
        stored_others = _stored(others)
        for entity in Entity.objects.filter(pk__in=others).select_related("entity_type"):
            holders.append(
                (str(entity), host_identity(entity.name, stored_others.get(entity.pk, {})))
            )
    holders += [(str(e), host_identity(e.name, values)) for e, values in after.items()]
    problems: list[tuple[str, str]] = []
    for entity, (names, addresses) in added.items():
        label, mine = str(entity), host_identity(entity.name, after[entity])
        for other, theirs in holders:
            if other == label:
                continue
            for name in sorted(names & theirs.names):
                problems.append(_name_clash(label, mine, after[entity], name, other, theirs))
            for address in sorted(addresses & set(theirs.addresses)):
                problems.append(
                    (
                        _address_variable(after[entity], address),
                        f"{label}: address {address} is already the address of {other}; "
                        "two hosts cannot share one",
                    )
                )
    return problems


def _name_clash(
    label: str, mine: Identity, values: Values, name: str, other: str, theirs: Identity
) -> tuple[str, str]:
    theirs_is = "the name" if name == theirs.fqdn else "an alias (CNAME)"
    if name == mine.fqdn:
        return DOMAIN, f"{label}: its name {name} is already {theirs_is} of {other}"
    reason = (
        "a CNAME cannot share a name with an A record"
        if name == theirs.fqdn
        else "an alias points at one host"
    )
    return (
        _alias_variable(values, name, mine.host),
        f"{label}: alias {name} is already {theirs_is} of {other}; {reason}",
    )
