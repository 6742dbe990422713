"""TFTP packets: RFC 1350, with the option extension of RFC 2347 and the blksize, timeout
and tsize options of RFCs 2348 and 2349."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
# Error codes (RFC 1350, 2347).
NOT_DEFINED, NOT_FOUND, ACCESS_VIOLATION, ILLEGAL, UNKNOWN_TID, BAD_OPTION = 0, 1, 2, 4, 5, 8
MODES = ("netascii", "octet")
DEFAULT_BLKSIZE = 512
BLKSIZE_RANGE = (8, 65464)  # RFC 2348
TIMEOUT_RANGE = (1, 255)  # RFC 2349
MAX_REQUEST = 1024  # a request is one datagram; pxelinux and iPXE send under 200 bytes
MAX_ERROR_TEXT = 200


class PacketError(Exception):
    """A packet this server refuses: code and message go back to the sender."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Request:
    opcode: int
    filename: str
    mode: str
    options: dict[str, str] = field(default_factory=dict)


def parse_request(packet: bytes) -> Request:
    """A read or write request; PacketError (illegal operation) for anything malformed."""
    if len(packet) > MAX_REQUEST:
        raise PacketError(ILLEGAL, f"request longer than {MAX_REQUEST} bytes")
    if len(packet) < 2:
        raise PacketError(ILLEGAL, "packet shorter than an opcode")
    (opcode,) = struct.unpack("!H", packet[:2])
    if opcode not in (RRQ, WRQ):
        raise PacketError(ILLEGAL, f"opcode {opcode} is not a read or write request")
    if not packet.endswith(b"\0"):
        raise PacketError(ILLEGAL, "request fields must end with a NUL byte")
    fields = packet[2:-1].split(b"\0")
    if len(fields) < 2 or len(fields) % 2:
        raise PacketError(ILLEGAL, "a request is a file name, a mode and option pairs")
    try:
        texts = [f.decode("ascii") for f in fields]
    except UnicodeDecodeError:
        raise PacketError(ILLEGAL, "request fields must be ASCII") from None
    filename, mode = texts[0], texts[1].lower()
    if not filename:
        raise PacketError(ILLEGAL, "empty file name")
    if mode not in MODES:
        raise PacketError(ILLEGAL, f"mode {texts[1][:20]!r} is not netascii or octet")
    options = {}
    for name, value in zip(texts[2::2], texts[3::2], strict=True):
        options[name.lower()] = value
    return Request(opcode, filename, mode, options)


def _number(options: dict[str, str], name: str, low: int, high: int) -> int | None:
    if name not in options:
        return None
    text = options[name]
    if not text.isdigit() or len(text) > 10 or not low <= int(text) <= high:
        raise PacketError(BAD_OPTION, f"option {name} {text[:12]!r} is outside {low}-{high}")
    return int(text)


@dataclass(frozen=True)
class Options:
    """The options this server accepts of a request (RFC 2347: others are ignored)."""

    blksize: int | None = None
    timeout: int | None = None
    tsize: bool = False

    @property
    def block_size(self) -> int:
        return self.blksize or DEFAULT_BLKSIZE

    def oack(self, size: int) -> bytes | None:
        """The OACK for a transfer of size bytes, or None when no option was accepted."""
        accepted = []
        if self.blksize is not None:
            accepted += [b"blksize", str(self.blksize).encode()]
        if self.timeout is not None:
            accepted += [b"timeout", str(self.timeout).encode()]
        if self.tsize:
            accepted += [b"tsize", str(size).encode()]
        if not accepted:
            return None
        return struct.pack("!H", OACK) + b"\0".join(accepted) + b"\0"


def negotiate(request: Request) -> Options:
    """The request's blksize, timeout and tsize; PacketError (option negotiation) when one
    is out of its RFC's range or a read's tsize is not 0."""
    blksize = _number(request.options, "blksize", *BLKSIZE_RANGE)
    timeout = _number(request.options, "timeout", *TIMEOUT_RANGE)
    tsize = "tsize" in request.options
    if tsize and request.options["tsize"] != "0":
        raise PacketError(BAD_OPTION, "option tsize of a read request must be 0")
    return Options(blksize, timeout, tsize)


def data(block: int, payload: bytes) -> bytes:
    return struct.pack("!HH", DATA, block & 0xFFFF) + payload


def error(code: int, message: str) -> bytes:
    text = message[:MAX_ERROR_TEXT].encode("ascii", "replace")
    return struct.pack("!HH", ERROR, code) + text + b"\0"


def parse_reply(packet: bytes) -> tuple[int, int]:
    """(opcode, block number or error code) of a client's ACK or ERROR; PacketError else."""
    if len(packet) < 4:
        raise PacketError(ILLEGAL, "packet shorter than an acknowledgement")
    opcode, number = struct.unpack("!HH", packet[:4])
    if opcode not in (ACK, ERROR):
        raise PacketError(ILLEGAL, f"opcode {opcode} during a read transfer")
    return opcode, number


def netascii(content: bytes) -> bytes:
    """RFC 764's line ends: LF becomes CR LF, a lone CR becomes CR NUL."""
    return content.replace(b"\r", b"\r\0").replace(b"\n", b"\r\n")
