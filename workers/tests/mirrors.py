"""Writing a small XML mirror for the agent's unit tests, with no database."""

from __future__ import annotations

from pathlib import Path

from core.files import write_atomic
from entities.mirror import (
    VAR_DEFS_DIR,
    MirrorEntity,
    MirrorEntityType,
    MirrorValue,
    entity_xml,
    var_defs_xml,
)
from entities.schema import demo_definitions
from filemgr.hashing import file_hash
from workers.host.master import MasterCache


def write_entity(etc: Path, entity_type: str, name: str, **values: list[str] | str) -> None:
    entity = MirrorEntity(entity_type, name)
    for variable, texts in values.items():
        texts = [texts] if isinstance(texts, str) else texts
        entity.variables[variable] = [MirrorValue(i, t) for i, t in enumerate(texts, 1) if t]
    write_atomic(etc / entity_type / name, entity_xml(entity))
    definitions = demo_definitions(entity_type, sorted(values))
    defs_path = etc / VAR_DEFS_DIR / entity_type
    if not defs_path.exists():
        write_atomic(defs_path, var_defs_xml(MirrorEntityType(entity_type, "", definitions)))


def write_file(
    etc: Path,
    master: Path,
    name: str,
    path: str,
    instances: dict[str, tuple[str, bool]],
    mode: str = "0644",
    script: str = "",
) -> None:
    """A fileMgr entity whose instances' contents sit in the agent's master cache."""
    names, templates, hashes = [], [], []
    for instance, (content, template) in instances.items():
        data = content.encode()
        write_atomic(master / name / instance, data)
        names.append(instance)
        templates.append("yes" if template else "no")
        hashes.append(file_hash(data))
    write_entity(
        etc,
        "fileMgr",
        name,
        path=path,
        owner="root",
        group="root",
        mode=mode,
        script=script,
        ft_instance=names,
        ft_template=templates,
        ft_hash=hashes,
        ft_prev_hash=["none"] * len(names),
    )


def offline_content(master: Path):
    return MasterCache(master, None).content
