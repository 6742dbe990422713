"""The boot page of a client and the appserver's report of its boot daemons and requests:
what each role sees, what the report stores and refuses, and the page's query budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from imaging.boot_reports import KEPT_PER_CLIENT
from imaging.models import BootDaemon, BootRequest
from testing import factories, hosts
from testing.clients import signed_in
from testing.views import PageTestCase, assert_queries_do_not_grow
from workers.services import do_make_host_token

from .bootsupport import DEMO

MENU = (DEMO / "files" / "linux_template" / "mun@site_server").read_text()
DHCPD = (DEMO / "files" / "dhcpd.conf" / "default_server").read_text()
IPXE = "<Template><literal>#!ipxe</literal>\nchain http://x/<varVal>room</varVal>\n</Template>"


def boot_client(name: str, number: int, **values: str) -> None:
    hosts.host(
        "client",
        name,
        appserver="odie",
        server="odie",
        bootfile="pxelinux.0",
        ip_address=f"192.0.2.{number}",
        mac_address=f"02:00:5e:10:00:{number:02x}",
        menu_template="linux_template",
        ipxe_menu="ipxe_template",
        domain="cs.example.edu",
        kernel="bzImage.P4",
        room="EN1049",
        **values,
    )


@pytest.fixture
def page_data(db, settings, tmp_path):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    factories.entity(
        factories.demo_type("domain"),
        "cs.example.edu",
        subnet="192.0.2.0",
        netmask="255.255.255.0",
        gateway="192.0.2.1",
        nameservers=["192.0.2.12"],
    )
    factories.entity(factories.demo_type("lnappconf"), "menuserver", port="8080")
    hosts.host("server", "odie", ip="192.0.2.10", site="mun", dept="cs", functions=["appserver"])
    boot_client("hogwarts", 110)
    hosts.managed_file(
        "linux_template",
        "/diskless/boot/template/linux_template",
        {"mun@site_server": (MENU, False)},
    )
    hosts.managed_file(
        "ipxe_template", "/diskless/boot/template/ipxe_template", {"default_server": (IPXE, False)}
    )
    hosts.managed_file("dhcpd.conf", "/etc/dhcp/dhcpd.conf", {"default_server": (DHCPD, True)})
    do_make_host_token("odie")
    return {"client": "hogwarts"}


def report(host: str, body: dict) -> int:
    client = APIClient()
    token = do_make_host_token(host)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.post(f"/api/v1/imaging/boot/{host}/", body, format="json")


def request_row(client: str, seen: datetime, path: str = "pxelinux.0", problem: str = ""):
    return {
        "client": client,
        "protocol": "tftp",
        "path": path,
        "peer": "192.0.2.110",
        "problem": problem,
        "seen": seen.isoformat(),
    }


DAEMONS = [
    {
        "daemon": "lntftpd",
        "state": "running",
        "pid": 4242,
        "listen": "192.0.2.10:69",
        "since": "2026-01-05T10:00:00+00:00",
        "restarts": 2,
        "exit_status": 1,
        "problem": "OSError: [Errno 98] Address already in use",
    },
    {
        "daemon": "menuserver",
        "state": "stopped",
        "pid": None,
        "listen": "192.0.2.10:8080",
        "since": None,
        "restarts": 5,
        "exit_status": 1,
        "problem": "PermissionError: [Errno 13] Permission denied",
    },
]


class TestBootPage(PageTestCase):
    url = "/imaging/boot/{client}/"
    contains = [
        "How hogwarts boots",
        "pxelinux.0",
        "linux_template mun@site_server",
        "DEFAULT bzImage.P4\nAPPEND root=/dev/nfs",  # the pxelinux menu, rendered for hogwarts
        "chain http://x/EN1049",  # the iPXE script, rendered for hogwarts
        "host hogwarts {",
        "hardware ethernet 02:00:5e:10:00:6e;",
        "next-server 192.0.2.10;",
        "has reported no request from this client",
    ]
    max_queries = 40


def test_the_page_shows_the_reported_daemons_and_requests(page_data):
    seen = datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
    answer = report(
        "odie",
        {"daemons": DAEMONS, "requests": [request_row("hogwarts", seen, problem="no file")]},
    )
    assert answer.status_code == 201, answer.content
    page = signed_in("viewer").get("/imaging/boot/hogwarts/").content.decode()
    assert "lntftpd</b> on 192.0.2.10:69" in page
    assert "restarted 2 times, last exit status 1" in page
    assert "Permission denied" in page  # menuserver stopped, and why
    assert "2026-01-05 10:30" in page and "no file" in page


def test_a_client_keeps_its_newest_requests_only(page_data):
    start = datetime(2026, 1, 5, tzinfo=UTC)
    rows = [request_row("hogwarts", start + timedelta(seconds=i), f"f{i}") for i in range(30)]
    assert report("odie", {"daemons": [], "requests": rows}).status_code == 201
    kept = list(BootRequest.objects.filter(client="hogwarts").values_list("path", flat=True))
    assert kept == [f"f{i}" for i in range(29, 29 - KEPT_PER_CLIENT, -1)]


def test_a_report_replaces_the_daemons_of_its_host(page_data):
    report("odie", {"daemons": DAEMONS, "requests": []})
    report("odie", {"daemons": DAEMONS[:1], "requests": []})
    assert list(BootDaemon.objects.values_list("host", "daemon")) == [("odie", "lntftpd")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"daemons": [DAEMONS[0], DAEMONS[0]], "requests": []}, "daemons"),
        (
            {"daemons": [], "requests": [{**request_row("a", datetime.now(UTC)), "peer": "x"}]},
            "requests",
        ),
        (
            {
                "daemons": [],
                "requests": [{**request_row("a", datetime.now(UTC)), "path": "p" * 201}],
            },
            "requests",
        ),
        ({"daemons": [{**DAEMONS[0], "restarts": -1}], "requests": []}, "daemons"),
    ],
)
def test_a_bad_report_is_refused_naming_the_field_and_stores_nothing(page_data, body, field):
    answer = report("odie", body)
    assert answer.status_code == 400
    assert field in answer.json()
    assert not BootDaemon.objects.exists() and not BootRequest.objects.exists()


def test_another_hosts_token_may_not_report(page_data):
    hosts.host("server", "nermal")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('nermal')}")
    answer = client.post(
        "/api/v1/imaging/boot/odie/", {"daemons": [], "requests": []}, format="json"
    )
    assert answer.status_code == 403


def test_a_client_without_a_menu_or_server_says_so(page_data):
    hosts.host("client", "loner", ip_address="192.0.2.99")
    page = signed_in("viewer").get("/imaging/boot/loner/").content.decode()
    assert "loner has no menu_template" in page
    assert "loner has no server" in page


def test_a_template_error_is_shown_with_its_file(page_data):
    hosts.managed_file(
        "linux_template",
        "/diskless/boot/template/linux_template",
        {"mun@site_server": ("<Template><varVal></Template>", False)},
    )
    page = signed_in("viewer").get("/imaging/boot/hogwarts/").content.decode()
    assert "template/linux_template" in page


def test_an_unknown_client_is_a_404(page_data):
    assert signed_in("viewer").get("/imaging/boot/nobody/").status_code == 404


def test_the_page_makes_as_many_queries_with_more_clients_and_requests(page_data):
    def grow():
        for i in range(20):
            boot_client(f"lab{i}", 120 + i)
        start = datetime(2026, 1, 5, tzinfo=UTC)
        rows = [request_row("hogwarts", start + timedelta(seconds=i)) for i in range(15)]
        rows += [request_row(f"lab{i}", start) for i in range(20)]
        assert report("odie", {"daemons": DAEMONS, "requests": rows}).status_code == 201

    assert_queries_do_not_grow(signed_in("viewer"), ["/imaging/boot/hogwarts/"], grow)
