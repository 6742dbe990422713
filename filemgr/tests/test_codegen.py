"""A template is compiled to Python source: what the template writes stays data in that source,
however it is spelled, and every nesting the language allows compiles."""

from __future__ import annotations

import re
import sys

import pytest

from filemgr.templating import SnapshotSource, TemplateError

from .conftest import render

CANARY = "labnet_template_injection"
# Text written to break out of a Python string literal and run code if it were pasted in.
ESCAPES = [
    f"'); __import__('sys').modules.setdefault('{CANARY}', 1) #",
    f'"); __import__("sys").modules.setdefault("{CANARY}", 1) #',
    f"'''\n__import__('sys').modules.setdefault('{CANARY}', 1)\n'''",
    f"\\'); __import__('sys').modules.setdefault('{CANARY}', 1) #\\",
    "{r.host} %s \\n \\x00 \\u0041",
]


@pytest.mark.parametrize("text", ESCAPES)
def test_text_that_looks_like_python_is_written_as_it_is(text):
    escaped = text.replace("<", "&lt;")
    body = (
        f"<literal>{escaped}</literal><line>{escaped}<ts>2</ts>x</line>"
        f"<cat>{escaped}</cat><substitute><pattern>\\$</pattern>{escaped}<literal>$</literal>"
        "</substitute>"
    )
    assert render(body) == f"{text}{text}x\n{text}{text}"
    assert CANARY not in sys.modules


@pytest.mark.parametrize("text", ESCAPES)
def test_names_that_look_like_python_are_names(text):
    source = SnapshotSource({"client": {"h": {text: ["value"]}}})
    body = f"<setvalue>{text}<literal>set</literal></setvalue><getvalue>{text}</getvalue>"
    assert render(f"{body}<varVal>{text}</varVal>", source, "h") == "setvalue"
    assert CANARY not in sys.modules


NESTED = {
    "if": ("<if><literal>x</literal><then>", "</then></if>", 98, "y", "y"),
    "elseif": (
        "<if><literal></literal><then/><elseif><literal>x</literal><then>",
        "</then></elseif></if>",
        49,
        "y",
        "y",
    ),
    "loops": (
        "<iterateOverLists><iteratorList><literal>a</literal></iteratorList><line>",
        "</line></iterateOverLists>",
        49,
        '<item level="48"/>',
        "a" + "\n" * 49,
    ),
    "substitute": (
        "<substitute><pattern>a</pattern>",
        "<literal>b</literal></substitute>",
        98,
        "a",
        "b",
    ),
    "setdefaults": (
        "<setdefaults><type><selftype/></type><line>",
        "</line></setdefaults>",
        49,
        "<def_type/>",
        "client" + "\n" * 49,
    ),
}


@pytest.mark.parametrize("name", NESTED)
def test_elements_nested_100_deep_compile(name):
    opening, closing, count, inside, output = NESTED[name]
    assert render(opening * count + inside + closing * count) == output


def test_closures_read_the_rows_of_generated_loops():
    # <plus> and <indexof> are built as closures, called from the generated loops.
    body = (
        "<iterateOverLists><iteratorList>a<literal>b</literal></iteratorList>"
        "<iterateOverLists><iteratorList>x</iteratorList>"
        '<plus><indexof><item level="1"/><unique><literal>a</literal><literal>b</literal>'
        "</unique></indexof><numStrings><item/></numStrings></plus>"
        "</iterateOverLists></iterateOverLists>"
    )
    assert render(body) == "12"


@pytest.mark.parametrize(
    "body,output",
    [
        ("<cat/>x", "x"),
        ("<cat><literal></literal></cat>x", "x"),
        ("<line/>", "\n"),
        ("<line><literal></literal></line>", "\n"),
        ("<numStrings><cat/></numStrings>", "1"),
        ("<numStrings><iterateOverLists><iteratorList/></iterateOverLists></numStrings>", "0"),
    ],
)
def test_empty_strings_are_built_like_any_other(body, output):
    assert render(body) == output


# Spellings that end a literal, a line or a statement of Python source if pasted in.
HOSTILE = [
    f")\nimport sys; sys.modules.setdefault('{CANARY}', 1)#",
    f"__import__('sys').modules.setdefault('{CANARY}', 1)",
    f"x\u2028__import__('sys').modules.setdefault('{CANARY}', 1)\u2029y\x85z\rw",
    "\\' \\\" \\\\ \\N{BULLET} {0} %s",
    "n" * 500,  # a regular expression is at most 512 characters
]


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("\r", "&#13;")


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_names_of_types_entities_variables_and_searches_are_names(text):
    name = escaped(text)
    source = SnapshotSource(
        {"client": {"h": {}}, text: {text: {text: [text]}}, "lnappconf": {text: {text: ["c"]}}}
    )
    body = (
        f"<varVal><type>{name}</type><entity>{name}</entity>{name}</varVal>"
        f"<confVal><entity>{name}</entity>{name}</confVal>"
        f"<OR_expr><type>{name}</type><var>{name}</var><val>{name}</val></OR_expr>"
        f"<numStrings><getentitylist>{name}</getentitylist></numStrings>"
        f"<if><is_entity>{name}<literal>{name}</literal></is_entity><then>!</then></if>"
        f"<setdefaults><type>{name}</type><entity>{name}</entity><def_entity/></setdefaults>"
    )
    assert render(body, source, "h", "client") == f"{text}c{text}1!{text}"
    assert CANARY not in sys.modules


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_patterns_match_as_written(text):
    pattern = escaped(re.escape(text))
    body = (
        f"<substitute><pattern>{pattern}</pattern><literal>a{escaped(text)}b</literal>-</substitute>"
        f"<if><match><pattern>{pattern}</pattern><literal>{escaped(text)}</literal></match>"
        "<then>!</then></if>"
    )
    assert render(body) == "a-b!"
    assert CANARY not in sys.modules


@pytest.mark.parametrize(
    "body,message",
    [
        (f"<line>a<ts>{escaped(HOSTILE[0])}</ts></line>", '<ts>: ")\\nimport sys; '),
        (f"<plus>1<literal>{escaped(HOSTILE[1])}</literal></plus>", '<plus>: "__import__('),
        (
            f"<iterateOverLists><iteratorList>a</iteratorList><item>{escaped(HOSTILE[0])}</item>"
            "</iterateOverLists>",
            '<item>: ")\\nimport sys',
        ),
        (
            "<iterateOverLists><iteratorList>a</iteratorList>"
            f'<item level="{escaped(HOSTILE[0]).replace(chr(10), "&#10;")}"/></iterateOverLists>',
            '<item>: ")\\nimport sys',
        ),
        (f"<{'n' * 40_000}/>", "unknown element"),
        (f"<{'n' * 100_000}/>", "malformed XML: Name too long"),
        ("<literal>\x00</literal>", "malformed XML"),
        ("<literal>&#0;</literal>", "malformed XML"),
    ],
    ids=["ts", "number", "item", "level", "long-tag", "too-long-tag", "nul", "nul-reference"],
)
def test_hostile_numbers_and_markup_are_refused_naming_what_the_template_wrote(body, message):
    with pytest.raises(TemplateError) as caught:
        render(body)
    assert message in str(caught.value)
    assert CANARY not in sys.modules


def on_a_deeper_stack(frames: int, fn):
    return fn() if frames == 0 else on_a_deeper_stack(frames - 1, fn)


@pytest.mark.parametrize(
    "opening,closing,inside,output",
    [
        ("<plus><literal>1</literal>", "</plus>", "0", "98"),
        ("<varVal><varVal>", "</varVal></varVal>", "v", "v"),
    ],
    ids=["plus", "varVal"],
)
def test_the_deepest_nesting_compiles_for_a_caller_already_deep_in_its_stack(
    opening, closing, inside, output
):
    # A web request compiles with about 60 frames below it; compiling an element took 8 frames
    # a level when it made its arguments in a generator, past Python's 1,000 from 200 on.
    depth = 98 // opening.count("<") if "literal" not in opening else 98
    body = opening * depth + inside + closing * depth
    source = SnapshotSource({"client": {"h": {"v": ["v"]}}})
    assert on_a_deeper_stack(200, lambda: render(body, source, "h")) == output


def test_an_index_computed_by_items_nested_98_deep_compiles():
    # Each <item> of a computed index wrapped its argument's expression in four brackets:
    # from 50 deep the source passed the 200 nested brackets Python's parser allows.
    loop = "<iterateOverLists><iteratorList>0</iteratorList>{}</iterateOverLists>"
    assert render(loop.format("<item>" * 98 + "0" + "</item>" * 98)) == "0"
