"""The one writer of the Labnet directory: every change to an account goes through a do_*
function here, which checks the caller's right, validates, writes LDAP and records who did
what (models.AccountChange) in one transaction: a refused LDAP write records nothing.

`user` is the Django user acting, or a plain name for a task or a command ("ldapsync",
"expiry"), which acts for the system. Refusals are django ValidationErrors naming the field;
slapd's own messages (ppolicy's "Password fails quality checking policy") are passed on."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import ldap
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from ldap.dn import str2dn
from ldap.ldapobject import LDAPObject

from core.permissions import MANAGE_ACCOUNTS, require

from . import directory, layout
from .choices import Action, Kind
from .entries import (
    ATTRIBUTES,
    Account,
    expiry_time,
    first,
    groups_of,
    search,
    search_all,
    search_filter,
)
from .machines import OURS, READ, Machine, configured_machines
from .models import AccountChange
from .nthash import nt_hash

MAX_NAME = 128
MAX_PASSWORD = 128
MAX_BATCH = 200
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
FIRST_PASSWORD_LENGTH = 14
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# What the webtool's form fields are in the directory.
NAME_ATTRIBUTES = {
    "given_name": "givenName",
    "sn": "sn",
    "mail": "mail",
    "affiliation": "employeeType",
}


class AccountNotFound(ObjectDoesNotExist):
    """No account of that uid in ou=people."""


class _NumberTaken(Exception):
    """slapd's unique overlay refused the uidNumber: another writer took it meanwhile."""


def _actor(user: object) -> str:
    return getattr(user, "username", None) or str(user)


def _record(uid: str, action: str, user: object, detail: str = "") -> None:
    AccountChange.objects.create(uid=uid, action=action, actor=_actor(user), detail=detail[:4000])


@contextmanager
def _directory_errors(field: str | None = None) -> Iterator[None]:
    """slapd's refusals as ValidationErrors; its message (never a value sent) is kept."""
    try:
        yield
    except directory.NotConfigured as error:
        raise ValidationError(str(error)) from None
    except ldap.SERVER_DOWN:
        raise _down() from None
    except ldap.NO_SUCH_OBJECT as error:
        raise AccountNotFound(_info(error)) from None
    except (ldap.CONSTRAINT_VIOLATION, ldap.UNWILLING_TO_PERFORM, ldap.INVALID_CREDENTIALS) as e:
        message = _info(e)
        raise ValidationError({field: message} if field else message) from None


def _info(error: ldap.LDAPError) -> str:
    args = error.args[0] if error.args and isinstance(error.args[0], dict) else {}
    return args.get("info") or args.get("desc") or type(error).__name__


def _connect() -> LDAPObject:
    with _directory_errors():
        return directory.labnet().connect()


def _text(field: str, value: str, required: bool = False, limit: int = MAX_NAME) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > limit:
        raise ValidationError({field: f"At most {limit} characters."})
    if CONTROL.search(value):
        raise ValidationError({field: "Control characters are not allowed."})
    return value


def _uid(value: str, field: str = "uid") -> str:
    if not layout.UID_PATTERN.fullmatch(value or ""):
        raise ValidationError(
            {
                field: f"{value[:40]!r} is not a user name: a lower-case letter, then letters, "
                "digits, '.', '_' or '-', at most 32 characters."
            }
        )
    return value


def _mail(value: str, field: str = "mail") -> str:
    value = _text(field, value, limit=256)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({field: f"{value!r} is not a mail address."}) from None
    return value


def _password(value: str, field: str = "password") -> str:
    if not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > MAX_PASSWORD:
        raise ValidationError({field: f"At most {MAX_PASSWORD} characters."})
    if "\x00" in value:
        raise ValidationError({field: "A password cannot hold a NUL character."})
    return value


def first_password() -> str:
    """A first password for an account, longer than the policy's minimum."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(FIRST_PASSWORD_LENGTH))


def _encode(attributes: dict[str, object]) -> list[tuple[str, list[bytes]]]:
    entry = []
    for name, values in attributes.items():
        listed = values if isinstance(values, list) else [values]
        encoded = [str(v).encode() for v in listed if v not in ("", None)]
        if encoded:
            entry.append((name, encoded))
    return entry


def _load(conn: LDAPObject, uid: str) -> tuple[Account, dict[str, list[bytes]]]:
    base = directory.labnet().base
    with _directory_errors():
        found = conn.search_s(
            layout.person_dn(base, uid), ldap.SCOPE_BASE, "(objectClass=posixAccount)", ATTRIBUTES
        )
    if not found:
        raise AccountNotFound(f"no account {uid!r}")
    dn, attrs = found[0]
    account = Account.from_entry(dn, attrs)
    account.groups = groups_of(conn, base, account.uid)
    return account, attrs


# Reading, for the webtool.


def search_accounts(text: str = "", limit: int = 200) -> tuple[list[Account], bool]:
    """Accounts whose uid, name, mail or campus id holds text, sorted by uid, and whether the
    search stopped at limit."""
    text = _text("q", text, limit=100)
    conn = _connect()
    try:
        with _directory_errors():
            found, more = search(
                conn,
                layout.unit_dn(directory.labnet().base, layout.PEOPLE),
                search_filter(text),
                ATTRIBUTES,
                limit,
            )
    finally:
        conn.unbind_s()
    return sorted((Account.from_entry(dn, a) for dn, a in found), key=lambda a: a.uid), more


def get_account(uid: str) -> Account:
    """The account uid with its groups; AccountNotFound when there is none."""
    if not layout.UID_PATTERN.fullmatch(uid or ""):
        raise AccountNotFound(f"no account {uid[:40]!r}")
    conn = _connect()
    try:
        return _load(conn, uid)[0]
    finally:
        conn.unbind_s()


def group_names() -> list[str]:
    conn = _connect()
    try:
        with _directory_errors():
            found, _ = search(
                conn,
                layout.unit_dn(directory.labnet().base, layout.GROUPS),
                "(objectClass=posixGroup)",
                ["cn"],
                1000,
            )
    finally:
        conn.unbind_s()
    return sorted(first(attrs, "cn") for _, attrs in found)


# Writing.


def _samba_sid(uid_number: int) -> str:
    # Samba's algorithmic RID mapping: 2 * uidNumber + 1000.
    return f"{settings.LABNET_LDAP_SAMBA_DOMAIN_SID}-{2 * uid_number + 1000}"


def _next_uid_number(conn: LDAPObject) -> int:
    found, _ = search(
        conn,
        layout.unit_dn(directory.labnet().base, layout.PEOPLE),
        "(objectClass=posixAccount)",
        ["uidNumber"],
        limit=0,
    )
    numbers = [int(first(attrs, "uidNumber", "0")) for _, attrs in found]
    return max([layout.FIRST_UID - 1, *numbers]) + 1


def _expiry_attributes(expiry: date | None) -> dict[str, object]:
    if expiry is None:
        return {"labnetExpiry": [], "pwdEndTime": [], "shadowExpire": []}
    moment = expiry_time(expiry)
    days = (date.fromisoformat(f"{moment[:4]}-{moment[4:6]}-{moment[6:8]}") - date(1970, 1, 1)).days
    return {"labnetExpiry": moment, "pwdEndTime": moment, "shadowExpire": str(days)}


def _check_groups(conn: LDAPObject, groups: Iterable[str]) -> list[str]:
    wanted = sorted({_uid(g, "groups") for g in groups})
    known = set(group_names_on(conn))
    missing = [g for g in wanted if g not in known]
    if missing:
        raise ValidationError({"groups": f"No group {', '.join(missing)} in the directory."})
    return wanted


def group_names_on(conn: LDAPObject) -> list[str]:
    found, _ = search(
        conn,
        layout.unit_dn(directory.labnet().base, layout.GROUPS),
        "(objectClass=posixGroup)",
        ["cn"],
        1000,
    )
    return [first(attrs, "cn") for _, attrs in found]


def _set_password(conn: LDAPObject, account: Account, password: str) -> None:
    """Set the password with the Password Modify operation, so slapd hashes it (argon2) and
    applies ppolicy; then the NT hash, for an account with Windows access only."""
    with _directory_errors("password"):
        conn.passwd_s(account.dn, None, password)
    if account.windows:
        _write_nt_hash(conn, account.dn, password)


def _write_nt_hash(conn: LDAPObject, dn: str, password: str) -> None:
    with _directory_errors("password"):
        conn.modify_s(
            dn,
            [
                (ldap.MOD_REPLACE, "sambaNTPassword", [nt_hash(password).encode()]),
                (ldap.MOD_REPLACE, "sambaPwdLastSet", [str(int(time.time())).encode()]),
            ],
        )


def _add_account(
    conn: LDAPObject,
    *,
    uid: str,
    given_name: str,
    sn: str,
    mail: str,
    affiliation: str,
    kind: str,
    sponsor: str,
    expiry: date | None,
    windows: bool,
    home_server: str,
    uid_number: int,
) -> Account:
    base = directory.labnet().base
    dn = layout.person_dn(base, uid)
    classes = [*layout.PERSON_CLASSES, *([layout.WINDOWS_CLASS] if windows else [])]
    attributes: dict[str, object] = {
        "objectClass": classes,
        "uid": uid,
        "cn": f"{given_name} {sn}".strip(),
        "sn": sn,
        "givenName": given_name,
        "mail": mail,
        "employeeType": affiliation,
        "uidNumber": str(uid_number),
        "gidNumber": str(layout.USERS_GID),
        "homeDirectory": f"{settings.LABNET_LDAP_HOME_ROOT}/{uid}",
        "loginShell": "/bin/bash",
        "labnetKind": kind,
        "labnetSponsor": sponsor,
        "labnetHomeServer": home_server,
    } | _expiry_attributes(expiry)
    if windows:
        attributes |= {"sambaSID": _samba_sid(uid_number), "sambaAcctFlags": "[U          ]"}
    with _directory_errors():
        try:
            conn.add_s(dn, _encode(attributes))
        except ldap.ALREADY_EXISTS:
            raise ValidationError({"uid": f"The user name {uid!r} is taken."}) from None
        except ldap.CONSTRAINT_VIOLATION as error:
            if "not unique" in _info(error):
                raise _NumberTaken from None
            raise
    return Account(dn=dn, uid=uid, uid_number=uid_number, windows=windows)


def _add_to_groups(conn: LDAPObject, uid: str, groups: Iterable[str]) -> None:
    base = directory.labnet().base
    for group in groups:
        with _directory_errors("groups"):
            try:
                conn.modify_s(
                    layout.group_dn(base, group), [(ldap.MOD_ADD, "memberUid", [uid.encode()])]
                )
            except ldap.TYPE_OR_VALUE_EXISTS:
                continue


def _remove_from_groups(conn: LDAPObject, uid: str, groups: Iterable[str]) -> None:
    base = directory.labnet().base
    for group in groups:
        with _directory_errors("groups"):
            try:
                conn.modify_s(
                    layout.group_dn(base, group), [(ldap.MOD_DELETE, "memberUid", [uid.encode()])]
                )
            except ldap.NO_SUCH_ATTRIBUTE:
                continue


def _account_fields(
    given_name: str, sn: str, mail: str, affiliation: str, kind: str, sponsor: str, home_server: str
) -> dict[str, str]:
    if kind not in Kind.values:
        raise ValidationError({"kind": f"{kind!r} is not one of {', '.join(Kind.values)}."})
    return {
        "given_name": _text("given_name", given_name),
        "sn": _text("sn", sn, required=True),
        "mail": _mail(mail),
        "affiliation": _text("affiliation", affiliation, limit=64),
        "kind": kind,
        "sponsor": _mail(sponsor, "sponsor"),
        "home_server": _text("home_server", home_server, limit=253),
    }


def do_create_account(
    user: object,
    *,
    uid: str,
    sn: str,
    given_name: str = "",
    mail: str = "",
    affiliation: str = "",
    kind: str = Kind.PERSON,
    sponsor: str = "",
    expiry: date | None = None,
    windows: bool = False,
    home_server: str = "",
    groups: Iterable[str] = (),
    password: str | None = None,
) -> tuple[Account, str]:
    """Create an account and give it a password (generated when None): returns the account
    and its first password, which is shown once and stored nowhere but as slapd's hash."""
    require(user, MANAGE_ACCOUNTS)
    uid = _uid(uid)
    fields = _account_fields(given_name, sn, mail, affiliation, kind, sponsor, home_server)
    password = _password(password) if password is not None else first_password()
    conn = _connect()
    try:
        wanted_groups = _check_groups(conn, groups)
        with transaction.atomic():
            _record(uid, Action.CREATE, user, _describe(fields, expiry, windows, wanted_groups))
            account = _create(conn, uid, fields, expiry, windows, wanted_groups, password)
    finally:
        conn.unbind_s()
    return account, password


def _create(
    conn: LDAPObject,
    uid: str,
    fields: dict[str, str],
    expiry: date | None,
    windows: bool,
    groups: list[str],
    password: str,
    uid_number: int | None = None,
) -> Account:
    account = None
    for _ in range(3):
        number = uid_number or _next_uid_number(conn)
        try:
            account = _add_account(
                conn, uid=uid, expiry=expiry, windows=windows, uid_number=number, **fields
            )
            break
        except _NumberTaken:
            uid_number = None
    if account is None:
        raise ValidationError("No free uidNumber could be taken; try again.")
    try:
        _set_password(conn, account, password)
        _add_to_groups(conn, uid, groups)
    except BaseException:
        # Nothing half-written: an account whose password or groups were refused goes.
        _remove_from_groups(conn, uid, groups)
        conn.delete_s(account.dn)
        raise
    return account


def _describe(fields: dict[str, str], expiry: date | None, windows: bool, groups: list[str]) -> str:
    parts = [f"{k}={v!r}" for k, v in fields.items() if v]
    parts += [f"expiry={expiry}"] if expiry else []
    parts += ["windows"] if windows else []
    parts += [f"groups={','.join(groups)}"] if groups else []
    return "; ".join(parts)


def do_create_batch(
    user: object,
    *,
    prefix: str,
    count: int,
    expiry: date,
    sponsor: str,
    kind: str = Kind.TEACHING,
    groups: Iterable[str] = (),
    today: date | None = None,
) -> list[tuple[str, str]]:
    """Create count temporary accounts <prefix>01, <prefix>02, ... (the first free numbers)
    with one expiry date, for a teaching session; returns (uid, first password) for the
    printable sheet. All or nothing: a refusal removes the accounts already made."""
    require(user, MANAGE_ACCOUNTS)
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,23}", prefix or ""):
        raise ValidationError(
            {"prefix": "A lower-case letter, then letters, digits or '-', at most 24."}
        )
    if not 1 <= count <= MAX_BATCH:
        raise ValidationError({"count": f"Between 1 and {MAX_BATCH} accounts."})
    if expiry is None or expiry <= (today or date.today()):
        raise ValidationError({"expiry": "A batch expires on a day after today."})
    fields = _account_fields("", prefix, "", "", kind, sponsor, "")
    if not fields["sponsor"]:
        raise ValidationError({"sponsor": "A batch needs a sponsor to tell before it expires."})
    conn = _connect()
    made: list[tuple[Account, str]] = []
    try:
        wanted_groups = _check_groups(conn, groups)
        taken = {uid for (uid,) in _uids_with_prefix(conn, prefix)}
        uids = (f"{prefix}{n:02d}" for n in range(1, 10000) if f"{prefix}{n:02d}" not in taken)
        number = _next_uid_number(conn)
        with transaction.atomic():
            try:
                for uid in (next(uids) for _ in range(count)):
                    account_fields = fields | {"sn": uid, "given_name": prefix}
                    password = first_password()
                    account = _create(
                        conn, uid, account_fields, expiry, False, wanted_groups, password, number
                    )
                    number += 1
                    made.append((account, password))
                    _record(uid, Action.CREATE, user, f"batch {prefix}: expiry={expiry}")
            except BaseException:
                for account, _ in made:
                    _remove_from_groups(conn, account.uid, wanted_groups)
                    conn.delete_s(account.dn)
                raise
    finally:
        conn.unbind_s()
    return [(account.uid, password) for account, password in made]


def _uids_with_prefix(conn: LDAPObject, prefix: str) -> list[tuple[str]]:
    found, _ = search(
        conn,
        layout.unit_dn(directory.labnet().base, layout.PEOPLE),
        layout.starts_with("uid", prefix),
        ["uid"],
        limit=0,
    )
    return [(first(attrs, "uid"),) for _, attrs in found]


def synced_fields() -> set[str]:
    """The webtool's fields ldapsync owns on a linked account."""
    attributes = set(settings.LABNET_LDAPSYNC_ATTRIBUTES)
    return {f for f, a in NAME_ATTRIBUTES.items() if a in attributes}


def do_modify_account(
    user: object,
    uid: str,
    *,
    given_name: str,
    sn: str,
    mail: str,
    affiliation: str,
    kind: str,
    sponsor: str,
    home_server: str,
    windows: bool,
) -> Account:
    """Change an account's names, mail, kind, sponsor, home server and Windows access. A
    linked account's synced attributes are refused: ldapsync would overwrite them."""
    require(user, MANAGE_ACCOUNTS)
    fields = _account_fields(given_name, sn, mail, affiliation, kind, sponsor, home_server)
    conn = _connect()
    try:
        account, _ = _load(conn, uid)
        if account.linked:
            for name in synced_fields():
                if fields[name] != getattr(account, name):
                    raise ValidationError(
                        {name: "Kept in step with the campus directory: ldapsync owns it."}
                    )
        changes = {name: v for name, v in fields.items() if v != getattr(account, name)}
        mods = [
            (ldap.MOD_REPLACE, attribute, [changes[name].encode()] if changes[name] else None)
            for name, attribute in (
                *NAME_ATTRIBUTES.items(),
                ("kind", "labnetKind"),
                ("sponsor", "labnetSponsor"),
                ("home_server", "labnetHomeServer"),
            )
            if name in changes
        ]
        if "given_name" in changes or "sn" in changes:
            mods.append(
                (
                    ldap.MOD_REPLACE,
                    "cn",
                    [f"{fields['given_name']} {fields['sn']}".strip().encode()],
                )
            )
        if windows and not account.windows:
            mods += [
                (ldap.MOD_ADD, "objectClass", [layout.WINDOWS_CLASS.encode()]),
                (ldap.MOD_ADD, "sambaSID", [_samba_sid(account.uid_number).encode()]),
                (ldap.MOD_ADD, "sambaAcctFlags", [b"[U          ]"]),
            ]
        elif account.windows and not windows:
            # Without Windows access the NT hash (password-equivalent) goes with the class.
            mods += [
                (ldap.MOD_REPLACE, attr, None)
                for attr in ("sambaNTPassword", "sambaPwdLastSet", "sambaAcctFlags", "sambaSID")
            ] + [(ldap.MOD_DELETE, "objectClass", [layout.WINDOWS_CLASS.encode()])]
        if windows != account.windows:
            changes["windows"] = "yes" if windows else "no"
        if not mods:
            return account
        with transaction.atomic():
            _record(uid, Action.MODIFY, user, "; ".join(f"{k}={v!r}" for k, v in changes.items()))
            with _directory_errors():
                conn.modify_s(account.dn, mods)
        return _load(conn, uid)[0]
    finally:
        conn.unbind_s()


def _change(user: object, uid: str, action: str, detail: str, mods_of) -> Account:
    """Load uid, record action and apply the modifications mods_of(account) returns."""
    require(user, MANAGE_ACCOUNTS)
    conn = _connect()
    try:
        account, _ = _load(conn, uid)
        mods = mods_of(account)
        with transaction.atomic():
            _record(account.uid, action, user, detail)
            if mods:
                with _directory_errors():
                    conn.modify_s(account.dn, mods)
        return _load(conn, uid)[0]
    finally:
        conn.unbind_s()


def do_lock(user: object, uid: str, action: str = Action.LOCK, detail: str = "") -> Account:
    """Lock the account until an administrator unlocks it (ppolicy's permanent lock)."""

    def mods(account: Account) -> list:
        found = [(ldap.MOD_REPLACE, "pwdAccountLockedTime", [layout.PERMANENT_LOCK.encode()])]
        if account.windows:
            found.append((ldap.MOD_REPLACE, "sambaAcctFlags", [b"[UD         ]"]))
        return found

    return _change(user, uid, action, detail, mods)


def do_unlock(user: object, uid: str) -> Account:
    """Lift a lock, whether an administrator's or ppolicy's after too many wrong binds."""

    def mods(account: Account) -> list:
        # ppolicy clears the wrong binds' pwdFailureTime at the next good bind itself.
        found = [(ldap.MOD_REPLACE, "pwdAccountLockedTime", None)]
        if account.windows:
            found.append((ldap.MOD_REPLACE, "sambaAcctFlags", [b"[U          ]"]))
        return found

    return _change(user, uid, Action.UNLOCK, "", mods)


def do_set_expiry(user: object, uid: str, expiry: date | None) -> Account:
    """Set (or with None clear) the last day the account works: slapd refuses binds after it
    (pwdEndTime), clients too (shadowExpire)."""

    def mods(account: Account) -> list:
        wanted = _expiry_attributes(expiry) | {"labnetExpiryWarned": []}
        return [
            (ldap.MOD_REPLACE, name, [str(value).encode()] if value else None)
            for name, value in wanted.items()
        ]

    return _change(user, uid, Action.SET_EXPIRY, f"expiry={expiry or 'never'}", mods)


def do_set_groups(user: object, uid: str, groups: Iterable[str]) -> Account:
    """Make the account a member of exactly these groups (besides its primary group)."""
    require(user, MANAGE_ACCOUNTS)
    conn = _connect()
    try:
        account, _ = _load(conn, uid)
        wanted = _check_groups(conn, groups)
        added = [g for g in wanted if g not in account.groups]
        removed = [g for g in account.groups if g not in wanted]
        if added or removed:
            with transaction.atomic():
                _record(uid, Action.SET_GROUPS, user, f"added={added} removed={removed}")
                _add_to_groups(conn, uid, added)
                _remove_from_groups(conn, uid, removed)
        return _load(conn, uid)[0]
    finally:
        conn.unbind_s()


def do_set_linked(user: object, uid: str, campus_id: str | None) -> Account:
    """Link the account to the campus identity campus_id (ldapsync then keeps its synced
    attributes), or with None unlink it."""
    if campus_id is not None:
        campus_id = _uid(campus_id, "campus_id")

    def mods(account: Account) -> list:
        if campus_id is None:
            return [
                (ldap.MOD_REPLACE, name, None)
                for name in ("labnetLinked", "labnetCampusId", "labnetCampusGone")
            ]
        return [
            (ldap.MOD_REPLACE, "labnetLinked", [b"TRUE"]),
            (ldap.MOD_REPLACE, "labnetCampusId", [campus_id.encode()]),
            (ldap.MOD_REPLACE, "labnetCampusGone", None),
        ]

    return _change(user, uid, Action.SET_LINKED, f"campus_id={campus_id or 'unlinked'}", mods)


def do_reset_password(user: object, uid: str, password: str | None = None) -> str:
    """Give the account a new password (generated when None), under the directory's policy;
    returns it, to be shown once."""
    require(user, MANAGE_ACCOUNTS)
    password = _password(password) if password is not None else first_password()
    conn = _connect()
    try:
        account, _ = _load(conn, uid)
        with transaction.atomic():
            _record(account.uid, Action.RESET_PASSWORD, user)
            _set_password(conn, account, password)
    finally:
        conn.unbind_s()
    return password


def do_change_own_password(uid: str, old: str, new: str) -> None:
    """The account's owner changes their password: bound as themselves, so slapd checks the
    old one and applies the policy (history, length, quality) with its own messages. An old
    {SSHA} hash is replaced by the configured scheme's."""
    uid = _uid(uid)
    old, new = _password(old, "old_password"), _password(new, "new_password")
    labnet = directory.labnet()
    dn = layout.person_dn(labnet.base, uid)
    with _directory_errors("old_password"):
        try:
            own = labnet.bind_as(dn, old)
        except ldap.INVALID_CREDENTIALS:
            raise ValidationError(
                {"old_password": "The user name or the current password is wrong."}
            ) from None
    try:
        with transaction.atomic():
            _record(uid, Action.CHANGE_PASSWORD, uid)
            with _directory_errors("new_password"):
                own.passwd_s(dn, old, new)
    finally:
        own.unbind_s()
    conn = _connect()
    try:
        account, _ = _load(conn, uid)
        if account.windows:
            _write_nt_hash(conn, dn, new)
    finally:
        conn.unbind_s()


def do_delete_account(user: object, uid: str, detail: str = "") -> None:
    """Remove the account and its group memberships; its history stays."""
    require(user, MANAGE_ACCOUNTS)
    conn = _connect()
    try:
        account, _ = _load(conn, uid)
        with transaction.atomic():
            _record(uid, Action.DELETE, user, detail)
            _remove_from_groups(conn, uid, account.groups)
            with _directory_errors():
                conn.delete_s(account.dn)
    finally:
        conn.unbind_s()


# ldapsync's writes (accounts.sync decides them).

# What ldapsync may be configured to copy: names, mail, affiliation and the like, never a
# password, a number or Labnet's own attributes.
SYNCABLE = {
    "cn", "sn", "givenName", "displayName", "mail", "employeeType", "ou", "title",
    "telephoneNumber", "departmentNumber",
}  # fmt: skip


def do_sync_account(user: object, uid: str, changes: dict[str, list[str]]) -> None:
    """Write the campus directory's values of the synced attributes (an empty list removes
    the attribute) to a linked account."""
    require(user, MANAGE_ACCOUNTS)
    wrong = sorted(set(changes) - SYNCABLE)
    if wrong:
        raise ValidationError(f"ldapsync may not write {', '.join(wrong)}.")
    conn = _connect()
    try:
        account, _ = _load(conn, uid)
        if not account.linked:
            raise ValidationError(f"{uid} is not linked: ldapsync leaves it alone.")
        mods = [
            (ldap.MOD_REPLACE, name, [v.encode() for v in values] or None)
            for name, values in sorted(changes.items())
        ]
        detail = "; ".join(f"{name}={values!r}" for name, values in sorted(changes.items()))
        with transaction.atomic():
            _record(uid, Action.SYNC, user, detail)
            with _directory_errors():
                conn.modify_s(account.dn, mods)
    finally:
        conn.unbind_s()


def do_flag_campus_gone(user: object, uid: str, gone: bool) -> None:
    """Flag (or clear the flag of) a linked account whose campus identity disappeared: it is
    kept for an administrator to decide, not deleted."""

    def mods(account: Account) -> list:
        return [(ldap.MOD_REPLACE, "labnetCampusGone", [b"TRUE"] if gone else None)]

    detail = "flagged" if gone else "found again"
    _change(user, uid, Action.CAMPUS_GONE, detail, mods)


def do_mark_expiry_warned(user: object, uid: str, sponsor: str) -> None:
    """Record that the sponsor was told of the coming expiry, so they are told once."""

    def mods(account: Account) -> list:
        return [(ldap.MOD_REPLACE, "labnetExpiryWarned", [b"TRUE"])]

    _change(user, uid, Action.EXPIRY_WARNED, f"told {sponsor}", mods)


# Machine accounts (accounts.machines decides them).


@dataclass
class MachineSync:
    """What one do_sync_machines did: the uids created, updated and removed, the problems
    met, each naming its host, and the writes left for a next call."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    remaining: int = 0


def do_sync_machines(user: object, most: int | None = None) -> MachineSync:
    """Bring the machines branch in step with the configuration: an account for each host
    that has none (the next uidNumber from layout.FIRST_MACHINE_UID), the managed attributes
    of each that differ, and Labnet's accounts of hosts deleted from the configuration
    removed. At most `most` entries are written (all when None); the others are counted in
    `remaining`. A write slapd refuses is a problem of that host; the others go on. The
    directory down or not configured: a ValidationError, nothing more written."""
    require(user, MANAGE_ACCOUNTS)
    wanted, problems = configured_machines()
    done = MachineSync(problems=problems)
    base = directory.labnet().base
    conn = _connect()
    records: list[AccountChange] = []
    writes = 0
    try:
        with _directory_errors():
            found = {
                first(attrs, "uid"): (dn, attrs)
                for dn, attrs in search_all(conn, layout.unit_dn(base, layout.MACHINES), OURS, READ)
            }
        numbers = [int(first(attrs, "uidNumber", "0")) for _, attrs in found.values()]
        next_number = max([layout.FIRST_MACHINE_UID - 1, *numbers]) + 1
        for machine in wanted:
            entry = found.pop(machine.uid, None)
            rewrite = None if entry is None else _rewrite(base, machine, *entry)
            if entry is not None and rewrite is None:
                continue
            if most is not None and writes >= most:
                done.remaining += 1
                continue
            writes += 1
            try:
                if rewrite is None:
                    _add_machine(conn, base, machine, next_number)
                    detail = f"uidNumber {next_number}"
                    next_number += 1
                    records.append(_change_of(machine.uid, Action.CREATE, user, detail))
                    done.created.append(machine.uid)
                else:
                    rewrite.write(conn)
                    records.append(_change_of(machine.uid, Action.MODIFY, user, rewrite.detail))
                    done.updated.append(machine.uid)
            except ldap.SERVER_DOWN:
                raise _down() from None
            except ldap.LDAPError as refused:
                done.problems.append(
                    f"{machine.entity_type}/{machine.host}: machine account {machine.uid} not "
                    f"written: {_info(refused)}"
                )
        for uid, (dn, _) in sorted(found.items()):
            if most is not None and writes >= most:
                done.remaining += 1
                continue
            writes += 1
            try:
                conn.delete_s(dn)
            except ldap.SERVER_DOWN:
                raise _down() from None
            except ldap.LDAPError as refused:
                done.problems.append(f"machine account {uid} not removed: {_info(refused)}")
                continue
            detail = "its host is no longer in the configuration"
            records.append(_change_of(uid, Action.DELETE, user, detail))
            done.removed.append(uid)
    finally:
        AccountChange.objects.bulk_create(records, batch_size=1000)
        conn.unbind_s()
    return done


def _down() -> ValidationError:
    return ValidationError(f"The directory at {directory.labnet().url} does not answer.")


def _change_of(uid: str, action: str, user: object, detail: str) -> AccountChange:
    return AccountChange(uid=uid, action=action, actor=_actor(user), detail=detail[:4000])


def _add_machine(conn: LDAPObject, base: str, machine: Machine, number: int) -> None:
    attributes = machine.attributes(number) | {"uidNumber": [str(number)]}
    conn.add_s(layout.machine_dn(base, machine.host), _encode(attributes))


@dataclass(frozen=True)
class _Rewrite:
    """The writes that bring one machine account in step: moved to cn=<host> first when it
    is elsewhere in the branch, then its managed attributes that differ."""

    dn: str
    wanted_dn: str
    mods: list
    detail: str

    def write(self, conn: LDAPObject) -> None:
        if self.dn != self.wanted_dn:
            conn.rename_s(self.dn, self.wanted_dn.split(",", 1)[0], delold=0)
        if self.mods:
            conn.modify_s(self.wanted_dn, self.mods)


def _rewrite(
    base: str, machine: Machine, dn: str, attrs: dict[str, list[bytes]]
) -> _Rewrite | None:
    """What differs between the entry and the machine account; None when nothing does."""
    changed = []
    wanted_dn = layout.machine_dn(base, machine.host)
    if str2dn(dn.lower()) == str2dn(wanted_dn.lower()):
        dn = wanted_dn
    else:
        changed.append(f"moved from {dn}")
    number = int(first(attrs, "uidNumber", "0"))
    mods = []
    for name, values in machine.attributes(number).items():
        stored = {v.decode() for v in attrs.get(name, [])}
        if stored != set(values):
            mods.append((ldap.MOD_REPLACE, name, [v.encode() for v in values] or None))
            changed.append(name)
    return _Rewrite(dn, wanted_dn, mods, ", ".join(changed)) if changed else None
