"""The only writers of WIMP: each mode's start, a step done, imaging, abandoning, and what an
agent reports of a session's work. Configuration (the wimpSession and windowsImage entities,
the appserver's WindowsImageTab rows) changes only through entities.services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.permissions import RUN_WIMP, require
from core.runs import UNDER_WAY, locked_step
from entities import services as entity_services
from entities.models import Entity, EntityType

from . import images, sessions
from .choices import STEPS, Mode, TaskKind, TaskState
from .models import AgentTask
from .sessions import Session
from .tasks import queue

MAX_SHOWN = 20  # clients named in a refusal
# The step at which the local modes' client agent works, and its work there.
LOCAL_KINDS = {
    "imaging": TaskKind.LOCAL_IMAGE,
    "restore": TaskKind.LOCAL_RESTORE,
    "delete": TaskKind.LOCAL_DELETE,
}


class ImageInUse(ValidationError):
    """Refused because clients have the image as their windowsImage; clients lists them."""

    def __init__(self, message: str, clients: list[str]):
        super().__init__(message)
        self.clients = clients


def _names(names: list[str]) -> str:
    more = f" and {len(names) - MAX_SHOWN} more" if len(names) > MAX_SHOWN else ""
    return ", ".join(names[:MAX_SHOWN]) + more


def _refuse_users(image: str, doing: str) -> None:
    users = images.users_of(image)
    if users:
        raise ImageInUse(
            f"image {image} cannot be {doing} while clients boot it: {_names(users)} "
            "(move them to another windowsImage first)",
            users,
        )


def _start(image: str, mode: Mode, values: dict[str, str], user: object) -> Session:
    try:
        with transaction.atomic():
            return sessions.do_open(image, mode, values, user=user)
    except IntegrityError:  # two administrators at the same moment: the other one won
        raise ValidationError(f"image {image} already has a WIMP session") from None


def _add_to_tab(server: str, image: str, user: object) -> None:
    entity = Entity.objects.get(entity_type__name="server", name=server)
    rows = images.table(images.appserver(server), "wi_image", "TimeStamp")
    entity_services.do_set_values(
        entity,
        tables={images.TAB: [*rows, {"wi_image": image, "TimeStamp": "none"}]},
        user=user,
    )
    sessions.record(image, f"{image} added to {server}'s {images.TAB} (TimeStamp none)", user)


def _prepare(session: Session, mode: str, user: object) -> AgentTask:
    task = queue(
        session.image,
        session.server,
        TaskKind.PREPARE,
        sessions.username(user),
        {
            "image": session.image,
            "client": session.client,
            "size": images.size_bytes(session.image_size, "image size"),
            "mode": mode,
            "source": session.source_image,
        },
    )
    sessions.record(
        session.image,
        f"asked {session.server}'s agent for the master volume {session.image}_m and a "
        f"read-write target for {session.client} only",
        user,
    )
    return task


def _create_image(image: str, server: str, values: dict[str, str], user: object) -> None:
    image_type = EntityType.objects.filter(name=images.IMAGE_TYPE).first()
    if image_type is None:
        raise ValidationError(f"there is no {images.IMAGE_TYPE} entity type")
    given = {k: [v] for k, v in values.items() if v}
    entity_services.do_create_entity(image_type, image, given, user=user)
    sessions.record(image, f"windowsImage {image} created ({values['imageLvSize']})", user)


def do_new_install(
    server: str, client: str, image: str, image_size: str, cow_size: str, *, user: object
) -> Session:
    """New Managed Install: the session, the windowsImage, its WindowsImageTab row, then the
    appserver's agent makes the master volume and the client's direct target."""
    require(user, RUN_WIMP)
    found = images.appserver(server)
    images.client_of(server, client)
    images.check_image_name(image)
    images.size_bytes(image_size, "image size")
    images.size_bytes(cow_size, "COW size")
    if images.values(images.IMAGE_TYPE, image) is not None:
        raise ValidationError(f"image {image} exists: choose another name, or Update it")
    dept = images.first(found, "dept")
    if not dept:
        raise ValidationError(f"{server} has no dept: its images go to /images/<dept>")
    archive = f"/images/{dept}"
    with transaction.atomic():
        session = _start(
            image,
            Mode.NEW,
            {"server": server, "client": client, "image_size": image_size, "cow_size": cow_size,
             "archive_dir": archive},
            user,
        )  # fmt: skip
        _create_image(
            image,
            server,
            {"directory": archive, "imageLvSize": image_size, "cowLvSize": cow_size,
             "dept": dept, "os": "win7", "master_server": server},
            user,
        )  # fmt: skip
        _add_to_tab(server, image, user)
        _prepare(session, Mode.NEW, user)
    return session


def do_update(server: str, client: str, image: str, *, user: object) -> Session:
    """Update Managed Image: refused while any client has the image as its windowsImage."""
    require(user, RUN_WIMP)
    images.appserver(server)
    images.client_of(server, client)
    found = images.image_values(image)
    if image not in images.images_of(server):
        raise ValidationError(f"image {image} is not in {server}'s {images.TAB}")
    _refuse_users(image, "updated")
    with transaction.atomic():
        session = _start(
            image,
            Mode.UPDATE,
            {"server": server, "client": client,
             "image_size": images.first(found, "imageLvSize"),
             "cow_size": images.first(found, "cowLvSize"),
             "archive_dir": images.first(found, "directory")},
            user,
        )  # fmt: skip
        _prepare(session, Mode.UPDATE, user)
    return session


def do_clone(
    server: str,
    client: str,
    source: str,
    image: str,
    image_size: str = "",
    cow_size: str = "",
    *,
    user: object,
) -> Session:
    """Clone Managed Image: a new windowsImage holding source's master (optionally of
    another size), to be updated while clients keep booting source."""
    require(user, RUN_WIMP)
    images.appserver(server)
    images.client_of(server, client)
    found = images.image_values(source)
    if source not in images.images_of(server):
        raise ValidationError(f"image {source} is not in {server}'s {images.TAB}")
    images.check_image_name(image)
    if images.values(images.IMAGE_TYPE, image) is not None:
        raise ValidationError(f"image {image} exists: choose another name for the clone")
    image_size = image_size or images.first(found, "imageLvSize")
    cow_size = cow_size or images.first(found, "cowLvSize")
    images.size_bytes(image_size, "image size")
    images.size_bytes(cow_size, "COW size")
    archive = images.first(found, "directory")
    with transaction.atomic():
        session = _start(
            image,
            Mode.CLONE,
            {"server": server, "client": client, "image_size": image_size,
             "cow_size": cow_size, "source_image": source, "archive_dir": archive},
            user,
        )  # fmt: skip
        _create_image(
            image,
            server,
            {"directory": archive, "imageLvSize": image_size, "cowLvSize": cow_size,
             "dept": images.first(found, "dept"), "os": "win7", "master_server": server,
             "description": f"clone of {source}"},
            user,
        )  # fmt: skip
        _add_to_tab(server, image, user)
        _prepare(session, Mode.CLONE, user)
    return session


def do_delete(server: str, image: str, *, user: object) -> Session:
    """Delete Managed Image: refused while clients use it or another appserver lists it;
    the agent removes the master, then the row and the entity go."""
    require(user, RUN_WIMP)
    images.appserver(server)
    found = images.image_values(image)
    _refuse_users(image, "deleted")
    others = [s for s in images.listed_by(image) if s != server]
    if others:
        raise ValidationError(
            f"image {image} cannot be deleted while other appservers list it in their "
            f"{images.TAB}: {_names(others)}"
        )
    with transaction.atomic():
        session = _start(
            image,
            Mode.DELETE,
            {"server": server, "archive_dir": images.first(found, "directory")},
            user,
        )
        queue(image, server, TaskKind.REMOVE, sessions.username(user), {"image": image})
        sessions.record(image, f"asked {server}'s agent to remove the master volume", user)
    return session


def do_local(
    mode: Mode, client: str, image: str, partition: str, archive_dir: str, *, user: object
) -> Session:
    """A client's local disk image (local_image, local_restore, or the XP WIMP): the
    session's work runs on the client's own agent, booted into Linux."""
    require(user, RUN_WIMP)
    found = images.values("client", client)
    if found is None:
        raise ValidationError(f"{client[:70]!r} is not a client")
    images.check_image_name(image)
    if ".." in archive_dir.split("/"):
        # The client's agent writes and deletes the image there: never outside the directory.
        raise ValidationError(f"image directory {archive_dir[:70]!r}: no '..' in it")
    server = images.first(found, "server") or images.first(found, "appserver")
    with transaction.atomic():
        session = _start(
            image,
            mode,
            {"server": server, "client": client, "partition": partition,
             "archive_dir": archive_dir},
            user,
        )  # fmt: skip
        return sessions.do_set_stage(session, STEPS[mode][1], user=user)


def _next(session: Session, step: str) -> str:
    return session.steps[session.steps.index(step) + 1]


def _under_way(image: str) -> AgentTask | None:
    return AgentTask.objects.filter(image=image, state__in=UNDER_WAY).first()


def do_step_done(image: str, step: str, *, user: object, choice: str = "") -> Session:
    """The administrator's "done" on the step the session is at. XP's Select Type takes a
    choice: create (the install), upgrade (on to Software Setup), restore or delete (the
    session becomes a local restore or delete)."""
    require(user, RUN_WIMP)
    session = sessions.get(image)
    if step != session.stage:
        raise ValidationError(f"the session of {image} is at {session.stage}, not at {step}")
    if step == "finalize" and session.mode != Mode.DELETE:
        sessions.record(image, "image accepted for distribution: session finished", user)
        sessions.do_close(image, user=user)
        return session
    if step in ("start", "imaging", "restore", "delete", "finalize"):
        raise ValidationError(f"the {step} step ends with the agent's work, not a button")
    if step == "select_type":
        targets = {"create": "xp_install", "upgrade": "software"}
        becomes = {
            "restore": (Mode.LOCAL_RESTORE, "restore"),
            "delete": (Mode.LOCAL_DELETE, "delete"),
        }
        if choice in becomes:
            mode, stage = becomes[choice]
            session = sessions.do_set(session, {"mode": mode, "stage": stage}, user=user)
            sessions.record(image, f"Select Type: {Mode(mode).label}", user)
            return session
        if choice not in targets:
            raise ValidationError("choose Create, Upgrade, Restore or Delete")
        sessions.record(image, f"Select Type: {choice}", user)
        return sessions.do_set_stage(session, targets[choice], user=user)
    sessions.record(image, f"{step} done", user)
    return sessions.do_set_stage(session, _next(session, step), user=user)


def do_start_imaging(image: str, *, user: object) -> AgentTask:
    """Imaging: the appserver's agent captures the master into the archive and copies it to
    the master image server; a local mode's client agent images its partition, restores it
    or deletes the image."""
    require(user, RUN_WIMP)
    session = sessions.get(image)
    if session.stage not in LOCAL_KINDS:
        raise ValidationError(f"the session of {image} is at {session.stage}, not at imaging")
    who = sessions.username(user)
    if session.mode in (Mode.LOCAL_IMAGE, Mode.XP, Mode.LOCAL_RESTORE, Mode.LOCAL_DELETE):
        arguments = {"image": image, "archive_dir": session.archive_dir}
        if session.stage != "delete":
            arguments["partition"] = session.partition
        return _queue(session, session.client, LOCAL_KINDS[session.stage], who, arguments)
    host, directory = images.master_image_server(session.server, session.archive_dir)
    arguments = {"image": image, "archive_dir": session.archive_dir, "master_host": host,
                 "master_dir": directory}  # fmt: skip
    return _queue(session, session.server, TaskKind.CAPTURE, who, arguments)


def _queue(session: Session, host: str, kind: str, who: str, arguments: dict) -> AgentTask:
    if _under_way(session.image):
        raise ValidationError(f"the session of {session.image} has work under way already")
    with transaction.atomic():
        task = queue(session.image, host, kind, who, arguments)
        sessions.record(session.image, f"asked {host}'s agent to {TaskKind(kind).label}", who)
    return task


def do_retry(image: str, *, user: object) -> AgentTask:
    """Send the session's last failed work again."""
    require(user, RUN_WIMP)
    session = sessions.get(image)
    last = AgentTask.objects.filter(image=image).first()
    if last is None or last.state != TaskState.FAILED:
        raise ValidationError(f"the session of {image} has no failed work to try again")
    return _queue(session, last.host, last.kind, sessions.username(user), last.arguments)


def do_finish_delete(image: str, remove_archive: bool, *, user: object) -> AgentTask | None:
    """The second confirmation of a delete: remove the archived files on the master image
    server (the nightly lnrsync's --delete takes them from every copy), or keep them."""
    require(user, RUN_WIMP)
    session = sessions.get(image)
    if session.mode != Mode.DELETE or session.stage != "finalize":
        raise ValidationError(f"the session of {image} is not a finished delete")
    if not remove_archive:
        sessions.record(image, "archived files kept", user)
        sessions.do_close(image, user=user)
        return None
    host, directory = images.master_image_server(session.server, session.archive_dir)
    arguments = {"image": image, "archive_dir": directory}
    return _queue(session, host, TaskKind.REMOVE_ARCHIVE, sessions.username(user), arguments)


def do_abandon(image: str, *, user: object) -> None:
    """Abandon (after its confirmation): the session goes; what was built stays (Delete
    Managed Image removes an image)."""
    require(user, RUN_WIMP)
    sessions.get(image)
    with transaction.atomic():
        AgentTask.objects.filter(image=image, state__in=UNDER_WAY).update(
            state=TaskState.FAILED, message="the session was abandoned", updated=timezone.now()
        )
        sessions.record(image, "session abandoned", user)
        sessions.do_close(image, user=user)


# --- what agents report ---------------------------------------------------------------


def do_record_report(
    host: str, task_id: int, state: str, message: str, detail: dict[str, Any] | None = None
) -> AgentTask:
    """A host's agent reports a session's work: running, then done or failed; done moves
    the session on. A report without detail keeps the last one."""
    with transaction.atomic():
        tasks = AgentTask.objects.filter(host=host)
        task = locked_step(tasks, task_id, state, f"{host} has no WIMP task {task_id}")
        task.report(state, message, detail=detail or task.detail)
        if state == TaskState.FAILED:
            sessions.record(task.image, f"{host}: {message}", host)
        elif state == TaskState.DONE:
            sessions.record(task.image, f"{host}: {message}", host)
            _done(task)
    return task


def _done(task: AgentTask) -> None:
    session = sessions.find(task.image)
    if session is None:
        return  # abandoned meanwhile
    if task.kind == TaskKind.PREPARE:
        sessions.do_set_stage(session, _next(session, "start"), user=task.host)
    elif task.kind == TaskKind.CAPTURE:
        _stamp(session, task.detail.get("timestamp", ""), task.host)
        sessions.record(task.image, "archive verified: session finished", task.host)
        sessions.do_close(task.image, user=task.host)
    elif task.kind == TaskKind.REMOVE:
        _drop_image(session, task.host)
        sessions.do_set_stage(session, "finalize", user=task.host)
    elif task.kind == TaskKind.LOCAL_IMAGE and session.mode == Mode.XP:
        sessions.do_set_stage(session, "testing", user=task.host)
    else:  # the archive removed, a local image made, restored or deleted
        sessions.record(task.image, "session finished", task.host)
        sessions.do_close(task.image, user=task.host)


def _stamp(session: Session, timestamp: str, host: str) -> None:
    """The appserver's master is the archive now: its row's TimeStamp says so, so its
    syncimage does not rebuild the master from the files just made of it."""
    if not timestamp:
        return
    entity = Entity.objects.get(entity_type__name="server", name=session.server)
    rows = images.table(images.appserver(session.server), "wi_image", "TimeStamp")
    for row in rows:
        if row["wi_image"] == session.image:
            row["TimeStamp"] = timestamp
    entity_services.do_set_values(entity, tables={images.TAB: rows}, user=host)


def _drop_image(session: Session, host: str) -> None:
    entity = Entity.objects.get(entity_type__name="server", name=session.server)
    rows = images.table(images.appserver(session.server), "wi_image", "TimeStamp")
    kept = [r for r in rows if r["wi_image"] != session.image]
    entity_services.do_set_values(entity, tables={images.TAB: kept}, user=host)
    image = Entity.objects.filter(entity_type__name=images.IMAGE_TYPE, name=session.image).first()
    if image is not None:
        entity_services.do_delete_entity(image, user=host)
    sessions.record(
        session.image, f"{session.image} removed from {session.server}'s {images.TAB} and "
        "its windowsImage entity deleted", host
    )  # fmt: skip
