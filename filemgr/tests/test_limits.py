"""The limits hold for a rendering as a whole, whatever the template does: output and memory
are refused before they are taken, one time budget covers every loop and regular expression,
and a number too large for the language is a template error like any other."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from filemgr.templating import SnapshotSource, TemplateError, compile_template, context, template

from .conftest import render

MiB = 1024 * 1024


def peak_memory_of_failure(body: str, data: dict | None = None) -> tuple[str, int]:
    """(the error, the most memory the rendering held at once, in bytes)."""
    source = SnapshotSource(data or {"client": {"h": {}}})
    template = compile_template(f"<Template>{body}</Template>", "big.xml")
    tracemalloc.start()
    try:
        with pytest.raises(TemplateError) as caught:
            template.render(source, "h", "client", "big.xml")
        return str(caught.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("column", ["200000000", "4000000000", "12345678901234567890123"])
def test_a_far_tab_stop_is_refused_before_the_padding_is_made(column):
    error, peak = peak_memory_of_failure(f"<line>a<ts>{column}</ts>b</line>")
    assert error == f"big.xml:1: <ts>: output larger than {context.MAX_OUTPUT} characters"
    assert peak < 10 * MiB


def test_many_copies_of_a_long_value_are_refused_before_they_are_joined():
    # A 16 Mi-character value made by doubling, then 40 copies of it in one <cat>.
    doublings = [str(i) for i in range(23)]
    body = (
        "<setvalue>x<literal>ab</literal></setvalue>"
        "<iterateOverLists><iteratorList><varVal>n</varVal></iteratorList>"
        "<setvalue>x<cat><getvalue>x</getvalue><getvalue>x</getvalue></cat></setvalue>"
        "</iterateOverLists>"
        "<cat>" + "<getvalue>x</getvalue>" * 40 + "</cat>"
    )
    error, peak = peak_memory_of_failure(body, {"client": {"h": {"n": doublings}}})
    assert "big.xml:1: <cat>: more than" in error and "characters of text built" in error
    assert peak < 100 * MiB  # the value and its last half: joining the copies took 680 MB


def test_many_copies_at_the_top_are_refused_before_they_are_joined():
    body = (
        "<setvalue>x<literal>"
        + "a" * (MiB - 2000)  # templates are at most 1 MiB
        + "</literal></setvalue>"
        + ("<getvalue>x</getvalue>" * 40)
    )
    error, peak = peak_memory_of_failure(body)
    assert f"output larger than {context.MAX_OUTPUT} characters" in error
    assert peak < 30 * MiB  # the value, not forty copies of it


@pytest.mark.parametrize(
    "body,message",
    [
        # Each 2,500 digits: Python refuses to turn the product back into text.
        (
            f"<mul><literal>{'7' * 2500}</literal><literal>{'3' * 2500}</literal></mul>",
            "<mul>: a number has at most 1000 digits",
        ),
        (f"<mul>{'7' * 2500}<literal>3</literal></mul>", "<mul>: a number has at most 1000"),
        (f"<line><ts><literal>{'9' * 5000}</literal></ts></line>", "<ts>: a number has at most"),
    ],
    ids=["mul-of-values", "mul-of-template-text", "tab-stop"],
)
def test_numbers_too_large_for_the_language_are_template_errors(body, message):
    with pytest.raises(TemplateError, match=message):
        render(body)


def test_products_of_the_largest_numbers_still_render():
    largest = "9" * context.MAX_DIGITS
    product = int(largest) * int(largest)
    assert render(f"<mul><literal>{largest}</literal><literal>{largest}</literal></mul>") == (
        str(product)
    )


def test_regular_expressions_share_one_second_per_rendering():
    # Each search takes a fraction of a second (a backtracking pattern on 26 characters);
    # forty of them, once four seconds or more, stop when together they pass one second.
    data = {"client": {"h": {"n": [str(i) for i in range(40)]}}}
    body = (
        "<iterateOverLists><iteratorList><varVal>n</varVal></iteratorList>"
        "<if><match><pattern>(a|aa)+$</pattern><literal>" + "a" * 26 + "b</literal></match>"
        "<then>x</then></if></iterateOverLists>"
    )
    template = compile_template(f"<Template>{body}</Template>", "slow.xml")
    with pytest.raises(TemplateError, match=r"<match>: regular expression .* ran longer than 1 s"):
        template.render(SnapshotSource(data), "h", "client", "slow.xml")


def test_a_regular_expression_made_from_a_long_value_is_refused_unquoted():
    data = {"client": {"h": {"p": ["x" * (context.MAX_PATTERN + 1)]}}}
    body = "<substitute><pattern><varVal>p</varVal></pattern>abc<literal>d</literal></substitute>"
    template = compile_template(f"<Template>{body}</Template>", "long.xml")
    with pytest.raises(TemplateError) as caught:
        template.render(SnapshotSource(data), "h", "client", "long.xml")
    assert str(caught.value) == (
        f"long.xml:1: <pattern>: regular expression longer than {context.MAX_PATTERN} characters"
    )


def test_a_regular_expression_is_at_most_512_characters():
    # The regex module's first search with a pattern of one repeated letter took 36 s at the
    # 4,096 characters allowed before, past the one second for searches: its timeout does not
    # stop that search's preparation, so only the pattern's length bounds it.
    assert (
        render(f"<substitute><pattern>{'n' * 512}</pattern>{'n' * 512}-<literal/></substitute>")
        == "-"
    )
    with pytest.raises(TemplateError, match="<pattern>: regular expression longer than 512 char"):
        render(f"<substitute><pattern>{'n' * 513}</pattern>{'n' * 513}<literal/></substitute>")


def test_nested_loops_share_one_time_budget(monkeypatch):
    # 999 x 999 iterations, under the iteration cap, each a little work: with the budget cut
    # to a tenth of a second, the rendering stops instead of running to the end.
    monkeypatch.setattr(context, "MAX_SECONDS", 0.1)
    data = {"client": {"h": {"n": [str(i) for i in range(999)]}}}
    body = (
        "<iterateOverLists><iteratorList><varVal>n</varVal></iteratorList>"
        "<iterateOverLists><iteratorList><varVal>n</varVal></iteratorList>"
        "<if><equal><item/><item level='1'/></equal><then>=</then></if>"
        "</iterateOverLists></iterateOverLists>"
    )
    template = compile_template(f"<Template>{body}</Template>", "slow.xml")
    with pytest.raises(TemplateError, match="<iterateOverLists>: rendering took longer than 0.1 s"):
        template.render(SnapshotSource(data), "h", "client", "slow.xml")


def test_a_template_larger_than_the_limit_is_refused_before_it_is_parsed():
    text = "<Template>" + "x" * template.MAX_TEMPLATE + "</Template>"
    with pytest.raises(TemplateError) as caught:
        compile_template(text, "big.xml")
    assert str(caught.value) == f"big.xml:0: template larger than {template.MAX_TEMPLATE} bytes"


@pytest.mark.parametrize(
    "unit,line",
    [
        ("<line>a<ts>4</ts><varVal>v</varVal></line>", "a   1\n"),
        ("<varVal>v</varVal>,", "1,"),
        ("<self/>", "h"),
    ],
    ids=["statements", "expressions", "small-elements"],
)
def test_a_large_template_compiles_in_memory_of_its_parts_not_of_the_whole(unit, line):
    # 128 KiB of lines with a tab stop and a value, or of values: as one Python function,
    # compile() held 175 MB, or 60 MB for one list display of every value; a function for
    # every small element kept 20 MB.
    count = 128 * 1024 // len(unit)
    tracemalloc.start()
    try:
        compiled = compile_template("<Template>" + unit * count + "</Template>", "large.xml")
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * MiB and held < 8 * MiB
    output = compiled.render(SnapshotSource({"client": {"h": {"v": ["1"]}}}), "h", "client")
    assert output == line * count


def test_the_compiled_templates_kept_are_bounded_by_the_text_they_hold():
    # Twelve different templates of half a MiB each, 6 MiB of text: all of them were kept,
    # each holding its text twice (in its code, and among the texts its errors may quote).
    half = template.MAX_TEMPLATE // 2
    texts = [f"<Template>{i:02}{'x' * half}</Template>" for i in range(12)]
    tracemalloc.start()
    try:
        for text in texts:
            compile_template(text)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < 2 * template.CACHE_BYTES + template.MAX_TEMPLATE
    assert compile_template(texts[-1]) is compile_template(texts[-1])


LOOP = "<iterateOverLists><iteratorList><varVal>n</varVal></iteratorList>{}</iterateOverLists>"
DEEP = "<if><literal>y</literal><then>" * 14 + "{}" + "</then></if>" * 14


@pytest.mark.parametrize(
    "inner",
    [
        LOOP.format("x"),
        f"<numStrings>{LOOP.format('x')}</numStrings>",
        DEEP.format(LOOP.format("x")),
    ],
    ids=["generated", "in-a-closure", "in-a-function-of-its-own"],
)
def test_every_loop_counts_into_the_one_iteration_budget(monkeypatch, inner):
    # Each loop runs 3 times: 3 + 3 * 3 iterations pass a budget of 10 only if the inner loop,
    # wherever its code was generated, counts into the rendering's budget.
    monkeypatch.setattr(context, "MAX_ITERATIONS", 10)
    compiled = compile_template(f"<Template>{LOOP.format(inner)}</Template>", "loops.xml")
    with pytest.raises(TemplateError, match="<iterateOverLists>: more than 10 iterations"):
        compiled.render(SnapshotSource({"client": {"h": {"n": ["1", "2", "3"]}}}), "h", "client")
