"""The NMS pages: the overview of every host, one host's categories with history graphs,
acknowledgements, maintenance windows and the on-demand collection."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.gzip import gzip_page
from django.views.generic import TemplateView, View

from core.permissions import (
    ACKNOWLEDGE,
    REQUEST_COLLECTION,
    SCHEDULE_MAINTENANCE,
    LabnetView,
    PermissionView,
    require,
)
from core.refusals import add_to_forms
from core.tables import configure
from entities.models import Entity

from . import services
from .choices import Level
from .forecast import time_until_full
from .forms import AcknowledgementForm, MaintenanceForm
from .graphs import history_svg, timeline_svg
from .host.collectors import categories as collector_categories
from .levels import PERCENT, monitoring_settings
from .models import Acknowledgement, Host, MaintenanceWindow, Sample
from .muting import HOST_TYPES, acknowledged, host_values
from .overview import overview
from .tables import MaintenanceWindowTable
from .tasks import request_collection

REFRESH_SECONDS = 60
WINDOWS = {"24": "1 day", "168": "1 week", "720": "30 days"}
FORECAST_DAYS = 14


@method_decorator(gzip_page, name="dispatch")
class OverviewView(LabnetView, TemplateView):
    """Every server and client as a tile coloured by its worst state; it reloads its tiles
    every `refresh` seconds (htmx asks for the body only), compressed: 10,000 tiles are a
    megabyte of repetitive HTML."""

    template_name = "nms/overview.html"

    def get_template_names(self) -> list[str]:
        if self.request.htmx:
            return ["nms/overview_body.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        kind = self.request.GET.get("kind", "")
        kind = kind if kind in HOST_TYPES else ""
        domain = self.request.GET.get("domain", "")
        try:
            refresh = max(int(self.request.GET.get("refresh", REFRESH_SECONDS)), 2)
        except ValueError:
            refresh = REFRESH_SECONDS
        return super().get_context_data(
            overview=overview(kind, domain),
            kind=kind,
            domain=domain,
            refresh=refresh,
            now=timezone.now(),
            **kwargs,
        )


class HostView(LabnetView, TemplateView):
    """Each category's readings with their level, since when, and a history graph."""

    template_name = "nms/host.html"

    def get_context_data(self, name: str, **kwargs):
        entity = (
            Entity.objects.select_related("entity_type")
            .filter(entity_type__name__in=HOST_TYPES, name=name)
            .first()
        )
        row = Host.objects.filter(name=name).first()
        if entity is None and row is None:
            raise Http404(f"No server or client named {name}.")
        now = timezone.now()
        settings = monitoring_settings()
        hours = self.request.GET.get("hours", "24")
        hours = hours if hours in WINDOWS else "24"
        start = now - timedelta(hours=int(hours))
        domain = host_values("domain", [name]).get(name, "")
        acks = list(row.acknowledgements.filter(expires__gt=now)) if row else []
        categories = _categories(row, settings, start, now, acks) if row else []
        problems = [
            (s.category, s.item) for c in categories for s in c["statuses"] if s.state != Level.OK
        ]
        return super().get_context_data(
            name=name,
            entity=entity,
            host=row,
            domain=domain,
            silent=bool(row)
            and row.last_report < now - timedelta(seconds=settings.silence_seconds),
            settings=settings,
            categories=categories,
            windows=WINDOWS,
            hours=hours,
            acks=acks,
            windows_now=MaintenanceWindow.objects.filter(end__gt=now)
            .filter(Q(host=name) | Q(domain=domain, domain__gt=""))
            .order_by("start"),
            ack_form=AcknowledgementForm(metrics=problems),
            now=now,
            **kwargs,
        )


def _categories(row: Host, settings, start, now, acks) -> list[dict]:
    """Per category, every one of them: its levels and each status with its graph and, for
    diskspace, the forecast."""
    history = defaultdict(list)
    for category, item, time, number, level, value in (
        Sample.objects.filter(host=row, time__gte=start)
        .order_by("category", "item", "time")
        .values_list("category", "item", "time", "number", "level", "value")
    ):
        history[category, item].append((time, number, level, value))
    forecasts = _forecasts(row, now)
    grouped: dict[str, list] = defaultdict(list)
    before = Sample.objects.filter(
        host=row, category=OuterRef("category"), item=OuterRef("item"), time__lt=start
    ).order_by("-time")
    statuses = row.statuses.annotate(
        **{f"before_{f}": Subquery(before.values(f)[:1]) for f in ("number", "level", "value")}
    )
    for status in statuses:
        levels = settings.levels_of(status.category)
        points = history[status.category, status.item]
        if status.before_value is not None:  # the value held when the window opens
            points.insert(
                0, (start, status.before_number, status.before_level, status.before_value)
            )
        points = points or [(start, status.number, status.level, status.value)]
        if points[-1][3] != status.value:  # moved within the deadband since last stored
            points.append((max(status.changed, start), status.number, status.level, status.value))
        if status.number is not None:
            status.graph = history_svg(
                [(t, n) for t, n, _, _ in points if n is not None],
                start,
                now,
                levels.thresholds(),
                100.0 if levels.units == PERCENT else None,
            )
        else:
            status.graph = timeline_svg([(t, lv, v) for t, _, lv, v in points], start, now)
        status.forecast = forecasts.get(status.item) if status.category == "diskspace" else None
        status.acknowledged = acknowledged(acks, status.category, status.item)
        grouped[status.category].append(status)
    # Every category the agents collect (and any with levels or readings), so a category the
    # host reported nothing for shows as "no data" instead of being left out.
    names = set(collector_categories()) | set(settings.levels) | set(grouped)
    return [
        {"name": category, "levels": settings.levels_of(category), "statuses": grouped[category]}
        for category in sorted(names)
    ]


def _forecasts(row: Host, now) -> dict[str, timedelta]:
    points = defaultdict(list)
    for item, time, number in (
        Sample.objects.filter(
            host=row, category="diskspace", time__gte=now - timedelta(days=FORECAST_DAYS)
        )
        .exclude(number=None)
        .order_by("item", "time")
        .values_list("item", "time", "number")
    ):
        points[item].append((time, number))
    found = {}
    for item, series in points.items():
        until = time_until_full([*series, (now, series[-1][1])], now)
        if until is not None:
            found[item] = until
    return found


class AcknowledgeView(PermissionView, View):
    permission_required = ACKNOWLEDGE

    def post(self, request, name: str):
        row = get_object_or_404(Host, name=name)
        metrics = list(row.statuses.exclude(state=Level.OK).values_list("category", "item"))
        form = AcknowledgementForm(request.POST, metrics=metrics)
        if form.is_valid():
            category, item = form.category_item
            services.do_acknowledge(
                row,
                comment=form.cleaned_data["comment"],
                expires=form.expires,
                user=request.user,
                category=category,
                item=item,
            )
            messages.success(request, "Acknowledged.")
        else:
            messages.error(request, "Give a comment to acknowledge a problem.")
        return redirect("nms:host", name)


class EndAcknowledgementView(PermissionView, View):
    permission_required = ACKNOWLEDGE

    def post(self, request, pk: int):
        ack = get_object_or_404(Acknowledgement.objects.select_related("host"), pk=pk)
        services.do_end_acknowledgement(ack)
        messages.success(request, "Acknowledgement ended.")
        return redirect("nms:host", ack.host.name)


class CollectNowView(PermissionView, View):
    permission_required = REQUEST_COLLECTION

    def post(self, request, name: str):
        if request_collection(name):
            messages.success(request, f"Asked {name}'s agent to collect now.")
        else:
            messages.error(request, "The message broker is not reachable.")
        return redirect("nms:host", name)


class MaintenanceView(LabnetView, TemplateView):
    """Maintenance windows under way, to come and recently ended; schedule one."""

    template_name = "nms/maintenance.html"

    def domains(self) -> list[str]:
        return sorted(set(host_values("domain").values()))

    def get_context_data(self, **kwargs):
        now = timezone.now()
        kwargs.setdefault(
            "form",
            MaintenanceForm(
                domains=self.domains(), initial={"host": self.request.GET.get("host", "")}
            ),
        )
        windows = MaintenanceWindow.objects.all()
        return super().get_context_data(
            current=self.table(windows.filter(start__lte=now, end__gt=now), "current-"),
            upcoming=self.table(windows.filter(start__gt=now), "upcoming-"),
            ended=self.table(windows.filter(end__lte=now).order_by("-end"), "ended-", ended=True),
            **kwargs,
        )

    def table(self, windows, prefix: str, ended: bool = False) -> MaintenanceWindowTable:
        return configure(MaintenanceWindowTable(windows, prefix=prefix, ended=ended), self.request)

    def post(self, request):
        require(request.user, SCHEDULE_MAINTENANCE)
        form = MaintenanceForm(request.POST, domains=self.domains())
        if form.is_valid():
            data = form.cleaned_data
            try:
                window = services.do_schedule_maintenance(
                    host=data["host"],
                    domain=data["domain"],
                    start=data["start"],
                    end=data["end"],
                    comment=data["comment"],
                    user=request.user,
                )
            except ValidationError as refusal:
                add_to_forms(refusal, form)
            else:
                messages.success(request, f"Maintenance of {window.target} scheduled.")
                return HttpResponseRedirect(reverse("nms:maintenance"))
        return self.render_to_response(self.get_context_data(form=form))


class EndMaintenanceView(PermissionView, View):
    permission_required = SCHEDULE_MAINTENANCE

    def post(self, request, pk: int):
        services.do_end_maintenance(get_object_or_404(MaintenanceWindow, pk=pk))
        messages.success(request, "Maintenance ended.")
        return redirect("nms:maintenance")
