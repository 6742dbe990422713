"""The XML mirror (DESIGN.md contract 1): reading and writing its files, with no database.

`<dir>/<type>/<entity name>` holds one entity. `<dir>/.var_defs/<type>` holds the type's
variable definitions: an extension of the guide's format (the original kept var_defs only in
SQL) that lets a mirror carry a whole configuration database; a dot folder never collides
with a type name and is skipped by a plain `*/*` glob over entity files."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from lxml import etree

VAR_DEFS_DIR = ".var_defs"
# A name becomes one path component: no separator, and no leading dot, so ".", "..", ".git",
# ".var_defs" and the agent's own dot files are never reachable through a name.
NAME_RE = re.compile(r"^[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]*$")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
# The largest indx or order the database stores (a 32-bit integer column on every backend).
MAX_NUMBER = 2_147_483_647

# Attribute of <variable> in a var_defs file -> (field name, default). Only attributes that
# differ from their default are written, so exported files stay short and stable.
VARDEF_ATTRIBUTES = {
    "widget": ("widget", "input"),
    "mandatory": ("mandatory", False),
    "multi_valued": ("multi_valued", False),
    "table": ("table", ""),
    "reference": ("reference_type", ""),
    "regex": ("regex", ""),
    "enumeration": ("enumeration", ""),
    "enum_type": ("enum_type", ""),
    "enum_variable": ("enum_variable", ""),
    "order": ("display_order", 0),
    "secret": ("secret", False),
    "tooltip": ("tooltip", ""),
    # The guide's var_defs.uniq: no two entities of the type hold the same value.
    "uniq": ("unique", False),
    "keep_whitespace": ("keep_whitespace", False),
}
# Attributes that name a type or a table, and so may become a path.
NAME_ATTRIBUTES = ("table", "reference", "enum_type")


# Cached: a campus's 600,000 values share a few dozen variable names (and timestamps below).
@lru_cache(maxsize=4096)
def is_plain_name(name: str) -> bool:
    """Whether name may name a type, variable, table, entity or file instance."""
    return NAME_RE.fullmatch(name) is not None


class MirrorError(ValueError):
    """A mirror file that cannot be read; the message names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path, self.line = str(path), line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(slots=True)  # slots: a campus import makes 600,000 of them
class MirrorValue:
    indx: int
    text: str
    modified: datetime | None = None


@dataclass
class MirrorEntity:
    """One entity file: its values per variable, ordered by indx."""

    entity_type: str
    name: str
    variables: dict[str, list[MirrorValue]] = field(default_factory=dict)

    def values(self, variable: str) -> list[str]:
        return [v.text for v in self.variables.get(variable, [])]


@dataclass
class MirrorVariableDefinition:
    name: str
    widget: str = "input"
    mandatory: bool = False
    multi_valued: bool = False
    table: str = ""
    reference_type: str = ""
    regex: str = ""
    enumeration: str = ""
    enum_type: str = ""
    enum_variable: str = ""
    display_order: int = 0
    secret: bool = False
    tooltip: str = ""
    unique: bool = False
    keep_whitespace: bool = False
    enum_values: list[str] = field(default_factory=list)


@dataclass
class MirrorEntityType:
    name: str
    description: str = ""
    variables: list[MirrorVariableDefinition] = field(default_factory=list)


def _parse(path: Path, root_tag: str) -> etree._Element:
    # huge_tree: a value may be as long as the server accepts (libxml2 stops text nodes at
    # 10 MB otherwise); entities stay unresolved and libxml2's amplification limit stays on.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        # From bytes, so bad UTF-8 is a syntax error with its line, not an OSError.
        root = etree.fromstring(path.read_bytes(), parser)
    except etree.XMLSyntaxError as exc:
        raise MirrorError(path, exc.lineno, f"malformed XML: {exc.msg}") from None
    if root.tag != root_tag:
        raise MirrorError(path, root.sourceline, f"root element is <{root.tag}>, not <{root_tag}>")
    return root


def _name(path: Path, element: etree._Element, what: str) -> str:
    name = (element.get("name") or "").strip()
    if not is_plain_name(name):
        raise MirrorError(path, element.sourceline, f"{what} name {name!r} is not a valid name")
    return name


@lru_cache(maxsize=4096)
def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T"))


def _timestamp(path: Path, element: etree._Element) -> datetime | None:
    text = element.get("modified")
    if not text:
        return None
    try:
        return _moment(text)
    except ValueError:
        raise MirrorError(path, element.sourceline, f"bad modified timestamp {text!r}") from None


def _number(text: str) -> int | None:
    """An integer the database can store, else None."""
    try:
        number = int(text)
    except ValueError:
        return None
    return number if abs(number) <= MAX_NUMBER else None


def _refuse_inner_node(path: Path, variable: str, element: etree._Element) -> None:
    """Any node inside a value (an entity reference, an element, a comment) would cut its
    text short, so it is refused."""
    node = element[0]
    if node.tag is etree.Entity:
        what = f"entity reference {node.text}"
    else:
        what = "a comment" if node.tag is etree.Comment else f"element <{node.tag}>"
    raise MirrorError(path, node.sourceline, f"{variable}: a value may not hold {what}")


def read_entity_file(path: Path | str) -> MirrorEntity:
    """Parse one entity file; its directory and file name must agree with its type and name."""
    path = Path(path)
    root = _parse(path, "entity")
    entity = MirrorEntity((root.get("type") or "").strip(), _name(path, root, "entity"))
    if (entity.entity_type, entity.name) != (path.parent.name, path.name):
        raise MirrorError(
            path,
            root.sourceline,
            f"entity {entity.entity_type}/{entity.name} does not match its path",
        )
    variables = entity.variables
    comment = etree.Comment
    for var in root:
        if var.tag != "variable":
            if var.tag is comment:
                continue
            raise MirrorError(path, var.sourceline, f"unexpected element <{var.tag}>")
        var_name = _name(path, var, "variable")
        if var_name in variables:
            raise MirrorError(path, var.sourceline, f"variable {var_name!r} appears twice")
        values: list[MirrorValue] = []
        in_order = True  # files list values by indx: only a value out of order needs a sort
        for val in var:
            if val.tag != "value":
                if val.tag is comment:
                    continue
                raise MirrorError(path, val.sourceline, f"unexpected element <{val.tag}>")
            indx = _number(val.get("indx", "1"))
            if indx is None or indx < 1:
                raise MirrorError(path, val.sourceline, f"bad indx {val.get('indx')!r}")
            if not in_order or (values and indx <= values[-1].indx):
                if any(v.indx == indx for v in values):
                    raise MirrorError(
                        path, val.sourceline, f"{var_name}: indx {indx} appears twice"
                    )
                in_order = False
            if len(val):
                _refuse_inner_node(path, var_name, val)
            values.append(MirrorValue(indx, val.text or "", _timestamp(path, val)))
        if not in_order:
            values.sort(key=lambda v: v.indx)
        variables[var_name] = values
    return entity


def read_var_defs_file(path: Path | str) -> MirrorEntityType:
    path = Path(path)
    root = _parse(path, "entity_type")
    entity_type = MirrorEntityType(_name(path, root, "entity type"), root.get("description", ""))
    if entity_type.name != path.name:
        raise MirrorError(path, root.sourceline, f"type {entity_type.name} does not match path")
    seen: set[str] = set()
    for var in root:
        if var.tag is etree.Comment:
            continue
        if var.tag != "variable":
            raise MirrorError(path, var.sourceline, f"unexpected element <{var.tag}>")
        definition = MirrorVariableDefinition(_name(path, var, "variable"))
        if definition.name in seen:
            raise MirrorError(path, var.sourceline, f"variable {definition.name!r} defined twice")
        seen.add(definition.name)
        for attr, text in var.attrib.items():
            if attr == "name":
                continue
            if attr not in VARDEF_ATTRIBUTES:
                raise MirrorError(path, var.sourceline, f"unknown attribute {attr!r}")
            field_name, default = VARDEF_ATTRIBUTES[attr]
            if isinstance(default, bool):
                if text not in ("0", "1"):
                    raise MirrorError(path, var.sourceline, f"{attr} must be 0 or 1")
                setattr(definition, field_name, text == "1")
            elif isinstance(default, int):
                if (number := _number(text)) is None:
                    raise MirrorError(path, var.sourceline, f"{attr} must be a number")
                setattr(definition, field_name, number)
            elif attr in NAME_ATTRIBUTES and text and not is_plain_name(text):
                raise MirrorError(path, var.sourceline, f"{attr} {text!r} is not a valid name")
            else:
                setattr(definition, field_name, text)
        definition.enum_values = [e.text or "" for e in var if e.tag == "enum_value"]
        entity_type.variables.append(definition)
    return entity_type


def iter_mirror(
    directory: Path | str, types: Collection[str] | None = None
) -> Iterator[MirrorEntity | MirrorEntityType]:
    """Every var_defs file, then every entity file, in a stable order; with types, only the
    entity files of those entity types (a host program that needs a few types of a campus's
    mirror reads only them)."""
    var_defs, entity_files = mirror_files(directory, types)
    for path in var_defs:
        yield read_var_defs_file(path)
    for path in entity_files:
        yield read_entity_file(path)


def mirror_files(
    directory: Path | str, types: Collection[str] | None = None
) -> tuple[list[Path], list[Path]]:
    """The paths iter_mirror reads, in its order: the var_defs files (none when types are
    given), then the entity files, each named by its type's directory and its entity's name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise MirrorError(directory, None, "not a directory")
    defs = directory / VAR_DEFS_DIR
    var_defs = sorted(defs.iterdir()) if defs.is_dir() and types is None else []
    entity_files = []
    # Names sorted as strings: sorting 17,000 Paths cost more than a tenth of a campus's parse.
    for type_name in sorted(os.listdir(directory)):
        type_dir = directory / type_name
        if type_name.startswith(".") or not type_dir.is_dir():
            continue
        if types is not None and type_name not in types:
            continue
        names = sorted(n for n in os.listdir(type_dir) if not n.startswith("."))
        entity_files += [type_dir / name for name in names]
    return var_defs, entity_files


def entity_xml(entity: MirrorEntity) -> bytes:
    """The bytes of an entity file: variables by name, values by indx, so equal data gives
    equal bytes."""
    root = etree.Element("entity", type=entity.entity_type, name=entity.name)
    for var_name in sorted(entity.variables):
        var = etree.SubElement(root, "variable", name=var_name)
        for value in sorted(entity.variables[var_name], key=lambda v: v.indx):
            attrs = {"indx": str(value.indx)}
            if value.modified is not None:
                attrs["modified"] = value.modified.strftime(TIMESTAMP_FORMAT)
            etree.SubElement(var, "value", attrs).text = value.text
    return _serialise(root)


def var_defs_xml(entity_type: MirrorEntityType) -> bytes:
    root = etree.Element("entity_type", name=entity_type.name)
    if entity_type.description:
        root.set("description", entity_type.description)
    for definition in sorted(entity_type.variables, key=lambda d: (d.display_order, d.name)):
        var = etree.SubElement(root, "variable", name=definition.name)
        for attr, (field_name, default) in VARDEF_ATTRIBUTES.items():
            value = getattr(definition, field_name)
            if value != default:
                var.set(attr, str(int(value)) if isinstance(value, bool) else str(value))
        for text in definition.enum_values:
            etree.SubElement(var, "enum_value").text = text
    return _serialise(root)


def _serialise(root: etree._Element) -> bytes:
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
