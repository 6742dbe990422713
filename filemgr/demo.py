"""The demo's managed-file contents, `demo/files/<fileMgr entity>/<instance>`, committed to
the master store through the File webtool's own action (docs/demo-data.md). `manage.py demo`
and `manage.py gendata` both hold the demo's fileMgr entities."""

from __future__ import annotations

from entities.models import Entity
from entities.schema import DEMO_MIRROR

from .resolution import FILE_TYPE
from .services import do_commit_instance, entity_managed_file
from .store import MasterStore

DEMO_FILES = DEMO_MIRROR.parent / "files"
DEMO_USER = "demo"
DEMO_MESSAGE = "Demo data"


def commit_demo_files(store: MasterStore, user: str = DEMO_USER) -> int:
    """Commit demo/files/<file>/<instance> for every FileTable row whose content the master
    store lacks (a store that already has it may hold a user's later version)."""
    committed = 0
    for entity in Entity.objects.filter(entity_type__name=FILE_TYPE).order_by("name"):
        for instance in entity_managed_file(entity).instances:
            path = DEMO_FILES / entity.name / instance.name
            if store.read(entity.name, instance.name) is not None or not path.is_file():
                continue
            do_commit_instance(
                entity,
                instance.name,
                path.read_bytes(),
                template=instance.template,
                message=DEMO_MESSAGE,
                user=user,
                store=store,
            )
            committed += 1
    return committed
