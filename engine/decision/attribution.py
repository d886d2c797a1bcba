"""Why the margin changed between two decisions: evidence vs each changed assumption, in dollars.

Two decisions are (cube₀, a₀) and (cube₁, a₁); the margin M(cube, a) is the one priced margin
(:func:`engine.decision.costs.decompose`). The change M(cube₁, a₁) − M(cube₀, a₀) is split among the
*factors* that differ — "the evidence" and each changed assumption — by their Shapley values: a factor's
part is its average marginal effect over every order in which the factors could have changed. The parts
sum to the total exactly (it is a telescoping average), no factor's part depends on an arbitrary order,
and a factor that moves nothing gets $0. Volume × price interactions are shared equally, not given to
whichever factor happens to be applied last.

With more than ``MAX_EXACT`` factors the exact average (2^k pricings) gives way to one documented order:
evidence first, then the assumptions in the order :func:`scenario.changed_fields` lists them.

Assumptions that only make sense together move as one factor: the label set (intents, harm matrix,
critical intents and intent mix), since a harm matrix of another label set cannot be priced alone. When
the two decisions cannot be mixed at all (a cube whose labels the other scenario does not know), the
change is one part, "evidence and assumptions together", and says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from engine.decision import costs, scenario
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import Assumptions
from engine.errors import DistillDecideError

MAX_EXACT = 10  # up to 2^10 = 1,024 pricings (≈ 0.2 s): exact Shapley values
EVIDENCE = "evidence"
LABEL_SET = ("intents", "harm_matrix", "critical_intents", "production_intent_mix")
UNPRICED: tuple[str, ...] = ("name", "notes", "teacher.price_source", "student.price_source")
UNPRICED += ("teacher.latency_source", "student.latency_source")


@dataclass(frozen=True)
class Part:
    key: str  # "evidence", a field path ("usd_per_critical_event", "teacher.usd_per_request"), or "label set"
    usd: float  # this cause's share of the margin change, $ per month (unrounded)
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class Attribution:
    margin_before_usd: float
    margin_after_usd: float
    parts: tuple[Part, ...]
    method: str  # "shapley" | "sequential" | "together"
    note: str = ""

    @property
    def total_change_usd(self) -> float:
        return self.margin_after_usd - self.margin_before_usd

    def parts_cents(self) -> dict[str, float]:
        """Each part in dollars rounded to the cent so that they sum exactly to the rounded total."""
        return dict(zip([p.key for p in self.parts], round_to_total([p.usd for p in self.parts], 2)))


def round_to_total(values: list[float], digits: int = 2) -> list[float]:
    """Round each value to ``digits`` so the rounded values sum to the rounded sum (largest remainders)."""
    scale = 10**digits
    target = round(math.fsum(values) * scale)
    scaled = [v * scale for v in values]
    floors = [math.floor(s) for s in scaled]
    short = target - sum(floors)  # how many units to add back, one each to the largest remainders
    order = sorted(range(len(values)), key=lambda i: scaled[i] - floors[i], reverse=True)
    for i in order[: max(short, 0)]:
        floors[i] += 1
    return [f / scale for f in floors]


def _factors(a0: Assumptions, a1: Assumptions) -> list[tuple[str, tuple[str, ...]]]:
    """The changed assumptions as (name, field paths), label-set fields grouped into one factor."""
    changed = [k for k in scenario.changed_fields(a0, a1) if k not in UNPRICED]
    grouped = [k for k in changed if k in LABEL_SET]
    out: list[tuple[str, tuple[str, ...]]] = [(k, (k,)) for k in changed if k not in LABEL_SET]
    if "intents" in grouped:
        out.insert(0, ("label set", tuple(grouped)))
    else:
        out = [(k, (k,)) for k in grouped] + out
    return out


def _flat(a: Assumptions) -> dict[str, Any]:
    d = a.to_dict()
    return {k: v for k, v in d.items() if k not in scenario.MODELS} | {
        f"{m}.{k}": v for m in scenario.MODELS for k, v in d[m].items()
    }


def _mix(a0: Assumptions, a1: Assumptions, paths: set[str]) -> Assumptions:
    """``a0`` with the fields in ``paths`` taken from ``a1`` (validated as any scenario is)."""
    if not paths:
        return a0
    flat0, flat1 = _flat(a0), _flat(a1)
    merged = {k: (flat1.get(k) if k in paths else v) for k, v in flat0.items()}
    merged.update({k: flat1[k] for k in paths if k in flat1 and k not in flat0})
    data: dict[str, Any] = {k: v for k, v in merged.items() if "." not in k}
    for m in scenario.MODELS:
        data[m] = {k.split(".", 1)[1]: v for k, v in merged.items() if k.startswith(m + ".")}
    return Assumptions.from_dict(data)


def _value(cubes, a0, a1, factors, subset: frozenset[int]) -> float:
    """The margin with the factors in ``subset`` (indices; 0 is the evidence) at their new values."""
    paths = {p for i in subset if i > 0 for p in factors[i - 1][1]}
    cube = cubes[1] if 0 in subset else cubes[0]
    return costs.decompose(cube, _mix(a0, a1, paths)).margin_usd


def _shapley(value, k: int) -> list[float]:
    cache: dict[frozenset[int], float] = {}
    v = lambda s: cache[s] if s in cache else cache.setdefault(s, value(s))
    phi = [0.0] * k
    for i in range(k):
        rest = [j for j in range(k) if j != i]
        for size in range(k):
            w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            phi[i] += w * math.fsum(v(frozenset(s) | {i}) - v(frozenset(s)) for s in combinations(rest, size))
    return phi


def _sequential(value, k: int) -> list[float]:
    steps = [value(frozenset(range(i))) for i in range(k + 1)]
    return [steps[i + 1] - steps[i] for i in range(k)]


def margin_change(cube0: ConfusionCube, a0: Assumptions, cube1: ConfusionCube, a1: Assumptions) -> Attribution:
    """The margin change from (cube0, a0) to (cube1, a1), split among the evidence and each assumption."""
    m0, m1 = costs.decompose(cube0, a0).margin_usd, costs.decompose(cube1, a1).margin_usd
    factors = _factors(a0, a1)
    evidence_changed = cube0.hash != cube1.hash
    names = [EVIDENCE] + [f[0] for f in factors]
    flat0, flat1 = _flat(a0), _flat(a1)
    before = [cube0.hash] + [flat0.get(f[1][0]) if len(f[1]) == 1 else None for f in factors]
    after = [cube1.hash] + [flat1.get(f[1][0]) if len(f[1]) == 1 else None for f in factors]
    k = len(names)
    value = lambda s: _value((cube0, cube1), a0, a1, factors, s)
    try:
        phi = _shapley(value, k) if k <= MAX_EXACT else _sequential(value, k)
    except DistillDecideError as exc:
        part = Part("evidence and assumptions together", m1 - m0, cube0.hash, cube1.hash)
        return Attribution(m0, m1, (part,), "together", f"the two cannot be mixed: {exc}")
    method = "shapley" if k <= MAX_EXACT else "sequential"
    parts = [Part(n, phi[i], before[i], after[i]) for i, n in enumerate(names) if i > 0 or evidence_changed]
    residual = (m1 - m0) - math.fsum(p.usd for p in parts)  # float dust only: Shapley values are efficient
    if parts:
        parts[-1] = Part(parts[-1].key, parts[-1].usd + residual, parts[-1].before, parts[-1].after)
    return Attribution(m0, m1, tuple(parts), method)
