"""The file webtool's actions (guide 2.5): accepting a new version of a file instance (check
it, commit it to the master store, and update the fileMgr entity's FileTable hashes in the
same action), and naming a group instance in its hosts' Config_Files_Table."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from core.hosts import HOST_TYPES
from core.permissions import MANAGE_FILES, require
from core.rows import columns_of
from entities.models import Entity
from entities.reading import entity_contents
from entities.services import do_set_many, do_set_values, keeper_writes, username

from .hashing import NO_HASH, file_hash
from .resolution import (
    CONFIG_FILES_TABLE,
    FILE_GROUP,
    FILE_ID,
    FILE_TYPE,
    HASH,
    INSTANCE,
    PREV_HASH,
    TEMPLATE,
    ManagedFile,
    is_instance_name,
    managed_file,
)
from .store import MasterStore, StoreError
from .templating import TemplateError, compile_template

FILE_TABLE_NAME = "FileTable"


def file_table(entity: Entity) -> list[dict[str, str]]:
    return entity_contents(entity, show_secrets=True).tables.get(FILE_TABLE_NAME, [])


def entity_managed_file(entity: Entity) -> ManagedFile:
    """A fileMgr entity as resolution reads it: table rows back to one list per column."""
    contents = entity_contents(entity, show_secrets=True)
    lists = dict(contents.values)
    for rows in contents.tables.values():
        lists |= columns_of(rows)
    return managed_file(entity.name, lists)


def do_add_to_group(file: str, group: str, members: Iterable[str], *, user: object) -> int:
    """Name group for file in each member host's Config_Files_Table, in one action: all or
    nothing. Returns the number of changes recorded."""
    require(user, MANAGE_FILES)
    edits = {}
    for host in Entity.objects.filter(
        entity_type__name__in=HOST_TYPES, name__in=list(members)
    ).select_related("entity_type"):
        rows = entity_contents(host, show_secrets=True).tables.get(CONFIG_FILES_TABLE, [])
        if not any(r.get(FILE_ID) == file and r.get(FILE_GROUP) == group for r in rows):
            rows.append({FILE_ID: file, FILE_GROUP: group})
            edits[host] = ({}, {CONFIG_FILES_TABLE: rows})
    return do_set_many(edits, user=user) if edits else 0


def do_commit_instance(
    entity: Entity,
    instance: str,
    content: bytes,
    *,
    template: bool,
    message: str,
    user: object,
    store: MasterStore | None = None,
) -> str:
    """Store content as instance of the managed file entity; returns the commit id.

    Refused without a log message, for a template that does not compile, and for content
    equal to the instance's current one."""
    require(user, MANAGE_FILES)
    errors: dict[str, list[str]] = {}
    if entity.entity_type.name != FILE_TYPE:
        raise ValidationError(f"{entity} is not a fileMgr entity")
    if not message.strip():
        errors["message"] = ["A log message is required."]
    if not is_instance_name(instance):
        errors["instance"] = [f"{instance!r} is not an instance name"]
    if template:
        try:
            compile_template(content, f"{entity.name}/{instance}")
        except TemplateError as exc:
            errors["content"] = [f"The template does not compile: {exc}"]
    if errors:
        raise ValidationError(errors)
    digest = file_hash(content)
    rows = file_table(entity)
    row = next((r for r in rows if r.get(INSTANCE) == instance), None)
    if row is None:
        row = {INSTANCE: instance, HASH: NO_HASH}
        rows.append(row)
    elif row.get(HASH) == digest and (row.get(TEMPLATE) == "yes") == template:
        raise ValidationError({"content": ["This is already the instance's content."]})
    row[PREV_HASH] = row.get(HASH) or NO_HASH
    row[HASH] = digest
    row[TEMPLATE] = "yes" if template else "no"
    store = store or MasterStore()
    name = username(user) or "labnet"
    email = getattr(user, "email", "") or f"{name}@labnet"
    with transaction.atomic():
        with keeper_writes():
            do_set_values(entity, tables={FILE_TABLE_NAME: rows}, user=user)
        # Last, so a refused database change leaves no commit; a failed commit rolls back.
        try:
            return store.commit(entity.name, instance, content, name, email, message.strip())
        except StoreError as exc:
            raise ValidationError(f"The master store refused the change: {exc}") from None
