"""The iSCSI storage pages: every signed-in user reads each appserver's masters, COW disks,
targets and sessions as its agent last reported them; query budgets."""

from __future__ import annotations

import pytest

from imaging.iscsi_services import do_record_iscsi_state
from testing.views import PageTestCase, assert_queries_do_not_grow

from .test_iscsi_api import STATE_REPORT

ROOK_TARGET = "iqn.1989-06.edu.example.cs.megatron:cs-lab:rook"


def report(host: str, clients: int = 1, logged_in: bool = True) -> None:
    cows, targets = [], []
    for n in range(clients):
        client = "rook" if n == 0 else f"lab{n}"
        cows.append({**STATE_REPORT["cows"][0], "client": client, "volume": f"{client}_c"})
        initiator = f"iqn.1989-06.edu.example.cs.{client}:system-disk"
        targets.append(
            {
                "iqn": ROOK_TARGET.replace(":rook", f":{client}"),
                "device": f"/dev/vg2/{client}_c",
                "initiators": [initiator],
                "sessions": [initiator] if logged_in else [],
            }
        )
    do_record_iscsi_state(host, {**STATE_REPORT, "cows": cows, "targets": targets})


@pytest.fixture
def page_data(db):
    report("megatron")
    return {}


class TestAppservers(PageTestCase):
    url = "/imaging/iscsi/"
    contains = ["iSCSI storage", 'href="/imaging/iscsi/megatron/"', "10.0\xa0GB"]
    max_queries = 6


class TestOneAppserver(PageTestCase):
    url = "/imaging/iscsi/megatron/"
    contains = [
        "iSCSI storage of megatron",
        "cs_lab_m",
        "80.0\xa0GB",
        "2013-06-09 02:14:51",
        "1.0\xa0GB of 2.0\xa0GB",
        ROOK_TARGET,
        "iqn.1989-06.edu.example.cs.rook:system-disk",
        "1 logged in",
    ]
    max_queries = 6


def test_an_appserver_that_never_reported_has_no_page(db, viewer):
    assert viewer.get("/imaging/iscsi/odie/").status_code == 404


def test_a_thin_cow_says_its_bytes_are_not_known(db, viewer):
    do_record_iscsi_state(
        "megatron", {**STATE_REPORT, "cows": [{**STATE_REPORT["cows"][0], "written": None}]}
    )
    assert "not known (thin)" in viewer.get("/imaging/iscsi/megatron/").content.decode()


def test_the_pages_make_as_many_queries_with_more_appservers_and_clients(db, viewer):
    report("megatron", clients=2)

    def grow() -> None:
        report("megatron", clients=40)
        for n in range(5):
            report(f"appserver{n}", clients=3)

    assert_queries_do_not_grow(viewer, ["/imaging/iscsi/", "/imaging/iscsi/megatron/"], grow)
