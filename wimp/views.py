"""WIMPng's pages: the home page (New Session, the stored sessions), each mode's start form,
and a session's page: its steps as panels with a "done" button, the behind-the-scenes record
and the live state the agent reports (reloaded with htmx while work is under way)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django_htmx.http import HttpResponseClientRefresh

from core.permissions import RUN_WIMP, PermissionView
from core.refusals import add_to_forms, refusal_text

from . import forms, services, sessions
from .choices import DONE_LABELS, STEP_TITLES, Mode
from .models import AgentTask, SessionEvent

REFRESH_SECONDS = 2
MAX_NAME = 128
FORMS = {
    Mode.NEW: forms.NewInstallForm,
    Mode.UPDATE: forms.UpdateForm,
    Mode.CLONE: forms.CloneForm,
    Mode.DELETE: forms.DeleteForm,
}
LOCAL_MODES = (Mode.LOCAL_IMAGE, Mode.LOCAL_RESTORE, Mode.XP)
# Delete a Local Disk Image is the XP WIMP's Select Type choice, not a start of its own.
START_MODES = [(value, label) for value, label in Mode.choices if value != Mode.LOCAL_DELETE]


class WimpView(PermissionView):
    permission_required = RUN_WIMP


class HomeView(WimpView, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        everyone = sessions.sessions()
        mine = [s for s in everyone if s.owner == request.user.username]
        others = [s for s in everyone if s.owner != request.user.username]
        context = {"modes": START_MODES, "mine": mine, "others": others}
        return render(request, "wimp/home.html", context)


def clients_link(image: str) -> str:
    """The clients booting image, on the search page whose tick boxes lead to Batch Edit."""
    query = urlencode({"c-windowsImage": image, "show": "windowsImage", "search": "1"})
    return reverse("entities:search", args=["client"]) + "?" + query


class NewSessionView(WimpView, View):
    """A mode's start: a managed mode first asks for the Windows 7 appserver (?server=),
    then for the rest; a local mode asks for the machine."""

    def mode(self) -> Mode:
        if self.kwargs["mode"] not in dict(START_MODES):
            raise Http404("no such WIMP mode")
        return Mode(self.kwargs["mode"])

    def form(self, data=None):
        mode = self.mode()
        if mode in LOCAL_MODES:
            return forms.LocalForm(data)
        server = (self.request.GET.get("server") or "")[:MAX_NAME]
        choose = forms.ServerForm(self.request.GET if server else None)
        if not server or not choose.is_valid():
            return choose
        return FORMS[mode](server, data)

    def show(self, form, **extra) -> HttpResponse:
        choosing = isinstance(form, forms.ServerForm)
        context = {"mode": self.mode(), "form": form, "choosing": choosing, **extra}
        return render(self.request, "wimp/new.html", context)

    def get(self, request: HttpRequest, mode: str) -> HttpResponse:
        return self.show(self.form())

    def post(self, request: HttpRequest, mode: str) -> HttpResponse:
        form = self.form(request.POST)
        if isinstance(form, forms.ServerForm) or not form.is_valid():
            return self.show(form)
        try:
            session = self.start(form)
        except services.ImageInUse as refused:
            return self.show(form, refusal=str(refused.message), in_use=refused.clients,
                             clients_link=clients_link(form.cleaned_data["image"]))  # fmt: skip
        except ValidationError as refused:
            add_to_forms(refused, form)
            return self.show(form)
        return redirect("wimp:session", session.image)

    def start(self, form) -> sessions.Session:
        mode, data, user = self.mode(), form.cleaned_data, self.request.user
        if mode in LOCAL_MODES:
            return services.do_local(mode, data["client"], data["image"], data["partition"],
                                     data["archive_dir"], user=user)  # fmt: skip
        server = form.server
        if mode == Mode.NEW:
            sizes = data["image_size"], data["cow_size"]
            return services.do_new_install(server, data["client"], data["image"], *sizes, user=user)
        if mode == Mode.UPDATE:
            return services.do_update(server, data["client"], data["image"], user=user)
        if mode == Mode.CLONE:
            return services.do_clone(server, data["client"], data["source"], data["image"],
                                     data["image_size"], data["cow_size"], user=user)  # fmt: skip
        return services.do_delete(server, data["image"], user=user)


class SessionView(WimpView, View):
    """A session where it was left, whoever opens it, in whatever browser; once finished,
    what it did."""

    def get(self, request: HttpRequest, image: str) -> HttpResponse:
        image = image[:MAX_NAME]
        session = sessions.find(image)
        events = list(SessionEvent.objects.filter(image=image))
        tasks = list(AgentTask.objects.filter(image=image)[:1])
        if session is None and not events:
            raise Http404(f"there is no WIMP session for image {image}")
        task = tasks[0] if tasks else None
        context = {
            "image": image,
            "session": session,
            "events": events,
            "task": task,
            "refresh": REFRESH_SECONDS,
            "live": task is not None and task.under_way,
        }
        if session is not None:
            context["panels"] = [
                {"step": step, "title": STEP_TITLES[step], "done_label": DONE_LABELS.get(step),
                 "done": session.done(step), "current": step == session.stage,
                 "template": f"wimp/steps/{step}.html"}
                for step in session.steps
            ]  # fmt: skip
            context["select_type"] = forms.SelectTypeForm()
        if request.htmx:
            if not context["live"]:  # the work is over: the steps moved on, show them
                return HttpResponseClientRefresh()
            return render(request, "wimp/live.html", context)
        return render(request, "wimp/session.html", context)


class _SessionAction(WimpView, View):
    def act(self, request: HttpRequest, image: str) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, image: str, **kwargs) -> HttpResponse:
        try:
            self.act(request, image[:MAX_NAME], **kwargs)
        except ValidationError as refused:
            messages.error(request, refusal_text(refused))
        return redirect("wimp:session", image[:MAX_NAME])


class StepDoneView(_SessionAction):
    def act(self, request: HttpRequest, image: str, step: str = "") -> None:
        choice = request.POST.get("choice", "")[:20]
        services.do_step_done(image, step[:40], user=request.user, choice=choice)


class ImagingView(_SessionAction):
    def act(self, request: HttpRequest, image: str) -> None:
        services.do_start_imaging(image, user=request.user)


class RetryView(_SessionAction):
    def act(self, request: HttpRequest, image: str) -> None:
        services.do_retry(image, user=request.user)


class AbandonView(WimpView, View):
    """Abandon, after its confirmation."""

    def get(self, request: HttpRequest, image: str) -> HttpResponse:
        session = sessions.find(image[:MAX_NAME])
        if session is None:
            raise Http404(f"there is no WIMP session for image {image[:MAX_NAME]}")
        return render(request, "wimp/abandon.html", {"session": session})

    def post(self, request: HttpRequest, image: str) -> HttpResponse:
        try:
            services.do_abandon(image[:MAX_NAME], user=request.user)
        except ValidationError as refused:
            messages.error(request, refusal_text(refused))
            return redirect("wimp:home")
        messages.success(request, f"The session of {image[:MAX_NAME]} was abandoned.")
        return redirect("wimp:home")


class ArchiveView(WimpView, View):
    """A delete's second confirmation: remove the archived files too, or keep them."""

    def get(self, request: HttpRequest, image: str) -> HttpResponse:
        session = sessions.find(image[:MAX_NAME])
        if session is None or session.mode != Mode.DELETE:
            raise Http404("no delete session of this image")
        return render(request, "wimp/archive.html", {"session": session})

    def post(self, request: HttpRequest, image: str) -> HttpResponse:
        remove = request.POST.get("archive") == "remove"
        try:
            task = services.do_finish_delete(image[:MAX_NAME], remove, user=request.user)
        except ValidationError as refused:
            messages.error(request, refusal_text(refused))
            return redirect("wimp:session", image[:MAX_NAME])
        if task is None:
            messages.success(request, f"Image {image[:MAX_NAME]} deleted; its files were kept.")
            return redirect("wimp:home")
        return redirect("wimp:session", image[:MAX_NAME])
