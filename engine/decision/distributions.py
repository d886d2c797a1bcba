"""Uncertain assumptions: a distribution instead of a point for an economic assumption.

A spec is text, the same in scenario files (``"uncertain": {"usd_per_critical_event": "lognormal:0.9,2.4"}``),
on the CLI (``--uncertain usd_per_critical_event=lognormal:0.9,2.4``) and on the dashboard:

* ``point:X`` (or just ``X``) — no uncertainty;
* ``uniform:LO,HI``;
* ``triangular:LO,MODE,HI``;
* ``lognormal:P10,P90`` — the lognormal whose 10th and 90th percentiles are P10 and P90.

Assumptions are independent of each other and of the evaluation sample. The older
``usd_per_critical_event_range`` (low, high) is the special case ``triangular:low,point,high``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from engine import validate
from engine.errors import DistillDecideError, require

if TYPE_CHECKING:
    from engine.decision.scenario import Assumptions

NAMES = (
    "usd_per_critical_event",
    "usd_per_harm_unit",
    "requests_per_month",
    "teacher.usd_per_request",
    "student.usd_per_request",
    "usd_per_ms_month",
    "teacher.ops_usd_per_month",
    "student.ops_usd_per_month",
    "teacher.ops_usd_per_request",
    "student.ops_usd_per_request",
)
KINDS = {"point": 1, "uniform": 2, "triangular": 3, "lognormal": 2}
Z90 = NormalDist().inv_cdf(0.9)  # 1.2816: P90 of the standard normal
_SPEC = re.compile(r"\s*([a-z]+)\s*:\s*(.*)", flags=re.S)
_EXAMPLE = "write point:1.2, uniform:0.8,2.4, triangular:0.8,1.2,2.4 or lognormal:0.9,2.4 (P10,P90)"


@dataclass(frozen=True)
class Dist:
    """One assumption's distribution; ``params`` as in the spec (lognormal: P10, P90)."""

    kind: str
    params: tuple[float, ...]

    @property
    def _mu_sigma(self) -> tuple[float, float]:
        p10, p90 = self.params
        return (math.log(p10) + math.log(p90)) / 2, (math.log(p90) - math.log(p10)) / (2 * Z90)

    def mean(self) -> float:
        p = self.params
        if self.kind == "point":
            return p[0]
        if self.kind == "uniform":
            return (p[0] + p[1]) / 2
        if self.kind == "triangular":
            return sum(p) / 3
        mu, sigma = self._mu_sigma
        return math.exp(mu + sigma**2 / 2)

    def variance(self) -> float:
        p = self.params
        if self.kind == "point":
            return 0.0
        if self.kind == "uniform":
            return (p[1] - p[0]) ** 2 / 12
        if self.kind == "triangular":
            a, c, b = p
            return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        mu, sigma = self._mu_sigma
        return (math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (0 < q < 1)."""
        p = self.params
        if self.kind == "point":
            return p[0]
        if self.kind == "uniform":
            return p[0] + q * (p[1] - p[0])
        if self.kind == "triangular":
            a, c, b = p
            if b == a:
                return a
            f = (c - a) / (b - a)
            return a + math.sqrt(q * (b - a) * (c - a)) if q < f else b - math.sqrt((1 - q) * (b - a) * (b - c))
        mu, sigma = self._mu_sigma
        return math.exp(mu + sigma * NormalDist().inv_cdf(q))

    def sample(self, gen: np.random.Generator, size: int) -> np.ndarray:
        p = self.params
        if self.kind == "point":
            return np.full(size, p[0])
        if self.kind == "uniform":
            return gen.uniform(p[0], p[1], size=size) if p[1] > p[0] else np.full(size, p[0])
        if self.kind == "triangular":
            return gen.triangular(p[0], p[1], p[2], size=size) if p[2] > p[0] else np.full(size, p[0])
        mu, sigma = self._mu_sigma
        return np.exp(gen.normal(mu, sigma, size=size))

    def spec(self) -> str:
        return f"{self.kind}:" + ",".join(f"{x:.12g}" for x in self.params)


def parse(spec: Any, name: str) -> Dist:
    """A validated :class:`Dist` from spec text; ``name`` is the assumption (its range bounds every number)."""
    field = f"uncertain.{name}"
    require(name in NAMES, field, "is not an assumption that can be uncertain", f"use one of {', '.join(NAMES)}")
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        spec = f"point:{spec}"
    require(isinstance(spec, str), field, f"{str(spec)[:40]!r} is not a distribution", _EXAMPLE)
    m = _SPEC.fullmatch(spec) if ":" in spec else _SPEC.fullmatch(f"point:{spec}")
    require(m is not None, field, f"{spec[:40]!r} is not a distribution", _EXAMPLE)
    assert m is not None
    kind, rest = m.group(1), m.group(2)
    require(kind in KINDS, field, f"{kind!r} is not a known distribution", _EXAMPLE)
    parts = [x.strip() for x in rest.split(",")]
    require(len(parts) == KINDS[kind], field, f"{kind} takes {KINDS[kind]} number(s), got {len(parts)}", _EXAMPLE)
    nums = tuple(float(validate.limit(name).parse(x, field)) for x in parts)
    if kind == "uniform":
        require(nums[0] <= nums[1], field, f"low {nums[0]:g} > high {nums[1]:g}", "give uniform:LOW,HIGH")
    elif kind == "triangular":
        lo, mode, hi = nums
        require(lo <= hi, field, f"low {lo:g} > high {hi:g}", "give triangular:LOW,MODE,HIGH")
        require(lo <= mode <= hi, field, f"mode {mode:g} is outside [{lo:g}, {hi:g}]", "put the mode between")
    elif kind == "lognormal":
        p10, p90 = nums
        require(p10 > 0, field, f"P10 {p10:g} is not above 0", "give a positive P10 (a lognormal is positive)")
        require(p10 < p90, field, f"P10 {p10:g} is not below P90 {p90:g}", "give lognormal:P10,P90 with P10 < P90")
        require(p90 / p10 <= 1e6, field, f"P90/P10 = {p90 / p10:g} is too wide", "give P90 at most 1e6 × P10")
    return Dist(kind, nums)


def parse_assignment(text: str) -> tuple[str, str]:
    """``NAME=SPEC`` from the command line, validated; returns (name, normalised spec)."""
    name, eq, spec = text.partition("=")
    require(bool(eq) and bool(name.strip()), "--uncertain", f"{text[:60]!r} is not NAME=SPEC", _EXAMPLE)
    name = name.strip()
    return name, parse(spec, name).spec()


def pairs(value: Any) -> tuple[tuple[str, str], ...]:
    """Scenario-file form ({name: spec}, or pairs) to validated (name, spec) pairs in :data:`NAMES` order."""
    if value is None or value == ():
        return ()
    try:
        items = dict(value.items() if isinstance(value, Mapping) else value)
    except (TypeError, ValueError):
        raise DistillDecideError(
            "uncertain", f"{str(value)[:60]!r} is not a table of name → spec", 'write {"name": "lognormal:0.9,2.4"}'
        ) from None
    for k in items:
        parse(items[k], str(k))
    return tuple((k, parse(items[k], k).spec()) for k in NAMES if k in items)


def merge(base: tuple[tuple[str, str], ...], extra: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``base`` with ``extra`` (later wins); a ``point`` spec removes the assumption's uncertainty."""
    out = dict(base)
    out.update(extra)
    return pairs({k: s for k, s in out.items() if not s.startswith("point:")})


def specs(a: Assumptions) -> dict[str, Dist]:
    """Every non-point distribution of ``a``; the critical-event range is ``triangular(low, point, high)``."""
    out = {k: parse(s, k) for k, s in a.uncertain}
    if a.usd_per_critical_event_range is not None and "usd_per_critical_event" not in out:
        lo, hi = a.usd_per_critical_event_range
        out["usd_per_critical_event"] = Dist("triangular", (lo, min(max(a.usd_per_critical_event, lo), hi), hi))
    return {k: d for k, d in out.items() if d.kind != "point"}


def means(a: Assumptions) -> dict[str, float]:
    """Each assumption at its mean: the point value, or the distribution's mean."""
    d = specs(a)
    return {k: d[k].mean() if k in d else float(a.get(k)) for k in NAMES}


def joint_draw(a: Assumptions, B: int, gen: np.random.Generator) -> dict[str, np.ndarray]:
    """``B`` independent draws of every uncertain assumption (in :data:`NAMES` order, one stream)."""
    d = specs(a)
    return {k: d[k].sample(gen, B) for k in NAMES if k in d}


def describe(a: Assumptions) -> list[str]:
    """Each uncertain assumption in words, e.g. 'usd_per_critical_event: lognormal:0.9,2.4 (mean 1.55)'."""
    return [f"{k}: {d.spec()} (mean {d.mean():,.4g})" for k, d in specs(a).items()]
