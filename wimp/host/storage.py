"""The appserver's storage for WIMP's work: lvm2 and LIO (imaging's one storage interface),
or, where LABNET_WIMP_STORAGE names a `module:function` taking the volume group, that
factory instead (the end-to-end tests' recording backend stands in for lvm2/LIO there)."""

from __future__ import annotations

import importlib
import os

from imaging.host.iscsi.storage import Storage

STORAGE_ENV = "LABNET_WIMP_STORAGE"


def storage_for(vgroup: str) -> Storage:
    named = os.environ.get(STORAGE_ENV, "")
    if named:
        module, _, function = named.partition(":")
        return getattr(importlib.import_module(module), function)(vgroup)
    from imaging.host.iscsi.lio import Lio
    from imaging.host.iscsi.lvm import Lvm

    return Storage(Lvm(vgroup), Lio())
