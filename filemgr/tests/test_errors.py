"""Every way a template can go wrong gives one TemplateError naming file, line and element."""

from __future__ import annotations

import pytest

from filemgr.templating import SnapshotSource, TemplateError, compile_template, context

from .conftest import CAMPUS, render


def error_of(template: str, host: str = "hogwarts", entity_type: str = "client") -> str:
    with pytest.raises(TemplateError) as caught:
        compile_template(template, "bad.xml").render(
            SnapshotSource(CAMPUS), host, entity_type, "bad.xml"
        )
    return str(caught.value)


@pytest.mark.parametrize(
    "template,message",
    [
        ("<Template><self/>", "bad.xml:1: malformed XML:"),
        ("<Template>\n<a></b></Template>", "bad.xml:2: malformed XML:"),
        ("<template/>", "bad.xml:1: <template>: a template must start with <Template>"),
        ("<Template>\n\n<bogus/></Template>", "bad.xml:3: <bogus>: unknown element"),
        ("<Template><self>x</self></Template>", "bad.xml:1: <self>: takes no arguments, got 1"),
        ("<Template><plus>1</plus></Template>", "<plus>: takes exactly 2 arguments, got 1"),
        ("<Template><varVal><type>a</type></varVal></Template>", "<varVal>: takes at least 1"),
        (
            "<Template><varVal><type>a</type><type>b</type>x</varVal></Template>",
            "<varVal>: takes at most 1 <type>, got 2",
        ),
        ("<Template><if><self/></if></Template>", "<if>: takes exactly 1 <then>, got 0"),
        (
            "<Template><if><then>x</then><self/></if></Template>",
            "<if>: takes a condition, <then>, any <elseif> and an optional <else>",
        ),
        (
            "<Template><if><self/><then/><else/><elseif><self/><then/></elseif></if></Template>",
            "<if>: takes a condition, <then>, any <elseif>",
        ),
        (
            "<Template><if><self/><then/><elseif><then/><self/></elseif></if></Template>",
            "<elseif>: takes a condition followed by <then>",
        ),
        ("<Template><then>x</then></Template>", "<then>: belongs inside <if>, <elseif>"),
        ("<Template><ts>4</ts></Template>", "<ts>: belongs inside <line>"),
        ("<Template><cat><ts>4</ts></cat></Template>", "<ts>: belongs inside <line>"),
        ("<Template><equal>a<self/></equal></Template>", "<equal>: is a condition"),
        ("<Template><item/></Template>", "<item>: only works inside <iterateOverLists>"),
        (
            "<Template><iterateOverLists><iteratorList>a</iteratorList><item>1</item>"
            "</iterateOverLists></Template>",
            "<item>: index 1 but only 1 iterator lists",
        ),
        (
            "<Template><iterateOverLists><iteratorList>a</iteratorList><item level='1'/>"
            "</iterateOverLists></Template>",
            "<item>: level 1 but only 1 enclosing loops",
        ),
        ("<Template><self x='1'/></Template>", "<self>: unknown attribute 'x'"),
        ("<Template><literal>a<self/></literal></Template>", "<literal>: holds text only"),
        (
            "<Template><OR_expr><var>a</var><var>b</var><val>c</val><val>d</val></OR_expr>"
            "</Template>",
            "<OR_expr>: takes <var> <val> pairs",
        ),
        ("<Template><AND_expr><var>a</var></AND_expr></Template>", "takes at least 1 <val>"),
        ("<Template><select>a</select></Template>", "<select>: takes exactly 1 <index>, got 0"),
        (
            "<Template><select><index>x</index>a</select></Template>",
            "<index>: 'x' is not a number",
        ),
        ("<Template><match><pattern>(</pattern>a</match></Template>", "<pattern>: bad regular"),
        ("<Template><plus>a<literal>1</literal></plus></Template>", "<plus>: 'a' is not a number"),
        ("<Template><div>1<literal>0</literal></div></Template>", "<div>: division by zero"),
        (
            "<Template><iterateOverLists><iteratorList><varVal>access_perm</varVal>"
            "</iteratorList><iteratorList>x</iteratorList><item/></iterateOverLists></Template>",
            "<iterateOverLists>: iterator lists have unequal lengths (0, 1)",
        ),
        (
            "<Template><plus>1<getvalue>x</getvalue></plus></Template>",
            "<plus>: needs a number, got nothing",
        ),
        (
            "<Template><plus>1<literal>1.5</literal></plus></Template>",
            "<plus>: '1.5' is not a number",
        ),
        (
            "<Template><if><match><pattern><literal>[</literal></pattern>a</match><then/></if>"
            "</Template>",
            "<pattern>: bad regular expression '['",
        ),
        (
            "<Template><substitute><pattern>a</pattern>a<literal>\\2</literal></substitute>"
            "</Template>",
            "<substitute>: \\2 but the pattern has 0 groups",
        ),
        (
            "<Template><varVal><type>server</type><entity>nobody</entity>ip</varVal></Template>",
            "<varVal>: no entity 'nobody' of type 'server'",
        ),
        (
            "<Template><setdefaults><entity>nobody</entity><varVal>ip</varVal></setdefaults>"
            "</Template>",
            "<varVal>: no entity 'nobody' of type 'client'",
        ),
        ("<Template><confVal>port</confVal></Template>", "<confVal>: no entity 'hogwarts'"),
        (
            "<Template><confVal><entity>nothing</entity>port</confVal></Template>",
            "<confVal>: no entity 'nothing' of type 'lnappconf'",
        ),
    ],
)
def test_error_message(template, message):
    assert message in error_of(template)


def test_message_format_is_file_line_element():
    template = "<Template>\nline one\n<if><self/>\n<then><div>1<literal>0</literal></div></then>"
    assert error_of(template + "</if></Template>") == "bad.xml:4: <div>: division by zero"


def test_no_partial_output_on_a_runtime_error():
    # The first line renders fine, the error comes later: the caller gets only the error.
    with pytest.raises(TemplateError):
        render("first line\n<plus>1<varVal>kernel</varVal></plus>")


def test_doctype_and_entities_are_refused(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("secret")
    template = f'<!DOCTYPE Template [<!ENTITY e SYSTEM "file://{secret}">]><Template>&e;</Template>'
    assert "a DOCTYPE is not allowed" in error_of(template)
    assert "secret" not in error_of(template)


def test_nesting_limit():
    template = "<Template>" + "<cat>" * 101 + "x" + "</cat>" * 101 + "</Template>"
    assert "nested more than 100 deep" in error_of(template)


def test_iteration_limit(monkeypatch):
    monkeypatch.setattr(context, "MAX_ITERATIONS", 5)
    template = (
        "<Template><iterateOverLists><iteratorList><varVal>access_perm</varVal></iteratorList>"
        "<iterateOverLists><iteratorList><varVal>access_perm</varVal></iteratorList>"
        "<item/></iterateOverLists></iterateOverLists></Template>"
    )
    assert "more than 5 iterations" in error_of(template, "odie", "server")


def test_iteration_limit_real_size():
    data = {"client": {"h": {"many": [str(i) for i in range(1001)]}}}
    template = (
        "<Template><iterateOverLists><iteratorList><varVal>many</varVal></iteratorList>"
        "<iterateOverLists><iteratorList><varVal>many</varVal></iteratorList>"
        "</iterateOverLists></iterateOverLists></Template>"
    )
    with pytest.raises(TemplateError, match="more than 1000000 iterations"):
        compile_template(template).render(SnapshotSource(data), "h", "client")


def test_output_limit_stops_doubling():
    data = {"client": {"h": {"many": [str(i) for i in range(40)]}}}
    template = (
        "<Template><setvalue>x<literal>ab</literal></setvalue>"
        "<iterateOverLists><iteratorList><varVal>many</varVal></iteratorList>"
        "<setvalue>x<cat><getvalue>x</getvalue><getvalue>x</getvalue></cat></setvalue>"
        "</iterateOverLists></Template>"
    )
    with pytest.raises(TemplateError, match="larger than"):
        compile_template(template).render(SnapshotSource(data), "h", "client")


def test_output_limit_on_iterations(monkeypatch):
    monkeypatch.setattr(context, "MAX_OUTPUT", 10)
    template = (
        "<Template><iterateOverLists><iteratorList><varVal>access_users</varVal>"
        "</iteratorList><item/></iterateOverLists></Template>"
    )
    assert "output larger than 10 characters" in error_of(template, "odie", "server")


def test_pathological_regex_is_stopped_with_an_error():
    template = (
        "<Template><if><match><pattern>(a|aa)+$</pattern>"
        f"<literal>{'a' * 40}b</literal></match>"
        "<then>yes</then></if></Template>"
    )
    with pytest.raises(TemplateError, match="ran longer than 1 s"):
        compile_template(template, "slow.xml").render(SnapshotSource({"client": {"h": {}}}), "h")


SECRET = CAMPUS["client"]["rook"]["iscsi_password"][0]


@pytest.mark.parametrize(
    "body,message",
    [
        ("<plus><varVal>iscsi_password</varVal>1</plus>", "<plus>: (a computed value, not shown)"),
        ("<mul><cat>x<varVal>iscsi_password</varVal></cat>2</mul>", "is not a number"),
        ("<line><ts><varVal>iscsi_password</varVal></ts></line>", "<ts>: (a computed value"),
        (
            "<iterateOverLists><iteratorList>a</iteratorList>"
            "<item><varVal>iscsi_password</varVal></item></iterateOverLists>",
            "<item>: (a computed value, not shown) is not a number",
        ),
        (
            "<if><match><pattern><cat>(<varVal>iscsi_password</varVal></cat></pattern>a</match>"
            "<then/></if>",
            "<pattern>: bad regular expression (a computed value, not shown)",
        ),
        (
            "<varVal><entity><varVal>iscsi_password</varVal></entity>ip</varVal>",
            "<varVal>: no entity (a computed value, not shown) of type 'client'",
        ),
        (
            "<setdefaults><entity><varVal>iscsi_password</varVal></entity>"
            "<varVal>ip</varVal></setdefaults>",
            "no entity (a computed value, not shown)",
        ),
        (
            "<varVal><type><varVal>iscsi_password</varVal></type><entity>rook</entity>ip</varVal>",
            "of type (a computed value, not shown)",
        ),
    ],
)
def test_errors_never_quote_a_value_read_from_the_configuration(body, message):
    # The error lands in the agent's report, which every viewer may read.
    error = error_of(f"<Template>{body}</Template>", "rook")
    assert message in error
    assert SECRET not in error and SECRET[:6] not in error


def test_errors_quote_what_the_template_writes_even_through_elements():
    body = "<setvalue>n<literal>1.5</literal></setvalue><plus>1<getvalue>n</getvalue></plus>"
    assert "<plus>: '1.5' is not a number" in error_of(f"<Template>{body}</Template>")


def test_a_token_of_a_replacement_read_from_the_configuration_is_not_quoted():
    # The replacement is a secret's value: even one digit of it stays out of the report.
    source = SnapshotSource({"client": {"h": {"secret": ["pw\\7x"]}}})
    body = "<substitute><pattern>a</pattern>a<varVal>secret</varVal></substitute>"
    with pytest.raises(TemplateError) as caught:
        compile_template(f"<Template>{body}</Template>").render(source, "h", "client", "bad.xml")
    assert str(caught.value) == (
        "bad.xml:1: <substitute>: the replacement names a group but the pattern has 0 groups"
    )
