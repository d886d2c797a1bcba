"""Promotion gates: a declarative, editable list checked in priority order.

Each gate names a metric, a comparator and a threshold, whether it reads the
point estimate or an interval bound, and its priority group (safety > latency
> cost > quality > ops). The first failing gate in priority order blocks
promoting the student. Whether promoting is *worth it* is the verdict's job
(the margin's interval), not a gate's.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from numbers import Real
from typing import Any

from engine import validate as v
from engine.errors import require

GROUPS = ("safety", "latency", "cost", "quality", "ops")
USES = ("point", "lower95", "upper95")
COMPARATORS = (">=", "<=")
BOTH_FAIL_GROUPS = ("safety", "quality")  # a student gate of these the teacher fails too is "both fail", not blocking
THRESHOLD = v.Interval(Real, -1e12, 1e12, unit="the metric's bound")


@dataclass(frozen=True)
class Gate:
    name: str
    metric: str
    comparator: str
    threshold: float
    group: str
    use: str = "point"
    note: str = ""

    def __post_init__(self) -> None:
        require(self.comparator in COMPARATORS, f"gate {self.name!r}.comparator", repr(self.comparator), "use >= or <=")
        require(self.group in GROUPS, f"gate {self.name!r}.group", repr(self.group), f"use one of {', '.join(GROUPS)}")
        require(self.use in USES, f"gate {self.name!r}.use", repr(self.use), f"use one of {', '.join(USES)}")
        THRESHOLD.check(self.threshold, f"gate {self.name!r}.threshold")


DEFAULT_GATES: tuple[Gate, ...] = (
    Gate(
        "Rare-class accuracy ≥ 87.0%",
        "student.rare_class_accuracy",
        ">=",
        0.870,
        "safety",
        note="seed 001 §3: pooled over rare intents (prior < 5%); escalations are rare and critical",
    ),
    Gate("Student P95 ≤ 15 ms", "student.p95_latency_ms", "<=", 15.0, "latency", note="seed 001 §3 latency budget"),
    Gate(
        "Inference cost per request ≥ 50% lower",
        "inference_cost_reduction",
        ">=",
        0.50,
        "cost",
        note="seed 002 §2.1 / 003 §2.2",
    ),
    Gate("Top-1 agreement ≥ 0.95", "agreement", ">=", 0.95, "quality", note="seed 001 §4"),
    Gate("Student ECE ≤ 0.050", "student.ece", "<=", 0.050, "quality", note="seed 001 §5 (student gate widened)"),
)


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    value: float | None
    passed: bool | None  # None: the metric is not available for this evidence
    evidence: str
    both_fail: bool = False  # the student fails and the teacher fails the same gate: no reason to keep the teacher
    teacher_value: float | None = None  # the teacher's value of the metric, where it fails the gate too
    source: str = ""  # a latency or cost gate's figures: measured | seed | given | not measured (FIGURE_SOURCES)


@dataclass(frozen=True)
class GateReport:
    results: tuple[GateResult, ...]

    @property
    def first_blocking(self) -> GateResult | None:
        failing = [r for r in self.results if r.passed is False and not r.both_fail]
        return min(failing, key=lambda r: GROUPS.index(r.gate.group)) if failing else None

    @property
    def both_fail(self) -> tuple[GateResult, ...]:
        """Gates the student fails and the teacher fails too (reported, never blocking the student)."""
        return tuple(r for r in self.results if r.both_fail)

    @property
    def blocked(self) -> bool:
        return self.first_blocking is not None

    def to_dict(self) -> dict[str, Any]:
        fb = self.first_blocking
        return {
            "blocked": self.blocked,
            "first_blocking": fb.gate.name if fb else None,
            "gates": [
                {**asdict(r.gate), "value": r.value, "passed": r.passed, "evidence": r.evidence}
                | {"both_fail": r.both_fail, "source": r.source or None}
                for r in self.results
            ],
        }


def evaluate(
    gates: tuple[Gate, ...],
    values: Mapping[str, tuple[float, float | None, float | None]],
    sources: Mapping[str, str] | None = None,
) -> GateReport:
    """Check every gate against ``values``: metric → (point, lower95, upper95). Sorted by priority.

    ``sources`` (:func:`figure_sources`) says where a scenario figure a gate reads comes from: a gate on figures
    nobody measured ("not measured") neither passes nor blocks, and says what to measure (issue 17); one on
    figures the user gave passes or fails, said "given, not measured"; a measured one is said "measured"."""
    results = []
    sources = sources or {}
    for g in sorted(gates, key=lambda g: GROUPS.index(g.group)):
        source = sources.get(g.metric, "")
        if g.metric not in values:
            results.append(GateResult(g, None, None, f"{g.metric} is not available for this evidence"))
            continue
        point, lo, hi = values[g.metric]
        if source == NOT_MEASURED:
            results.append(GateResult(g, None, None, _not_measured_words(g, point), source=source))
            continue
        v = {"point": point, "lower95": lo, "upper95": hi}[g.use]
        if v is None:
            results.append(GateResult(g, None, None, f"{g.metric} has no interval; use the point estimate"))
            continue
        ok = v >= g.threshold if g.comparator == ">=" else v <= g.threshold
        evidence = SOURCE_PREFIX.get(source, "") + _evidence_words(g, float(v), bool(ok))
        teacher = None if ok else _teacher_failure(g, values)
        if teacher is not None:
            evidence += f"; both fail (the teacher's {teacher:.4g} fails it too): not a reason to keep the teacher"
        both = teacher is not None
        results.append(
            GateResult(g, float(v), bool(ok), evidence, both_fail=both, teacher_value=teacher, source=source)
        )
    return GateReport(tuple(results))


# Where the scenario figures a latency or cost gate reads come from (issue 17, item 3)
MEASURED, SEED, GIVEN, NOT_MEASURED = "measured", "seed", "given", "not measured"
FIGURE_SOURCES = (MEASURED, SEED, GIVEN, NOT_MEASURED)  # best first: a gate reading several takes the worst
SOURCE_PREFIX = {MEASURED: "measured: ", GIVEN: "given, not measured: "}
# gate metric -> (the scenario fields it reads, the field saying where they come from, what measures them)
FIGURES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "student.p95_latency_ms": (("student.p95_latency_ms",), "latency_source", "P95"),
    "teacher.p95_latency_ms": (("teacher.p95_latency_ms",), "latency_source", "P95"),
    "inference_cost_reduction": (("teacher.usd_per_request", "student.usd_per_request"), "price_source", "price"),
}
MEASURE_HOW = {
    "P95": "measure them: python -m engine bench-latency --run RUN (the Latency page), or set the P95s you "
    "measured on the Assumptions page",
    "price": "measure them: python -m engine price --run RUN (the Latency page's capacity prices), or set the "
    "prices you pay on the Assumptions page",
}


def foreign_labels(intents: Iterable[str]) -> bool:
    """True when a label set is not (a part of) MangaAssist's: the seed's P95s and prices are not its figures."""
    from engine.data import seed

    return not set(intents) <= set(seed.INTENTS)


@functools.lru_cache(maxsize=1)
def _seed_figures() -> dict[str, float]:
    from engine.data import seed

    a = seed.load_assumptions()
    return {f: float(a.get(f)) for fields, _, _ in FIGURES.values() for f in fields}


def figure_sources(assumptions, *, foreign: bool) -> dict[str, str]:
    """Gate metric → where the scenario figures it reads come from: "measured" (a run's latency.json /
    price.json), "given" (set by the user: not the seed's value), "seed" (the seed's documented MangaAssist
    figures, on MangaAssist's label set) or "not measured" (the seed's figures on a ``foreign`` label set)."""
    seed_values = _seed_figures()
    out = {}
    for metric, (fields, source_field, _) in FIGURES.items():
        per_field = []
        for f in fields:
            model = f.split(".", 1)[0]
            if getattr(assumptions.model(model), source_field) == MEASURED:
                per_field.append(MEASURED)
            elif float(assumptions.get(f)) != seed_values[f]:
                per_field.append(GIVEN)
            else:
                per_field.append(NOT_MEASURED if foreign else SEED)
        out[metric] = max(per_field, key=FIGURE_SOURCES.index)
    return out


def _not_measured_words(g: Gate, point: float) -> str:
    """ "not measured: 5 ms is the seed's (MangaAssist's) student P95, not measured for these models — measure
    them: …" — what the gate would read, why it is not evidence, and what to measure."""
    what = FIGURES[g.metric][2] if g.metric in FIGURES else "figure"
    if g.metric.endswith("latency_ms"):
        val = f"{point:g} ms is the seed's (MangaAssist's) {g.metric.split('.', 1)[0]} P95"
    elif g.metric.endswith(RATE_METRICS):
        val = f"{point:.1%} rests on the seed's (MangaAssist's) prices per request"
    else:
        val = f"{point:.4g} rests on the seed's (MangaAssist's) figures"
    how = MEASURE_HOW.get(what, "measure them or set them on the Assumptions page")
    return f"not measured: {val}, not measured for these models, so the gate neither passes nor blocks — {how}"


def check(gates: tuple[Gate, ...], quality_report, assumptions, *, foreign: bool = False) -> GateReport:
    """Every gate on a quality report and the scenario: :func:`evaluate` on :func:`gate_values`, with
    :func:`figure_sources` for a ``foreign`` label set or not (the one call a verdict makes)."""
    values = gate_values(quality_report, assumptions)
    return evaluate(gates, values, figure_sources(assumptions, foreign=foreign))


USE_WORDS = {"point": "point estimate", "lower95": "lower 95% bound", "upper95": "upper 95% bound"}


RATE_METRICS = ("accuracy", "agreement", "recall", "precision", "f1", "cost_reduction")  # shares, shown in %


def _evidence_words(g: Gate, v: float, ok: bool) -> str:
    """ "lower 95% bound 94.3% is at least 90%: passes" — words, not a comparator a meeting has to parse; a rate
    (accuracy, agreement, a cost reduction) in %, like its gate's name and the charts."""
    at = "at least" if g.comparator == ">=" else "at most"
    short = "below" if g.comparator == ">=" else "above"
    where = USE_WORDS[g.use]
    if g.metric.endswith(RATE_METRICS):
        val, bound = f"{v:.1%}", f"{g.threshold * 100:.4g}%"
    else:
        val, bound = f"{v:.4g}", f"{g.threshold:g}"
    if ok:
        return f"{where} {val} is {at} {bound}: passes"
    return f"{where} {val} is {short} {bound}: fails"


def _teacher_failure(g: Gate, values: Mapping[str, tuple[float, float | None, float | None]]) -> float | None:
    """The teacher's value of a student quality or safety gate's metric when the teacher fails it too, else None
    (a latency or cost budget is the serving system's requirement, not a comparison of the two models)."""
    if g.group not in BOTH_FAIL_GROUPS or not g.metric.startswith("student."):
        return None
    point, lo, hi = values.get("teacher." + g.metric.removeprefix("student."), (None, None, None))
    t = {"point": point, "lower95": lo, "upper95": hi}[g.use]
    if t is None:
        return None
    return None if (t >= g.threshold if g.comparator == ">=" else t <= g.threshold) else float(t)


def gate_values(quality_report, assumptions) -> dict[str, tuple[float, float | None, float | None]]:
    """The metrics gates can read, from a quality report and the scenario."""
    out: dict[str, tuple[float, float | None, float | None]] = {}
    for m in quality_report.metrics:
        key = m.name if m.model == "pair" else f"{m.model}.{m.name}"
        lo, hi = m.ci95 if m.ci95 else (None, None)
        out[key] = (m.point, lo, hi)
    for model in ("teacher", "student"):
        out[f"{model}.p95_latency_ms"] = (assumptions.model(model).p95_latency_ms, None, None)
    t, s = assumptions.teacher.usd_per_request, assumptions.student.usd_per_request
    if t > 0:
        out["inference_cost_reduction"] = (1 - s / t, None, None)
    return out


GATE_FIELDS: dict[str, v.Constraint] = {
    "name": v.Text(200),
    "metric": v.Text(100),
    "comparator": v.Options(COMPARATORS),
    "threshold": THRESHOLD,
    "group": v.Options(GROUPS),
    "use": v.Options(USES),
    "note": v.Text(2_000, blank_ok=True),
}
MAX_GATES = 1_000


def gates_or_default(path: str | None) -> tuple[Gate, ...]:
    """The gates of a ``--gates`` file, or the seeds' gates when none is given (every CLI command's rule)."""
    return load_gates(path) if path else DEFAULT_GATES


def load_gates(path: str) -> tuple[Gate, ...]:
    """Gates from a JSON list of objects (name, metric, comparator, threshold, group, use, note)."""
    data = v.load_structured(path, "gates file", what="JSON list of gates")
    require(
        isinstance(data, list) and 0 < len(data) <= MAX_GATES,
        "gates file",
        f"holds {type(data).__name__ if not isinstance(data, list) else f'{len(data):,} gates'}, not a list of gates",
        f'give a JSON list of 1 to {MAX_GATES:,} objects such as {{"name": …, "metric": …, "comparator": ">=", '
        '"threshold": 0.95, "group": "quality"}',
    )
    required = ("name", "metric", "comparator", "threshold", "group")
    gates = [Gate(**v.check_fields(g, GATE_FIELDS, f"gate {i + 1}", required=required)) for i, g in enumerate(data)]
    names = [g.name for g in gates]
    dup = next((n for n in names if names.count(n) > 1), None)
    require(dup is None, "gates file", f"the gate name {dup!r} appears twice", "give every gate its own name")
    return tuple(gates)


@dataclass(frozen=True)
class Guardrail:
    """A canary guardrail on observed growth of critical-error cost (seed 000 §7), not an offline gate."""

    limit_usd_per_month: float
    offline_estimate_usd_per_month: float

    @property
    def already_breached(self) -> bool:
        return self.offline_estimate_usd_per_month > self.limit_usd_per_month


def critical_cost_guardrail(breakdown, limit_usd_per_month: float = 1800.0) -> Guardrail:
    """Seed error 9: the $1,800/month guardrail against the offline +$1,848 estimate."""
    return Guardrail(limit_usd_per_month, breakdown.delta_usd("critical"))
