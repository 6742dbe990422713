"""Values are stored as the user meant them: trimmed unless the definition keeps whitespace,
and a MAC address in lower case with colons, whatever the door."""

import pytest
from django.core.exceptions import ValidationError

from entities import exporting, services
from entities.addresses import normal_mac
from entities.mirror import read_var_defs_file, var_defs_xml
from entities.reading import entity_contents
from testing import factories


def test_surrounding_spaces_are_trimmed_from_values_and_table_cells(standalone):
    discovery = factories.entity(
        standalone,
        "discovery",
        domain=" cs.example.edu ",
        ip_address="192.0.2.10\n",
        cname=[" mail", "  "],
        tables={"CNAMES": [{"cn_name": " www ", "cn_domain": "cs.example.edu "}]},
    )
    contents = entity_contents(discovery)
    assert contents.values["domain"] == ["cs.example.edu"]
    assert contents.values["ip_address"] == ["192.0.2.10"]
    assert contents.values["cname"] == ["mail"]
    assert contents.tables["CNAMES"] == [{"cn_name": "www", "cn_domain": "cs.example.edu"}]
    # Typing the stored value with spaces around it changes nothing.
    assert services.do_set_values(discovery, {"room": [" EN1018 "]}, user="tests") == 1
    assert services.do_set_values(discovery, {"room": ["EN1018  "]}, user="tests") == 0


def test_a_definition_that_keeps_whitespace_stores_values_as_typed(standalone):
    factories.variable(standalone, "motd", widget="textarea", keep_whitespace=True)
    discovery = factories.entity(standalone, "discovery", domain="cs.example.edu")
    services.do_set_values(discovery, {"motd": ["  indented\n"]}, user="tests")
    assert entity_contents(discovery).values["motd"] == ["  indented\n"]


def test_the_keep_whitespace_flag_travels_through_the_mirror(standalone, tmp_path):
    factories.variable(standalone, "motd", keep_whitespace=True)
    mirrored = exporting.mirror_type(standalone, list(standalone.variables.all()))
    path = tmp_path / "standalone"
    path.write_bytes(var_defs_xml(mirrored))
    assert 'keep_whitespace="1"' in path.read_text()
    read = {d.name: d for d in read_var_defs_file(path).variables}
    assert read["motd"].keep_whitespace
    assert not read["room"].keep_whitespace


@pytest.mark.parametrize(
    "typed",
    [
        "00:1A:2B:3C:4D:5E",
        "00-1a-2b-3c-4d-5e",
        "001a.2b3c.4d5e",
        "001A2B3C4D5E",
        " 00:1a:2b:3c:4d:5e ",
    ],
)
def test_a_mac_address_is_stored_in_lower_case_with_colons(db, typed):
    standalone = factories.demo_type("standalone")
    factories.entity(factories.entity_type("domain"), "cs.example.edu")
    factories.entity(factories.entity_type("server"), "odie")
    discovery = factories.entity(
        standalone,
        "discovery",
        domain="cs.example.edu",
        ip_address="192.0.2.10",
        server="odie",
        mac_address=typed,
    )
    assert entity_contents(discovery).values["mac_address"] == ["00:1a:2b:3c:4d:5e"]


def test_a_mac_address_unique_in_its_type_is_refused_in_any_notation(db):
    standalone = factories.demo_type("standalone")
    factories.entity(factories.entity_type("domain"), "cs.example.edu")
    factories.entity(factories.entity_type("server"), "odie")
    common = {"domain": "cs.example.edu", "server": "odie"}
    factories.entity(
        standalone, "a", ip_address="192.0.2.1", mac_address="00:1a:2b:3c:4d:5e", **common
    )
    with pytest.raises(ValidationError, match="already held by standalone/a"):
        factories.entity(
            standalone, "b", ip_address="192.0.2.2", mac_address="00-1A-2B-3C-4D-5E", **common
        )


def test_what_is_not_a_mac_address_is_left_for_the_regex_to_refuse():
    assert normal_mac("00:1a:2b:3c:4d") == "00:1a:2b:3c:4d"
    assert normal_mac("00:1a-2b:3c:4d:5e") == "00:1a-2b:3c:4d:5e"
    assert normal_mac("zz:1a:2b:3c:4d:5e") == "zz:1a:2b:3c:4d:5e"


def test_a_refusal_says_what_is_expected_in_words_with_the_tooltip(db):
    standalone = factories.demo_type("standalone")
    factories.entity(factories.entity_type("domain"), "cs.example.edu")
    with pytest.raises(ValidationError) as refused:
        factories.entity(standalone, "b", domain="cs.example.edu", ip_address="192.0.2.300")
    assert refused.value.message_dict["ip_address"] == [
        "standalone/b: variable 'ip_address' value '192.0.2.300' is not an IPv4 address such as "
        "192.0.2.10 (IP address assigned to this host)"
    ]


def test_a_name_with_letters_beyond_ascii_is_refused_saying_ascii(standalone):
    with pytest.raises(ValidationError, match="may hold only ASCII letters"):
        factories.entity(standalone, "Ünïcode", domain="cs.example.edu")
