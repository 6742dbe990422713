from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entities import services
from entities.exporting import export_mirror
from entities.mirror import MirrorEntity, MirrorValue, entity_xml, read_entity_file
from entities.models import Change, Entity, Value
from entities.reading import entity_contents
from entities.services import do_delete_entity
from testing import factories
from testing.queries import right_after

DISCOVERY = """<?xml version="1.0" encoding="UTF-8"?>
<entity type="standalone" name="discovery">
  <variable name="cname">
    <value indx="1" modified="2009-05-15T16:32:00">mail</value>
    <value indx="2" modified="2009-05-15T16:32:00">www</value>
  </variable>
  <variable name="room">
    <value indx="1">EN1018</value>
  </variable>
</entity>
"""

VAR_DEFS = """<?xml version="1.0" encoding="UTF-8"?>
<entity_type name="standalone" description="A computer in a Labnet vlan">
  <variable name="room" mandatory="1" regex="[A-Z]{2}[0-9]{4}" order="1"/>
  <variable name="cname" widget="multiselect" multi_valued="1" order="2"/>
  <variable name="server" reference="server" order="3"/>
</entity_type>
"""

BUNTING = "<entity type='standalone' name='bunting'>{}</entity>"


def write(root: Path, relative: str, text: str | bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


@pytest.fixture
def mirror(tmp_path):
    root = tmp_path / "mirror"
    write(root, ".var_defs/standalone", VAR_DEFS)
    write(root, "standalone/discovery", DISCOVERY)
    write(root, "server/nermal", '<entity type="server" name="nermal"/>')
    return root


def test_import_loads_types_definitions_entities_and_values(db, mirror):
    call_command("importxml", str(mirror))
    discovery = Entity.objects.get(name="discovery")
    assert discovery.active
    assert entity_contents(discovery).values == {"cname": ["mail", "www"], "room": ["EN1018"]}
    definition = discovery.entity_type.variables.get(name="room")
    assert definition.mandatory and definition.regex == "[A-Z]{2}[0-9]{4}"
    modified = Value.objects.get(entity=discovery, indx=2).modified
    assert modified.isoformat() == "2009-05-15T16:32:00+00:00"
    assert Change.objects.filter(action="create_entity").count() == 2


def test_export_writes_the_contract_format_and_is_deterministic(db, mirror, tmp_path):
    call_command("importxml", str(mirror))
    out1, out2 = tmp_path / "out1", tmp_path / "out2"
    call_command("exportxml", str(out1))
    call_command("exportxml", str(out2))
    files = sorted(p.relative_to(out1) for p in out1.rglob("*") if p.is_file())
    assert [str(p) for p in files] == [
        ".var_defs/server",
        ".var_defs/standalone",
        "server/nermal",
        "standalone/discovery",
    ]
    for relative in files:
        assert (out1 / relative).read_bytes() == (out2 / relative).read_bytes()
    text = (out1 / "standalone/discovery").read_text()
    assert '<value indx="2" modified="2009-05-15T16:32:00">www</value>' in text
    # The export imports back to the same database.
    call_command("importxml", str(out1))
    out3 = tmp_path / "out3"
    call_command("exportxml", str(out3))
    assert (out3 / "standalone/discovery").read_bytes() == (
        out1 / "standalone/discovery"
    ).read_bytes()


def test_reimport_changes_only_what_differs_and_removes_dropped_values(db, mirror):
    call_command("importxml", str(mirror))
    last = Change.objects.order_by("-seq").first().seq
    write(
        mirror,
        "standalone/discovery",
        DISCOVERY.replace(">www<", ">ftp<").replace(
            '<variable name="room">\n    <value indx="1">EN1018</value>\n  </variable>\n', ""
        ),
    )
    # room is mandatory: the import may leave it empty, and the entity is then inactive.
    call_command("importxml", str(mirror))
    changes = list(
        Change.objects.filter(seq__gt=last).values_list("variable", "old_value", "new_value")
    )
    assert sorted(changes) == [("cname", "www", "ftp"), ("room", "EN1018", None)]
    assert not Entity.objects.get(name="discovery").active


@pytest.mark.parametrize(
    "relative, text, expected",
    [
        (
            "standalone/bunting",
            "<entity type='standalone' name='bunting'>\n<variable>",
            "standalone/bunting:2: malformed XML",
        ),
        ("standalone/bunting", "<entity type='server' name='bunting'/>", "does not match its path"),
        (
            "standalone/bunting",
            "<entity type='standalone' name='bunting'>\n <value/>\n</entity>",
            "standalone/bunting:2: unexpected element <value>",
        ),
        (
            "standalone/bunting",
            BUNTING.format("<variable name='room'><value indx='1'>lowercase</value></variable>"),
            "standalone/bunting: variable 'room' value 'lowercase' is not a value matching "
            "the pattern [A-Z]{2}[0-9]{4}",
        ),
        (
            "standalone/bunting",
            BUNTING.format("<variable name='server'><value>garfield</value></variable>"),
            "not the name of a server entity",
        ),
        (
            ".var_defs/standalone",
            "<entity_type name='standalone'>\n<variable name='x' mandatory='yes'/></entity_type>",
            ".var_defs/standalone:2: mandatory must be 0 or 1",
        ),
        (
            "standalone/bunting",
            "<!DOCTYPE entity [<!ENTITY foo 'x'>]>\n"
            + BUNTING.format("\n<variable name='room'><value>EN&foo;1018</value></variable>"),
            "standalone/bunting:3: room: a value may not hold entity reference &foo;",
        ),
        (
            "standalone/bunting",
            BUNTING.format("\n<variable name='room'><value>EN<b/>1018</value></variable>"),
            "standalone/bunting:2: room: a value may not hold element <b>",
        ),
        (
            "standalone/bunting",
            BUNTING.format("\n<variable name='room'><value>EN\xff1018</value></variable>").encode(
                "latin-1"
            ),
            "standalone/bunting:2: malformed XML: Invalid bytes in character encoding",
        ),
        (
            "standalone/bunting",
            BUNTING.format(
                "\n<variable name='room'><value indx='99999999999999999999999'>EN1018</value>"
                "</variable>"
            ),
            "standalone/bunting:2: bad indx '99999999999999999999999'",
        ),
        (
            ".var_defs/standalone",
            "<entity_type name='standalone'>\n"
            "<variable name='x' order='99999999999999999999999'/></entity_type>",
            ".var_defs/standalone:2: order must be a number",
        ),
    ],
)
def test_bad_mirror_is_reported_and_nothing_is_stored(db, mirror, relative, text, expected):
    call_command("importxml", str(mirror))
    before = (Value.objects.count(), Entity.objects.count(), Change.objects.count())
    write(mirror, "standalone/discovery", DISCOVERY.replace("EN1018", "EN2036"))
    write(mirror, relative, text)
    with pytest.raises(CommandError) as refused:
        call_command("importxml", str(mirror))
    assert expected in str(refused.value)
    assert (Value.objects.count(), Entity.objects.count(), Change.objects.count()) == before
    assert entity_contents(Entity.objects.get(name="discovery")).values["room"] == ["EN1018"]


def test_a_value_over_the_size_cap_is_refused_by_importxml(db, mirror):
    write(
        mirror,
        "standalone/bunting",
        BUNTING.format(f"<variable name='cname'><value>{'Q' * 1048577}</value></variable>"),
    )
    with pytest.raises(CommandError) as refused:
        call_command("importxml", str(mirror))
    message = str(refused.value)
    assert "standalone/bunting: variable 'cname' value of 1,048,577 bytes is longer" in message
    assert "QQQQ" not in message and not Entity.objects.exists()


def test_a_bad_file_after_stored_ones_rolls_the_whole_import_back(db, mirror, monkeypatch):
    """importxml stores each file's values while it parses the next: a file refused after
    others were stored still leaves nothing, and every refused file is reported."""
    call_command("importxml", str(mirror))
    before = (Value.objects.count(), Entity.objects.count(), Change.objects.count())
    monkeypatch.setattr(services, "LOAD_CHUNK", 1)
    room = "<variable name='room'><value>{}</value></variable>"
    for name in ("alpha", "beta", "delta"):
        write(
            mirror,
            f"standalone/{name}",
            BUNTING.replace("bunting", name).format(room.format("EN1018")),
        )
    write(
        mirror, "standalone/charlie", BUNTING.replace("bunting", "charlie").format(room.format("x"))
    )
    write(
        mirror,
        "standalone/zulu",
        BUNTING.replace("bunting", "zulu").format(
            "<variable name='server'><value>garfield</value></variable>"
        ),
    )
    with CaptureQueriesContext(connection) as queries, pytest.raises(CommandError) as refused:
        call_command("importxml", str(mirror))
    assert any(
        "INSERT INTO" in str(q["sql"]) and Value._meta.db_table in str(q["sql"]) for q in queries
    )
    assert str(refused.value).splitlines()[1:] == [
        "standalone/charlie: variable 'room' value 'x' is not a value matching the pattern "
        "[A-Z]{2}[0-9]{4}",
        "standalone/zulu: variable 'server' value 'garfield' is not the name of a server entity",
    ]
    assert (Value.objects.count(), Entity.objects.count(), Change.objects.count()) == before
    assert not Entity.objects.filter(name__in=["alpha", "beta", "delta"]).exists()


def test_a_malformed_file_after_stored_ones_rolls_the_whole_import_back(db, mirror, monkeypatch):
    call_command("importxml", str(mirror))
    before = (Value.objects.count(), Entity.objects.count(), Change.objects.count())
    monkeypatch.setattr(services, "LOAD_CHUNK", 1)
    write(mirror, "standalone/alpha", BUNTING.replace("bunting", "alpha").format(""))
    write(mirror, "standalone/zulu", "<entity type='standalone' name='zulu'>\n<variable>")
    with pytest.raises(CommandError) as refused:
        call_command("importxml", str(mirror))
    assert "standalone/zulu:2: malformed XML" in str(refused.value)
    assert (Value.objects.count(), Entity.objects.count(), Change.objects.count()) == before


def test_a_value_longer_than_libxml2s_text_limit_is_read(tmp_path):
    # A value stored before the size cap: the agent must still read its mirror file.
    entity = MirrorEntity("standalone", "bunting", {"content": [MirrorValue(1, "Q" * 11_000_000)]})
    path = tmp_path / "standalone/bunting"
    path.parent.mkdir()
    path.write_bytes(entity_xml(entity))
    assert read_entity_file(path) == entity


def test_export_removes_files_of_deleted_entities(standalone, tmp_path):
    gasket = factories.entity(standalone, "gasket")
    call_command("exportxml", str(tmp_path))
    assert (tmp_path / "standalone/gasket").exists()
    do_delete_entity(gasket)
    call_command("exportxml", str(tmp_path))
    assert not (tmp_path / "standalone/gasket").exists()


def test_entity_created_while_exporting_is_left_to_the_next_export(standalone, tmp_path):
    factories.entity(standalone, "discovery", room="EN1018")
    with right_after("entities_entity", lambda: factories.entity(standalone, "gasket", room="x")):
        export_mirror(tmp_path)
    assert sorted(p.name for p in (tmp_path / "standalone").iterdir()) == ["discovery"]
