"""WIMP's host side: the work a session asks of an appserver's agent (its master volume and
direct target, imaging into the archive and the copy to the master image server) and of a
client's agent (a local disk partition imaged or restored). Nothing here imports Django.

The agent loads this package as a plug-in (workers.host.settings.PLUG_INS)."""

from workers.host.registry import register

register(__name__, "wimp.host.tasks:host_side")
