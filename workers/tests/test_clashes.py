"""A host's DNS names and addresses are its own: a change that gives a host another host's
name, alias or address is refused with the other host named, and nothing is stored; clashes
already stored (a legacy load) block no unrelated edit and the zone build still reports them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from entities.mirror import MirrorValue
from entities.models import Entity, Value
from entities.services import EntityLoad, do_batch_edit, do_load_entities, do_set_values
from filemgr.templating.sources.database import DatabaseSource
from testing import hosts
from workers.host.dns import build_zones

from .campus import client, server


@pytest.fixture
def odie(db) -> Entity:
    return server(
        "odie",
        "192.0.2.12",
        tables={"CNAMES": [{"cn_name": "www", "cn_domain": "math.example.edu"}]},
    )


def refusal(action) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        action()
    return refused.value.message_dict


def values_of(entity: Entity, variable: str) -> list[str]:
    return list(
        Value.objects.filter(entity=entity, variable__name=variable)
        .order_by("indx")
        .values_list("value", flat=True)
    )


def test_a_host_named_like_another_hosts_full_name_is_refused(odie):
    errors = refusal(lambda: client("odie", "192.0.2.99"))
    assert errors == {
        "domain": ["client/odie: its name odie.cs.example.edu is already the name of server/odie"]
    }
    assert not Entity.objects.filter(entity_type__name="client", name="odie").exists()
    # Another domain is another name.
    client("odie", "198.51.100.99", domain="math.example.edu")


def test_an_address_of_another_type_of_host_is_refused(odie):
    errors = refusal(lambda: client("scout", "192.0.2.12"))
    assert errors == {
        "ip_address": [
            "client/scout: address 192.0.2.12 is already the address of server/odie; "
            "two hosts cannot share one"
        ]
    }
    scout = client("scout", "192.0.2.40")
    refusal(lambda: do_set_values(scout, {"ip_address": ["192.0.2.12"]}, user="tests"))
    assert values_of(scout, "ip_address") == ["192.0.2.40"]


def test_an_interface_address_of_another_host_is_refused(odie):
    keeper = server("keeper", "192.0.2.30")
    errors = refusal(
        lambda: do_set_values(keeper, tables={"interfaces": [{"if_ip": "192.0.2.12"}]})
    )
    assert errors == {
        "interfaces": [
            "server/keeper: address 192.0.2.12 is already the address of server/odie; "
            "two hosts cannot share one"
        ]
    }
    assert values_of(keeper, "if_ip") == []


def test_a_cname_on_another_hosts_a_record_is_refused(odie):
    keeper = server("keeper", "192.0.2.30")
    errors = refusal(lambda: do_set_values(keeper, {"cname": ["mail", "odie"]}))
    assert errors == {
        "cname": [
            "server/keeper: alias odie.cs.example.edu is already the name of server/odie; "
            "a CNAME cannot share a name with an A record"
        ]
    }
    assert values_of(keeper, "cname") == []


def test_an_alias_of_another_host_is_refused(odie):
    keeper = server("keeper", "192.0.2.30")
    errors = refusal(
        lambda: do_set_values(
            keeper, tables={"CNAMES": [{"cn_name": "www", "cn_domain": "math.example.edu"}]}
        )
    )
    assert errors == {
        "CNAMES": [
            "server/keeper: alias www.math.example.edu is already an alias (CNAME) of "
            "server/odie; an alias points at one host"
        ]
    }


def test_a_host_named_like_another_hosts_alias_is_refused(odie):
    errors = refusal(lambda: client("www", "198.51.100.7", domain="math.example.edu"))
    assert errors == {
        "domain": [
            "client/www: its name www.math.example.edu is already an alias (CNAME) of server/odie"
        ]
    }


def test_a_batch_edit_moving_a_host_onto_another_hosts_name_is_refused_whole(odie):
    scout = client("scout", "198.51.100.40", domain="math.example.edu")
    other = client("odie", "198.51.100.41", domain="math.example.edu")
    errors = refusal(lambda: do_batch_edit([scout, other], {"domain": ["cs.example.edu"]}))
    assert errors == {
        "domain": ["client/odie: its name odie.cs.example.edu is already the name of server/odie"]
    }
    assert values_of(scout, "domain") == values_of(other, "domain") == ["math.example.edu"]


def test_a_clash_already_stored_blocks_no_other_edit_and_the_zone_reports_it(odie):
    client_type = hosts.host_type("client")
    do_load_entities(
        [
            EntityLoad(
                client_type,
                "odie",
                {
                    "domain": [MirrorValue(1, "cs.example.edu")],
                    "ip_address": [MirrorValue(1, "192.0.2.12")],
                },
            )
        ],
        user="importxml",
    )
    legacy = Entity.objects.get(entity_type=client_type, name="odie")
    do_set_values(legacy, {"kernel": ["vmlinuz-6.1"]}, user="tests")
    assert values_of(legacy, "kernel") == ["vmlinuz-6.1"]
    build = build_zones(DatabaseSource())
    assert build.problems == [
        "odie.cs.example.edu is claimed by client/odie and server/odie; kept client/odie's"
    ]
    assert build.zones["cs.example.edu"].records.count(("odie", "A", "192.0.2.12")) == 1
