"""Warning and critical levels from the `nms` entities (one per category), and the monitoring
settings of the `lnappconf` entity `nms`, read fresh for each evaluation so an edit in the
webtool counts from the next report on.

A level value is a number (compare "greater": a reading above it), a word (compare "equal":
a reading equal to it), or a range "LOW..HIGH" (either end may be left out) that a numeric
reading inside it matches, whatever the compare.

A numeric reading is stored in the history only when it moves by more than its category's
deadband from the value last stored (or its level changes): the nms entity's `deadband`, in
its units, else 1 for percentages and 5 % of the highest numeric level otherwise."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from entities.models import Change, Entity, Value

from .choices import Level
from .host.collectors import ERROR

NMS_TYPE, SETTINGS_TYPE, SETTINGS_ENTITY = "nms", "lnappconf", "nms"
GREATER, EQUAL = "greater", "equal"
PERCENT = "percent"
PERCENT_DEADBAND = 1.0
LEVEL_DEADBAND = 0.05


def as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _matches(compare: str, level: str, value: str, number: float | None) -> bool:
    level = level.strip()
    if ".." in level:
        low, high = (as_number(end) if end.strip() else None for end in level.split("..", 1))
        return (
            number is not None
            and (low is None or number >= low)
            and (high is None or number <= high)
        )
    threshold = as_number(level)
    if compare == GREATER:
        return number is not None and threshold is not None and number > threshold
    if threshold is not None and number is not None:
        return number == threshold
    return value.strip().lower() == level.lower()


def _ends(level: str) -> list[float]:
    numbers = (as_number(end) for end in level.split(".."))
    return [abs(n) for n in numbers if n is not None]


@dataclass(frozen=True)
class Levels:
    """One category's levels (its nms entity)."""

    compare: str = GREATER
    warning: tuple[str, ...] = ()
    critical: tuple[str, ...] = ()
    units: str = ""
    description: str = ""
    deadband: float | None = None

    def evaluate(self, value: str) -> str:
        number = as_number(value)
        if any(_matches(self.compare, level, value, number) for level in self.critical):
            return Level.CRITICAL
        if value == ERROR or any(
            _matches(self.compare, level, value, number) for level in self.warning
        ):
            return Level.WARNING
        return Level.OK

    def band(self) -> float:
        """How far a number may move from the value last stored before it is stored again;
        0 stores every change (a category without numeric levels)."""
        if self.deadband is not None:
            return self.deadband
        if self.units == PERCENT:
            return PERCENT_DEADBAND
        numbers = [n for t in (*self.warning, *self.critical) for n in _ends(t)]
        return LEVEL_DEADBAND * max(numbers) if numbers else 0.0

    def thresholds(self) -> list[tuple[str, float]]:
        """The numeric "greater" levels, drawn as lines on the history graphs."""
        if self.compare != GREATER:
            return []
        lines = [(Level.WARNING.value, as_number(t)) for t in self.warning]
        lines += [(Level.CRITICAL.value, as_number(t)) for t in self.critical]
        return [(level, n) for level, n in lines if n is not None]


@dataclass(frozen=True)
class MonitoringSettings:
    levels: dict[str, Levels] = field(default_factory=dict)
    report_interval: int = 300
    silence_intervals: int = 3
    hold_reports: int = 2

    @property
    def silence_seconds(self) -> int:
        """A host silent this long is critical: it stopped reporting."""
        return self.report_interval * self.silence_intervals

    def levels_of(self, category: str) -> Levels:
        return self.levels.get(category, NO_LEVELS)


NO_LEVELS = Levels()


def _positive(values: list[str], default: int) -> int:
    number = as_number(values[0]) if values else None
    return int(number) if number and number >= 1 else default


def _deadband(values: list[str]) -> float | None:
    number = as_number(values[0]) if values else None
    return number if number is not None and number >= 0 else None


# The settings last read and the change they are current to: reports arrive by the hundred a
# second while the configuration changes now and then.
_cached: tuple[tuple[int, object] | None, MonitoringSettings] | None = None


def monitoring_settings() -> MonitoringSettings:
    """The nms entities and lnappconf/nms (report_interval, silence_intervals,
    hold_reports); read again whenever the change log has moved."""
    global _cached
    latest = Change.objects.order_by("-seq").values_list("seq", "batch").first()
    if _cached is None or _cached[0] != latest:
        _cached = (latest, _read_settings())
    return _cached[1]


def _read_settings() -> MonitoringSettings:
    entities = Entity.objects.filter(
        Q(entity_type__name=NMS_TYPE) | Q(entity_type__name=SETTINGS_TYPE, name=SETTINGS_ENTITY)
    )
    rows = (
        Value.objects.filter(entity__in=list(entities.values_list("pk", flat=True)))
        .order_by("indx")
        .values_list("entity__entity_type__name", "entity__name", "variable__name", "value")
    )
    categories: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    options: dict[str, list[str]] = defaultdict(list)
    for entity_type, name, variable, value in rows:
        if entity_type == NMS_TYPE:
            categories[name][variable].append(value)
        else:
            options[variable].append(value)
    levels = {
        name: Levels(
            compare=(v.get("compare") or [GREATER])[0],
            warning=tuple(t for t in v.get("warning", []) if t.strip()),
            critical=tuple(t for t in v.get("critical", []) if t.strip()),
            units=(v.get("units") or [""])[0],
            description=(v.get("description") or [""])[0],
            deadband=_deadband(v.get("deadband", [])),
        )
        for name, v in categories.items()
    }
    defaults = MonitoringSettings()
    return MonitoringSettings(
        levels=levels,
        report_interval=_positive(options.get("report_interval", []), defaults.report_interval),
        silence_intervals=_positive(
            options.get("silence_intervals", []), defaults.silence_intervals
        ),
        hold_reports=_positive(options.get("hold_reports", []), defaults.hold_reports),
    )
