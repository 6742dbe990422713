"""Every demo master store instance (demo/files) has a FileTable row, and every template
renders, from the demo mirror, for every demo host that gets it."""

from __future__ import annotations

from pathlib import Path

import pytest

from filemgr.resolution import CLIENT, FILE_TYPE, SERVER, host_facts, managed_file, resolve
from filemgr.templating import MirrorSource, compile_template

ROOT = Path(__file__).resolve().parents[2]
DEMO_MIRROR, DEMO_FILES = ROOT / "demo" / "mirror", ROOT / "demo" / "files"
# Client variables naming a boot menu: a plain instance the TFTP server and the menuserver
# render for that client.
MENU_VARIABLES = ("menu_template", "ipxe_menu")

SOURCE = MirrorSource(DEMO_MIRROR)
FILES = [
    managed_file(name, SOURCE.entity_values(FILE_TYPE, name))
    for name in SOURCE.entity_names(FILE_TYPE)
]
HOSTS = [
    host_facts(name, kind, SOURCE.entity_values(kind, name))
    for kind in (CLIENT, SERVER)
    for name in SOURCE.entity_names(kind)
]


def renderings() -> list[tuple[str, str, str, str]]:
    """(file, instance, host, host kind) for every template a host gets and every boot menu
    a client names."""
    found = []
    for file in FILES:
        for host in HOSTS:
            instance = resolve(file, host)
            if instance is not None and instance.template:
                found.append((file.name, instance.name, host.name, host.kind))
    for host in HOSTS:
        values = SOURCE.entity_values(host.kind, host.name)
        for variable in MENU_VARIABLES if host.kind == CLIENT else ():
            for menu in values.get(variable, []):
                file = next((f for f in FILES if f.name == menu), None)
                for instance in file.instances if file else ():
                    found.append((menu, instance.name, host.name, host.kind))
    return found


def test_every_file_table_row_has_its_content_and_nothing_else_is_shipped():
    rows = {f"{file.name}/{i.name}" for file in FILES for i in file.instances}
    shipped = {str(p.relative_to(DEMO_FILES)) for p in DEMO_FILES.glob("*/*")}
    assert shipped == rows


def test_template_rows_compile():
    for file in FILES:
        for instance in file.instances:
            if instance.template:
                path = DEMO_FILES / file.name / instance.name
                compile_template(path.read_bytes(), str(path))


@pytest.mark.parametrize("file,instance,host,kind", renderings())
def test_renders_for_the_host(file, instance, host, kind):
    path = DEMO_FILES / file / instance
    rendered = compile_template(path.read_bytes(), str(path)).render(SOURCE, host, kind)
    assert rendered.strip()
