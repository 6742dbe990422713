"""Printing on a print server: the CUPS queues of the printer entities it serves, and the
accounting backend that counts, charges and reports every job. Plain data in, the API out:
nothing here imports Django or the ORM.

The agent loads this package as a plug-in (workers.host.settings.PLUG_INS)."""

from workers.host.registry import register

register(__name__, "printing.host.agent:host_side")
