"""Factories for network monitoring tests: the nms levels as the demo data sets them, and
monitored servers and clients with a domain, a contact group and an fstab table."""

from __future__ import annotations

from entities import services
from entities.models import Entity, EntityType

from . import factories

DEMO_LEVELS = {
    "loadaverage": ("greater", ["1.5"], ["3.0"], "load per CPU"),
    "diskspace": ("greater", ["85"], ["95"], "percent"),
    "diskinodes": ("greater", ["80"], ["95"], "percent"),
    "mdstat": ("equal", ["resync", "recovery"], ["degraded", "inactive"], ""),
    "mounts": ("equal", [], ["unmounted"], ""),
    "uuids": ("equal", [], ["mismatch"], ""),
    "daemon": ("equal", [], ["stopped"], ""),
    "netrx": ("greater", ["70"], ["90"], "percent"),
    "nettx": ("greater", ["70"], ["90"], "percent"),
}
FSTAB = ("fst_dev", "fst_mntpt", "fst_type", "fst_opts", "fst_pass", "fst_uuid")


def nms_type() -> EntityType:
    return factories.entity_type(
        "nms",
        description={},
        compare={},
        warning={"multi_valued": True},
        critical={"multi_valued": True},
        units={},
        deadband={},
    )


def levels(
    category: str,
    compare: str = "greater",
    warning: list[str] = (),
    critical: list[str] = (),
    units: str = "",
    deadband: str = "",
) -> Entity:
    """The nms entity of category, created or replaced."""
    values = {
        "description": [f"{category} levels"],
        "compare": [compare],
        "warning": list(warning),
        "critical": list(critical),
        "units": [units] if units else [],
        "deadband": [deadband] if deadband else [],
    }
    entity = Entity.objects.filter(entity_type__name="nms", name=category).first()
    if entity is None:
        return factories.entity(nms_type(), category, **{k: v for k, v in values.items() if v})
    services.do_set_values(entity, values, user="tests")
    return entity


def demo_levels() -> None:
    for category, (compare, warning, critical, units) in DEMO_LEVELS.items():
        levels(category, compare, warning, critical, units)


def monitoring_settings(**values: str) -> Entity:
    """lnappconf/nms: report_interval, silence_intervals, hold_reports."""
    values = {k: [v] for k, v in values.items()}
    entity = Entity.objects.filter(entity_type__name="lnappconf", name="nms").first()
    if entity is None:
        app_type = factories.entity_type("lnappconf", **{k: {} for k in values})
        return factories.entity(app_type, "nms", **values)
    for name in values:
        factories.variable(entity.entity_type, name)
    services.do_set_values(entity, values, user="tests")
    return entity


def host(
    name: str,
    kind: str = "server",
    domain: str = "cs.example.edu",
    contactgroup: str = "",
    fstab: list[dict[str, str]] = (),
    **values: str | list[str],
) -> Entity:
    host_type = factories.entity_type(
        kind,
        domain={},
        nms_contactgroup={},
        functions={"multi_valued": True},
        run_level_name={},
        **{column: {"table": "fstab"} for column in FSTAB},
    )
    if contactgroup:
        values["nms_contactgroup"] = contactgroup
    tables = {"fstab": list(fstab)} if fstab else {}
    return factories.entity(host_type, name, tables=tables, domain=domain, **values)
