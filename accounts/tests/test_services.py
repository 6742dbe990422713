"""The account service against a real slapd: what lands in the directory, what it refuses
with slapd's own messages, and the history it records."""

from datetime import date, timedelta

import ldap
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.choices import Action
from accounts.directory import labnet
from accounts.models import AccountChange
from accounts.nthash import nt_hash
from testing import factories

GOOD = "correct horse battery"
pytestmark = pytest.mark.django_db


def entry(server, uid, *attrs):
    found = server.connect().search_s(
        f"uid={uid},ou=people,{server.base}", ldap.SCOPE_BASE, attrlist=list(attrs) or None
    )
    return found[0][1]


def binds(uid, password):
    try:
        labnet().bind_as(f"uid={uid},ou=people,{labnet().base}", password).unbind_s()
    except ldap.INVALID_CREDENTIALS:
        return False
    return True


def create(uid="alice", **fields):
    fields = {"sn": "Liddell", "given_name": "Alice", "password": GOOD} | fields
    return services.do_create_account("admin", uid=uid, **fields)[0]


def test_create_writes_posix_shadow_and_labnet_attributes_and_history(directory):
    create(mail="alice@example.edu", sponsor="prof@example.edu", groups=["users"])
    attrs = entry(directory, "alice", "*", "pwdEndTime")
    assert {b"posixAccount", b"shadowAccount", b"inetOrgPerson", b"labnetAccount"} <= set(
        attrs["objectClass"]
    )
    assert attrs["uidNumber"] == [b"10000"] and attrs["homeDirectory"] == [b"/home/alice"]
    assert attrs["cn"] == [b"Alice Liddell"] and attrs["labnetSponsor"] == [b"prof@example.edu"]
    assert attrs["userPassword"][0].startswith(b"{ARGON2}$argon2")
    assert "sambaNTPassword" not in attrs  # no Windows access, no NT hash
    assert binds("alice", GOOD)
    assert services.get_account("alice").groups == ["users"]
    change = AccountChange.objects.get(uid="alice")
    assert change.action == Action.CREATE and change.actor == "admin"
    assert GOOD not in change.detail


def test_windows_access_writes_the_nt_hash(directory):
    create(windows=True)
    attrs = entry(directory, "alice")
    assert attrs["sambaNTPassword"] == [nt_hash(GOOD).encode()]
    assert attrs["sambaSID"] == [b"S-1-5-21-0-0-0-21000"]


def test_second_account_takes_the_next_uid_number(directory):
    create("alice")
    assert create("bob").uid_number == 10001


def test_weak_password_is_refused_with_ppolicy_message_and_nothing_is_left(directory):
    with pytest.raises(ValidationError) as refused:
        create(password="short")
    assert refused.value.message_dict == {"password": ["Password fails quality checking policy"]}
    assert services.search_accounts("alice") == ([], False)
    assert not AccountChange.objects.exists()


def test_bad_input_is_refused_naming_the_field(directory):
    for fields, field in [
        ({"uid": "Alice"}, "uid"),
        ({"uid": "a)(uid=*"}, "uid"),
        ({"uid": "x" * 40}, "uid"),
        ({"sn": ""}, "sn"),
        ({"sn": "a\x00b"}, "sn"),
        ({"mail": "not-mail"}, "mail"),
        ({"groups": ["nosuchgroup"]}, "groups"),
        ({"kind": "alien"}, "kind"),
        ({"password": "x" * 200}, "password"),
    ]:
        with pytest.raises(ValidationError) as refused:
            create(**({"uid": "alice"} | fields))
        assert field in refused.value.message_dict, fields
    assert services.search_accounts()[0] == []


def test_taken_uid_is_refused(directory):
    create()
    with pytest.raises(ValidationError, match="taken"):
        create()


def test_search_escapes_filter_characters(directory):
    create("alice", sn="Li*dell (x)")
    create("bob", sn="Builder")
    assert [a.uid for a in services.search_accounts("")[0]] == ["alice", "bob"]
    # Only alice's name holds a literal '*': unescaped, it would match everyone.
    assert [a.uid for a in services.search_accounts("*")[0]] == ["alice"]
    assert [a.uid for a in services.search_accounts("*dell (x")[0]] == ["alice"]
    assert services.search_accounts("*)(uid=*")[0] == []
    with pytest.raises(ValidationError) as refused:
        services.search_accounts("a\x00")
    assert "q" in refused.value.message_dict


def test_dn_components_are_escaped(directory):
    with pytest.raises(services.AccountNotFound):
        services.get_account("alice,ou=people")
    create()
    # A group name with DN syntax is refused before any DN is made of it.
    with pytest.raises(ValidationError, match="groups"):
        services.do_set_groups("admin", "alice", ["users,ou=system"])


def test_lock_unlock_and_too_many_wrong_binds(directory):
    create()
    services.do_lock("admin", "alice")
    assert services.get_account("alice").locked and not binds("alice", GOOD)
    services.do_unlock("admin", "alice")
    assert binds("alice", GOOD)
    for _ in range(5):
        assert not binds("alice", "wrong password")
    assert not binds("alice", GOOD)
    assert services.get_account("alice").locked
    services.do_unlock("admin", "alice")
    assert binds("alice", GOOD)
    assert [c.action for c in AccountChange.objects.filter(uid="alice")][:2] == [
        Action.UNLOCK,
        Action.UNLOCK,
    ]


def test_expired_account_cannot_bind(directory):
    create()
    today = date.today()  # read once: the test may run across midnight
    services.do_set_expiry("admin", "alice", today - timedelta(days=1))
    assert not binds("alice", GOOD)
    attrs = entry(directory, "alice", "shadowExpire", "pwdEndTime")
    assert int(attrs["shadowExpire"][0]) == (today - date(1970, 1, 1)).days
    services.do_set_expiry("admin", "alice", today + timedelta(days=30))
    assert binds("alice", GOOD)
    assert services.get_account("alice").expiry == today + timedelta(days=30)
    services.do_set_expiry("admin", "alice", None)
    assert services.get_account("alice").expiry is None


def test_reset_password_applies_policy_and_returns_a_working_password(directory):
    create(windows=True)
    with pytest.raises(ValidationError, match="quality"):
        services.do_reset_password("admin", "alice", "tiny")
    assert binds("alice", GOOD)
    new = services.do_reset_password("admin", "alice")
    assert binds("alice", new) and not binds("alice", GOOD)
    assert entry(directory, "alice")["sambaNTPassword"] == [nt_hash(new).encode()]


def test_own_password_change_rehashes_an_old_ssha_hash(directory):
    create()
    # An account brought over from the old directory: its {SSHA} hash still binds.
    ssha = b"{SSHA}" + __import__("base64").b64encode(
        __import__("hashlib").sha1(b"old password longer" + b"salt").digest() + b"salt"
    )
    directory.connect().modify_s(
        f"uid=alice,ou=people,{directory.base}", [(ldap.MOD_REPLACE, "userPassword", [ssha])]
    )
    assert binds("alice", "old password longer")
    with pytest.raises(ValidationError) as refused:
        services.do_change_own_password("alice", "old password longer", "weak")
    assert refused.value.message_dict == {
        "new_password": ["Password fails quality checking policy"]
    }
    with pytest.raises(ValidationError) as refused:
        services.do_change_own_password("alice", "not my password", GOOD + " too")
    assert "old_password" in refused.value.message_dict
    services.do_change_own_password("alice", "old password longer", "a better passphrase")
    assert entry(directory, "alice")["userPassword"][0].startswith(b"{ARGON2}")
    assert binds("alice", "a better passphrase")


def test_groups_and_linked_flag(directory):
    create()
    services.do_set_groups("admin", "alice", ["users"])
    assert services.get_account("alice").groups == ["users"]
    services.do_set_groups("admin", "alice", [])
    assert services.get_account("alice").groups == []
    services.do_set_linked("admin", "alice", "aliddell")
    account = services.get_account("alice")
    assert account.linked and account.campus_id == "aliddell"
    with pytest.raises(ValidationError) as refused:
        services.do_modify_account(
            "admin", "alice", given_name="Alice", sn="Changed", mail="", affiliation="",
            kind="person", sponsor="", home_server="", windows=False,
        )  # fmt: skip
    assert "sn" in refused.value.message_dict
    services.do_modify_account(
        "admin", "alice", given_name="Alice", sn="Liddell", mail="", affiliation="",
        kind="visitor", sponsor="", home_server="odie", windows=False,
    )  # fmt: skip
    assert services.get_account("alice").home_server == "odie"


def test_batch_makes_accounts_with_one_expiry_and_first_passwords(directory):
    create("cs101-01")
    expiry = date.today() + timedelta(days=10)
    sheet = services.do_create_batch(
        "admin", prefix="cs101-", count=3, expiry=expiry, sponsor="prof@example.edu"
    )
    assert [uid for uid, _ in sheet] == ["cs101-02", "cs101-03", "cs101-04"]
    for uid, password in sheet:
        assert binds(uid, password)
        assert services.get_account(uid).expiry == expiry
    with pytest.raises(ValidationError, match="count"):
        services.do_create_batch(
            "admin", prefix="x", count=201, expiry=expiry, sponsor="prof@example.edu"
        )


def test_a_batch_refused_midway_leaves_no_account(directory, monkeypatch):
    calls = []
    real = services._set_password

    def third_refused(conn, account, password):
        calls.append(account.uid)
        if len(calls) == 3:
            raise ValidationError({"password": "refused"})
        real(conn, account, password)

    monkeypatch.setattr(services, "_set_password", third_refused)
    with pytest.raises(ValidationError):
        services.do_create_batch(
            "admin", prefix="lab", count=4, expiry=date.today() + timedelta(days=1),
            sponsor="prof@example.edu",
        )  # fmt: skip
    assert services.search_accounts("lab")[0] == []
    assert not AccountChange.objects.exists()


def test_an_editor_may_not_manage_accounts(directory):
    with pytest.raises(PermissionDenied):
        services.do_create_account(factories.user("editor"), uid="alice", sn="L")


def test_delete_keeps_history(directory):
    create(groups=["users"])
    services.do_delete_account("admin", "alice")
    with pytest.raises(services.AccountNotFound):
        services.get_account("alice")
    assert AccountChange.objects.filter(uid="alice").count() == 2


def test_directory_down_is_a_clear_refusal(directory):
    directory.stop()
    with pytest.raises(ValidationError, match="does not answer"):
        services.search_accounts()
