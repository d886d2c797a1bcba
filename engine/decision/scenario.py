"""Business assumptions: one frozen, validated object with units in its names.

Every cost figure on any screen is a function of ``(cube, Assumptions)``.
Prices given per 1K or per 10K requests are converted to per-request once,
here, and never again.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import Any

from engine import validate
from engine.decision import distributions
from engine.errors import DistillDecideError, require

MODELS = ("teacher", "student")
SOURCES = ("seed", "measured", "assumed")
_MAPPING_FIELDS = ("critical_multiplier_by_segment", "production_intent_mix", "production_segment_mix", "uncertain")
_PRICE_UNITS = {"usd_per_request": 1.0, "usd_per_1k_requests": 1e-3, "usd_per_10k_requests": 1e-4}


def _mapping_pairs(value: Any, name: str, limit: str) -> tuple[tuple[str, float], ...]:
    if value is None or value == ():
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    try:
        return tuple((str(k), validate.LIMITS[limit].check(v, f"{name}.{k}")) for k, v in items)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, DistillDecideError):
            raise
        raise DistillDecideError(
            name, f"{value!r} is not a mapping of name → number", 'write it as {"name": number, ...}'
        ) from None


@dataclass(frozen=True)
class ModelAssumptions:
    """Per-model prices, operations and latency.

    ``usd_per_request`` is the inference price per request; the ``*_source``
    fields say where a figure comes from (seed, measured or assumed).
    """

    usd_per_request: float
    ops_usd_per_month: float = 0.0
    ops_usd_per_request: float = 0.0
    p95_latency_ms: float = 0.0
    kwh_per_request: float = 0.0
    price_source: str = "assumed"
    latency_source: str = "assumed"

    def validate(self, prefix: str) -> None:
        for f in ("usd_per_request", "ops_usd_per_month", "ops_usd_per_request", "p95_latency_ms", "kwh_per_request"):
            validate.LIMITS[f].check(getattr(self, f), f"{prefix}.{f}")
        for f in ("price_source", "latency_source"):
            require(
                getattr(self, f) in SOURCES,
                f"{prefix}.{f}",
                f"{getattr(self, f)!r} is not a known source",
                f"use one of {', '.join(SOURCES)}",
            )


@dataclass(frozen=True)
class Assumptions:
    """Everything the monthly cost of a model depends on besides the cube.

    Harm is in harm units per misroute, indexed ``[true][predicted]`` over
    ``intents``. Misroutes of a critical intent are priced per critical event
    (times the segment multiplier) instead of by harm units.
    """

    intents: tuple[str, ...]
    harm_matrix: tuple[tuple[float, ...], ...]
    critical_intents: tuple[str, ...]
    teacher: ModelAssumptions
    student: ModelAssumptions
    requests_per_month: float = 1_400_000.0
    usd_per_harm_unit: float = 0.013
    usd_per_critical_event: float = 1.20
    usd_per_critical_event_range: tuple[float, float] | None = None
    uncertain: tuple[tuple[str, str], ...] = ()  # (assumption, distribution spec): engine/decision/distributions.py
    critical_multiplier_by_segment: tuple[tuple[str, float], ...] = ()
    usd_per_ms_month: float = 0.0
    latency_reference_requests_per_month: float = 1_400_000.0
    latency_baseline_ms: float | None = None
    days_per_month: float = 30.4
    kg_co2e_per_kwh: float = 0.0
    usd_per_kg_co2e: float = 0.0
    distillation_compute_usd: float = 0.0
    migration_usd: float = 0.0
    canary_labelling_usd: float = 0.0
    production_intent_mix: tuple[tuple[str, float], ...] = ()
    production_segment_mix: tuple[tuple[str, float], ...] = ()
    name: str = "custom"
    notes: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        self._validate()

    # -- validation -------------------------------------------------------------
    def _validate(self) -> None:
        k = len(self.intents)
        require(2 <= k <= validate.MAX_LABELS, "intents", f"{k:,} intent(s) given", "give 2 to 1,000 intent names")
        require(len(set(self.intents)) == k, "intents", "intent names repeat", "make every intent name unique")
        require(
            all(isinstance(i, str) and i.strip() for i in self.intents),
            "intents",
            "an intent name is empty",
            "give every intent a non-empty name",
        )
        require(
            len(self.harm_matrix) == k and all(len(r) == k for r in self.harm_matrix),
            "harm_matrix",
            f"shape is not {k}×{k} (one row and column per intent)",
            "give a square matrix with one row and one column per intent, in intent order",
        )
        for i, row in enumerate(self.harm_matrix):
            for j, v in enumerate(row):
                x = validate.LIMITS["harm_units"].check(v, f"harm_matrix[{self.intents[i]}][{self.intents[j]}]")
                if i == j:
                    require(
                        x == 0,
                        f"harm_matrix[{self.intents[i]}][{self.intents[j]}]",
                        f"a correct route has harm {x:g}",
                        "set the diagonal to 0",
                    )
        unknown = [c for c in self.critical_intents if c not in self.intents]
        require(
            not unknown, "critical_intents", f"unknown intent(s) {unknown}", f"choose from {', '.join(self.intents)}"
        )
        self._validate_scalars()
        self._validate_mix(self.production_intent_mix, "production_intent_mix", self.intents)
        self._validate_mix(self.production_segment_mix, "production_segment_mix", None)

    def _validate_scalars(self) -> None:
        for model in MODELS:
            getattr(self, model).validate(model)
        for f in (
            "requests_per_month",
            "usd_per_harm_unit",
            "usd_per_critical_event",
            "usd_per_ms_month",
            "kg_co2e_per_kwh",
            "usd_per_kg_co2e",
            "distillation_compute_usd",
            "migration_usd",
            "canary_labelling_usd",
            "latency_reference_requests_per_month",
        ):
            validate.LIMITS[f].check(getattr(self, f), f)
        if self.latency_baseline_ms is not None:
            validate.LIMITS["latency_baseline_ms"].check(self.latency_baseline_ms, "latency_baseline_ms")
        d = validate.Interval(Real, None, None).check(self.days_per_month, "days_per_month", "use 28 to 31 days")
        require(28 <= d <= 31, "days_per_month", f"{d:g} is not a month length", "use a value between 28 and 31")
        if self.usd_per_critical_event_range is not None:
            price = validate.LIMITS["usd_per_critical_event"]
            lo, hi = (price.check(x, "usd_per_critical_event_range") for x in self.usd_per_critical_event_range)
            require(lo <= hi, "usd_per_critical_event_range", f"low {lo:g} > high {hi:g}", "give [low, high]")
        object.__setattr__(self, "uncertain", distributions.pairs(self.uncertain))  # validated, in NAMES order
        validate.Text(200, blank_ok=True).check(self.name, "name")
        validate.Text(100_000, blank_ok=True).check(self.notes, "notes")

    @staticmethod
    def _validate_mix(mix: tuple[tuple[str, float], ...], name: str, known: tuple[str, ...] | None) -> None:
        if not mix:
            return
        if known is not None:
            unknown = [key for key, _ in mix if key not in known]
            require(not unknown, name, f"unknown intent(s) {unknown}", f"choose from {', '.join(known)}")
        total = sum(v for _, v in mix)
        require(
            abs(total - 1.0) <= 1e-6,
            name,
            f"shares sum to {total:.6g}, not 1",
            "make the shares add up to 1 (e.g. 0.24 for 24%)",
        )

    # -- derived views ----------------------------------------------------------
    def model(self, name: str) -> ModelAssumptions:
        require(name in MODELS, "model", f"{name!r} is not a model", "use teacher or student")
        return getattr(self, name)

    @property
    def baseline_ms(self) -> float:
        """Latency baseline: given, or the faster model's P95."""
        if self.latency_baseline_ms is not None:
            return float(self.latency_baseline_ms)
        return min(self.teacher.p95_latency_ms, self.student.p95_latency_ms)

    @property
    def critical_multipliers(self) -> dict[str, float]:
        return dict(self.critical_multiplier_by_segment)

    @property
    def intent_mix(self) -> dict[str, float]:
        return dict(self.production_intent_mix)

    @property
    def segment_mix(self) -> dict[str, float]:
        return dict(self.production_segment_mix)

    @property
    def one_off_usd(self) -> float:
        return self.distillation_compute_usd + self.migration_usd + self.canary_labelling_usd

    def replace(self, **changes: Any) -> Assumptions:
        """A validated copy; dotted keys (``"teacher.usd_per_request"``) reach a model."""
        nested: dict[str, dict[str, Any]] = {}
        flat: dict[str, Any] = {}
        for key, value in changes.items():
            if "." in key:
                model, attr = key.split(".", 1)
                nested.setdefault(model, {})[attr] = value
            else:
                flat[key] = value
        for model, attrs in nested.items():
            flat[model] = dataclasses.replace(self.model(model), **attrs)
        return dataclasses.replace(self, **flat)

    def get(self, key: str) -> Any:
        if "." in key:
            model, attr = key.split(".", 1)
            return getattr(self.model(model), attr)
        return getattr(self, key)

    # -- serialisation ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name in MODELS:
                v = dataclasses.asdict(v)
            elif f.name == "harm_matrix":
                v = [list(r) for r in v]
            elif f.name in _MAPPING_FIELDS:
                v = dict(v)
            elif isinstance(v, tuple):
                v = list(v)
            if v is not None and (v or f.name != "uncertain"):
                out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assumptions:
        """Build from plain data (JSON/TOML), converting prices once.

        A model's price may be given as exactly one of ``usd_per_request``,
        ``usd_per_1k_requests`` or ``usd_per_10k_requests``. Without a harm
        matrix every misroute costs 1 harm unit and no intent is critical.
        """
        require(isinstance(data, Mapping), "scenario", "is not an object of fields", "give a JSON/TOML table")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        require(not unknown, "scenario", f"unknown field(s) {unknown}", f"use only {', '.join(sorted(known))}")
        require("intents" in data, "intents", "missing", "list the intent names in label order")
        intents = _names(data["intents"], "intents")
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k not in MODELS}
        kwargs["intents"] = intents
        kwargs["harm_matrix"] = _harm_from_data(data.get("harm_matrix"), intents)
        if "critical_intents" not in data and data.get("harm_matrix") is None:
            kwargs["critical_intents"] = ()
        kwargs["critical_intents"] = _names(kwargs.get("critical_intents", ()), "critical_intents")
        for m in MODELS:
            require(m in data, m, "missing", f"give a [{m}] table with at least a price per request")
            kwargs[m] = _model_from_data(data[m], m)
        for f, limit in (
            ("critical_multiplier_by_segment", "critical_multiplier"),
            ("production_intent_mix", "share"),
            ("production_segment_mix", "share"),
        ):
            kwargs[f] = _mapping_pairs(data.get(f), f, limit)
        kwargs["uncertain"] = distributions.pairs(data.get("uncertain"))
        rng = data.get("usd_per_critical_event_range")
        if rng is not None:
            require(
                isinstance(rng, (list, tuple)) and len(rng) == 2,
                "usd_per_critical_event_range",
                f"{rng!r} is not [low, high]",
                "give two numbers, e.g. [0.8, 2.4]",
            )
            kwargs["usd_per_critical_event_range"] = tuple(rng)
        try:
            return cls(**kwargs)
        except TypeError as exc:  # a wrong type slipped past from_dict (e.g. a list for a number)
            raise DistillDecideError("scenario", str(exc), "check the field types against docs/scenario.md") from None


def _model_from_data(data: Any, name: str) -> ModelAssumptions:
    require(isinstance(data, Mapping), name, f"{data!r} is not a table", "give price, ops and latency fields")
    data = dict(data)
    given = [u for u in _PRICE_UNITS if u in data]
    require(
        len(given) == 1,
        f"{name}.usd_per_request",
        "no price given" if not given else f"several prices given ({', '.join(given)})",
        "give exactly one of usd_per_request, usd_per_1k_requests, usd_per_10k_requests",
    )
    unit = given[0]
    top = validate.LIMITS["usd_per_request"].right or 0.0
    in_unit = validate.Interval(Real, 0, top / _PRICE_UNITS[unit], unit=unit.replace("usd_", "$ ").replace("_", " "))
    price = in_unit.check(data.pop(unit), f"{name}.{unit}")
    data["usd_per_request"] = price * _PRICE_UNITS[unit]
    known = {f.name for f in dataclasses.fields(ModelAssumptions)}
    unknown = sorted(set(data) - known)
    require(not unknown, name, f"unknown field(s) {unknown}", f"use only {', '.join(sorted(known))}")
    model = ModelAssumptions(**data)
    model.validate(name)
    return model


def _names(value: Any, field: str) -> tuple[str, ...]:
    """A list of label names (text or whole numbers, written as text)."""
    ok = isinstance(value, list | tuple) and all(isinstance(i, str | int) and not isinstance(i, bool) for i in value)
    require(ok, field, f"{str(value)[:60]!r} is not a list of names", 'give a list such as ["faq", "escalation"]')
    return tuple(str(i) for i in value)


def _harm_from_data(harm: Any, intents: tuple[str, ...]) -> tuple[tuple[float, ...], ...]:
    k = len(intents)
    if harm is None:
        return tuple(tuple(0.0 if i == j else 1.0 for j in range(k)) for i in range(k))
    if isinstance(harm, Mapping):  # {true: {pred: units}}; missing cells are 0
        bad_row = next((t for t, row in harm.items() if not isinstance(row, Mapping)), None)
        require(
            bad_row is None, f"harm_matrix[{bad_row}]", "is not a table", "write {pred: units, ...} per true intent"
        )
        unknown = [t for t in harm if t not in intents] + [p for row in harm.values() for p in row if p not in intents]
        require(
            not unknown, "harm_matrix", f"unknown intent(s) {sorted(set(unknown))}", f"use only {', '.join(intents)}"
        )
        units = validate.LIMITS["harm_units"]
        return tuple(
            tuple(units.check(harm.get(t, {}).get(p, 0.0), f"harm_matrix[{t}][{p}]") for p in intents) for t in intents
        )
    try:
        rows = [list(r) for r in harm]
        require(not isinstance(harm, str), "harm_matrix", "is text", "give a list of rows")
    except TypeError:
        raise DistillDecideError(
            "harm_matrix", f"{harm!r} is not a matrix", "give a list of rows or a {true: {pred: units}} table"
        ) from None
    require(
        len(rows) == k and all(len(r) == k for r in rows),
        "harm_matrix",
        f"shape is {len(rows)}×{len(rows[0]) if rows else 0}, not {k}×{k}",
        "give one row and one column per intent, in intent order",
    )
    units = validate.LIMITS["harm_units"]
    return tuple(
        tuple(units.check(v, f"harm_matrix[{intents[i]}][{intents[j]}]") for j, v in enumerate(r))
        for i, r in enumerate(rows)
    )


def changed_fields(base: Assumptions, a: Assumptions) -> dict[str, tuple[Any, Any]]:
    """Fields of ``a`` that differ from ``base``: name → (before, after); model fields as ``teacher.p95_latency_ms``."""
    flat = lambda d: (
        {k: v for k, v in d.items() if k not in MODELS} | {f"{m}.{k}": v for m in MODELS for k, v in d[m].items()}
    )
    before, after = flat(base.to_dict()), flat(a.to_dict())
    return {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}


def load(path: str | Path) -> Assumptions:
    """Read assumptions from a ``.json`` or ``.toml`` file (UTF-8, at most 5 MB, bounded nesting)."""
    return Assumptions.from_dict(validate.load_structured(path, "scenario", what=".json or .toml scenario"))


def loads_json(text: str) -> Assumptions:
    return Assumptions.from_dict(validate.parse_structured(text, "scenario", name="the scenario"))


def dumps_json(a: Assumptions) -> str:
    return json.dumps(a.to_dict(), indent=2, sort_keys=True)


def save(a: Assumptions, path: str | Path) -> Path:
    """Write assumptions as JSON or TOML (by suffix), atomically."""
    import tomli_w

    p = Path(path)
    text = tomli_w.dumps(a.to_dict()) if p.suffix.lower() == ".toml" else dumps_json(a)
    tmp = p.with_suffix(p.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(p)
    return p
