"""Reading the directory: an account as the webtool shows it, and searches with a size limit.

Only reads live here; accounts.services is the one writer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import ldap
from ldap.controls import SimplePagedResultsControl
from ldap.ldapobject import LDAPObject

from . import layout

SEARCH_LIMIT = 200
MAX_SEARCH_TEXT = 100

ATTRIBUTES = [
    "uid", "cn", "sn", "givenName", "mail", "employeeType", "uidNumber", "gidNumber",
    "homeDirectory", "loginShell", "objectClass", "labnetKind", "labnetSponsor", "labnetLinked",
    "labnetCampusId", "labnetCampusGone", "labnetHomeServer", "labnetExpiry",
    "labnetExpiryWarned", "pwdAccountLockedTime", "pwdEndTime", "sambaAcctFlags",
]  # fmt: skip


def first(attrs: dict[str, list[bytes]], name: str, default: str = "") -> str:
    values = attrs.get(name)
    return values[0].decode() if values else default


def ldap_time(value: str) -> datetime | None:
    """A GeneralizedTime such as 20250131000000Z, or None for the permanent-lock value."""
    if not value or value == layout.PERMANENT_LOCK:
        return None
    return datetime.strptime(value[:14], "%Y%m%d%H%M%S")


def expiry_time(expiry: date) -> str:
    """An expiry date as GeneralizedTime: the account works through that day (UTC)."""
    return f"{expiry + timedelta(days=1):%Y%m%d}000000Z"


def expiry_date(value: str) -> date | None:
    moment = ldap_time(value)
    return (moment - timedelta(days=1)).date() if moment else None


@dataclass
class Account:
    """An account of ou=people as the webtool shows it."""

    dn: str
    uid: str
    cn: str = ""
    sn: str = ""
    given_name: str = ""
    mail: str = ""
    affiliation: str = ""
    uid_number: int = 0
    home_directory: str = ""
    kind: str = ""
    sponsor: str = ""
    linked: bool = False
    campus_id: str = ""
    campus_gone: bool = False
    home_server: str = ""
    expiry: date | None = None
    expiry_warned: bool = False
    locked: bool = False
    windows: bool = False
    groups: list[str] = field(default_factory=list)

    @classmethod
    def from_entry(cls, dn: str, attrs: dict[str, list[bytes]]) -> Account:
        classes = {c.decode().lower() for c in attrs.get("objectClass", [])}
        return cls(
            dn=dn,
            uid=first(attrs, "uid"),
            cn=first(attrs, "cn"),
            sn=first(attrs, "sn"),
            given_name=first(attrs, "givenName"),
            mail=first(attrs, "mail"),
            affiliation=first(attrs, "employeeType"),
            uid_number=int(first(attrs, "uidNumber", "0")),
            home_directory=first(attrs, "homeDirectory"),
            kind=first(attrs, "labnetKind"),
            sponsor=first(attrs, "labnetSponsor"),
            linked=first(attrs, "labnetLinked") == "TRUE",
            campus_id=first(attrs, "labnetCampusId"),
            campus_gone=first(attrs, "labnetCampusGone") == "TRUE",
            home_server=first(attrs, "labnetHomeServer"),
            expiry=expiry_date(first(attrs, "labnetExpiry")),
            expiry_warned=first(attrs, "labnetExpiryWarned") == "TRUE",
            locked=bool(attrs.get("pwdAccountLockedTime")),
            windows=layout.WINDOWS_CLASS.lower() in classes,
        )

    @property
    def synced(self) -> bool:
        """Whether ldapsync owns the synced attributes."""
        return self.linked


def search(
    conn: LDAPObject, base: str, filterstr: str, attrs: list[str], limit: int = SEARCH_LIMIT
) -> tuple[list[tuple[str, dict[str, list[bytes]]]], bool]:
    """Entries under base matching filterstr, at most limit of them, and whether more were
    there."""
    msgid = conn.search_ext(base, ldap.SCOPE_SUBTREE, filterstr, attrs, sizelimit=limit)
    found: list[tuple[str, dict[str, list[bytes]]]] = []
    try:
        while True:
            kind, data, _, _ = conn.result3(msgid, all=0)
            if kind == ldap.RES_SEARCH_RESULT:
                return found, False
            found.extend((dn, attrs_) for dn, attrs_ in data if dn)
    except ldap.SIZELIMIT_EXCEEDED:
        return found, True
    except ldap.NO_SUCH_OBJECT:
        return found, False


def search_filter(text: str) -> str:
    """The filter of the webtool's account search: text anywhere in uid, name or mail."""
    people = "(objectClass=posixAccount)"
    if not text:
        return people
    parts = "".join(layout.contains(a, text) for a in ("uid", "cn", "mail", "labnetCampusId"))
    return f"(&{people}(|{parts}))"


def groups_of(conn: LDAPObject, base: str, uid: str) -> list[str]:
    found, _ = search(
        conn,
        layout.unit_dn(base, layout.GROUPS),
        f"(&(objectClass=posixGroup){layout.equals('memberUid', uid)})",
        ["cn"],
    )
    return sorted(first(attrs, "cn") for _, attrs in found)


PAGE_SIZE = 1000


def search_all(
    conn: LDAPObject, base: str, filterstr: str, attrs: list[str]
) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
    """Every entry under base matching filterstr, read in pages (RFC 2696) so that a
    directory's size limit does not cut a sync of tens of thousands of accounts short."""
    control = SimplePagedResultsControl(True, size=PAGE_SIZE, cookie="")
    while True:
        msgid = conn.search_ext(base, ldap.SCOPE_SUBTREE, filterstr, attrs, serverctrls=[control])
        _, data, _, controls = conn.result3(msgid)
        yield from ((dn, found) for dn, found in data if dn)
        pages = [c for c in controls if c.controlType == SimplePagedResultsControl.controlType]
        if not pages or not pages[0].cookie:
            return
        control.cookie = pages[0].cookie
