"""A printer entity as the CUPS queue its print server keeps (pure functions over the
mirror): the device URI wrapped in Labnet's accounting backend, the driver, the location and
the options.

Printer variables read: server (the print server), device_uri (else socket://ip_address:9100),
ppd (a CUPS model name such as drv:///sample.drv/generic.ppd, `everywhere` for a driverless
IPP Everywhere printer, `raw`), room (the location), description or model (the queue's
information), duplex (yes: two-sided by default), cups_options (name=value, one a value)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from filemgr.templating import ConfigSource

PRINTER_TYPE = "printer"
# The URI scheme of the accounting backend (printing.host.backend): CUPS runs
# <ServerBin>/backend/labnet, which counts and charges the job, then prints it to the rest
# of the URI, the printer's own device.
ACCOUNTING_SCHEME = "labnet"
DEFAULT_MODEL = "drv:///sample.drv/generic.ppd"
# CUPS's own rule for a queue name: printable, no space, tab, slash, backslash, '#' or quote,
# at most 127 bytes.
QUEUE_NAME = re.compile(r"[^\s/\\#'\"]{1,127}")
OPTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}=[^\s]{1,255}")
DEVICE_URI = re.compile(r"[a-z][a-z0-9+.-]*:[^\s]{1,1000}")
# The user:password@ of a URI such as smb://user:password@server/printer, up to its last @.
USERINFO = re.compile(r"(?<=://)[^/\s]*@")


class BadPrinter(ValueError):
    """A printer entity that cannot be a queue: the message names it and the variable."""


@dataclass(frozen=True)
class PrinterQueue:
    name: str
    device_uri: str
    model: str
    location: str = ""
    info: str = ""
    options: tuple[str, ...] = ()

    def lpadmin_arguments(self) -> list[str]:
        arguments = ["-p", self.name, "-v", f"{ACCOUNTING_SCHEME}:{self.device_uri}"]
        arguments += ["-m", self.model, "-L", self.location, "-D", self.info]
        for option in self.options:
            arguments += ["-o", option]
        return [*arguments, "-E"]

    def as_dict(self) -> dict[str, object]:
        return {
            "device_uri": self.device_uri,
            "model": self.model,
            "location": self.location,
            "info": self.info,
            "options": list(self.options),
        }


def option_problem(option: str) -> str | None:
    """Why a cups_options value is not a name=value option, or None."""
    if not OPTION.fullmatch(option):
        return f"option {option[:80]!r} is not name=value without spaces"
    return None


def without_credentials(text: str) -> str:
    """text with the credentials of every URI in it replaced: a device URI may carry a
    password, and messages reach reports and logs."""
    return USERINFO.sub("(credentials)@", text)


def device_uri_problem(uri: str) -> str | None:
    if not DEVICE_URI.fullmatch(uri) or uri.startswith(f"{ACCOUNTING_SCHEME}:"):
        shown = without_credentials(uri)[:80]
        return f"device URI {shown!r} is not scheme:address without spaces"
    return None


def printer_queue(name: str, values: dict[str, list[str]]) -> PrinterQueue:
    """The queue of one printer entity; BadPrinter names what is wrong."""

    def first(variable: str) -> str:
        return (values.get(variable) or [""])[0].strip()

    if not QUEUE_NAME.fullmatch(name):
        raise BadPrinter(f"printer {name!r}: not a CUPS queue name")
    uri = first("device_uri") or (
        f"socket://{first('ip_address')}:9100" if first("ip_address") else ""
    )
    if not uri:
        raise BadPrinter(f"printer {name}: device_uri: no device URI and no ip_address")
    if problem := device_uri_problem(uri):
        raise BadPrinter(f"printer {name}: device_uri: {problem}")
    options = [o.strip() for o in values.get("cups_options", []) if o.strip()]
    for option in options:
        if problem := option_problem(option):
            raise BadPrinter(f"printer {name}: cups_options: {problem}")
    if first("duplex") == "yes" and not any(o.startswith("sides-default=") for o in options):
        options.append("sides-default=two-sided-long-edge")
    return PrinterQueue(
        name=name,
        device_uri=uri,
        model=first("ppd") or DEFAULT_MODEL,
        location=first("room"),
        info=first("description") or first("model"),
        options=tuple(options),
    )


def served_printers(source: ConfigSource, server: str) -> list[str]:
    """The printer entities whose print server is server, by name."""
    return sorted(source.entities_where(PRINTER_TYPE, "server", [server]))


def printer_queues(source: ConfigSource, server: str) -> tuple[list[PrinterQueue], dict[str, str]]:
    """The queues server keeps, and a message for each printer that cannot be one, by name."""
    queues, problems = [], {}
    for name in served_printers(source, server):
        try:
            queues.append(printer_queue(name, source.entity_values(PRINTER_TYPE, name) or {}))
        except BadPrinter as exc:
            problems[name] = str(exc)
    return queues, problems
