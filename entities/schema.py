"""Labnet's one schema: the type and variable definitions of the demo data
(demo/mirror/.var_defs, docs/demo-data.md). gendata's campus and the tests' types and mirrors
are built from it, so they use the variable names the templates and file resolution read."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

from .mirror import VAR_DEFS_DIR, MirrorEntityType, MirrorVariableDefinition, read_var_defs_file

DEMO_MIRROR = Path(__file__).resolve().parents[1] / "demo" / "mirror"


@cache
def _demo_types() -> dict[str, MirrorEntityType]:
    directory = DEMO_MIRROR / VAR_DEFS_DIR
    return {path.name: read_var_defs_file(path) for path in sorted(directory.iterdir())}


def demo_types() -> list[MirrorEntityType]:
    """Every type of the demo with its variable definitions, by type name (a copy the caller
    may change)."""
    return copy.deepcopy(list(_demo_types().values()))


def demo_type(name: str) -> MirrorEntityType:
    """One type of the demo with its variable definitions; KeyError for a type it lacks."""
    return copy.deepcopy(_demo_types()[name])


def demo_definitions(type_name: str, variables: list[str]) -> list[MirrorVariableDefinition]:
    """The demo's definitions of variables of a type, in the order given; a variable the demo
    does not define gets a plain one (as importxml gives it)."""
    defined = {
        d.name: d for d in _demo_types().get(type_name, MirrorEntityType(type_name)).variables
    }
    return [copy.deepcopy(defined.get(v) or MirrorVariableDefinition(v)) for v in variables]


def demo_tables(type_name: str) -> dict[str, str]:
    """Each table column variable of a demo type, mapped to its table."""
    return {d.name: d.table for d in _demo_types()[type_name].variables if d.table}
