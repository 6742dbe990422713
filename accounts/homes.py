"""The home directory of an account, for apps that must know whose home is where (backups'
"which backups are mine"): registered with core.homes in AccountsConfig.ready(), so those
apps never import accounts. The home is the account's labnetHomeServer (a server entity)
and its homeDirectory, the path on that server."""

from __future__ import annotations

import ldap
from django.conf import settings

from core.homes import Home, HomeUnavailable

from . import directory, layout
from .entries import first


def home_of(uid: str) -> Home | None:
    """The account's home, None for no such account or an account without a home server;
    HomeUnavailable when the directory cannot be asked."""
    if not settings.LABNET_LDAP_URL or not layout.UID_PATTERN.fullmatch(uid):
        return None
    labnet = directory.labnet()
    try:
        conn = labnet.connect()
        try:
            found = conn.search_s(
                layout.person_dn(labnet.base, uid),
                ldap.SCOPE_BASE,
                attrlist=["labnetHomeServer", "homeDirectory"],
            )
        finally:
            conn.unbind_s()
    except ldap.NO_SUCH_OBJECT:
        return None
    except ldap.LDAPError as exc:
        desc = exc.args[0].get("desc", "error") if exc.args else "error"
        raise HomeUnavailable(f"the Labnet directory could not be asked: {desc}") from None
    attrs = found[0][1] if found else {}
    server, home = first(attrs, "labnetHomeServer"), first(attrs, "homeDirectory")
    return Home(server, home) if server and home.startswith("/") else None
