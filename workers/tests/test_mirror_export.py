"""The mirror download an agent stores, read while other users write."""

import json

from entities.models import EntityType
from testing import factories, hosts
from testing.queries import right_after
from workers.mirror_export import MirrorAnswer, mirror_page

NAMES = ("odie", "nermal", "garfield", "jon", "liz")


def answer_json(answer: MirrorAnswer) -> dict:
    return json.loads(b"".join(answer.chunks()))


def test_entity_created_while_the_download_is_read_is_left_to_the_change_feed(db):
    server = hosts.host_type("server")
    factories.entity(server, "odie", room="EN1018")
    with right_after("entities_value", lambda: factories.entity(server, "nermal", room="EN2")):
        data = answer_json(mirror_page())
    assert [(e["name"], list(e["variables"])) for e in data["entities"]] == [("odie", ["room"])]


def test_pages_hold_each_entity_once_and_the_types_on_the_first(db):
    server = hosts.host_type("server")
    for name in NAMES:
        factories.entity(server, name, room=f"R-{name.upper()}")
    pages = [answer_json(mirror_page(limit=2))]
    while pages[-1]["next"] is not None:
        pages.append(answer_json(mirror_page(pages[-1]["next"], limit=2)))
    assert [len(p["entities"]) for p in pages] == [2, 2, 1]
    assert [p["latest"] for p in pages] == [pages[0]["latest"]] * 3
    types = [t["name"] for t in pages[0]["types"]]
    assert sorted(types) == sorted(EntityType.objects.values_list("name", flat=True))
    assert pages[1]["types"] == pages[2]["types"] == []
    rooms = {e["name"]: e["variables"]["room"][0][1] for p in pages for e in p["entities"]}
    assert rooms == {name: f"R-{name.upper()}" for name in NAMES}
