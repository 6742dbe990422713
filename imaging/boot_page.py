"""How one client boots, as the boot page shows it: its appserver, bootfile, the menu
lntftpd will send and the iPXE script menuserver will send (rendered now from the database,
from the template instances the appserver gets), its host block in the DHCP server's
dhcpd.conf, and the requests the appserver's daemons saw from it lately."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.http import Http404

from core.hosts import SERVER
from entities.models import Entity
from filemgr.resolution import FILE_TYPE, BadManagedFile, host_facts, resolve
from filemgr.services import entity_managed_file
from filemgr.store import MasterStore
from filemgr.templating import TemplateError, UnknownHost, compile_template
from filemgr.templating.sources.database import DatabaseSource

from .host.bootclients import BOOT_TYPES, TEMPLATE_DIR
from .host.bootfiles import BOOT_DIR
from .models import BootDaemon, BootRequest

DHCPD_PATH = "/etc/dhcp/dhcpd.conf"
SHOWN_REQUESTS = 20


@dataclass(frozen=True)
class Rendered:
    """A file rendered for the page: which managed file and instance, its output or why
    there is none."""

    label: str
    output: str = ""
    problem: str = ""


def boot_client(name: str) -> Entity:
    """The client or standalone entity of the page; 404 for any other name."""
    found = (
        Entity.objects.select_related("entity_type")
        .filter(entity_type__name__in=BOOT_TYPES, name=name)
        .first()
    )
    if found is None:
        raise Http404(f"No client or standalone named {name}.")
    return found


def _first(values: Mapping[str, list[str]] | None, variable: str) -> str:
    return ((values or {}).get(variable) or [""])[0].strip()


class OneClient:
    """The source as a file rendered for a server sees it, but with the boot client alone
    among the boot types' entities: dhcpd.conf then holds that client's host block only,
    in as many queries however many clients the server has."""

    def __init__(self, source: DatabaseSource, entity_type: str, name: str):
        self.source, self.entity_type, self.name = source, entity_type, name

    def entity_values(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        return self.source.entity_values(entity_type, name)

    def entity_names(self, entity_type: str) -> list[str]:
        return self._only(entity_type, self.source.entity_names(entity_type))

    def entities_where(self, entity_type: str, variable: str, values: Collection[str]) -> set[str]:
        return set(
            self._only(entity_type, self.source.entities_where(entity_type, variable, values))
        )

    def entity_types(self) -> list[str]:
        return self.source.entity_types()

    def _only(self, entity_type: str, names: Collection[str]) -> list[str]:
        if entity_type not in BOOT_TYPES:
            return sorted(names)
        return [self.name] if entity_type == self.entity_type and self.name in names else []


class BootPage:
    """Everything the boot page shows for one client, read for one user."""

    def __init__(self, entity: Entity, show_secrets: bool):
        self.entity = entity
        self.source = DatabaseSource(show_secrets=show_secrets)
        self.values = self.source.entity_values(entity.entity_type.name, entity.name) or {}
        self.server = _first(self.values, "server")
        self.appserver = _first(self.values, "appserver") or self.server
        self.store = MasterStore()

    def value(self, variable: str) -> str:
        return _first(self.values, variable)

    def menu(self, variable: str) -> Rendered:
        """The template the client's variable (menu_template, ipxe_menu) names, as the
        appserver holds it, rendered for the client."""
        name = self.value(variable)
        if not name:
            return Rendered(variable, problem=f"{self.entity.name} has no {variable}")
        path = f"/{BOOT_DIR}/{TEMPLATE_DIR}/{name}"
        template = self._installed(path, self.appserver)
        if template.problem:
            return template
        try:
            output = compile_template(template.output, f"{TEMPLATE_DIR}/{name}").render(
                self.source, self.entity.name, self.entity.entity_type.name
            )
        except (TemplateError, UnknownHost) as exc:
            return Rendered(template.label, problem=str(exc))
        return Rendered(template.label, output)

    def dhcp_entry(self) -> Rendered:
        """The client's host block in its server's dhcpd.conf."""
        found = self._installed(DHCPD_PATH, self.server, OneClient(self.source, *self._key()))
        if found.problem:
            return found
        block = host_block(found.output, self.entity.name)
        if not block:
            return Rendered(found.label, problem=f"{self.server}'s dhcpd.conf has no host block")
        return Rendered(found.label, block)

    def _key(self) -> tuple[str, str]:
        return self.entity.entity_type.name, self.entity.name

    def _installed(self, path: str, host: str, source: object | None = None) -> Rendered:
        """The file at path as the agent installs it on host: the managed file's instance
        for host, rendered for host when it is a template."""
        if not host:
            return Rendered(path, problem=f"{self.entity.name} has no server")
        file = (
            Entity.objects.select_related("entity_type")
            .filter(
                entity_type__name=FILE_TYPE,
                values__variable__name="path",
                values__value=path,
            )
            .first()
        )
        if file is None:
            return Rendered(path, problem=f"no managed file installs {path}")
        try:
            managed = entity_managed_file(file)
        except BadManagedFile as exc:
            return Rendered(file.name, problem=str(exc))
        facts = host_facts(host, SERVER, self.source.entity_values(SERVER, host) or {})
        instance = resolve(managed, facts)
        if instance is None:
            return Rendered(file.name, problem=f"{host} gets no instance of {file.name}")
        label = f"{file.name} {instance.name}"
        content = self.store.read(file.name, instance.name)
        if content is None:
            return Rendered(label, problem=f"{label} has no content in the master store")
        if not instance.template:
            return Rendered(label, content.decode(errors="replace"))
        try:
            output = compile_template(content, instance.name).render(source or self.source, host)
        except (TemplateError, UnknownHost) as exc:
            return Rendered(label, problem=str(exc))
        return Rendered(label, output)

    def requests(self) -> list[BootRequest]:
        return list(BootRequest.objects.filter(client=self.entity.name)[:SHOWN_REQUESTS])

    def daemons(self) -> list[BootDaemon]:
        return list(BootDaemon.objects.filter(host=self.appserver))


def host_block(conf: str, name: str) -> str:
    """The `host NAME { ... }` block of a dhcpd.conf, from its opening line to the brace
    that closes it at the line's start."""
    lines = conf.splitlines()
    try:
        start = lines.index(f"host {name} {{")
    except ValueError:
        return ""
    end = next((i for i in range(start + 1, len(lines)) if lines[i] == "}"), len(lines) - 1)
    return "\n".join(lines[start : end + 1])
