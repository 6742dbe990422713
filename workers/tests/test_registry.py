"""The agent loads each app's host side by module name (workers.host.settings.PLUG_INS)."""

from __future__ import annotations

import pytest

from workers.host.agent import Agent
from workers.host.consumer import run_task
from workers.host.registry import HostSide, host_sides
from workers.host.settings import PLUG_INS, AgentSettings
from workers.host.worker import agent_tasks


@pytest.fixture
def agent(tmp_path) -> Agent:
    return Agent(
        AgentSettings(
            host="odie",
            server="http://127.0.0.1:1",
            token="t",
            broker="redis://127.0.0.1:1/0",
            root=tmp_path / "root",
            etc=tmp_path / "etc",
        )
    )


def test_the_agent_runs_monitoring_as_a_plug_in(agent):
    assert "nms.host" in PLUG_INS
    (nms,) = host_sides(["nms.host"], agent)
    assert list(nms.tasks) == ["nms.collect"]
    assert [job.name for job in nms.jobs] == ["nms-collection"]


def test_a_module_that_registers_no_host_side_is_refused(agent):
    with pytest.raises(ImportError, match="workers.host.paths registers nothing"):
        host_sides(["workers.host.paths"], agent)


def test_a_plug_in_task_may_be_any_callable(agent):
    ran = []
    side = HostSide(tasks={"demo.ping": lambda value: ran.append(value) or value})
    run_task(agent_tasks(agent, [side]), {"task": "demo.ping"}, [[7], {}, {}])
    assert ran == [7]
