"""Sweeps, break-evens, tornado and the winner map.

The margin (teacher − student, monthly) is linear in volume, $ per critical
event, $ per ms and $ per harm unit, so their break-evens are solved in closed
form from two evaluations; every sweep is priced in one vectorised call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine import validate
from engine.decision import costs
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import Assumptions
from engine.errors import require

LINEAR_PARAMS = {
    "requests_per_month": "requests per month",
    "usd_per_critical_event": "per critical event",
    "usd_per_ms_month": "per ms of P95 latency per month",
    "usd_per_harm_unit": "per harm unit",
}
CLI_NAMES = {
    "volume": "requests_per_month",
    "critical-cost": "usd_per_critical_event",
    "latency": "usd_per_ms_month",
    "harm-cost": "usd_per_harm_unit",
}
VOLUME_BANDS = (500_000, 1_400_000, 5_000_000, 20_000_000)
NOTE_UNITS = {  # param -> (the unit after a value, what "any …" names) in the break-even sentences
    "requests_per_month": ("requests per month", "monthly volume"),
    "usd_per_critical_event": ("per critical event", "price per critical event"),
    "usd_per_ms_month": ("per ms of P95 latency per month", "price per ms of P95 latency per month"),
    "usd_per_harm_unit": ("per harm unit", "price per harm unit"),
}


def _rates(cube: ConfusionCube, a: Assumptions) -> tuple[costs.Rates, costs.Rates]:
    return costs.rates_from_counts(costs.cell_quantities(cube, a), cube.counts)


def _totals(rates, a: Assumptions, **overrides):
    rt, rs = rates
    tt = costs.total(costs.price(rt, a, "teacher", **overrides))
    st = costs.total(costs.price(rs, a, "student", **overrides))
    return np.broadcast_arrays(np.asarray(tt, float), np.asarray(st, float))


def _check_param(param: str) -> None:
    require(
        param in LINEAR_PARAMS,
        "parameter",
        f"{param!r} cannot be swept in closed form",
        f"use one of {', '.join(LINEAR_PARAMS)}",
    )


@dataclass(frozen=True)
class BreakEven:
    """Where the margin crosses zero; ``value`` is None when it never does."""

    param: str
    value: float | None
    winner_below: str
    winner_above: str
    note: str


def _winner(margin: float) -> str:
    return "student" if margin > 0 else "teacher"


def break_even(cube: ConfusionCube, a: Assumptions, param: str, rates=None) -> BreakEven:
    """Closed-form break-even of a linear parameter (margin(x) = m0 + b·x, x ≥ 0)."""
    _check_param(param)
    rates = rates or _rates(cube, a)
    tt, st = _totals(rates, a, **{param: np.array([0.0, 1.0])})
    m0, m1 = float(tt[0] - st[0]), float(tt[1] - st[1])
    slope = m1 - m0
    unit, noun = NOTE_UNITS[param]
    if abs(slope) <= 1e-12 * max(1.0, abs(m0)):
        w = _winner(m0)
        return BreakEven(param, None, w, w, f"The {w} is cheaper at any {noun}: the margin does not depend on it")
    x = -m0 / slope
    if x < 0:
        w = _winner(m0)
        return BreakEven(param, None, w, w, f"The {w} is cheaper at any {noun}: the two models never cost the same")
    below, above = _winner(m0), _winner(m0 + slope * (x + 1.0))
    return BreakEven(
        param,
        float(x),
        below,
        above,
        f"The {below} is cheaper below {format_value(param, x)} {unit}, the {above} above",
    )


def format_value(param: str, x: float) -> str:
    """A parameter value as a person reads it ($ with cents, volumes in whole requests)."""
    if param == "requests_per_month":
        return f"{x:,.0f}"
    if param == "usd_per_harm_unit":
        return f"${x:,.4f}"
    return f"${x:,.2f}"


def value_words(param: str, x: float) -> str:
    """Any swept or tornado assumption's value with its unit: "2,100,000 requests/month", "$0.60",
    "$8.00 per 10K requests", "$300/month", "35.0 ms"."""
    if param == "requests_per_month":
        return f"{x:,.0f} requests/month"
    if param.endswith("usd_per_request"):
        return f"${x * 1e4:,.2f} per 10K requests"
    if param.endswith("ops_usd_per_month"):
        return f"${x:,.0f}/month"
    if param.endswith("latency_ms"):
        return f"{x:,.1f} ms"
    return format_value(param, x)


@dataclass(frozen=True)
class SweepResult:
    """Totals and margin at each value; ``crossing`` only when it lies inside the swept range."""

    param: str
    values: np.ndarray
    teacher_total_usd: np.ndarray
    student_total_usd: np.ndarray
    margin_usd: np.ndarray
    crossing: float | None
    note: str

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                self.param: self.values,
                "teacher_total_usd": self.teacher_total_usd,
                "student_total_usd": self.student_total_usd,
                "margin_usd": self.margin_usd,
                "cheaper": np.where(self.margin_usd > 0, "student", "teacher"),
            }
        )


def sweep(cube: ConfusionCube, a: Assumptions, param: str, values) -> SweepResult:
    """Price both models at every value of ``param`` (all else as in ``a``)."""
    _check_param(param)
    vals = np.asarray(values, dtype=float)
    require(
        vals.ndim == 1 and vals.size >= 2, "sweep", "needs at least two values", "give --from, --to and --steps ≥ 2"
    )
    require(
        vals.size <= validate.MAX_SWEEP_STEPS,
        "sweep",
        f"{vals.size:,} values",
        f"sweep at most {validate.MAX_SWEEP_STEPS:,} values (--steps)",
    )
    require(
        bool(np.all(np.isfinite(vals)) and np.all(vals >= 0)),
        param,
        "has negative or non-finite values",
        "sweep over values ≥ 0",
    )
    bound = validate.limit(param)
    require(
        bool(np.all(vals <= (bound.right or np.inf))),
        param,
        f"goes up to {vals.max():g}",
        f"sweep over {bound.describe()}",
    )
    rates = _rates(cube, a)
    tt, st = _totals(rates, a, **{param: vals})
    margin = tt - st
    be = break_even(cube, a, param, rates)
    inside = be.value is not None and vals.min() <= be.value <= vals.max()
    if inside:
        note = be.note
    elif be.value is not None:
        note = (
            f"No crossing between {format_value(param, vals.min())} and {format_value(param, vals.max())} "
            f"{NOTE_UNITS[param][0]}. {be.note}"
        )
    else:
        note = be.note
    return SweepResult(param, vals, tt, st, margin, be.value if inside else None, note)


def volume_bands(cube: ConfusionCube, a: Assumptions, bands=VOLUME_BANDS) -> pd.DataFrame:
    """Totals at the standard volume bands; fixed operational cost stays fixed."""
    return sweep(cube, a, "requests_per_month", bands).table()


def verdict_words(v) -> str:
    """A verdict in the banner's words for a table cell: "Ship the student", "Lean student", "Lean student
    (too close to call)", "Lean student (small sample)", "Blocked by a gate (…)"."""
    if v.state == "blocked":
        return f"Blocked by a gate ({v.blocking_gate})"
    words = f"Ship the {v.model}" if v.state == "ship" else f"Lean {v.model}"
    if v.near_break_even:
        return f"{words} (too close to call)"
    return f"{words} (small sample)" if v.small_sample else words


def band_volumes(current: float, bands=VOLUME_BANDS) -> list[float]:
    """The standard bands and the scenario's own volume, in order (the current one once)."""
    return sorted({float(b) for b in bands} | {float(current)})


def volume_band_decisions(evidence, a: Assumptions, gates, *, draws, quality, bands=VOLUME_BANDS) -> pd.DataFrame:
    """Each band and the current volume as the verdict sees it: totals, margin, its 95% interval, P(student
    cheaper) and the verdict's state, from :func:`engine.decision.verdict.decide` on the same resamples.

    ``draws`` are the verdict's own (the dashboard's cached ones), so the row at the scenario's volume is the
    banner's interval to the cent; other rows re-price those draws at their volume (draw once, reprice many).
    """
    from engine.decision import verdict  # verdict imports this module: a call-time import, one way at load

    rows = []
    for v in band_volumes(a.requests_per_month, bands):
        d = verdict.decide(evidence, a.replace(requests_per_month=v), gates, draws=draws, quality=quality, confirm_B=0)
        b, bs = d.breakdown, d.bootstrap
        rows.append(
            {
                "requests_per_month": v,
                "current": v == a.requests_per_month,
                "teacher_total_usd": b.teacher.total_usd,
                "student_total_usd": b.student.total_usd,
                "margin_usd": b.margin_usd,
                "margin_ci95_low_usd": bs.margin_ci95_usd[0],
                "margin_ci95_high_usd": bs.margin_ci95_usd[1],
                "p_student_cheaper": bs.p_student_cheaper,
                "verdict": verdict_words(d.verdict),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class MarginBand:
    """The margin and its 95% band over volumes, from the verdict's resamples."""

    volumes: np.ndarray
    margin_usd: np.ndarray
    low_usd: np.ndarray
    high_usd: np.ndarray
    break_even: BreakEven


def margin_band(cube: ConfusionCube, a: Assumptions, draws, volumes) -> MarginBand:
    """Margin (teacher − student) and its 95% percentile band at every volume, at once.

    Every resample's margin is linear in volume (per-request dollars scale with it, fixed operations do not),
    so two re-pricings of the same draws give each resample's line; the band is its percentiles per volume.
    """
    from engine.decision import uncertainty

    vols = np.asarray(volumes, dtype=float)
    require(bool(vols.size >= 2 and np.all(vols >= 0)), "volumes", "fewer than two or negative", "give volumes ≥ 0")
    v1, v2 = 1_000_000.0, 2_000_000.0
    m1 = uncertainty.reprice(draws, cube, a.replace(requests_per_month=v1)).margins_usd
    m2 = uncertainty.reprice(draws, cube, a.replace(requests_per_month=v2)).margins_usd
    slope = (m2 - m1) / (v2 - v1)
    lines = m1[None, :] + (vols[:, None] - v1) * slope[None, :]  # (volumes, B)
    lo, hi = np.percentile(lines, [2.5, 97.5], axis=1)
    point = sweep(cube, a, "requests_per_month", vols).margin_usd
    return MarginBand(vols, point, lo, hi, break_even(cube, a, "requests_per_month"))


TORNADO_PARAMS = {
    "requests_per_month": "Monthly volume",
    "teacher.usd_per_request": "Teacher price per request",
    "student.usd_per_request": "Student price per request",
    "usd_per_critical_event": "$ per critical event",
    "usd_per_harm_unit": "$ per harm unit",
    "teacher.ops_usd_per_month": "Teacher operations $/month",
    "student.ops_usd_per_month": "Student operations $/month",
    "teacher.p95_latency_ms": "Teacher P95 latency",
    "student.p95_latency_ms": "Student P95 latency",
    "usd_per_ms_month": "$ per ms-month",
}


def tornado(
    cube: ConfusionCube, a: Assumptions, *, rel: float = 0.5, ranges: dict[str, tuple[float, float]] | None = None
) -> pd.DataFrame:
    """Margin at low/high of every assumption (±``rel`` or a user range), widest swing first."""
    require(0 < rel < 1, "tornado range", f"±{rel:g}", "use a fraction between 0 and 1 (0.5 = ±50%)")
    ranges = ranges or {}
    unknown = sorted(set(ranges) - set(TORNADO_PARAMS))
    require(not unknown, "tornado ranges", f"unknown assumption(s) {unknown}", f"use {', '.join(TORNADO_PARAMS)}")
    base = costs.decompose(cube, a).margin_usd
    rows = []
    for key, label in TORNADO_PARAMS.items():
        x = float(a.get(key))
        lo, hi = ranges.get(key, (x * (1 - rel), x * (1 + rel)))
        m_lo = costs.decompose(cube, a.replace(**{key: lo})).margin_usd
        m_hi = costs.decompose(cube, a.replace(**{key: hi})).margin_usd
        rows.append(
            {
                "assumption": key,
                "label": label,
                "base_value": x,
                "low_value": lo,
                "high_value": hi,
                "margin_at_low_usd": m_lo,
                "margin_at_high_usd": m_hi,
                "base_margin_usd": base,
                "swing_usd": abs(m_hi - m_lo),
                "flips": (m_lo > 0) != (m_hi > 0) or (m_lo > 0) != (base > 0),
            }
        )
    return pd.DataFrame(rows).sort_values("swing_usd", ascending=False, ignore_index=True)


@dataclass(frozen=True)
class WinnerMap:
    """Margin over a volume × critical-price grid (rows: volumes, columns: prices)."""

    volumes: np.ndarray
    usd_per_critical_event: np.ndarray
    margin_usd: np.ndarray


def winner_map(cube: ConfusionCube, a: Assumptions, volumes, critical_prices) -> WinnerMap:
    v = np.asarray(volumes, float)
    c = np.asarray(critical_prices, float)
    require(bool(np.all(v >= 0) and np.all(c >= 0)), "winner map", "negative volume or price", "use values ≥ 0")
    tt, st = _totals(_rates(cube, a), a, requests_per_month=v[:, None], usd_per_critical_event=c[None, :])
    return WinnerMap(v, c, tt - st)
