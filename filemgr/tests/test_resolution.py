"""The instance a host gets: every rule of DESIGN.md's order, and the ties."""

import pytest

from filemgr.resolution import (
    FileInstance,
    HostFacts,
    ManagedFile,
    candidate_names,
    clients_appserver,
    host_facts,
    hosts_getting,
    instance_audience,
    instance_name,
    is_instance_name,
    managed_file,
    resolve,
)

SERVER_ORDER = [
    "grp",
    "odie@host_server",
    "odie@host",
    "cs@dept_server",
    "cs@dept",
    "mun@site_server",
    "mun@site",
    "default_server",
    "default",
]
CLIENT_ORDER = [
    "grp",
    "hogwarts@host_client",
    "odie@appserver_client",
    "odie@host",
    "cs@dept_client",
    "cs@dept",
    "mun@site_client",
    "mun@site",
    "default_client",
    "default",
]
SERVER = HostFacts("odie", "server", "cs", "mun", "", {"access.conf": ("grp",)})
CLIENT = HostFacts("hogwarts", "client", "cs", "mun", "odie", {"access.conf": ("grp",)})


def file_with(*names: str) -> ManagedFile:
    return ManagedFile(
        "access.conf",
        "/etc/security/access.conf",
        "root",
        "root",
        0o644,
        instances=tuple(FileInstance(n, False, f"hash-{n}") for n in names),
    )


def test_candidate_order_for_a_server_and_a_client():
    assert candidate_names("access.conf", SERVER) == SERVER_ORDER
    assert candidate_names("access.conf", CLIENT) == CLIENT_ORDER


@pytest.mark.parametrize(("host", "order"), [(SERVER, SERVER_ORDER), (CLIENT, CLIENT_ORDER)])
def test_each_rule_wins_over_every_less_specific_one(host, order):
    for position, name in enumerate(order):
        assert resolve(file_with(*order[position:]), host).name == name
        # Listed in reverse, the most specific still wins: order is by rule, not by row.
        assert resolve(file_with(*reversed(order[position:])), host).name == name


def test_other_kinds_names_are_never_used():
    client_only = file_with("hogwarts@host_client", "cs@dept_client", "default_client")
    assert resolve(client_only, HostFacts("hogwarts", "server", "cs", "mun")) is None
    server_only = file_with("odie@host_server", "cs@dept_server", "default_server")
    assert resolve(server_only, HostFacts("odie", "client", "cs", "mun", "odie")) is None


def test_a_group_of_another_file_does_not_count():
    host = HostFacts("odie", "server", groups={"hosts": ("grp",)})
    assert resolve(file_with("grp", "default"), host).name == "default"


def test_tie_between_two_groups_goes_to_the_first_table_row():
    host = HostFacts("odie", "server", groups={"access.conf": ("second", "first")})
    assert resolve(file_with("first", "second"), host).name == "second"


def test_tie_between_two_rows_of_one_name_goes_to_the_first_row():
    file = ManagedFile(
        "f",
        "/f",
        "root",
        "root",
        0o644,
        instances=(FileInstance("default", False, "one"), FileInstance("default", True, "two")),
    )
    assert resolve(file, SERVER).hash == "one"


def test_no_dept_or_site_skips_those_rules():
    host = HostFacts("odie", "server")
    assert "@dept" not in " ".join(candidate_names("f", host))
    assert resolve(file_with("@dept", "@site", "default"), host).name == "default"


def test_a_client_without_appserver_skips_appserver_rules():
    host = HostFacts("wren", "client", "cs")
    assert candidate_names("f", host)[:2] == ["wren@host_client", "cs@dept_client"]


def test_no_matching_instance_gives_none():
    assert resolve(file_with("other@host_server"), SERVER) is None


def test_managed_file_and_host_facts_from_entity_values():
    file = managed_file(
        "access.conf",
        {
            "path": ["/etc/security/access.conf"],
            "owner": ["root"],
            "group": ["wheel"],
            "mode": ["0640"],
            "ft_instance": ["mscluster", "mun@site_server", ""],
            "ft_template": ["no", "yes", ""],
            "ft_hash": ["h1", "h2", ""],
            "ft_prev_hash": ["p1", "", ""],
        },
    )
    assert file.mode == 0o640 and file.group == "wheel"
    assert file.instances == (
        FileInstance("mscluster", False, "h1", "p1"),
        FileInstance("mun@site_server", True, "h2", "none"),
    )
    facts = host_facts(
        "hogwarts",
        "client",
        {
            "dept": ["cs"],
            "site": ["mun"],
            "server": ["odie"],
            "file_id": ["access.conf", "", "hosts"],
            "file_group": ["mscluster", "x", "labs"],
        },
    )
    assert facts.appserver == "odie"
    assert facts.groups == {"access.conf": ("mscluster",), "hosts": ("labs",)}


def test_hosts_getting_each_instance():
    file = file_with("grp", "cs@dept", "default")
    other = HostFacts("nermal", "server", "math")
    assert hosts_getting(file, [SERVER, CLIENT, other]) == {
        "grp": ["odie", "hogwarts"],
        "cs@dept": [],
        "default": ["nermal"],
    }


@pytest.mark.parametrize(
    ("name", "audience"),
    [
        ("mscluster", ("group", "mscluster")),
        ("odie@host_server", ("host", "odie")),
        ("odie@host", ("host", "odie")),
        ("odie@appserver_client", ("appserver", "odie")),
        ("cs@dept_client", ("dept", "cs")),
        ("mun@site", ("site", "mun")),
        ("default_client", ("default", "")),
        ("default", ("default", "")),
    ],
)
def test_instance_audience(name, audience):
    assert instance_audience(name) == audience


@pytest.mark.parametrize(
    ("audience", "subject", "scope", "name"),
    [
        ("group", "mscluster", "server", "mscluster"),
        ("host", "odie", "server", "odie@host_server"),
        ("host", "odie", "both", "odie@host"),
        ("appserver", "odie", "both", "odie@appserver_client"),
        ("dept", "cs", "client", "cs@dept_client"),
        ("site", "mun", "both", "mun@site"),
        ("default", "", "client", "default_client"),
        ("default", "", "both", "default"),
    ],
)
def test_a_new_instance_is_named_as_resolution_reads_it(audience, subject, scope, name):
    assert instance_name(audience, subject, scope) == name
    assert instance_audience(name) == (audience, subject)
    assert is_instance_name(name)


def test_a_name_of_no_audience_is_only_a_group():
    assert not is_instance_name("odie@hostel")
    assert not is_instance_name(".git")
    assert instance_audience("odie@hostel") == ("group", "odie@hostel")
    assert instance_audience("defaults") == ("group", "defaults")


def test_clients_get_their_appservers_host_and_appserver_client_instances():
    assert clients_appserver("odie@appserver_client") == "odie"
    assert clients_appserver("odie@host") == "odie"
    assert clients_appserver("odie@host_server") == ""
    assert clients_appserver("cs@dept") == ""
