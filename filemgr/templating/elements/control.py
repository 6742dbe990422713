"""Elements that steer rendering: Template, if, iterateOverLists, item, setvalue, or, and."""

from __future__ import annotations

from contextlib import nullcontext

from .. import context
from ..codegen import NOTHING, Value
from ..compiler import Compiler, Generator, Loop, TestFn
from ..context import NOT_SHOWN, Render, Where, error
from ..nodes import Node
from .common import constant_text, number, number_code


def generate_template(node: Node, src: Generator) -> Value:
    return src.content(node.args)


def generate_if(node: Node, src: Generator) -> Value:
    # The branches one after the other, not nested: an <elseif>'s test may need statements.
    result = src.temp()
    src.emit(f"{result} = None")
    branch(src, result, node, first=True)
    order = [node.args[0], node.part("then")]
    for elseif in node.parts.get("elseif", ()):
        elseif_node = src.cc.node(elseif, node.tag)[0]
        if elseif_node.children != [elseif_node.args[0], elseif_node.part("then")]:
            raise error("takes a condition followed by <then>", elseif_node.where)
        branch(src, result, elseif_node, first=False)
        order.append(elseif)
    otherwise = src.cc.part(node, "else")
    with src.block(f"if {result} is None:"):
        src.emit(f"{result} = {src.content(otherwise.args if otherwise else []).strings}")
    if otherwise is not None:
        order.append(node.part("else"))
    if node.children != order:
        raise error("takes a condition, <then>, any <elseif> and an optional <else>", node.where)
    return Value(result)


def branch(src: Generator, result: str, node: Node, first: bool) -> None:
    """node's condition and <then>: sets result when taken (and no branch before was)."""
    with nullcontext() if first else src.block(f"if {result} is None:"):
        test = src.test(node.args[0])
        then = src.cc.part(node, "then")
        with src.block(f"if {test}:"):
            src.emit(f"{result} = {src.content(then.args).strings}")


def generate_iterate(node: Node, src: Generator) -> Value:
    where = src.where(node.where)
    lists = [
        src.local(src.content(src.cc.node(el, node.tag)[0].args))
        for el in node.parts["iteratorList"]
    ]
    if len(lists) > 1:
        unequal = " or ".join(f"len({c}) != len({lists[0]})" for c in lists[1:])
        with src.block(f"if {unequal}:"):
            src.emit(f"raise {src.constant(unequal_lengths)}({where}, {', '.join(lists)})")
    src.emit(f"r.count_iterations(len({lists[0]}), {where})")
    out, size, items, row = (src.temp() for _ in range(4))
    src.emit(f"{out} = []")
    src.emit(f"{size} = 0")
    src.emit(f"{items} = r.items")
    src.cc.loops.append(Loop(len(lists), src, row))
    with src.block(f"for {row} in zip({', '.join(lists)}):"):
        with src.block("if monotonic() > r.deadline:"):
            src.emit(f"r.check_time({where})")
        # The elements built as closures read the row there.
        src.emit(f"{items}.append({row})")
        text = src.temp()
        src.emit(f"{text} = {src.joined(node.args, where).code}")
        src.emit(f"{items}.pop()")
        src.emit(f"{size} += len({text})")
        with src.block(f"if {size} > context.MAX_OUTPUT:"):
            src.emit(f"r.check_output({size}, {where})")
        src.emit(f"{out}.append({text})")
    src.cc.loops.pop()
    return Value(out)


def unequal_lengths(where: Where, *columns: list[str]) -> Exception:
    lengths = ", ".join(str(len(c)) for c in columns)
    return error(f"iterator lists have unequal lengths ({lengths})", where)


def generate_item(node: Node, src: Generator) -> Value:
    where = node.where
    loops = src.cc.loops
    if not loops:
        raise error("only works inside <iterateOverLists>", where)
    level = number(node.attrs.get("level", "0"), where)
    if not 0 <= level < len(loops):
        raise error(f"level {level} but only {len(loops)} enclosing loops", where)
    loop, depth = loops[-1 - level], -1 - level
    row = loop.row if loop.source is src else f"r.items[{depth}]"
    text = constant_text(node.args)
    if text is not None:
        index = number(text, where) if node.args else 0
        if not 0 <= index < loop.width:
            raise error(f"index {index} but only {loop.width} iterator lists", where)
        return Value(f"{row}[{index}]", single=True)
    index = number_code(src, node.args, where)
    check = src.constant(checked_index)
    return Value(f"{row}[{check}(r, {index}, {loop.width}, {src.where(node.where)})]", single=True)


def checked_index(r: Render, index: int, width: int, where: Where) -> int:
    if not 0 <= index < width:
        shown = index if r.spells(str(index)) else NOT_SHOWN
        raise error(f"index {shown} but only {width} iterator lists", where)
    return index


def generate_setvalue(node: Node, src: Generator) -> Value:
    # The name is compiled first, evaluated after the value.
    name_lines, name = src.aside(lambda: src.name(src.value(node.args[0])))
    value = src.local(src.value(node.args[1]))
    with src.block(f"if {value} and len({value}[0]) > context.MAX_OUTPUT:"):
        src.emit(f"raise {src.constant(too_large)}({src.where(node.where)})")
    src.lines += name_lines
    src.emit(f"r.variables[{name}] = {value}[:1]")
    return NOTHING


def too_large(where: Where) -> Exception:
    return error(f"value larger than {context.MAX_OUTPUT} characters", where)


def generate_getvalue(node: Node, src: Generator) -> Value:
    return Value(f"r.variables.get({src.name(src.value(node.args[0]))}, EMPTY)")


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
