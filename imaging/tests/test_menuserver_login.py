"""menuserver's GET /login?user=<uid> over real HTTP, with the account's home server read
from a real slapd: what a Windows client's login script maps (file server, home and public
shares, the client's printers), and a clear status for each thing that can be wrong."""

from __future__ import annotations

import http.client

import pytest

from entities.schema import DEMO_MIRROR
from filemgr.templating import MirrorSource
from imaging.host.logins import DirectoryAccess, directory_urls
from imaging.tests.bootsupport import boot_tree, running_menuserver, set_value
from testing import slapd
from testing.directory import labnet_directory, make_account  # noqa: F401 (a fixture)
from testing.live import free_port


@pytest.fixture
def megatron(tmp_path, labnet_directory):  # noqa: F811 (the fixture)
    """megatron's menuserver; its client rook is at 127.0.0.1 (where the test asks from),
    and the menuserver binds to the directory as the webtool's identity."""
    etc, root = boot_tree(tmp_path)
    set_value(etc, "client/rook", "ip_address", "127.0.0.1")
    password_file = tmp_path / "ldap-password"
    password_file.write_text(slapd.WEBTOOL_PW + "\n")
    with running_menuserver("megatron", etc, root) as server:
        server.directory = DirectoryAccess(
            (labnet_directory.url,),
            f"cn=webtool,ou=system,{labnet_directory.base}",
            password_file,
        )
        yield server


def get(server, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def test_the_login_script_gets_the_home_the_public_share_and_the_clients_printers(megatron):
    make_account("alice", home_server="carme")
    status, body = get(megatron, "/login?user=alice")
    assert status == 200, body
    assert body.splitlines() == [
        "user=alice",
        "fileserver=carme.labnet.example.edu",
        r"home=\\carme.labnet.example.edu\alice",
        r"public=\\carme.labnet.example.edu\public",
        r"printer=\\odie.cs.example.edu\en2036_lj",
        r"printer=\\odie.cs.example.edu\en2036_clj",
        r"default_printer=\\odie.cs.example.edu\en2036_lj",
    ]


@pytest.mark.parametrize(
    "path,status,text",
    [
        ("/login?user=nobody", 404, "no account nobody"),
        ("/login?user=bob", 404, "account bob has no home server"),
        ("/login?user=*)(uid=*", 400, "give ?user=<uid>"),
        ("/login?user=" + "a" * 40, 400, "give ?user=<uid>"),
        ("/login", 400, "give ?user=<uid>"),
    ],
)
def test_a_bad_or_unknown_user_gets_a_status_that_names_the_fault(megatron, path, status, text):
    make_account("bob")
    got, body = get(megatron, path)
    assert got == status and text in body


def test_a_request_from_a_host_that_is_not_its_client_is_refused(megatron, tmp_path):
    set_value(megatron.etc, "client/rook", "ip_address", "192.0.2.101")
    make_account("alice", home_server="carme")
    status, body = get(megatron, "/login?user=alice")
    assert status == 403 and "does not come from a client of megatron" in body


def test_no_directory_server_answering_is_a_503_and_the_next_one_is_tried(megatron):
    make_account("alice", home_server="carme")
    access = megatron.directory
    closed = f"ldap://127.0.0.1:{free_port()}/"
    megatron.directory = DirectoryAccess((closed,), access.bind_dn, access.password_file)
    status, body = get(megatron, "/login?user=alice")
    assert status == 503 and "no directory server of megatron's ldapsrv answered" in body
    megatron.directory = DirectoryAccess(
        (closed, *access.urls), access.bind_dn, access.password_file
    )
    assert get(megatron, "/login?user=alice")[0] == 200


def test_a_refused_bind_names_the_directory_and_not_the_password(megatron, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password")
    megatron.directory = DirectoryAccess(megatron.directory.urls, megatron.directory.bind_dn, wrong)
    status, body = get(megatron, "/login?user=alice")
    assert status == 503 and "refused the lookup: Invalid credentials" in body
    assert "not-the-password" not in body


def test_the_directory_servers_are_the_appservers_ldapsrv_replicas_first():
    assert directory_urls(MirrorSource(DEMO_MIRROR), "megatron") == [
        "ldap://ratchet.labnet.example.edu/",
        "ldap://crank.labnet.example.edu/",
    ]
