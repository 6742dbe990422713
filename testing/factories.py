"""The one set of factories every test uses to make types, variables, entities and users."""

from __future__ import annotations

import itertools
from dataclasses import asdict

from django.contrib.auth.models import Group, User

from entities import schema, services
from entities.models import Entity, EntityType, VariableDefinition

_counter = itertools.count(1)


def entity_type(name: str | None = None, **variables: dict) -> EntityType:
    """A type with the given variables: entity_type("standalone", domain={"mandatory": True})."""
    found = EntityType.objects.filter(name=name).first() if name else None
    created = found or services.do_create_type(name or f"type{next(_counter)}", user="tests")
    for variable_name, fields in variables.items():
        variable(created, variable_name, **fields)
    return created


def demo_type(name: str) -> EntityType:
    """The demo's type of that name with its variable definitions (Labnet's one schema,
    entities.schema); a type a definition names is made, empty, when missing. Definitions the
    type already has are left as they are, so a test may change one and keep it."""
    created = entity_type(name)
    have = set(created.variables.values_list("name", flat=True))
    with services.change_batch("tests"):
        for definition in schema.demo_type(name).variables:
            if definition.name in have:
                continue
            fields = asdict(definition)
            for key in ("reference_type", "enum_type"):
                fields[key] = entity_type(fields[key]) if fields[key] else None
            variable(created, fields.pop("name"), **fields)
    return created


def variable(entity_type: EntityType, name: str, **fields) -> VariableDefinition:
    return services.do_save_variable(entity_type, name, user="tests", **fields)


def entity(entity_type: EntityType, name: str | None = None, tables=None, **values) -> Entity:
    """An entity; a plain string value is a one-value list."""
    values = {k: [v] if isinstance(v, str) else list(v) for k, v in values.items()}
    return services.do_create_entity(
        entity_type, name or f"entity{next(_counter)}", values, tables or {}, user="tests"
    )


def user(role: str = "editor", username: str | None = None) -> User:
    """A user in one of the roles viewer, editor or admin."""
    created = User.objects.create_user(username or f"{role}{next(_counter)}", password="pw-labnet")
    created.groups.add(Group.objects.get(name=role))
    return created


def standalone_type() -> EntityType:
    """The guide's standalone type, as section 2.2 shows it for 'discovery'."""
    server = entity_type("server", domain={})
    domain = entity_type("domain")
    return entity_type(
        "standalone",
        domain={
            "mandatory": True,
            "widget": "selectonly",
            "enumeration": "entities",
            "enum_type": domain,
            "display_order": 1,
        },
        ip_address={"mandatory": True, "regex": r"\d{1,3}(\.\d{1,3}){3}", "display_order": 2},
        mac_address={"regex": r"([0-9a-f]{2}:){5}[0-9a-f]{2}", "display_order": 3},
        server={"widget": "select", "reference_type": server, "display_order": 4},
        room={"display_order": 5},
        cname={"multi_valued": True, "widget": "multiselect", "display_order": 6},
        cn_name={"table": "CNAMES", "display_order": 7},
        cn_domain={"table": "CNAMES", "display_order": 8},
        iscsi_password={"secret": True, "display_order": 9},
    )
