"""A file instance edited in the browser keeps its own line endings.

HTML makes a textarea submit every line break as CRLF, whatever the file held, so a file
edited in the webtool would otherwise turn into CRLF on every line: a one-line edit would
show as the whole file replaced, and the agents would install the CRLF file."""

from __future__ import annotations


def uses_crlf(data: bytes) -> bool:
    """Whether every line break of data is CRLF (a Windows file)."""
    return b"\r\n" in data and data.count(b"\r\n") == data.count(b"\n")


def as_file(submitted: str, current: bytes | None) -> bytes:
    """The bytes a textarea's text stands for: with CRLF line breaks when the instance's
    current version has them throughout, with LF otherwise (and for a new instance)."""
    text = submitted.replace("\r\n", "\n")
    if current is not None and uses_crlf(current):
        text = text.replace("\n", "\r\n")
    return text.encode()
