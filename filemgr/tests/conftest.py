"""A small campus for template tests, as a snapshot and as an XML mirror in a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from entities.mirror import MirrorEntity, MirrorEntityType, MirrorValue, entity_xml, var_defs_xml
from entities.schema import demo_definitions, demo_tables
from filemgr.templating import ConfigSource, SnapshotSource, compile_template

DEMO_FILES = Path(__file__).resolve().parents[2] / "demo" / "files"

# The tables the campus fills, as the demo defines them: variable -> table, by type.
TABLES = {"server": {v: t for v, t in demo_tables("server").items() if t == "Access"}}

CAMPUS: dict[str, dict[str, dict[str, list[str]]]] = {
    "client": {
        "hogwarts": {
            "kernel": ["bzImage.P4-2.6.38-gentoo-r2"],
            "preinit_script": ["rc.preinit.moreminimal"],
            "run_level_name": ["ipsec"],
            "domain": ["cs.mun.ca"],
            "appserver": ["odie"],
            "dept": ["cs"],
        },
        "rook": {
            "kernel": ["bzImage.noarch-3.7.2-gentoo"],
            "preinit_script": ["rc.preinit.moreminimal"],
            "run_level_name": ["ipsec-win"],
            "domain": ["cs.mun.ca"],
            "appserver": ["megatron"],
            "windowsImage": ["cs_lab"],
            "iscsi_password": ["rookiscsipas"],
            "menu_template": ["winlin_template"],
            "dept": ["cs"],
        },
        "bunting": {"domain": ["math.mun.ca"], "appserver": ["megatron"], "dept": ["math"]},
    },
    "server": {
        "odie": {
            "domain": ["cs.mun.ca"],
            "functions": ["appserver", "dns"],
            "dept": ["cs"],
            "access_perm": ["allow", "allow", "allow"],
            "access_users": ["root wheel", "pbonnah", "bkupclient"],
            "access_origins": ["LOCAL", "", ""],
        },
        "megatron": {
            "domain": ["cs.mun.ca"],
            "ip": ["134.153.48.11"],
            "functions": ["appserver", "iscsi"],
            "dept": ["cs"],
        },
        "nermal": {"domain": ["math.mun.ca"], "functions": ["backup"], "dept": ["math"]},
    },
    "lnappconf": {
        "menuserver": {
            "port": ["8080"],
            "wallpapers": ["a.png", "b.png"],
            "iqn_prefix": ["iqn.1989-06"],
        }
    },
}


@pytest.fixture
def campus() -> SnapshotSource:
    return SnapshotSource(CAMPUS)


def write_mirror(directory: Path, data=CAMPUS, tables=TABLES) -> Path:
    """An XML mirror of data, written with the mirror's own writer; the variables' definitions
    are the demo's."""
    for type_name, entities in data.items():
        used = {v for values in entities.values() for v in values} | set(tables.get(type_name, {}))
        definitions = demo_definitions(type_name, sorted(used))
        defs = directory / ".var_defs" / type_name
        defs.parent.mkdir(parents=True, exist_ok=True)
        defs.write_bytes(var_defs_xml(MirrorEntityType(type_name, variables=definitions)))
        for name, variables in entities.items():
            entity = MirrorEntity(type_name, name)
            for var, values in variables.items():
                # An empty table cell is a missing row, as the service layer stores it.
                entity.variables[var] = [
                    MirrorValue(i, text) for i, text in enumerate(values, start=1) if text
                ]
            path = directory / type_name / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(entity_xml(entity))
    return directory


@pytest.fixture
def mirror_dir(tmp_path: Path) -> Path:
    return write_mirror(tmp_path / "mirror")


def render(
    body: str,
    source: ConfigSource | None = None,
    host: str = "hogwarts",
    entity_type: str | None = "client",
) -> str:
    """Render <Template>body</Template> for host from source (the test campus by default)."""
    template = compile_template(f"<Template>{body}</Template>", "test.xml")
    return template.render(source or SnapshotSource(CAMPUS), host, entity_type, "test.xml")
