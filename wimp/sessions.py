"""The wimpSession entity: one per image (it is named like its image), holding the mode, the
appserver and client, the sizes, the step the session is at and who started it. Written only
through entities.services; read back as a Session."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from entities import services as entity_services
from entities.models import Entity, EntityType, Value

from .choices import STEPS, Mode
from .models import AgentTask, SessionEvent

SESSION_TYPE = "wimpSession"
FIELDS = (
    "mode", "server", "client", "stage", "image_size", "cow_size", "source_image",
    "archive_dir", "owner", "started", "partition",
)  # fmt: skip


@dataclass(frozen=True)
class Session:
    image: str
    mode: str
    server: str
    client: str
    stage: str
    image_size: str = ""
    cow_size: str = ""
    source_image: str = ""
    archive_dir: str = ""
    owner: str = ""
    started: str = ""
    partition: str = ""

    @property
    def steps(self) -> list[str]:
        return STEPS[self.mode]

    @property
    def mode_label(self) -> str:
        return Mode(self.mode).label

    def done(self, step: str) -> bool:
        return self.steps.index(step) < self.steps.index(self.stage)


def session_type() -> EntityType:
    found = EntityType.objects.filter(name=SESSION_TYPE).first()
    if found is None:
        raise ValidationError(f"there is no {SESSION_TYPE} entity type (load the demo schema)")
    return found


def _session_of(image: str, values: dict[str, list[str]]) -> Session:
    first = {name: (values.get(name) or [""])[0] for name in FIELDS}
    return Session(image=image, **first)


def sessions(**filters: str) -> list[Session]:
    """Every open session, by image (two queries); filters narrow on values (owner=...)."""
    rows = Value.objects.filter(entity__entity_type__name=SESSION_TYPE, variable__name__in=FIELDS)
    values: dict[str, dict[str, list[str]]] = {}
    for image, name, text in rows.values_list("entity__name", "variable__name", "value"):
        values.setdefault(image, {}).setdefault(name, []).append(text)
    names = Entity.objects.filter(entity_type__name=SESSION_TYPE).values_list("name", flat=True)
    found = [_session_of(n, values.get(n, {})) for n in sorted(names)]
    return [s for s in found if all(getattr(s, k) == v for k, v in filters.items())]


def find(image: str) -> Session | None:
    entity = Entity.objects.filter(entity_type__name=SESSION_TYPE, name=image).first()
    if entity is None:
        return None
    values: dict[str, list[str]] = {}
    for name, text in Value.objects.filter(entity=entity).values_list("variable__name", "value"):
        values.setdefault(name, []).append(text)
    return _session_of(image, values)


def get(image: str) -> Session:
    session = find(image)
    if session is None:
        raise ValidationError(f"there is no WIMP session for image {image}")
    return session


def username(user: object) -> str:
    return entity_services.username(user)


def record(image: str, text: str, by: object) -> None:
    """One step done, in the session's record."""
    SessionEvent.objects.create(
        image=image, at=timezone.now(), text=text[:500], by=username(by)[:150]
    )


def do_open(image: str, mode: str, values: dict[str, str], *, user: object) -> Session:
    """A new session for image; refused (by the entity's unique name) when one is open. The
    records of an earlier, finished session of the same image go."""
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    given = {k: [v] for k, v in values.items() if v}
    given.update(mode=[mode], stage=["start"], owner=[username(user)], started=[now])
    try:
        entity_services.do_create_entity(session_type(), image, given, user=user)
    except ValidationError as refused:
        if find(image) is not None:
            owner = find(image).owner
            raise ValidationError(
                f"image {image} already has a WIMP session, started by {owner}: resume it "
                "or abandon it first"
            ) from None
        raise refused
    SessionEvent.objects.filter(image=image).delete()
    AgentTask.objects.filter(image=image).exclude(state__in=("queued", "running")).delete()
    record(image, f"{Mode(mode).label} session started", user)
    return get(image)


def do_set_stage(session: Session, stage: str, *, user: object) -> Session:
    if stage not in session.steps:
        raise ValidationError(f"{stage!r} is not a step of a {session.mode_label} session")
    entity = Entity.objects.get(entity_type__name=SESSION_TYPE, name=session.image)
    entity_services.do_set_values(entity, {"stage": [stage]}, user=user)
    return get(session.image)


def do_set(session: Session, values: dict[str, str], *, user: object) -> Session:
    entity = Entity.objects.get(entity_type__name=SESSION_TYPE, name=session.image)
    entity_services.do_set_values(entity, {k: [v] for k, v in values.items()}, user=user)
    return get(session.image)


def do_close(image: str, *, user: object) -> None:
    """The session's entity goes (finished or abandoned); its record stays until the next
    session of the image."""
    entity = Entity.objects.filter(entity_type__name=SESSION_TYPE, name=image).first()
    if entity is not None:
        entity_services.do_delete_entity(entity, user=user)
