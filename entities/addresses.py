"""The hardware addresses of the schema's machines, as the configuration database stores them:
a MAC address in lower case with colons (`00:1a:2b:3c:4d:5e`), what DHCP, the TFTP server's
`01-<mac>` file names and the menuserver compare. A user may type it as a NIC's label or a
switch prints it."""

from __future__ import annotations

import re

from core.hosts import CLIENT, SERVER

MAC_VARIABLE = "mac_address"
# The demo schema's types whose entities are machines on the network with a MAC address.
MAC_TYPES = (CLIENT, SERVER, "standalone", "printer")

# 00:1A:2B:3C:4D:5E, 00-1A-2B-3C-4D-5E, 001A.2B3C.4D5E (Cisco) or 001A2B3C4D5E.
_MAC_FORMS = re.compile(
    r"[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
    r"|[0-9A-Fa-f]{12}"
)


def normal_mac(value: str) -> str:
    """value as `aa:bb:cc:dd:ee:ff` when it is a MAC address in a common notation; anything
    else unchanged, for the variable's regex to refuse by name."""
    if not _MAC_FORMS.fullmatch(value):
        return value
    digits = re.sub(r"[^0-9A-Fa-f]", "", value).lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
