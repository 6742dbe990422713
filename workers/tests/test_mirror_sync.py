"""The agent's mirror follows the change feed: values, entities, definitions."""

from entities.mirror import read_entity_file
from workers.host.mirror import LocalMirror
from workers.tests.mirrors import write_entity


def change(action, entity_type, entity="", variable="", indx=None, new=None, seq=1):
    return {
        "seq": seq,
        "action": action,
        "entity_type": entity_type,
        "entity": entity,
        "variable": variable,
        "indx": indx,
        "old_value": None,
        "new_value": new,
        "timestamp": "2026-01-05T09:30:00Z",
    }


def test_values_set_and_deleted_in_order(tmp_path):
    write_entity(tmp_path, "server", "odie", cname=["mail", "www"])
    mirror = LocalMirror(tmp_path, tmp_path / ".agent" / "last_seq")
    changed, fetch, types = mirror.apply(
        [
            change("set", "server", "odie", "cname", 2, "web"),
            change("delete", "server", "odie", "cname", 1),
            change("set", "server", "odie", "room", 1, "EN1018"),
        ]
    )
    entity = read_entity_file(tmp_path / "server" / "odie")
    assert entity.values("cname") == ["web"] and entity.values("room") == ["EN1018"]
    assert entity.variables["room"][0].modified.isoformat() == "2026-01-05T09:30:00"
    assert changed == {("server", "odie", "cname"), ("server", "odie", "room")}
    assert not fetch and not types


def test_created_entity_is_fetched_deleted_one_removed(tmp_path):
    write_entity(tmp_path, "server", "odie", room="EN1")
    mirror = LocalMirror(tmp_path, tmp_path / ".agent" / "last_seq")
    changed, fetch, types = mirror.apply(
        [
            change("create_entity", "server", "nermal"),
            change("set", "server", "nermal", "room", 1, "EN2"),
            change("delete_entity", "server", "odie"),
            change("set_vardef", "server", variable="room"),
        ]
    )
    assert not (tmp_path / "server" / "odie").exists()
    assert read_entity_file(tmp_path / "server" / "nermal").values("room") == ["EN2"]
    assert fetch == {("server", "nermal")} and types == {"server"}
    assert ("server", "*", "*") in changed


def test_a_client_changing_its_server_is_fetched_whole_for_its_secrets(tmp_path):
    write_entity(tmp_path, "client", "hawk", server="odie", iscsi_password="********")
    mirror = LocalMirror(tmp_path, tmp_path / ".agent" / "last_seq")
    _, fetch, _ = mirror.apply(
        [
            change("set", "client", "hawk", "server", 1, "megatron"),
            change("set", "client", "owl", "room", 1, "EN2"),
        ]
    )
    assert fetch == {("client", "hawk")}


def test_deleted_definition_takes_its_values(tmp_path):
    write_entity(tmp_path, "server", "odie", room="EN1", dept="cs")
    mirror = LocalMirror(tmp_path, tmp_path / ".agent" / "last_seq")
    mirror.apply([change("delete_vardef", "server", variable="room")])
    assert read_entity_file(tmp_path / "server" / "odie").variables.keys() == {"dept"}


def test_last_seq_is_kept(tmp_path):
    mirror = LocalMirror(tmp_path, tmp_path / ".agent" / "last_seq")
    assert mirror.last_seq() is None
    mirror.set_last_seq(42)
    assert LocalMirror(tmp_path, tmp_path / ".agent" / "last_seq").last_seq() == 42


def test_dot_names_never_reach_the_agents_own_files(tmp_path):
    write_entity(tmp_path, "server", "odie", room="EN1")
    state = tmp_path / ".agent"
    state.mkdir()
    (state / "installed.json").write_text("{}")
    mirror = LocalMirror(tmp_path, state / "last_seq")
    mirror.apply(
        [
            change("create_entity", ".agent", "installed.json"),
            change("set", ".agent", "installed.json", "x", 1, "y"),
            change("set", "..", "etc", "x", 1, "y"),
            change("delete_vardef", "..", variable="x"),
        ]
    )
    mirror.store({"types": [{"name": "..", "variables": []}], "entities": []})
    assert (state / "installed.json").read_text() == "{}"
    assert not (tmp_path.parent / ".var_defs").exists()
    for name in (".", "..", ".agent", ".var_defs"):
        mirror.apply([change("delete_type", name)])
        mirror.remove_type(name)
    assert read_entity_file(tmp_path / "server" / "odie").values("room") == ["EN1"]
    assert (state / "installed.json").read_text() == "{}"


def test_changes_applied_again_leave_the_mirror_as_it_was_and_are_named_again(tmp_path):
    # A pass that did not finish pulls the same changes again: its files must be re-rendered.
    write_entity(tmp_path, "server", "odie", cname=["mail", "www"])
    write_entity(tmp_path, "server", "nermal", room="EN1")
    mirror = LocalMirror(tmp_path, tmp_path / ".agent" / "last_seq")
    changes = [
        change("set", "server", "odie", "cname", 2, "web"),
        change("delete", "server", "odie", "cname", 1),
        change("delete_entity", "server", "nermal"),
        change("delete_vardef", "server", variable="room"),
    ]
    first = mirror.apply(changes)
    after_first = (tmp_path / "server" / "odie").read_bytes()
    assert mirror.apply(changes) == first
    assert (tmp_path / "server" / "odie").read_bytes() == after_first
    assert first[0] == {
        ("server", "odie", "cname"),
        ("server", "nermal", "*"),
        ("server", "*", "*"),
    }
