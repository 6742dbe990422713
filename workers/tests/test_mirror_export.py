"""The mirror download an agent stores, read while other users write."""

from testing import factories, hosts
from testing.queries import right_after
from workers.mirror_export import mirror_download


def test_entity_created_while_the_download_is_read_is_left_to_the_change_feed(db):
    server = hosts.host_type("server")
    factories.entity(server, "odie", room="EN1018")
    with right_after("entities_entity", lambda: factories.entity(server, "nermal", room="EN2")):
        data = mirror_download()
    assert [(e["name"], list(e["variables"])) for e in data["entities"]] == [("odie", ["room"])]
