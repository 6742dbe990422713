"""Images and boot services on a host: each module adds its host programs here. Plain data in,
the API out: nothing here imports Django or the ORM.

The agent loads this package as a plug-in (workers.host.settings.PLUG_INS)."""

from workers.host.registry import register

from . import blockimage, bootcommands, lnrsync, syncnow
from .iscsi import syncimage

register(
    __name__,
    syncnow.host_side,
    commands=[*bootcommands.COMMANDS, *blockimage.COMMANDS, lnrsync.COMMAND, syncimage.COMMAND],
)
