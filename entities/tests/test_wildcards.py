"""`*` patterns in Entity Search and Table Search: what they match, and that no pattern can
make the database backtrack (one viewer's search must not stall the server)."""

import pytest
from django.http import QueryDict

from entities.filtersets import EntitySearch, TableSearch
from testing import factories

# With a backtracking regex (each * as .*) this tries every way of splitting the value among
# 40 wildcards: it would not finish today. GLOB and LIKE answer at once.
PATHOLOGICAL = "*a" * 40 + "*Q"


@pytest.fixture
def servers(db):
    server = factories.entity_type("server", description={}, alias_name={"table": "ALIASES"})
    for name, description in [
        ("odie", "a" * 3000),
        ("megatron", "Appserver for CS"),
        ("nermal", "appserver for math"),
        ("garfield", "100% [backup]? host_1\\2"),
        ("arlene", "two\nlines"),
    ]:
        factories.entity(
            server,
            name,
            description=description,
            tables={"ALIASES": [{"alias_name": f"{name}-a"}, {"alias_name": "aaaa" * 500}]},
        )
    return server


def criteria(variable: str, pattern: str) -> QueryDict:
    data = QueryDict(mutable=True)
    data[f"c-{variable}"] = pattern
    return data


def found(entity_type, pattern: str) -> list[str]:
    search = EntitySearch(entity_type, criteria("description", pattern), False)
    query = search.queryset()
    assert "REGEXP" not in str(query.query).upper()
    return sorted(query.values_list("name", flat=True))


def test_wildcards_match_any_text_and_nothing_else_is_special(servers):
    assert found(servers, "*for*") == ["megatron", "nermal"]
    assert found(servers, "a*") == ["nermal", "odie"]  # case counts, as it always has
    assert found(servers, "*CS") == ["megatron"]
    assert found(servers, "100%*") == ["garfield"]
    assert found(servers, "*[backup]? host_1\\2") == ["garfield"]
    assert found(servers, "100_*") == []
    assert found(servers, "*[b]*") == []
    assert found(servers, "two*lines") == ["arlene"]
    assert found(servers, "a**") == ["nermal", "odie"]


def test_a_pathological_pattern_is_answered_at_once(servers):
    assert found(servers, PATHOLOGICAL) == []
    assert found(servers, "*a" * 40 + "*") == ["odie"]


def test_table_search_matches_patterns_the_same_way(servers):
    def rows(pattern: str) -> list[tuple[str, int]]:
        search = TableSearch(servers, "ALIASES", criteria("alias_name", pattern), False)
        return [(entity.name, indx) for entity, indx, _ in search.rows()]

    assert rows("odie-*") == [("odie", 1)]
    assert rows("*-A") == []
    assert rows(PATHOLOGICAL) == []
    assert len(rows("*a" * 40 + "*")) == 5
