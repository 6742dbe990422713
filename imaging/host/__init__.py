"""Images and boot services on a host: each module adds its host programs here. Plain data in,
the API out: nothing here imports Django or the ORM.

The agent loads this package as a plug-in (workers.host.settings.PLUG_INS). Its modules are
named, not imported: a host program imports only its own (workers.host.registry)."""

from workers.host.registry import register

register(
    __name__,
    "imaging.host.agent:host_side",
    programs={
        "tftpd": "imaging.host.bootcommands:COMMANDS",
        "menuserver": "imaging.host.bootcommands:COMMANDS",
        "makeimage": "imaging.host.blockimage.commands:COMMANDS",
        "restoreimage": "imaging.host.blockimage.commands:COMMANDS",
        "reimage": "imaging.host.blockimage.reimage:COMMAND",
        "lnrsync": "imaging.host.lnrsync:COMMAND",
        "syncimage": "imaging.host.iscsi.syncimage:COMMAND",
    },
)
