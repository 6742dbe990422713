"""Factories for hosts with agents and managed files (the workers and filemgr tests)."""

from __future__ import annotations

from entities.models import Entity, EntityType
from filemgr.resolution import FILE_TYPE
from filemgr.services import do_commit_instance
from filemgr.store import MasterStore

from . import factories


def file_manager_type() -> EntityType:
    """The guide's fileMgr type (section 2.4) as the demo data defines it."""
    return factories.demo_type(FILE_TYPE)


def host_type(kind: str) -> EntityType:
    """The demo's client or server type: what resolution and the shipped templates read."""
    return factories.demo_type(kind)


def host(kind: str, name: str, **values) -> Entity:
    return factories.entity(host_type(kind), name, **values)


def managed_file(
    name: str,
    path: str,
    instances: dict[str, tuple[str, bool]],
    store: MasterStore | None = None,
    user: str = "tests",
    **values: str,
) -> Entity:
    """A fileMgr entity with its instances committed to the master store."""
    entity = Entity.objects.filter(entity_type__name="fileMgr", name=name).first()
    if entity is None:
        entity = factories.entity(
            file_manager_type(),
            name,
            path=path,
            owner="root",
            group="root",
            mode=values.pop("mode", "0644"),
            **values,
        )
    for instance, (content, template) in instances.items():
        do_commit_instance(
            entity,
            instance,
            content.encode(),
            template=template,
            message=f"{name} {instance}",
            user=user,
            store=store,
        )
    return entity
