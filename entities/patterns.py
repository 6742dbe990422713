"""A variable's regex (Python's `re`, matched whole) as the user sees it: in words where the
pattern is a common one, and as an HTML `pattern` attribute the browser can check.

Browsers compile `pattern` with JavaScript's `v` flag, stricter than Python: inside a class
every syntax character and `-` outside a range must be escaped, a lone `{` is an error, and
Python-only syntax (`(?P<`, `\\A`, inline flags) does not exist. A regex that cannot be
carried over gets no attribute; the server checks every value anyway."""

from __future__ import annotations

import re
from functools import lru_cache

_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = _OCTET + r"(\." + _OCTET + "){3}"
# Regexes of the demo schema (and their common spellings) -> what they ask for, in words.
_DESCRIBED = {
    IPV4: "an IPv4 address such as 192.0.2.10",
    r"\d{1,3}(\.\d{1,3}){3}": "an IPv4 address such as 192.0.2.10",
    r"[0-9a-f]{2}(:[0-9a-f]{2}){5}": "a MAC address such as 00:1a:2b:3c:4d:5e",
    r"([0-9a-f]{2}:){5}[0-9a-f]{2}": "a MAC address such as 00:1a:2b:3c:4d:5e",
    r"[0-9]+": "a whole number such as 42",
    r"\d+": "a whole number such as 42",
    r"-?[0-9]+": "a whole number such as 42 or -1",
    r"[0-9]": "one digit",
    r"[A-Z0-9-]+": "capital letters, digits and '-' only, such as EN1018",
    r"[a-z][a-z0-9-]*": "a host name such as www: lower-case letters, digits and '-', "
    "starting with a letter",
    r"[a-z0-9-]+(\.[a-z0-9-]+)+": "a domain name such as cs.example.edu",
    r"none|[0-9]{4}-[0-9]{2}-[0-9]{2}": "none, or a date such as 2024-01-31",
}

# Characters a `v`-flag class takes escaped (SyntaxCharacter, '/' and the reserved
# punctuators); every other ASCII punctuation but '_', '"', "'" and space is one of them.
_CLASS_ESCAPABLE = set("^$\\.*+?()[]{}|/&-!#%,:;<=>@`~")
_SYNTAX = set("^$\\.*+?()[]{}|/")
_SAME_ESCAPES = set("dDwWsSbBntrfv")  # escapes both dialects read alike
_QUANTIFIER = re.compile(r"\{[0-9]+(,[0-9]*)?\}")


def describe(regex: str) -> str:
    """What regex asks for: words for a common pattern, else the pattern itself."""
    return _DESCRIBED.get(regex) or f"a value matching the pattern {regex}"


@lru_cache(maxsize=512)
def browser_pattern(regex: str) -> str | None:
    """regex as an HTML `pattern` attribute valid under the `v` flag, or None when it uses
    what JavaScript lacks."""
    out: list[str] = []
    i = 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            piece = _escape(regex[i + 1 : i + 2], in_class=False)
            if piece is None:
                return None
            out.append(piece)
            i += 2
        elif c == "[":
            end = _class(regex, i, out)
            if end is None:
                return None
            i = end
        elif c == "(" and regex.startswith("(?", i):
            if regex.startswith("(?P<", i):
                out.append("(?<")
                i += 4
            elif regex[i + 2 : i + 3] in (":", "=", "!") or regex[i + 2 : i + 4] in ("<=", "<!"):
                out.append("(?")
                i += 2
            else:
                return None  # inline flags, (?P=name), comments
        elif c == "{":
            found = _QUANTIFIER.match(regex, i)
            piece = found.group() if found and out else "\\{"
            out.append(piece)
            i += len(piece) if found and out else 1
        elif c in "}]":
            out.append("\\" + c)
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _escape(c: str, *, in_class: bool) -> str | None:
    """A backslash escape of Python's regex in the `v` dialect; None when it has none."""
    if c in _SAME_ESCAPES and c and (not in_class or c not in "bB"):
        return "\\" + c
    if c.isalnum() or not c:
        return None  # \A, \Z, back references, unicode names: Python's own
    if c in (_CLASS_ESCAPABLE if in_class else _SYNTAX):
        return "\\" + c
    return c  # an identity escape JavaScript refuses: the character itself


def _class(regex: str, start: int, out: list[str]) -> int | None:
    """Copy the class opening at start, escaped for the `v` flag; the index after it."""
    i = start + 1
    out.append("[")
    if regex.startswith("^", i):
        out.append("^")
        i += 1
    first = True
    while i < len(regex):
        c = regex[i]
        if c == "]" and not first:
            out.append("]")
            return i + 1
        first = False
        if c == "\\":
            piece = _escape(regex[i + 1 : i + 2], in_class=True)
            if piece is None:
                return None
            out.append(piece)
            i += 2
        elif c == "-" and out[-1] not in ("[", "^") and regex[i + 1 : i + 2] not in ("]", ""):
            out.append("-")  # a range
            i += 1
        elif c in _CLASS_ESCAPABLE:
            out.append("\\" + c)
            i += 1
        else:
            out.append(c)
            i += 1
    return None  # unterminated: Python refuses it too
