"""Elements that steer rendering: Template, if, iterateOverLists, item, setvalue, or, and."""

from __future__ import annotations

from time import monotonic

from .. import context
from ..compiler import EMPTY, Compiler, Node, TestFn, ValueFn
from ..context import NOT_SHOWN, Render, error
from .common import constant_text, number, number_fn


def build_template(node: Node, cc: Compiler) -> ValueFn:
    return cc.content(node.args)


def build_if(node: Node, cc: Compiler) -> ValueFn:
    branches = [(cc.test(node.args[0]), cc.part_content(node, "then"))]
    order = [node.args[0], node.part("then")]
    for elseif in node.parts.get("elseif", ()):
        elseif_node = cc.node(elseif, node.tag)[0]
        if elseif_node.children != [elseif_node.args[0], elseif_node.part("then")]:
            raise error("takes a condition followed by <then>", elseif_node.where)
        branches.append((cc.test(elseif_node.args[0]), cc.part_content(elseif_node, "then")))
        order.append(elseif)
    otherwise = cc.part_content(node, "else") or (lambda r: EMPTY)
    if "else" in node.parts:
        order.append(node.part("else"))
    if node.children != order:
        raise error("takes a condition, <then>, any <elseif> and an optional <else>", node.where)

    def if_(r: Render) -> list[str]:
        for test, then in branches:
            if test(r):
                return then(r)
        return otherwise(r)

    return if_


def build_iterate(node: Node, cc: Compiler) -> ValueFn:
    where = node.where
    lists = [cc.content(cc.node(el, node.tag)[0].args) for el in node.parts["iteratorList"]]
    cc.loops.append(len(lists))
    body = cc.content(node.args)
    cc.loops.pop()

    def iterate(r: Render) -> list[str]:
        columns = [fn(r) for fn in lists]
        count = len(columns[0])
        if any(len(c) != count for c in columns):
            lengths = ", ".join(str(len(c)) for c in columns)
            raise error(f"iterator lists have unequal lengths ({lengths})", where)
        r.count_iterations(count, where)
        out: list[str] = []
        size = 0
        items = r.items
        for row in zip(*columns, strict=True):
            if monotonic() > r.deadline:
                r.check_time(where)
            items.append(row)
            parts = body(r)
            items.pop()
            length = sum(map(len, parts))
            size += length
            r.budget -= length
            if r.budget < 0:
                raise r.over_budget(where)
            if size > context.MAX_OUTPUT:
                r.check_output(size, where)
            out.append("".join(parts))
        return out

    return iterate


def build_item(node: Node, cc: Compiler) -> ValueFn:
    where = node.where
    if not cc.loops:
        raise error("only works inside <iterateOverLists>", where)
    level = number(node.attrs.get("level", "0"), where)
    if not 0 <= level < len(cc.loops):
        raise error(f"level {level} but only {len(cc.loops)} enclosing loops", where)
    width = cc.loops[-1 - level]
    depth = -1 - level
    text = constant_text(node.args)
    if text is not None:
        constant = number(text, where) if node.args else 0
        if not 0 <= constant < width:
            raise error(f"index {constant} but only {width} iterator lists", where)
        return lambda r: [r.items[depth][constant]]
    index = number_fn(cc, node.args, where)

    def item(r: Render) -> list[str]:
        i = index(r)
        if not 0 <= i < width:
            shown = i if r.spells(str(i)) else NOT_SHOWN
            raise error(f"index {shown} but only {width} iterator lists", where)
        return [r.items[depth][i]]

    return item


def build_setvalue(node: Node, cc: Compiler) -> ValueFn:
    where = node.where
    name = cc.name(cc.value(node.args[0]))
    value = cc.value(node.args[1])

    def setvalue(r: Render) -> list[str]:
        strings = value(r)
        if strings and len(strings[0]) > context.MAX_OUTPUT:
            raise error(f"value larger than {context.MAX_OUTPUT} characters", where)
        r.variables[name(r)] = strings[:1]
        return EMPTY

    return setvalue


def build_getvalue(node: Node, cc: Compiler) -> ValueFn:
    name = cc.name(cc.value(node.args[0]))
    return lambda r: r.variables.get(name(r), EMPTY)


def build_or(node: Node, cc: Compiler) -> TestFn:
    tests = [cc.test(c) for c in node.args]

    def or_(r: Render) -> bool | None:
        result: bool | None = False
        for test in tests:
            value = test(r)
            if value:
                return True
            if value is None:
                result = None
        return result

    return or_


def build_and(node: Node, cc: Compiler) -> TestFn:
    tests = [cc.test(c) for c in node.args]

    def and_(r: Render) -> bool | None:
        result: bool | None = True
        for test in tests:
            value = test(r)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    return and_
