"""The session rules and each mode's refusals: what is stored, what is sent, and that a
refusal names what is at fault and writes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from entities.models import Entity
from entities.reading import entity_contents
from testing import factories
from wimp import services, sessions
from wimp.models import AgentTask, SessionEvent

pytestmark = pytest.mark.usefixtures("guide_campus")


def tab(server: str = "megatron") -> list[dict[str, str]]:
    entity = Entity.objects.get(entity_type__name="server", name=server)
    return entity_contents(entity).tables.get("WindowsImageTab", [])


def entity_exists(entity_type: str, name: str) -> bool:
    return Entity.objects.filter(entity_type__name=entity_type, name=name).exists()


def test_a_new_install_records_each_step_and_sends_the_agent_its_work(
    wimpadmin, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session = services.do_new_install(
            "megatron", "bunting", "cs_lab2", "50G", "2G", user=wimpadmin
        )
    assert (session.mode, session.server, session.client, session.stage) == (
        "new", "megatron", "bunting", "start"
    )  # fmt: skip
    assert (session.image_size, session.cow_size, session.owner) == ("50G", "2G", "wimpadmin")
    image = entity_contents(Entity.objects.get(entity_type__name="windowsImage", name="cs_lab2"))
    assert image.values["imageLvSize"] == ["50G"] and image.values["directory"] == ["/images/cs"]
    assert tab()[-1] == {"wi_image": "cs_lab2", "TimeStamp": "none"}
    texts = list(SessionEvent.objects.values_list("text", flat=True))
    assert texts[1] == "windowsImage cs_lab2 created (50G)"
    assert "added to megatron's WindowsImageTab" in texts[2]
    assert "read-write target for bunting only" in texts[3]
    [(name, kwargs, queue)] = broker
    assert (name, queue) == ("wimp.prepare", "host.megatron")
    assert kwargs["size"] == 50 << 30 and kwargs["client"] == "bunting"


def test_one_session_per_image(wimpadmin, broker):
    other = factories.user("admin", "second")
    services.do_new_install("megatron", "bunting", "cs_lab2", "50G", "2G", user=wimpadmin)
    with pytest.raises(ValidationError, match="cs_lab2 exists"):
        services.do_new_install("megatron", "heron", "cs_lab2", "50G", "2G", user=other)
    # The session's own name holds even where the image check cannot (a delete's session).
    with pytest.raises(ValidationError, match="already has a WIMP session, started by wimpadmin"):
        sessions.do_open("cs_lab2", "delete", {"server": "megatron"}, user=other)
    assert [s.owner for s in sessions.sessions()] == ["wimpadmin"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("sapphire", "bunting", "x1", "50G", "2G"), "bunting is not served by sapphire"),
        (("pooky", "bunting", "x1", "50G", "2G"), "'pooky' is not a Windows 7 appserver"),
        (("megatron", "bunting", "Big", "50G", "2G"), "image name 'Big'"),
        (("megatron", "bunting", "x1", "50X", "2G"), "image size '50X' is not a size"),
        (("megatron", "bunting", "x1", "50G", "0"), "COW size '0' is not a size"),
        (("megatron", "bunting", "cs_lab", "50G", "2G"), "image cs_lab exists"),
    ],
)
def test_a_refused_install_names_the_fault_and_writes_nothing(wimpadmin, broker, args, message):
    with pytest.raises(ValidationError, match=message):
        services.do_new_install(*args, user=wimpadmin)
    assert not entity_exists("wimpSession", args[2]) and broker == []
    assert [r["wi_image"] for r in tab()] == ["cs_lab"]


def test_a_local_image_directory_that_climbs_out_is_refused(wimpadmin, broker):
    with pytest.raises(ValidationError, match="image directory '/images/../etc': no '..' in it"):
        services.do_local("xp", "heron", "xp_lab", "/dev/sda1", "/images/../etc", user=wimpadmin)
    assert sessions.find("xp_lab") is None and broker == []


def test_update_is_refused_while_clients_boot_the_image(wimpadmin, broker):
    with pytest.raises(services.ImageInUse) as refused:
        services.do_update("megatron", "bunting", "cs_lab", user=wimpadmin)
    assert refused.value.clients == ["finch"]
    assert "finch" in refused.value.message and not entity_exists("wimpSession", "cs_lab")


def test_delete_is_refused_while_used_or_listed_elsewhere(wimpadmin, broker):
    with pytest.raises(ValidationError, match="while clients boot it: finch"):
        services.do_delete("megatron", "cs_lab", user=wimpadmin)
    finch = Entity.objects.get(entity_type__name="client", name="finch")
    from entities import services as entity_services

    entity_services.do_set_values(finch, {"windowsImage": []}, user="tests")
    sapphire = Entity.objects.get(entity_type__name="server", name="sapphire")
    entity_services.do_set_values(
        sapphire, tables={"WindowsImageTab": [{"wi_image": "cs_lab", "TimeStamp": "none"}]}
    )
    with pytest.raises(ValidationError, match="other appservers list it .*: sapphire"):
        services.do_delete("megatron", "cs_lab", user=wimpadmin)
    assert broker == [] and entity_exists("windowsImage", "cs_lab")


def test_only_the_host_doing_the_work_reports_it(
    wimpadmin, broker, django_capture_on_commit_callbacks
):
    services.do_new_install("megatron", "bunting", "cs_lab2", "50G", "2G", user=wimpadmin)
    task = AgentTask.objects.get()
    with pytest.raises(ValidationError, match="sapphire has no WIMP task"):
        services.do_record_report("sapphire", task.pk, "done", "", {})
    services.do_record_report("megatron", task.pk, "failed", "vg2 is full", {})
    assert sessions.get("cs_lab2").stage == "start"
    with pytest.raises(ValidationError, match="failed already"):
        services.do_record_report("megatron", task.pk, "done", "", {})
    with django_capture_on_commit_callbacks(execute=True):
        retried = services.do_retry("cs_lab2", user=wimpadmin)
    assert retried.arguments == task.arguments and [name for name, _, _ in broker] == [
        "wimp.prepare"
    ]


def test_abandon_removes_the_session_and_keeps_the_image(wimpadmin, broker):
    services.do_new_install("megatron", "bunting", "cs_lab2", "50G", "2G", user=wimpadmin)
    services.do_abandon("cs_lab2", user=wimpadmin)
    assert sessions.find("cs_lab2") is None and entity_exists("windowsImage", "cs_lab2")
    assert AgentTask.objects.get().state == "failed"


def test_an_editor_may_not_run_wimp(broker):
    editor = factories.user("editor")
    with pytest.raises(Exception, match="does not allow"):
        services.do_new_install("megatron", "bunting", "cs_lab2", "50G", "2G", user=editor)
