"""The File webtool (guide 2.5): pick a managed file, see its instances and who gets each,
create an instance, edit it in the browser, preview it for a host, commit it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from core.permissions import MANAGE_FILES, VIEW_SECRETS, LabnetView, require
from core.refusals import add_to_forms
from core.views import TableListView
from entities.models import Entity, Value

from .forms import InstanceEditForm, NewInstanceForm
from .hosts import all_host_facts
from .line_endings import as_file
from .resolution import (
    FILE_TYPE,
    INSTANCE,
    TEMPLATE,
    BadManagedFile,
    hosts_getting,
    resolve,
)
from .services import (
    do_add_to_group,
    do_commit_instance,
    entity_managed_file,
    file_table,
    is_instance_name,
)
from .store import MasterStore, StoreError
from .tables import ManagedFileTable
from .templating import TemplateError, UnknownHost, compile_template
from .templating.sources.database import DatabaseSource

HOSTS_SHOWN = 30


def file_entity(name: str) -> Entity:
    try:
        return Entity.objects.select_related("entity_type").get(
            entity_type__name=FILE_TYPE, name=name
        )
    except Entity.DoesNotExist:
        raise Http404(f"No managed file named {name}.") from None


def instance_entity(file: str, instance: str) -> Entity:
    """The fileMgr entity of an instance page; 404 for a name no instance can have."""
    if not is_instance_name(instance):
        raise Http404("not an instance name")
    return file_entity(file)


def instance_warning(entity: Entity, instance: str, host: str) -> str:
    """What to tell a user previewing instance for a host that gets another instance of the
    file (or none); "" when the host gets this one or is not a known host."""
    facts = next((h for h in all_host_facts() if h.name == host), None)
    if facts is None:
        return ""
    try:
        gets = resolve(entity_managed_file(entity), facts)
    except BadManagedFile:
        return ""
    if gets is None:
        return f"{host} does not get {instance}: it gets no instance of {entity.name}."
    if gets.name != instance:
        return f"{host} does not get {instance}: it gets {gets.name}."
    return ""


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """Each line of a diff with its class: "add", "del", "hunk" or "" (context, headers)."""
    lines = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = ""
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = ""
        lines.append((kind, line))
    return lines


def preview(
    content: str, template: bool, host: str, label: str, show_secrets: bool
) -> tuple[str, str]:
    """(output, error) of the instance for host, rendered from the database; secret values
    show as the mask unless show_secrets."""
    if not template:
        return content, ""
    source = DatabaseSource(show_secrets=show_secrets)
    try:
        return compile_template(content.encode(), label).render(source, host), ""
    except (TemplateError, UnknownHost) as exc:
        return "", str(exc)


class FileListView(LabnetView, TableListView):
    """Every managed file with its path; `?file=NAME` goes to that file's page."""

    template_name = "filemgr/file_list.html"
    table_class = ManagedFileTable

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if chosen := request.GET.get("file"):
            return redirect("filemgr:file", file_entity(chosen).name)
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        path = Value.objects.filter(entity=OuterRef("pk"), variable__name="path", indx=1)
        return (
            Entity.objects.filter(entity_type__name=FILE_TYPE)
            .annotate(path=Subquery(path.values("value")[:1]))
            .order_by("name")
        )


class FileView(LabnetView, View):
    """One managed file: its instances, the hosts getting each, a new instance."""

    def get(self, request: HttpRequest, file: str) -> HttpResponse:
        return self.show(request, file_entity(file), NewInstanceForm())

    def post(self, request: HttpRequest, file: str) -> HttpResponse:
        require(request.user, MANAGE_FILES)
        entity = file_entity(file)
        form = NewInstanceForm(request.POST)
        if not form.is_valid():
            return self.show(request, entity, form)
        if members := form.cleaned_data["members"]:
            try:
                do_add_to_group(
                    entity.name, form.cleaned_data["instance"], members, user=request.user
                )
            except ValidationError as refusal:
                add_to_forms(refusal, form)
                return self.show(request, entity, form)
        return redirect("filemgr:instance", entity.name, form.cleaned_data["instance"])

    def show(self, request: HttpRequest, entity: Entity, form: NewInstanceForm) -> HttpResponse:
        try:
            managed = entity_managed_file(entity)
        except BadManagedFile as exc:
            context = {"entity": entity, "error": str(exc), "form": form}
            return render(request, "filemgr/file.html", context)
        getting = hosts_getting(managed, all_host_facts())
        instances = [
            {
                "instance": i,
                "hosts": getting[i.name][:HOSTS_SHOWN],
                "more": max(0, len(getting[i.name]) - HOSTS_SHOWN),
                "count": len(getting[i.name]),
            }
            for i in managed.instances
        ]
        return render(
            request,
            "filemgr/file.html",
            {"entity": entity, "file": managed, "instances": instances, "form": form},
            status=400 if form.errors else 200,
        )


class InstanceView(LabnetView, View):
    """Edit one instance; Preview renders it for a host, Commit stores it with a log message."""

    def get(self, request: HttpRequest, file: str, instance: str) -> HttpResponse:
        entity = instance_entity(file, instance)
        store = MasterStore()
        current = store.read(file, instance)
        row = self.row(entity, instance)
        form = InstanceEditForm(
            initial={
                "content": (current or b"").decode(errors="replace"),
                "template": row.get(TEMPLATE) == "yes" if row else True,
            }
        )
        return self.show(request, entity, instance, form, store)

    def post(self, request: HttpRequest, file: str, instance: str) -> HttpResponse:
        entity = instance_entity(file, instance)
        form = InstanceEditForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        store = MasterStore()
        content = as_file(data["content"], store.read(file, instance))
        if "preview" in request.POST:
            return self.show(request, entity, instance, form, store, content)
        require(request.user, MANAGE_FILES)
        try:
            commit = do_commit_instance(
                entity,
                instance,
                content,
                template=data["template"],
                message=data["message"],
                user=request.user,
                store=store,
            )
        except ValidationError as refusal:
            add_to_forms(refusal, form)
            # The preview the user had stays beside the refusal.
            return self.show(request, entity, instance, form, store, content)
        messages.success(request, f"{file} {instance} committed as {commit[:10]}.")
        return redirect("filemgr:instance", file, instance)

    @staticmethod
    def row(entity: Entity, instance: str) -> dict[str, str] | None:
        return next((r for r in file_table(entity) if r.get(INSTANCE) == instance), None)

    def show(self, request, entity, instance, form, store, content=None) -> HttpResponse:
        """The editor; with content (bytes), its preview for the form's preview host."""
        context = {
            "entity": entity,
            "instance": instance,
            "row": self.row(entity, instance),
            "form": form,
            "history": store.history(entity.name, instance),
            "hosts": sorted(h.name for h in all_host_facts()),
        }
        host = form.cleaned_data["preview_host"].strip() if content is not None else ""
        if host:
            context["output"], context["error"] = preview(
                content.decode(),
                form.cleaned_data["template"],
                host,
                instance,
                request.user.has_perm(VIEW_SECRETS),
            )
            context["warning"] = instance_warning(entity, instance, host)
        return render(request, "filemgr/instance.html", context)


class InstanceHistoryView(LabnetView, View):
    """The commits of one instance, newest first, each with its diff."""

    def get(self, request: HttpRequest, file: str, instance: str) -> HttpResponse:
        entity = instance_entity(file, instance)
        context = {
            "entity": entity,
            "instance": instance,
            "history": MasterStore().history(file, instance),
        }
        return render(request, "filemgr/history.html", context)


class InstanceDiffView(LabnetView, View):
    def get(self, request: HttpRequest, file: str, instance: str, commit: str) -> HttpResponse:
        entity = file_entity(file)
        try:
            diff = MasterStore().diff(file, instance, commit)
        except StoreError as exc:
            raise Http404(str(exc)) from None
        return render(
            request,
            "filemgr/diff.html",
            {"entity": entity, "instance": instance, "commit": commit, "lines": diff_lines(diff)},
        )
