"""A template is compiled to Python source: what the template writes stays data in that source,
however it is spelled, and every nesting the language allows compiles."""

from __future__ import annotations

import sys

import pytest

from filemgr.templating import SnapshotSource

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
