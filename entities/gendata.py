"""A synthetic campus for benchmarks, in Labnet's one schema: the demo data (demo/mirror: its
type and variable definitions and all of its entities, managed files included) with its hosts
cloned until the campus has about the size asked for, by default 17,000 entities and 600,000
values (the guide's installation of 1,700 entities and 60,000 values, ten times over).

A clone of a demo host keeps the demo host's values, with its own address, MAC address, SSH
key and room, and names other hosts of the campus where the demo host named demo hosts. It
carries every table its type has anywhere in the demo, so the table paths are exercised, but
only its demo host's managed-file groups (Config_Files_Table).
Addresses come from documentation ranges. The same arguments always give the same campus."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from .mirror import MirrorEntity, MirrorEntityType, MirrorValue, iter_mirror
from .schema import DEMO_MIRROR

DEFAULT_ENTITIES = 17_000

# Share of the clones per host type, summing to 1, and how their names start.
SHARES = {"client": 0.56, "standalone": 0.36, "server": 0.045, "printer": 0.035}
NAMES = {
    "client": "pc{:05d}",
    "standalone": "ws{:05d}",
    "server": "srv{:04d}",
    "printer": "lp{:04d}",
}
ROOMS = [f"EN{1000 + i}" for i in range(200)]
# A host's managed-file groups: a clone keeps its demo host's, if any.
GROUPS_TABLE = "Config_Files_Table"


class _Builder:
    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.address = 0

    def ip(self) -> str:
        """An address of 10.0.0.0/8, which the demo does not use: addresses are unique
        within a type (var_defs uniq), so no clone may share one with a demo host."""
        self.address += 1
        n = self.address
        return f"10.{n // (254 * 256) % 256}.{n // 254 % 256}.{n % 254 + 1}"

    def mac(self) -> str:
        self.address += 1
        n = self.address
        return "02:00:5e:" + ":".join(f"{(n >> s) & 0xFF:02x}" for s in (16, 8, 0))


def _own_values(b: _Builder, name: str) -> dict[str, Callable[[], str]]:
    """The values a clone does not share with the demo host it copies, by variable."""
    return {
        "ip_address": b.ip,
        "ip": b.ip,
        "mac_address": b.mac,
        "ssh_key": lambda: f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{name} root@{name}",
        "room": lambda: b.random.choice(ROOMS),
    }


class _Cloner:
    """Clones of the demo hosts of one campus."""

    def __init__(self, types: list[MirrorEntityType], demo: list[MirrorEntity], seed: int):
        self.b = _Builder(seed)
        self.references = {
            t.name: {d.name: d.reference_type for d in t.variables if d.reference_type}
            for t in types
        }
        self.table_of = {t.name: {d.name: d.table for d in t.variables if d.table} for t in types}
        self.demo: dict[str, list[MirrorEntity]] = {}
        for entity in demo:
            self.demo.setdefault(entity.entity_type, []).append(entity)
        self.names = {t: [e.name for e in es] for t, es in self.demo.items()}
        # Every table a type has in the demo, from the first demo entity that fills it.
        self.first_rows: dict[str, dict[str, MirrorEntity]] = {}
        for type_name, entities in self.demo.items():
            tables = self.first_rows.setdefault(type_name, {})
            for entity in entities:
                for variable in entity.variables:
                    table = self.table_of[type_name].get(variable)
                    if table and table != GROUPS_TABLE:
                        tables.setdefault(table, entity)

    def add_names(self, counts: dict[str, int]) -> dict[str, list[str]]:
        """Names for count clones of each host type, which references may now pick."""
        added = {t: [NAMES[t].format(i) for i in range(count)] for t, count in counts.items()}
        for type_name, names in added.items():
            self.names[type_name] += names
        return added

    def clone(self, type_name: str, number: int, name: str) -> MirrorEntity:
        demo = self.demo[type_name]
        model = demo[number % len(demo)]
        tables = self.table_of[type_name]
        copied = dict(model.variables)
        own_tables = {tables[v] for v in model.variables if v in tables}
        for table, source in self.first_rows[type_name].items():
            if table not in own_tables:
                copied |= {v: vs for v, vs in source.variables.items() if tables.get(v) == table}
        entity = MirrorEntity(type_name, name)
        own = _own_values(self.b, name)
        references = self.references[type_name]
        # One demo host named twice (server and appserver of a client) stays one campus host.
        chosen: dict[tuple[str, str], str] = {}
        for variable, values in copied.items():
            if variable in own:
                values = [MirrorValue(v.indx, own[variable](), v.modified) for v in values]
            elif (target := references.get(variable)) in NAMES:
                values = [
                    MirrorValue(
                        v.indx,
                        chosen.setdefault(
                            (target, v.text), self.b.random.choice(self.names[target])
                        ),
                        v.modified,
                    )
                    for v in values
                ]
            entity.variables[variable] = values
        return entity


def campus(entities: int = DEFAULT_ENTITIES, seed: int = 1) -> Iterator:
    """The demo's variable definitions, then every entity of a campus of about `entities`:
    the demo's own, then the clones of its hosts."""
    items = list(iter_mirror(DEMO_MIRROR))
    types = [i for i in items if isinstance(i, MirrorEntityType)]
    demo = [i for i in items if isinstance(i, MirrorEntity)]
    yield from items
    clones = max(0, entities - len(demo))
    counts = {t: round(clones * share) for t, share in SHARES.items()}
    cloner = _Cloner(types, demo, seed)
    for type_name, names in cloner.add_names(counts).items():
        for number, name in enumerate(names):
            yield cloner.clone(type_name, number, name)
