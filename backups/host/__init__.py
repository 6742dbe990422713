"""Backups on a backup server: backupsync and bkupclean (guide 4.5), and the web tool's
"back up now" task. Plain data in, the API out: nothing here imports Django or the ORM.

The agent loads this package as a plug-in (workers.host.settings.PLUG_INS)."""

from workers.host.registry import register

register(
    __name__,
    "backups.host.backupnow:host_side",
    programs={
        "backupsync": "backups.host.commands:COMMANDS",
        "bkupclean": "backups.host.commands:COMMANDS",
    },
)
