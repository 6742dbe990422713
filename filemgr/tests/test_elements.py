"""One group per element of the template language: what it renders, with its edge cases."""

from __future__ import annotations

import pytest

from filemgr.templating import SnapshotSource

from .conftest import render


def cases(*pairs):
    return pytest.mark.parametrize("body,expected", pairs)


class TestText:
    @cases(
        ("\nfirst line\n", "first line\n"),
        ("\n\nafter a blank line", "\nafter a blank line"),
        ("no newline first", "no newline first"),
        ("<self/>\n   \n<self/>", "hogwartshogwarts"),
        ("<self/> and <self/>", "hogwarts and hogwarts"),
        ("a<!-- a comment -->b", "ab"),
        ("&lt;tag&gt; &amp; <![CDATA[<raw>]]>", "<tag> & <raw>"),
    )
    def test_text(self, body, expected):
        assert render(body) == expected

    def test_empty_template(self):
        assert render("") == ""


class TestLiteral:
    @cases(
        ("<literal> </literal>", " "),
        ("<literal>\n</literal>", "\n"),
        ("<literal>  two\n lines </literal>", "  two\n lines "),
        ("<literal></literal>x", "x"),
        ("<self/><literal> </literal><selftype/>", "hogwarts client"),
    )
    def test_literal(self, body, expected):
        assert render(body) == expected


class TestSelf:
    def test_self_and_selftype(self):
        assert render("<self/>/<selftype/>") == "hogwarts/client"
        assert render("<self/>/<selftype/>", host="odie", entity_type="server") == "odie/server"

    def test_host_type_found_when_omitted(self):
        assert render("<selftype/>", host="odie", entity_type=None) == "server"
        assert render("<selftype/>", host="menuserver", entity_type=None) == "lnappconf"


class TestSetvalueGetvalue:
    @cases(
        ("<setvalue>x<literal>one</literal></setvalue>[<getvalue>x</getvalue>]", "[one]"),
        ("<setvalue> x <varVal>access_users</varVal></setvalue><getvalue>x</getvalue>", ""),
        ("<setvalue>x<varVal>functions</varVal></setvalue><getvalue> x </getvalue>", ""),
        ("[<getvalue>never</getvalue>]", "[]"),
        (
            "<setvalue>x<literal>1</literal></setvalue><setvalue>x<literal>2</literal></setvalue>"
            "<getvalue>x</getvalue>",
            "2",
        ),
    )
    def test_setvalue_emits_nothing(self, body, expected):
        assert render(body) == expected

    def test_only_the_first_string_is_kept(self):
        body = "<setvalue>f<varVal>functions</varVal></setvalue><getvalue>f</getvalue>"
        assert render(body, host="odie", entity_type="server") == "appserver"

    def test_set_inside_a_loop_is_seen_after_it(self):
        body = (
            "<iterateOverLists><iteratorList><varVal>functions</varVal></iteratorList>"
            "<setvalue>last<item/></setvalue></iterateOverLists><getvalue>last</getvalue>"
        )
        assert render(body, host="odie", entity_type="server") == "dns"


class TestSetdefaults:
    def test_sets_type_and_entity_for_its_content(self):
        body = (
            "<setdefaults><type>server</type><entity>megatron</entity>"
            "<def_type/>:<def_entity/>:<varVal>ip</varVal></setdefaults>"
            "<literal> </literal><def_type/>:<def_entity/>"
        )
        assert render(body) == "server:megatron:134.153.48.11 client:hogwarts"

    def test_entity_only_keeps_the_type(self):
        body = "<setdefaults><entity>rook</entity><varVal>kernel</varVal></setdefaults>"
        assert render(body) == "bzImage.noarch-3.7.2-gentoo"

    def test_nested_defaults_restore(self):
        body = (
            "<setdefaults><entity>rook</entity>"
            "<setdefaults><type>server</type><entity>odie</entity><def_entity/></setdefaults>"
            "-<def_entity/></setdefaults>"
        )
        assert render(body) == "odie-rook"

    def test_entity_from_a_value(self):
        body = (
            "<setdefaults><type>server</type><entity><varVal>appserver</varVal></entity>"
            "<varVal>functions</varVal></setdefaults>"
        )
        assert render(body, host="rook") == "appserveriscsi"


class TestVarVal:
    @cases(
        ("<varVal>kernel</varVal>", "bzImage.P4-2.6.38-gentoo-r2"),
        ("<varVal> kernel\n</varVal>", "bzImage.P4-2.6.38-gentoo-r2"),
        ("[<varVal>bootOptions</varVal>]", "[]"),
        ("<varVal><entity>rook</entity>windowsImage</varVal>", "cs_lab"),
        ("<varVal><type>server</type><entity>odie</entity>functions</varVal>", "appserverdns"),
        (
            "<varVal><type>server</type><entity><varVal>appserver</varVal></entity>domain</varVal>",
            "cs.mun.ca",
        ),
        # Several variables, several entities: concatenated, entity by entity.
        ("<numStrings><varVal>kernel<literal>domain</literal></varVal></numStrings>", "2"),
        (
            "<cat><varVal><type>server</type><entity><sorted><getentitylist>server"
            "</getentitylist></sorted></entity>dept<literal>domain</literal></varVal></cat>",
            "cscs.mun.camathmath.mun.cacscs.mun.ca",
        ),
        ("[<varVal><entity><getvalue>none</getvalue></entity>kernel</varVal>]", "[]"),
    )
    def test_varval(self, body, expected):
        assert render(body) == expected

    def test_table_columns_line_up_by_row(self):
        body = (
            "<cat><varVal>access_origins</varVal></cat>/"
            "<numStrings><varVal>access_origins</varVal></numStrings>"
        )
        assert render(body, host="odie", entity_type="server") == "LOCAL/3"


class TestConfVal:
    @cases(
        ("<confVal><entity>menuserver</entity>port</confVal>", "8080"),
        ("<numStrings><confVal><entity>menuserver</entity>wallpapers</confVal></numStrings>", "2"),
        ("[<confVal><entity>menuserver</entity>nothing</confVal>]", "[]"),
        (
            "<setdefaults><entity>menuserver</entity><confVal>port</confVal></setdefaults>",
            "8080",
        ),
    )
    def test_confval(self, body, expected):
        assert render(body) == expected


class TestDefEntityDefType:
    def test_top_level_defaults_are_the_host(self):
        assert render("<def_entity/>-<def_type/>", host="rook") == "rook-client"


class TestIsEntity:
    @cases(
        ("<if><is_entity>rook</is_entity><then>yes</then><else>no</else></if>", "yes"),
        ("<if><is_entity>odie</is_entity><then>yes</then><else>no</else></if>", "no"),
        ("<if><is_entity>odie<literal>server</literal></is_entity><then>y</then></if>", "y"),
        ("<if><is_entity> rook </is_entity><then>y</then></if>", "y"),
        ("<if><is_entity><getvalue>x</getvalue></is_entity><then>y</then><else>n</else></if>", "n"),
    )
    def test_is_entity(self, body, expected):
        assert render(body) == expected


class TestSearch:
    @cases(
        ("<OR_expr><type>server</type><var>dept</var><val>cs</val></OR_expr>", "megatronodie"),
        (
            "<cat><OR_expr><type>server</type><var>dept</var><val>math</val>"
            "<var>functions</var><val>iscsi</val></OR_expr></cat>",
            "megatronnermal",
        ),
        (
            "<AND_expr><type>server</type><var>dept</var><val>cs</val>"
            "<var>functions</var><val>appserver</val></AND_expr>",
            "megatronodie",
        ),
        (
            "<AND_expr><type>server</type><var>dept</var><val>cs</val>"
            "<var>functions</var><val>dns</val></AND_expr>",
            "odie",
        ),
        ("[<OR_expr><type>server</type><var>dept</var><val>art</val></OR_expr>]", "[]"),
        ("<OR_expr><var>appserver</var><val>megatron</val></OR_expr>", "bunting" + "rook"),
        (
            "<numStrings><OR_expr><var>dept</var><val><literal>cs</literal>"
            "<literal>math</literal></val></OR_expr></numStrings>",
            "3",
        ),
    )
    def test_search(self, body, expected):
        assert render(body) == expected

    def test_names_are_sorted(self):
        body = (
            "<iterateOverLists><iteratorList><OR_expr><type>server</type><var>domain</var>"
            "<val>cs.mun.ca</val><var>dept</var><val>math</val></OR_expr></iteratorList>"
            "<item/>,</iterateOverLists>"
        )
        assert render(body) == "megatron,nermal,odie,"


class TestIterateOverLists:
    def test_one_string_per_iteration(self):
        body = (
            "<numStrings><iterateOverLists><iteratorList><varVal>access_users</varVal>"
            "</iteratorList>x<item/></iterateOverLists></numStrings>"
        )
        assert render(body, host="odie", entity_type="server") == "3"

    def test_several_lists_pair_up(self):
        body = (
            "<iterateOverLists><iteratorList><varVal>access_perm</varVal></iteratorList>"
            "<iteratorList><varVal>access_users</varVal></iteratorList>"
            "<line><item/>=<item>1</item></line></iterateOverLists>"
        )
        expected = "allow=root wheel\nallow=pbonnah\nallow=bkupclient\n"
        assert render(body, host="odie", entity_type="server") == expected

    def test_empty_list_emits_nothing(self):
        body = (
            "[<iterateOverLists><iteratorList><varVal>x</varVal></iteratorList>"
            "a</iterateOverLists>]"
        )
        assert render(body) == "[]"

    def test_iterator_list_is_a_concatenation(self):
        body = (
            "<iterateOverLists><iteratorList>a<literal>b</literal><varVal>dept</varVal>"
            "</iteratorList><item/></iterateOverLists>"
        )
        assert render(body) == "abcs"


class TestItem:
    def test_levels(self):
        body = (
            "<iterateOverLists><iteratorList><literal>a</literal><literal>b</literal>"
            "</iteratorList><iteratorList><literal>A</literal><literal>B</literal></iteratorList>"
            "<iterateOverLists><iteratorList><literal>1</literal><literal>2</literal>"
            "</iteratorList><item level='1'/><item level='1'>1</item><item/>,</iterateOverLists>"
            "</iterateOverLists>"
        )
        assert render(body) == "aA1,aA2,bB1,bB2,"

    def test_computed_index(self):
        body = (
            "<iterateOverLists><iteratorList>x</iteratorList><iteratorList>y</iteratorList>"
            "<item><minus>1 <literal>0</literal></minus></item></iterateOverLists>"
        )
        assert render(body) == "y"


class TestSelect:
    @cases(
        ("<select><index>0</index><varVal>access_users</varVal></select>", "root wheel"),
        ("<select><index> 2 </index><varVal>access_users</varVal></select>", "bkupclient"),
        ("[<select><index>3</index><varVal>access_users</varVal></select>]", "[]"),
        ("[<select><index>-1</index><varVal>access_users</varVal></select>]", "[]"),
        (
            "<select><index><indexof>pbonnah<varVal>access_users</varVal></indexof></index>"
            "<varVal>access_perm</varVal></select>",
            "allow",
        ),
    )
    def test_select(self, body, expected):
        assert render(body, host="odie", entity_type="server") == expected


class TestIndexof:
    @cases(
        ("<indexof>dns<varVal>functions</varVal></indexof>", "1"),
        ("<indexof><literal>appserver</literal><varVal>functions</varVal></indexof>", "0"),
        ("[<indexof>dn<varVal>functions</varVal></indexof>]", "[]"),
    )
    def test_indexof(self, body, expected):
        assert render(body, host="odie", entity_type="server") == expected


class TestNumStrings:
    @cases(
        ("<numStrings><varVal>functions</varVal></numStrings>", "2"),
        ("<numStrings><varVal>nothing</varVal></numStrings>", "0"),
        ("<numStrings></numStrings>", "0"),
        ("<numStrings>a<literal>b</literal><varVal>functions</varVal></numStrings>", "4"),
    )
    def test_numstrings(self, body, expected):
        assert render(body, host="odie", entity_type="server") == expected


class TestArithmetic:
    @cases(
        ("<plus>2<literal>3</literal></plus>", "5"),
        ("<plus> 2 <numStrings><varVal>dept</varVal></numStrings></plus>", "3"),
        ("<minus>2<literal>5</literal></minus>", "-3"),
        ("<mul>-4<literal>5</literal></mul>", "-20"),
        ("<div>7<literal>2</literal></div>", "3"),
        ("<div>-7<literal>2</literal></div>", "-3"),
        ("<div>7<literal>-2</literal></div>", "-3"),
        ("<plus><plus>1<literal>1</literal></plus><literal>+1</literal></plus>", "3"),
    )
    def test_arithmetic(self, body, expected):
        assert render(body) == expected


class TestIf:
    @cases(
        ("<if><varVal>kernel</varVal><then>k</then></if>", "k"),
        ("[<if><varVal>bootOptions</varVal><then>b</then></if>]", "[]"),
        ("<if><varVal>bootOptions</varVal><then>b</then><else>none</else></if>", "none"),
        (
            "<if><equal><self/>x</equal><then>1</then><elseif><equal><self/>hogwarts</equal>"
            "<then>2</then></elseif><elseif><self/><then>3</then></elseif><else>4</else></if>",
            "2",
        ),
        (
            "<if><equal><self/>x</equal><then>1</then><elseif><equal><self/>y</equal>"
            "<then>2</then></elseif><else>4</else></if>",
            "4",
        ),
        # A list of only empty strings is NULL.
        ("<if><literal></literal><then>t</then><else>f</else></if>", "f"),
        ("<if><varVal>access_origins</varVal><then>t</then></if>", ""),
        ("<if><getentitylist>nosuchtype</getentitylist><then>t</then><else>f</else></if>", "f"),
    )
    def test_if(self, body, expected):
        assert render(body) == expected

    def test_invalid_is_not_true(self):
        body = "<if><equal><getvalue>unset</getvalue>x</equal><then>t</then><else>f</else></if>"
        assert render(body) == "f"
        body = "<if><noteq><getvalue>unset</getvalue>x</noteq><then>t</then><else>f</else></if>"
        assert render(body) == "f"


class TestComparisons:
    @cases(
        ("<equal><self/>odie</equal>", True),
        ("<equal><self/><literal>odie </literal></equal>", False),
        ("<noteq><self/>rook</noteq>", True),
        ("<noteq><self/>odie</noteq>", False),
        ("<equal><varVal>dept</varVal><literal>cs</literal></equal>", True),
        ("<hasvalue><varVal>functions</varVal>dns</hasvalue>", True),
        ("<hasvalue><varVal>functions</varVal>dn</hasvalue>", False),
        ("<match><pattern>^app</pattern><varVal>functions</varVal></match>", True),
        ("<match><pattern>^dns$</pattern><varVal>functions</varVal></match>", False),
        ("<match><pattern><self/></pattern><cat>x<self/>y</cat></match>", True),
        ("<match><pattern>o</pattern>x<self/></match>", False),
        ("<or><equal><self/>x</equal><equal><self/>odie</equal></or>", True),
        ("<or><equal><self/>x</equal><equal><self/>y</equal></or>", False),
        ("<or><equal><getvalue>u</getvalue>x</equal><self/></or>", True),
        ("<and><self/><hasvalue><varVal>functions</varVal>dns</hasvalue></and>", True),
        ("<and><self/><varVal>nothing</varVal></and>", False),
        ("<and><equal><getvalue>u</getvalue>x</equal><varVal>nothing</varVal></and>", False),
        ("<and><equal><getvalue>u</getvalue>x</equal><self/></and>", False),
    )
    def test_condition(self, body, expected):
        result = render(
            f"<if>{body}<then>true</then><else>false</else></if>", host="odie", entity_type="server"
        )
        assert result == str(expected).lower()


class TestSubstitute:
    @cases(
        (
            "<substitute><pattern>^([^.]+)\\.([^.]+)\\.([^.]+)$</pattern><varVal>domain</varVal>"
            "<literal>\\3.\\2.\\1</literal></substitute>",
            "ca.mun.cs",
        ),
        ("<substitute><pattern>o</pattern><self/><literal>0</literal></substitute>", "h0gwarts"),
        ("<substitute><pattern>z</pattern><self/><literal>0</literal></substitute>", "hogwarts"),
        (
            "<substitute><pattern>w(ar)</pattern><self/><literal>[\\0|\\1]</literal></substitute>",
            "hog[war|ar]ts",
        ),
        (
            "<substitute><pattern>(x)?w</pattern><self/><literal>[\\1]</literal></substitute>",
            "hog[]arts",
        ),
        (
            "<substitute><pattern>w</pattern><self/><literal>\\n</literal></substitute>",
            "hog\\narts",
        ),
        ("[<substitute><pattern>w</pattern><getvalue>x</getvalue>y</substitute>]", "[]"),
    )
    def test_substitute(self, body, expected):
        assert render(body) == expected


class TestGetentitylist:
    @cases(
        ("<getentitylist>server</getentitylist>", "megatronnermalodie"),
        ("<getentitylist/>", "buntinghogwartsrook"),
        ("<setdefaults><type>lnappconf</type><getentitylist/></setdefaults>", "menuserver"),
        ("[<getentitylist>nosuch</getentitylist>]", "[]"),
    )
    def test_getentitylist(self, body, expected):
        assert render(body) == expected


class TestUniqueSorted:
    @cases(
        ("<unique>b<literal>a</literal><literal>b</literal><varVal>dept</varVal></unique>", "bacs"),
        (
            "<sorted>b<literal>a</literal><literal>B</literal><literal>b</literal></sorted>",
            "Babb",
        ),
        (
            "<iterateOverLists><iteratorList><sorted><unique><varVal><type>server</type>"
            "<entity><getentitylist>server</getentitylist></entity>dept</varVal></unique>"
            "</sorted></iteratorList><line><item/></line></iterateOverLists>",
            "cs\nmath\n",
        ),
    )
    def test_unique_sorted(self, body, expected):
        assert render(body) == expected


class TestLineCat:
    @cases(
        ("<line>a<literal> </literal><self/></line>", "a hogwarts\n"),
        ("<line/>", "\n"),
        ("<cat>a<literal> </literal><self/></cat>", "a hogwarts"),
        ("<numStrings><cat><varVal>dept</varVal><self/></cat></numStrings>", "1"),
        ("<line><self/><ts>12</ts>|</line>", "hogwarts    |\n"),
        ("<line><ts>0</ts><self/><ts>3</ts>|</line>", "hogwarts|\n"),
        ("<line>ab<ts> 4 </ts>c<ts>4</ts>d<ts>8</ts>e</line>", "ab  cd  e\n"),
        ("<line><literal>x\nab</literal><ts>4</ts>c</line>", "x\nab  c\n"),
        ("<line><self/><ts><plus>10 <literal>2</literal></plus></ts>|</line>", "hogwarts    |\n"),
    )
    def test_line_cat(self, body, expected):
        assert render(body) == expected

    def test_table_in_columns(self):
        body = (
            "<iterateOverLists><iteratorList><varVal>access_perm</varVal></iteratorList>"
            "<iteratorList><varVal>access_users</varVal></iteratorList>"
            "<line><item/><ts>8</ts><item>1</item></line></iterateOverLists>"
        )
        expected = "allow   root wheel\nallow   pbonnah\nallow   bkupclient\n"
        assert render(body, host="odie", entity_type="server") == expected


def test_sources_agree(mirror_dir):
    from filemgr.templating import MirrorSource

    body = (
        "<varVal>access_origins</varVal>|<numStrings><varVal>access_origins</varVal></numStrings>"
    )
    for source in (MirrorSource(mirror_dir), SnapshotSource.from_mirror(mirror_dir)):
        assert render(body, source, "odie", "server") == "LOCAL|3"
