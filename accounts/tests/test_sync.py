"""ldapsync against a second real slapd standing for the campus directory."""

import ldap
import pytest
from django.core.management import CommandError, call_command

from accounts import services
from accounts.choices import Action
from accounts.models import AccountChange
from accounts.sync import ldapsync


def campus_person(campus, uid, **attrs):
    values = {"cn": f"{uid} Campus", "sn": "Campus", "mail": f"{uid}@campus.example"} | attrs
    campus.connect().add_s(
        f"uid={uid},ou=people,{campus.base}",
        [("objectClass", [b"inetOrgPerson"]), ("uid", [uid.encode()])]
        + [(k, [v.encode()]) for k, v in values.items()],
    )


def account(uid, linked_to=None):
    services.do_create_account("tests", uid=uid, sn="Local", given_name="Old", mail="")
    if linked_to:
        services.do_set_linked("tests", uid, linked_to)


def test_sync_copies_configured_attributes_of_linked_accounts_only(directory, campus):
    campus_person(campus, "aliddell", givenName="Alice", sn="Liddell", employeeType="student")
    campus_person(campus, "bob", sn="Builder")
    account("alice", linked_to="aliddell")
    account("bob")  # not linked: ldapsync never touches it
    dry = ldapsync(dry_run=True)
    assert sorted(dry.changed["alice"]) == ["cn", "employeeType", "givenName", "mail", "sn"]
    assert services.get_account("alice").sn == "Local"  # a dry run writes nothing
    report = ldapsync()
    alice = services.get_account("alice")
    assert (alice.given_name, alice.sn, alice.mail, alice.affiliation) == (
        "Alice", "Liddell", "aliddell@campus.example", "student",
    )  # fmt: skip
    assert services.get_account("bob").sn == "Local"
    assert "alice: sn ['Local'] -> ['Liddell']" in report.lines()
    assert AccountChange.objects.filter(uid="alice", action=Action.SYNC).count() == 1
    assert ldapsync().changed == {}  # in step: nothing more to do


def test_vanished_campus_identity_is_flagged_not_deleted(directory, campus):
    campus_person(campus, "carol")
    account("carol", linked_to="carol")
    ldapsync()
    campus.connect().delete_s(f"uid=carol,ou=people,{campus.base}")
    assert ldapsync().gone == ["carol"]
    carol = services.get_account("carol")
    assert carol.campus_gone and carol.linked
    assert ldapsync().gone == []  # flagged once
    campus_person(campus, "carol")
    assert ldapsync().back == ["carol"]
    assert not services.get_account("carol").campus_gone


def test_command_reports_and_dry_run(directory, campus, capsys):
    campus_person(campus, "dave", sn="Davies")
    account("dave", linked_to="dave")
    call_command("ldapsync", "--dry-run")
    out = capsys.readouterr().out
    assert "dave: sn ['Local'] -> ['Davies']" in out and "would change 1" in out
    assert services.get_account("dave").sn == "Local"
    call_command("ldapsync")
    assert services.get_account("dave").sn == "Davies"


def test_unsyncable_attribute_is_refused(directory, campus, settings):
    settings.LABNET_LDAPSYNC_ATTRIBUTES = ["sn", "userPassword"]
    with pytest.raises(CommandError, match="userPassword"):
        call_command("ldapsync")


def test_campus_down_stops_with_a_message(directory, campus):
    campus.stop()
    with pytest.raises(CommandError, match="stopped"):
        call_command("ldapsync")


def test_campus_values_with_filter_characters_pass_unharmed(directory, campus):
    campus_person(campus, "eve", sn="O'Brien (*)\\")
    account("eve", linked_to="eve")
    ldapsync()
    assert services.get_account("eve").sn == "O'Brien (*)\\"
    assert ldap.dn.escape_dn_chars("a,b") == "a\\,b"
