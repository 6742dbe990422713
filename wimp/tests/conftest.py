"""The guide's Windows 7 appserver megatron (3.3) with its clients, the master image server
pooky of /images/cs, a windowsImage cs_lab booted by finch, and the broker replaced by a
list of the WIMP tasks sent."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from labnet_site.celery import app
from testing import factories, hosts
from workers.host.client import ApiError
from workers.services import do_make_host_token

PASSWORD = "RFQEHHzVjsLK"


def campus() -> None:
    for name in ("wimpSession", "windowsImage", "lnappconf"):
        factories.demo_type(name)
    factories.entity(factories.demo_type("lnappconf"), "menuserver", iqn_prefix="iqn.1989-06")
    factories.entity(factories.demo_type("domain"), "cs.example.edu")
    factories.entity(factories.demo_type("graphics_card"), "intel_hd")
    factories.entity(
        factories.demo_type("windowsImage"), "cs_lab", directory="/images/cs",
        imageLvSize="80G", cowLvSize="2G", dept="cs", os="win7",
    )  # fmt: skip
    hosts.host("server", "pooky", dept="cs", domain="cs.example.edu")
    factories.entity(
        hosts.host_type("server"),
        "megatron",
        tables={
            "WindowsImageTab": [{"wi_image": "cs_lab", "TimeStamp": "2013-06-09 02:14:51"}],
            "Rsync": [
                {
                    "rs_host": "pooky",
                    "rs_src": "/mnt/images/cs",
                    "rs_dst": "/images/cs",
                    "rs_sync": "yes",
                    "rs_date": "none",
                }
            ],
        },  # fmt: skip
        functions=["basic_services", "appserver", "w7appserver"],
        dept="cs",
        domain="cs.example.edu",
        iscsi_image_vgroup="vg2",
    )
    hosts.host("server", "sapphire", dept="cs", domain="cs.example.edu",
               functions=["basic_services", "w7appserver"])  # fmt: skip
    for client, image in (("bunting", ""), ("heron", ""), ("finch", "cs_lab")):
        values = {"windowsImage": image} if image else {}
        hosts.host("client", client, server="megatron", appserver="megatron", dept="cs",
                   domain="cs.example.edu", iscsi_password=PASSWORD, graphics_card="intel_hd",
                   **values)  # fmt: skip


@pytest.fixture
def guide_campus(db) -> None:
    campus()


@pytest.fixture
def broker(monkeypatch) -> list[tuple[str, dict, str]]:
    sent: list[tuple[str, dict, str]] = []

    def send_task(name, kwargs=None, queue=None, **_):
        if name.startswith("wimp."):  # not the change fan-out
            sent.append((name, kwargs, queue))

    monkeypatch.setattr(app, "send_task", send_task)
    return sent


class Agent:
    """A host's API client meeting the web server in this process."""

    def __init__(self, host: str):
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token(host)}")

    def post(self, path: str, body: Any) -> Any:
        answer = self.api.post(f"/api/v1/{path}", body, format="json")
        if answer.status_code >= 400:
            raise ApiError(answer.status_code, answer.content.decode())
        return answer.json()


@pytest.fixture
def wimpadmin(db):
    """An administrator (the admin role), who runs WIMP."""
    return factories.user("admin", "wimpadmin")
