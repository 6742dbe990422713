"""A variable's regex in words for the user, and as a `pattern` attribute browsers accept
under the `v` flag (a `-` or `.` unescaped in a class is an error there)."""

import pytest

from entities.patterns import IPV4, browser_pattern, describe


@pytest.mark.parametrize(
    "regex, attribute",
    [
        ("[A-Z0-9-]+", r"[A-Z0-9\-]+"),
        ("[a-z0-9-]+(\\.[a-z0-9-]+)+", r"[a-z0-9\-]+(\.[a-z0-9\-]+)+"),
        ("/[A-Za-z0-9._/+-]*", r"/[A-Za-z0-9\._\/\+\-]*"),
        ("[-a]", r"[\-a]"),
        ("[]a]", r"[\]a]"),
        ("[a&&b]", r"[a\&\&b]"),
        ("a\\-b", "a-b"),
        ("[a-z]{", r"[a-z]\{"),
        ("0?[0-7]{3,4}", "0?[0-7]{3,4}"),
        ("(?P<n>[0-9])", "(?<n>[0-9])"),
        (IPV4, IPV4),
    ],
)
def test_a_regex_becomes_a_pattern_valid_under_the_v_flag(regex, attribute):
    assert browser_pattern(regex) == attribute


@pytest.mark.parametrize("regex", ["\\Aab", "(?i)ab", "(?P<n>a)(?P=n)", "a\\Z", "[ab"])
def test_python_only_syntax_gets_no_pattern(regex):
    assert browser_pattern(regex) is None


def test_a_common_regex_is_said_in_words_and_others_are_shown_plainly():
    assert describe(IPV4) == "an IPv4 address such as 192.0.2.10"
    assert describe("[0-9a-f]{2}(:[0-9a-f]{2}){5}") == "a MAC address such as 00:1a:2b:3c:4d:5e"
    assert describe(r"iqn\.[0-9]{4}") == r"a value matching the pattern iqn\.[0-9]{4}"
