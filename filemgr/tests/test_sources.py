"""The configuration sources agree with each other, and the database source stays cheap."""

from __future__ import annotations

import pytest

from core.rows import columns_of, rows_of, value_lists
from entities.exporting import export_mirror
from filemgr.templating import MirrorSource, SnapshotSource, host_type
from filemgr.templating.sources.database import DatabaseSource
from testing import factories

from .conftest import CAMPUS, TABLES


def test_value_lists_order_and_align_table_rows():
    rows = [("m", 3, "c"), ("m", 1, "a"), ("t1", 1, "x"), ("t1", 3, "z"), ("t2", 2, "y")]
    tables = {"t1": "T", "t2": "T", "t3": "T"}
    assert value_lists(rows, tables) == {
        "m": ["a", "c"],
        "t1": ["x", "", "z"],
        "t2": ["", "y", ""],
        "t3": ["", "", ""],
    }


def test_table_rows_and_columns_are_one_shape_and_the_other():
    lists = {"t1": ["x", "", "z"], "t2": ["", "y"]}
    rows = rows_of(lists, ["t1", "t2", "t3"])
    assert rows == [
        {"t1": "x", "t2": "", "t3": ""},
        {"t1": "", "t2": "y", "t3": ""},
        {"t1": "z", "t2": "", "t3": ""},
    ]
    assert columns_of(rows) == {"t1": ["x", "", "z"], "t2": ["", "y", ""], "t3": ["", "", ""]}


def test_mirror_and_snapshot_hold_the_campus(mirror_dir):
    for source in (MirrorSource(mirror_dir), SnapshotSource.from_mirror(mirror_dir)):
        assert source.entity_types() == ["client", "lnappconf", "server"]
        assert source.entity_names("server") == ["megatron", "nermal", "odie"]
        for type_name, entities in CAMPUS.items():
            for name, variables in entities.items():
                assert dict(source.entity_values(type_name, name)) == variables
        assert source.entity_values("server", "nobody") is None
        assert source.entities_where("server", "dept", {"cs"}) == {"odie", "megatron"}
        assert source.entities_where("server", "functions", {"dns", "backup"}) == {"odie", "nermal"}
        assert host_type(source, "odie") == "server"


def test_mirror_source_refuses_paths(mirror_dir):
    source = MirrorSource(mirror_dir)
    assert source.entity_values("..", "etc") is None
    assert source.entity_values("client", "../server/odie") is None
    assert source.entity_names("../mirror") == []


@pytest.fixture
def campus_db(db):
    for type_name, entities in CAMPUS.items():
        columns = TABLES.get(type_name, {})
        variables = {v for values in entities.values() for v in values} - set(columns)
        entity_type = factories.entity_type(
            type_name,
            **{v: {"multi_valued": True} for v in variables},
            **{v: {"table": t} for v, t in columns.items()},
        )
        for name, values in entities.items():
            plain = {v: vals for v, vals in values.items() if v not in columns}
            tables = {}
            if columns and values.get("access_perm"):
                rows = zip(*(values[c] for c in columns), strict=True)
                tables["Access"] = [dict(zip(columns, row, strict=True)) for row in rows]
            factories.entity(entity_type, name, tables=tables, **plain)


def test_database_source_matches_the_campus(campus_db, django_assert_max_num_queries, tmp_path):
    source = DatabaseSource()
    assert source.entity_types() == ["client", "lnappconf", "server"]
    assert source.entity_names("client") == ["bunting", "hogwarts", "rook"]
    with django_assert_max_num_queries(2):
        assert dict(source.entity_values("server", "odie")) == CAMPUS["server"]["odie"]
    with django_assert_max_num_queries(0):
        source.entity_values("server", "odie")
    assert source.entity_values("server", "nobody") is None
    assert source.entities_where("server", "dept", {"cs"}) == {"odie", "megatron"}
    export_mirror(tmp_path)
    snapshot = SnapshotSource.from_mirror(tmp_path)
    for type_name, entities in CAMPUS.items():
        for name, variables in entities.items():
            assert dict(snapshot.entity_values(type_name, name)) == variables
