"""What a Windows client's login script maps for a user: menuserver's `GET /login?user=<uid>`.

The client is the one whose ip_address the request comes from (a client this appserver
serves); its printers are its `printers` and `default_printer`, each shared by the print
server its printer entity names. The user's file server is the account's `labnetHomeServer`
in the Labnet directory, which the mirror does not hold (the agent's mirror is configuration,
not accounts): it is read from a directory server of the appserver's `ldapsrv`, replicas
before the master, with python-ldap, base DN from `lnappconf/ldapsync`'s `ldap_base`. The
answer is plain `key=value` lines, which the login script splits on the first `=`:

    user=alice
    fileserver=carme.labnet.example.edu
    home=\\\\carme.labnet.example.edu\\alice
    public=\\\\carme.labnet.example.edu\\public
    printer=\\\\odie.cs.example.edu\\en2036_lj
    default_printer=\\\\odie.cs.example.edu\\en2036_lj
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import ldap
from ldap.dn import escape_dn_chars

from filemgr.templating import MirrorSource

from .bootclients import NOT_FOUND, REFUSED, BootClient, BootError

UNAVAILABLE, BAD_REQUEST = "unavailable", "bad request"  # BootError kinds of /login
# The Labnet directory's uid rule (docs/accounts.md): a lower-case letter, then letters,
# digits, '.', '_' or '-', at most 32 characters.
UID = re.compile(r"[a-z][a-z0-9._-]{0,31}")
TIMEOUT_SECONDS = 3.0
HOME_SERVER = "labnetHomeServer"
PUBLIC_SHARE = "public"  # when lnappconf/menuserver has no public_share


@dataclass(frozen=True)
class DirectoryAccess:
    """How menuserver reads the directory: urls (empty: from the appserver's ldapsrv), and
    who it binds as (anonymous when bind_dn is empty; the password from a root-only file)."""

    urls: tuple[str, ...] = ()
    bind_dn: str = ""
    password_file: Path | None = None


def _first(values: Mapping[str, Sequence[str]] | None, name: str) -> str:
    found = (values or {}).get(name) or [""]
    return found[0].strip()


def _fqdn(source: MirrorSource, server: str) -> str:
    """name.domain of a server entity; a name the configuration lacks is used as it is."""
    domain = _first(source.entity_values("server", server), "domain")
    return f"{server}.{domain}" if domain else server


def directory_urls(source: MirrorSource, host: str) -> list[str]:
    """ldap:// URLs of the host's ldapsrv servers, replicas before the master."""
    names = list((source.entity_values("server", host) or {}).get("ldapsrv", []))

    def is_master(name: str) -> bool:
        functions = (source.entity_values("server", name) or {}).get("functions", [])
        return "masterldap" in functions

    return [f"ldap://{_fqdn(source, n)}/" for n in sorted(names, key=is_master)]


def home_server(source: MirrorSource, host: str, access: DirectoryAccess, uid: str) -> str:
    """The account's labnetHomeServer, from the first directory server that answers."""
    base = _first(source.entity_values("lnappconf", "ldapsync"), "ldap_base")
    if not base:
        raise BootError("lnappconf ldapsync has no ldap_base", UNAVAILABLE)
    password = access.password_file.read_text().strip() if access.password_file else ""
    dn = f"uid={escape_dn_chars(uid)},ou=people,{base}"
    urls = list(access.urls) or directory_urls(source, host)
    for url in urls:
        try:
            conn = ldap.initialize(url)
            conn.set_option(ldap.OPT_NETWORK_TIMEOUT, TIMEOUT_SECONDS)
            conn.set_option(ldap.OPT_TIMEOUT, TIMEOUT_SECONDS)
            conn.simple_bind_s(access.bind_dn, password)
            try:
                found = conn.search_s(dn, ldap.SCOPE_BASE, attrlist=[HOME_SERVER])
            finally:
                conn.unbind_s()
        except ldap.NO_SUCH_OBJECT:
            raise BootError(f"no account {uid}", NOT_FOUND) from None
        except (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR, ldap.BUSY, ldap.UNAVAILABLE):
            continue  # the next directory server of ldapsrv
        except ldap.LDAPError as exc:  # a refused bind or search: say which, never the password
            desc = exc.args[0].get("desc", "error") if exc.args else "error"
            raise BootError(
                f"the directory at {url} refused the lookup: {desc}", UNAVAILABLE
            ) from None
        values = found[0][1].get(HOME_SERVER, []) if found else []
        server = values[0].decode("utf-8", "replace").strip() if values else ""
        if not server:
            raise BootError(f"account {uid} has no home server", NOT_FOUND)
        return server
    raise BootError(f"no directory server of {host}'s ldapsrv answered", UNAVAILABLE)


def login_answer(
    etc: Path, host: str, access: DirectoryAccess, client: BootClient | None, uid: str
) -> bytes:
    """The login script's lines for uid on client, from the mirror at etc; BootError names
    what is wrong."""
    source = MirrorSource(etc)
    if not UID.fullmatch(uid):
        raise BootError("give ?user=<uid> (a Labnet account name)", BAD_REQUEST)
    if client is None or not client.served_by(host):
        raise BootError(f"the request does not come from a client of {host}", REFUSED)
    fileserver = _fqdn(source, home_server(source, host, access, uid))
    share = _first(source.entity_values("lnappconf", "menuserver"), "public_share")
    lines = [
        f"user={uid}",
        f"fileserver={fileserver}",
        f"home=\\\\{fileserver}\\{uid}",
        f"public=\\\\{fileserver}\\{share or PUBLIC_SHARE}",
    ]
    values = source.entity_values(client.entity_type, client.name) or {}

    def unc(printer: str) -> str:
        server = _first(source.entity_values("printer", printer), "server")
        return f"\\\\{_fqdn(source, server)}\\{printer}" if server else ""

    lines += [f"printer={unc(p)}" for p in values.get("printers", []) if unc(p)]
    default = unc(_first(values, "default_printer"))
    if default:
        lines.append(f"default_printer={default}")
    return ("\r\n".join(lines) + "\r\n").encode()
