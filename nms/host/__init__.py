"""Network monitoring on a host: the collectors and the agent's part that runs them and
posts the report. Plain data in, the API out: nothing here imports Django or the ORM.

The agent loads this package as a plug-in (workers.host.settings.PLUG_INS)."""

from workers.host.registry import register

register(__name__, "nms.host.agent:host_side")
