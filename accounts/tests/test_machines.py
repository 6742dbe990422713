"""Machine accounts against a real slapd: every host of the configuration has one in the
machines branch, changes of its names and addresses follow, a host that goes loses it, an
inactive one is disabled, and a host that cannot have one is named. The masterldap server's
agent brings them in step at its pass, through the API."""

from __future__ import annotations

import ldap
import pytest

from accounts import layout, services
from accounts.api import views
from accounts.models import AccountChange
from entities.models import Entity
from entities.services import do_delete_entity, do_set_values
from filemgr.templating import MirrorSource
from workers.host.agent import Agent
from workers.host.client import ApiError
from workers.host.functions import FunctionContext, run_functions
from workers.host.paths import AgentPaths
from workers.host.settings import AgentSettings
from workers.services import do_make_host_token
from workers.tests.campus import client, server
from workers.tests.test_agent_certificates import JsonWebServer

pytestmark = pytest.mark.django_db
# What a server needs to be active (every mandatory variable of the demo's type).
ACTIVE = {"kernel": "bzImage", "dept": "cs", "site": "mun"}


def active_server(name: str, ip: str, mac: str, **values) -> Entity:
    values.setdefault("functions", ["basic_services"])
    return server(name, ip, mac_address=mac, **ACTIVE, **values)


def machines(directory) -> dict[str, dict[str, list[str]]]:
    """The machines branch: each entry's attributes by its cn=<host>."""
    found = directory.connect().search_s(
        f"ou=machines,{directory.base}", ldap.SCOPE_ONELEVEL, "(objectClass=*)"
    )
    return {
        dn.split(",")[0].split("=")[1]: {k: [v.decode() for v in vs] for k, vs in attrs.items()}
        for dn, attrs in found
    }


def test_the_hosts_of_the_configuration_have_machine_accounts_that_follow_it(directory):
    active_server("crank", "192.0.2.5", "02:00:00:00:00:05", functions=["masterldap"])
    odie = active_server("odie", "192.0.2.12", "02:00:00:00:00:12", cname=["www"])
    client("scout", "192.0.2.40")  # without its mandatory boot variables: not active

    done = services.do_sync_machines("tests")
    assert done == services.MachineSync(created=["scout$", "crank$", "odie$"])
    entries = machines(directory)
    assert sorted(entries) == ["crank", "odie", "scout"]
    assert entries["odie"]["uid"] == ["odie$"]
    assert sorted(entries["odie"]["cn"]) == ["odie", "odie.cs.example.edu", "www.cs.example.edu"]
    assert entries["odie"]["ipHostNumber"] == ["192.0.2.12"]
    assert sorted(entries["odie"]["objectClass"]) == sorted(
        ["top", "device", "ipHost", "posixAccount", "sambaSamAccount"]
    )
    assert entries["odie"]["gidNumber"] == [str(layout.MACHINES_GID)]
    numbers = sorted(int(e["uidNumber"][0]) for e in entries.values())
    assert numbers == [layout.FIRST_MACHINE_UID + n for n in range(3)]
    number = int(entries["odie"]["uidNumber"][0])
    assert entries["odie"]["sambaSID"] == [f"S-1-5-21-0-0-0-{2 * number + 1000}"]
    assert entries["odie"]["sambaAcctFlags"] == ["[W          ]"]
    assert entries["scout"]["sambaAcctFlags"] == ["[WD         ]"]
    assert "not active" in entries["scout"]["description"][0]

    # In step: nothing written again.
    assert services.do_sync_machines("tests") == services.MachineSync()

    # odie moves to another domain and address: its names follow, its number stays.
    do_set_values(odie, {"domain": ["math.example.edu"], "ip": ["198.51.100.12"]}, user="tests")
    assert services.do_sync_machines("tests").updated == ["odie$"]
    moved = machines(directory)["odie"]
    assert sorted(moved["cn"]) == ["odie", "odie.math.example.edu", "www.math.example.edu"]
    assert moved["ipHostNumber"] == ["198.51.100.12"]
    assert moved["uidNumber"] == [str(number)]

    # A rename (the new entity made, the old one deleted): the account moves to the new name.
    do_delete_entity(odie, user="tests")
    active_server("rover", "198.51.100.12", "02:00:00:00:00:12", domain="math.example.edu")
    assert services.do_sync_machines("tests") == services.MachineSync(
        created=["rover$"], removed=["odie$"]
    )
    assert sorted(machines(directory)) == ["crank", "rover", "scout"]
    assert [c.action for c in AccountChange.objects.filter(uid="odie$").order_by("id")] == [
        "create",
        "modify",
        "delete",
    ]


def test_a_host_that_cannot_have_a_machine_account_is_named_and_the_others_get_theirs(
    directory,
):
    active_server("crank", "192.0.2.5", "02:00:00:00:00:05")
    server("Big_Box", "192.0.2.6")
    server("lab", "192.0.2.7", domain="math.example.edu")
    client("lab", "192.0.2.8")
    directory.connect().add_s(
        f"cn=plotter,ou=machines,{directory.base}",
        [("objectClass", [b"device"]), ("cn", [b"plotter"])],
    )

    done = services.do_sync_machines("tests")
    assert done.created == ["lab$", "crank$"]
    assert done.problems == [
        "server/Big_Box: no machine account: its uid would be 'Big_Box' and '$', and a host "
        "name for one is a lower-case letter, then letters, digits, '.', '_' or '-', at most "
        "31 characters",
        "server/lab: no machine account: client/lab has the machine account lab$",
    ]
    # An entry Labnet did not make (no posixAccount with a uid ending in $) is left alone.
    assert sorted(machines(directory)) == ["crank", "lab", "plotter"]


def test_a_comparison_writes_at_most_what_it_is_given_and_counts_the_rest(directory):
    for n in range(3):
        active_server(f"host{n}", f"192.0.2.{n + 1}", f"02:00:00:00:00:0{n}")
    assert services.do_sync_machines("tests", most=2) == services.MachineSync(
        created=["host0$", "host1$"], remaining=1
    )
    assert services.do_sync_machines("tests", most=2) == services.MachineSync(created=["host2$"])
    assert sorted(machines(directory)) == ["host0", "host1", "host2"]


def test_no_directory_is_a_clear_refusal(db, settings):
    settings.LABNET_LDAP_URL = ""
    with pytest.raises(services.ValidationError, match="no LDAP directory is configured"):
        services.do_sync_machines("tests")


@pytest.fixture
def crank(directory, tmp_path) -> FunctionContext:
    """The master directory server crank's function step, as its agent runs it."""
    active_server("crank", "192.0.2.5", "02:00:00:00:00:05", functions=["masterldap"])
    paths = AgentPaths(tmp_path / "root", tmp_path / "etc")
    client = JsonWebServer(do_make_host_token("crank"))
    return FunctionContext("crank", paths, MirrorSource(paths.etc), client)


def test_the_masterldap_servers_pass_brings_the_machine_accounts_in_step(
    crank, directory, monkeypatch
):
    client("scout", "192.0.2.40")
    server("Big_Box", "192.0.2.6")
    # One entry written per request: the pass asks again while entries remain.
    monkeypatch.setattr(views, "MAX_WRITES", 1)
    done = run_functions(crank, ["basic_services", "masterldap"])["masterldap"]
    assert done.changed == ["ou=machines scout$ created", "ou=machines crank$ created"]
    assert done.problems == [
        "server/Big_Box: no machine account: its uid would be 'Big_Box' and '$', and a host "
        "name for one is a lower-case letter, then letters, digits, '.', '_' or '-', at most "
        "31 characters"
    ]
    assert sorted(machines(directory)) == ["crank", "scout"]
    assert AccountChange.objects.get(uid="scout$").actor == "crank@agent"

    directory.stop()
    down = run_functions(crank, ["masterldap"])["masterldap"]
    assert down.changed == []
    assert down.problems == [f"The directory at {directory.url} does not answer."]


def test_only_a_masterldap_server_may_ask(crank, directory):
    active_server("odie", "192.0.2.12", "02:00:00:00:00:12")
    odie = JsonWebServer(do_make_host_token("odie"))
    with pytest.raises(ApiError, match="server odie does not have the masterldap function"):
        odie.post("accounts/machines/odie/", {})
    with pytest.raises(ApiError, match="Only this host's agent token"):
        odie.post("accounts/machines/crank/", {})
    assert machines(directory) == {}


def test_the_masterldap_servers_sanity_pass_reports_the_accounts(directory, settings, tmp_path):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    active_server("crank", "192.0.2.5", "02:00:00:00:00:05", functions=["masterldap"])
    token = do_make_host_token("crank")
    agent = Agent(
        AgentSettings("crank", "http://unused", token, "", tmp_path / "root", tmp_path / "etc")
    )
    agent.client = JsonWebServer(token)
    report = agent.sanity()
    assert {"file": "masterldap", "path": "ou=machines crank$ created"} in report["files_changed"]
    assert sorted(machines(directory)) == ["crank"]
