"""A Windows 7 appserver's token writes TimeStamp of its own WindowsImageTab rows and its
iSCSI state, and nothing else."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from entities.models import Change, Entity
from entities.reading import entity_contents
from imaging.models import IscsiState
from testing import factories, hosts
from workers.services import do_make_host_token

SYNCED = "/api/v1/imaging/iscsi/{}/synced/"
STATE = "/api/v1/imaging/iscsi/{}/state/"
OLD = "2013-06-09 02:14:51"
NOW = "2024-05-20 10:00:00"


@pytest.fixture
def megatron(db) -> APIClient:
    image = factories.demo_type("windowsImage")
    for name in ("cs_lab", "csi5"):
        factories.entity(image, name, dept="cs", imageLvSize="80G", cowLvSize="2G")
    server = hosts.host_type("server")
    for name in ("megatron", "odie"):
        factories.entity(
            server,
            name,
            tables={
                "WindowsImageTab": [
                    {"wi_image": "cs_lab", "TimeStamp": "none"},
                    {"wi_image": "csi5", "TimeStamp": OLD},
                ]
            },
        )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('megatron')}")
    return client


def image_table(server: str) -> list[dict]:
    entity = Entity.objects.get(entity_type__name="server", name=server)
    return entity_contents(entity).tables["WindowsImageTab"]


def test_the_appserver_sets_timestamp_of_its_own_row_and_only_that_cell(megatron):
    seq = Change.objects.order_by("-seq").first().seq
    answer = megatron.post(SYNCED.format("megatron"), {"image": "cs_lab", "timestamp": NOW})
    assert answer.status_code == 200, answer.content
    assert image_table("megatron") == [
        {"wi_image": "cs_lab", "TimeStamp": NOW},
        {"wi_image": "csi5", "TimeStamp": OLD},
    ]
    changes = Change.objects.filter(seq__gt=seq)
    assert [(c.entity, c.variable, c.new_value) for c in changes] == [
        ("megatron", "TimeStamp", NOW)
    ]


@pytest.mark.parametrize(
    "host, body, status, message",
    [
        ("odie", {"image": "cs_lab", "timestamp": NOW}, 403, "Only this host's agent token"),
        ("megatron", {"image": "notes", "timestamp": NOW}, 400, "megatron has no WindowsImageTab"),
        ("megatron", {"image": "cs_lab", "timestamp": "yesterday"}, 400, "is not YYYY-MM-DD"),
        (
            "megatron",
            {"image": "cs_lab", "timestamp": "2999-01-01 00:00:00"},
            400,
            "is in the future",
        ),
        ("megatron", {"image": "cs_lab"}, 400, "required"),
    ],
)
def test_nothing_else_can_be_written(megatron, host, body, status, message):
    seq = Change.objects.order_by("-seq").first().seq
    answer = megatron.post(SYNCED.format(host), body, format="json")
    assert answer.status_code == status
    assert message in str(answer.json())
    assert not Change.objects.filter(seq__gt=seq).exists()


def test_other_fields_are_ignored(megatron):
    answer = megatron.post(
        SYNCED.format("megatron"),
        {"image": "csi5", "timestamp": NOW, "wi_image": "cs_lab", "iscsi_image_vgroup": "vg9"},
        format="json",
    )
    assert answer.status_code == 200
    assert image_table("megatron")[0] == {"wi_image": "cs_lab", "TimeStamp": "none"}
    assert image_table("odie")[1]["TimeStamp"] == OLD
    entity = Entity.objects.get(entity_type__name="server", name="megatron")
    assert "iscsi_image_vgroup" not in entity_contents(entity).values


STATE_REPORT = {
    "vgroup": "vg2",
    "free_bytes": 10 << 30,
    "masters": [
        {"image": "cs_lab", "volume": "cs_lab_m", "size": 80 << 30, "timestamp": OLD, "sync": ""}
    ],
    "cows": [
        {
            "client": "rook",
            "volume": "rook_c",
            "origin": "cs_lab_m",
            "cow_size": 2 << 30,
            "written": 1 << 30,
            "created": "2024-05-20T10:00:00+00:00",
        }
    ],
    "targets": [
        {
            "iqn": "iqn.1989-06.edu.example.cs.megatron:cs-lab:rook",
            "device": "/dev/vg2/rook_c",
            "initiators": ["iqn.1989-06.edu.example.cs.rook:system-disk"],
            "sessions": [],
        }
    ],
}


def test_the_state_report_replaces_the_last(megatron):
    assert megatron.post(STATE.format("megatron"), STATE_REPORT, format="json").status_code == 200
    emptier = {**STATE_REPORT, "cows": [], "targets": []}
    assert megatron.post(STATE.format("megatron"), emptier, format="json").status_code == 200
    [state] = IscsiState.objects.all()
    assert (state.host, state.cows, state.masters) == ("megatron", [], STATE_REPORT["masters"])
    assert megatron.post(STATE.format("odie"), STATE_REPORT, format="json").status_code == 403
    bad = {**STATE_REPORT, "free_bytes": -1}
    assert megatron.post(STATE.format("megatron"), bad, format="json").status_code == 400
