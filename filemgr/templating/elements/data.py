"""Elements that read the configuration: self, varVal, confVal, OR_expr, getentitylist, ..."""

from __future__ import annotations

from collections.abc import Callable

from ..codegen import EMPTY, Value
from ..compiler import Compiler, Generator, TestFn, ValueFn
from ..context import Render, error
from ..nodes import Node
from .common import constant_text, names_fn

APPCONF_TYPE = "lnappconf"


def generate_self(node: Node, src: Generator) -> Value:
    return Value("r.host", single=True)


def generate_selftype(node: Node, src: Generator) -> Value:
    return Value("r.host_type", single=True)


def generate_def_entity(node: Node, src: Generator) -> Value:
    return Value("r.def_entity", single=True)


def generate_def_type(node: Node, src: Generator) -> Value:
    return Value("r.def_type", single=True)


def type_fn(node: Node, cc: Compiler) -> Callable[[Render], str]:
    """The <type> part of node, or the default type."""
    content = cc.part_content(node, "type")
    return cc.name(content) if content else (lambda r: r.def_type)


def generate_varval(node: Node, src: Generator) -> Value | None:
    """The common case, kept short: one named variable of the default entity."""
    text = constant_text(node.args)
    if node.parts or text is None or not text.strip():
        return None
    # Read as the entity's values are first needed, so a missing entity is this element's error.
    values = f"(r.def_values if r.def_values is not None else r.defaults({src.where(node.where)}))"
    return Value(f"{values}.get({text.strip()!r}, EMPTY)")


def build_varval(node: Node, cc: Compiler) -> ValueFn:
    where = node.where
    variables = names_fn(cc, node.args)
    entity_part = cc.part(node, "entity")
    if entity_part is None and "type" not in node.parts:

        def varval_default(r: Render) -> list[str]:
            values = r.def_values
            if values is None:
                values = r.defaults(where)
            names = variables(r)
            if len(names) == 1:
                return values.get(names[0], EMPTY)
            return [s for name in names for s in values.get(name, EMPTY)]

        return varval_default
    entity_type = type_fn(node, cc)
    if entity_part is None:
        entities = lambda r: [r.def_entity] if r.def_entity else []  # noqa: E731
    else:
        entities = names_fn(cc, entity_part.args)

    def varval(r: Render) -> list[str]:
        names = variables(r)
        type_name = entity_type(r)
        out: list[str] = []
        for entity in entities(r):
            values = r.entity(type_name, entity, where)
            for name in names:
                out += values.get(name, EMPTY)
        return out

    return varval


def build_confval(node: Node, cc: Compiler) -> ValueFn:
    where = node.where
    cc.spelled.add(APPCONF_TYPE)  # <confVal> names the type, so errors may show it
    entity_content = cc.part_content(node, "entity")
    entity = cc.name(entity_content) if entity_content else (lambda r: r.def_entity)
    variable = cc.name(cc.content(node.args))

    def confval(r: Render) -> list[str]:
        name = entity(r)
        if not name:
            return EMPTY
        return r.entity(APPCONF_TYPE, name, where).get(variable(r), EMPTY)

    return confval


def build_is_entity(node: Node, cc: Compiler) -> TestFn:
    name = cc.value(node.args[0])
    entity_type = cc.name(cc.value(node.args[1])) if len(node.args) > 1 else None

    def is_entity(r: Render) -> bool | None:
        strings = name(r)
        if not strings:
            return None
        type_name = entity_type(r) if entity_type else r.def_type
        return r.source.entity_values(type_name, strings[0].strip()) is not None

    return is_entity


def build_search(combine: Callable[[list[set[str]]], set[str]]):
    """OR_expr and AND_expr: entities of a type matching <var>/<val> pairs."""

    def build(node: Node, cc: Compiler) -> ValueFn:
        pairs_in_order = [
            c for c in node.children if not isinstance(c, str) and c.tag in ("var", "val")
        ]
        tags = [c.tag for c in pairs_in_order]
        if tags != ["var", "val"] * (len(tags) // 2) or len(tags) % 2:
            raise error("takes <var> <val> pairs, each <var> followed by its <val>", node.where)
        entity_type = type_fn(node, cc)
        pairs = []
        for var, val in zip(pairs_in_order[::2], pairs_in_order[1::2], strict=True):
            var_node, val_node = cc.node(var, node.tag)[0], cc.node(val, node.tag)[0]
            pairs.append((cc.name(cc.content(var_node.args)), cc.content(val_node.args)))

        def search(r: Render) -> list[str]:
            type_name = entity_type(r)
            found = [r.source.entities_where(type_name, var(r), val(r)) for var, val in pairs]
            return sorted(combine(found))

        return search

    return build


def build_getentitylist(node: Node, cc: Compiler) -> ValueFn:
    entity_type = cc.name(cc.content(node.args)) if node.args else (lambda r: r.def_type)

    def getentitylist(r: Render) -> list[str]:
        type_name = entity_type(r)
        return r.source.entity_names(type_name) if type_name else EMPTY

    return getentitylist


def generate_setdefaults(node: Node, src: Generator) -> Value:
    type_node, entity_node = src.cc.part(node, "type"), src.cc.part(node, "entity")
    saved = src.temp()
    src.emit(f"{saved} = r.def_type, r.def_entity, r.def_values")
    # Both are evaluated in the enclosing defaults before either changes.
    entity_type = default_name(src, type_node, "r.def_type")
    entity = default_name(src, entity_node, "r.def_entity")
    src.emit(f"r.def_type, r.def_entity, r.def_values = {entity_type}, {entity}, None")
    body = src.local(src.content(node.args))
    # No finally: an error ends the rendering, and the Render with it.
    src.emit(f"r.def_type, r.def_entity, r.def_values = {saved}")
    return Value(body)


def default_name(src: Generator, part: Node | None, default: str) -> str:
    """The source of a local holding the name part gives, or default's value."""
    name = src.temp()
    code = default if part is None else src.name(src.content(part.args))
    src.emit(f"{name} = {code}")
    return name
