"""Per-segment routing: send each segment to one model and price the routed system as a decision against the
teacher everywhere, on the verdict's own resamples (split from :mod:`engine.rollout.cascade`)."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass

import numpy as np

from engine.decision import costs, verdict
from engine.decision.cube import ConfusionCube, Evidence
from engine.decision.scenario import Assumptions
from engine.errors import require


def segment_routing(cube: ConfusionCube, a: Assumptions, policy: dict[str, str], **decide_kwargs):
    """Route each segment to one model; returns (decision vs teacher-only, routed cube, routed assumptions).

    ``draws`` of ``cube`` (the verdict's resamples) are reused for the routed cube, so routing every
    segment to the student gives exactly the verdict's interval.

    The routed system is priced as the 'student' side of a decision by the one cost formula: its predictions
    come from the model each segment is sent to; its price, energy and per-request operations are the blend at
    the production mix's teacher share; it operates every model it uses and its P95 is the slowest used model's.
    """
    unknown = sorted(set(policy) - set(cube.segments))
    require(not unknown, "routing policy", f"unknown segment(s) {unknown}", f"use {', '.join(cube.segments)}")
    bad = sorted({m for m in policy.values() if m not in ("teacher", "student")})
    require(not bad, "routing policy", f"unknown model(s) {bad}", "route each segment to teacher or student")
    to_teacher = np.array([policy.get(s, "student") == "teacher" for s in cube.segments])[cube.segment_idx]
    routed = ConfusionCube(
        cube.intents,
        cube.segments,
        cube.segment_idx,
        cube.true_idx,
        cube.teacher_idx,
        np.where(to_teacher, cube.teacher_idx, cube.student_idx).astype(cube.student_idx.dtype),
        cube.counts,
        f"routed:{cube.source}",
    )
    w = cube.counts * costs.cell_quantities(cube, a).weight
    share_t = float(w[to_teacher].sum() / w.sum())
    uses = {"teacher": share_t > 0, "student": share_t < 1}
    system = costs.mixed_system(
        a,
        teacher_share=share_t,
        uses_teacher=uses["teacher"],
        uses_student=uses["student"],
        p95_latency_ms=max(a.model(m).p95_latency_ms for m, used in uses.items() if used),
    )
    blended = a.replace(**{f"student.{k}": float(v) for k, v in asdict(system).items()})
    draws = decide_kwargs.pop("draws", None)
    if draws is not None:  # the same resampled requests as the verdict: the routed cube keeps the cube's cells
        require(draws.cube_hash == cube.hash, "draws", "were drawn from another cube", "draw again for this cube")
        decide_kwargs["draws"] = dataclasses.replace(draws, cube_hash=routed.hash)
    return verdict.decide(Evidence(routed, None, f"routed {cube.source}"), blended, **decide_kwargs), routed, blended


# -- routing policies found by search over the paired cube (issue 16) ---------------------------------------

LATENCY_BUDGET_MS = 15.0


def error_usd_per_month(rates: costs.Rates, a: Assumptions):
    """Business-weighted error: the harm-unit and critical-event dollars a month of ``rates`` (the cost formula's
    ``weighted_error`` + ``critical``; neither depends on which model serves)."""
    c = costs.price(rates, a, "student")
    return c["weighted_error"] + c["critical"]


def _routed_totals(a: Assumptions, q: costs.CellQuantities, counts: np.ndarray, to_teacher: np.ndarray, keyed: str):
    """Monthly total of a routed system over counts (C,) or (B, C); ``to_teacher`` (C,) says which cells the
    teacher answers. ``keyed`` "segment": a request goes to one model, known before either runs; "intent": the
    router reads the student's predicted intent, so every request pays the student and the routed ones the
    teacher too (a cascade keyed on segment × predicted intent). Returns (total, teacher share, P95 ms, the routed
    per-request :class:`costs.Rates`)."""
    w = np.asarray(counts, dtype=np.float64) * q.weight
    tot = w.sum(axis=-1)
    pick = lambda x: np.where(to_teacher, x[0], x[1])
    mean = lambda x: (w @ pick(x)) / tot
    rates = costs.Rates(*(mean(x) for x in (q.harm_units, q.critical, q.critical_weighted, q.misroute)))
    share = (w @ to_teacher.astype(np.float64)) / tot
    t, s = a.teacher.p95_latency_ms, a.student.p95_latency_ms
    if keyed == "segment":
        p95 = np.where(share >= 1, t, np.where(share > 0, max(t, s), s))
        kw = dict(uses_teacher=share > 0, uses_student=share < 1)
    else:  # the routed share pays both latencies; P95 is theirs once more than 5% are routed
        p95 = np.where(share > 0.05, t + s, s)
        kw = dict(uses_teacher=share > 0, uses_student=True, student_on_every_request=True)
    system = costs.mixed_system(a, teacher_share=share, p95_latency_ms=p95, **kw)
    total = np.asarray(costs.total(costs.price(rates, a, system)), dtype=np.float64)
    return total, share, p95, rates


def _groups(cube: ConfusionCube, keyed: str) -> np.ndarray:
    """(C,) group of each cell: its segment, or its segment × the student's predicted intent."""
    if keyed == "segment":
        return cube.segment_idx.astype(np.int64)
    return cube.segment_idx.astype(np.int64) * len(cube.intents) + cube.student_idx


def _search(cube, a, q, counts, keyed: str, budget_ms: float) -> np.ndarray:
    """The cheapest teacher set of groups within the latency budget (C,) bool, on ``counts`` only.

    Per segment: every subset of the segments. Per segment × predicted intent: groups added by their saving
    per request moved (teacher − student dollars at the group's cells), every prefix priced whole."""
    g = _groups(cube, keyed)
    ids = np.unique(g)
    if keyed == "segment":
        options = [np.isin(g, ids[[(m >> i) & 1 == 1 for i in range(ids.size)]]) for m in range(2**ids.size)]
    else:
        err = q.error_usd(a) * q.weight * counts  # (2, C) error dollars of the cells' requests
        gain = np.array([(err[1] - err[0])[g == i].sum() for i in ids])
        order = ids[np.argsort(-gain)][: int((gain > 0).sum())]
        options = [np.isin(g, order[:j]) for j in range(order.size + 1)]
    best, best_total = options[0], np.inf
    for opt in options:
        total, _, p95, _ = _routed_totals(a, q, counts, opt, keyed)
        if float(p95) <= budget_ms and float(total) < best_total:
            best, best_total = opt, float(total)
    return best


@dataclass(frozen=True)
class PolicyResult:
    """A searched routing policy, priced on requests it was not chosen on (two-fold cross-fitting)."""

    keyed: str
    policy: dict[str, str]  # group → model, chosen on all requests (what to deploy)
    total_usd: float  # on all requests
    teacher_share: float
    p95_latency_ms: float
    saving_vs_teacher_usd: float  # cross-fitted: chosen on one half, priced on the other, both ways averaged
    saving_vs_teacher_ci95_usd: tuple[float, float]
    saving_vs_student_usd: float
    saving_vs_student_ci95_usd: tuple[float, float]
    folds_agree: bool  # both halves chose the policy chosen on all requests


def _label(cube: ConfusionCube, keyed: str, group: int) -> str:
    if keyed == "segment":
        return cube.segments[group]
    return f"{cube.segments[group // len(cube.intents)]} × predicted {cube.intents[group % len(cube.intents)]}"


def best_policy(cube: ConfusionCube, a: Assumptions, *, keyed: str = "segment", budget_ms: float = LATENCY_BUDGET_MS,
                B: int = 2_000, seed: int = 0) -> PolicyResult:  # fmt: skip
    """Search the paired cube for the cheapest routing within the latency budget, with an honest interval.

    The requests are split in two at random (each cell's count binomially); the policy chosen on one half is
    priced on the other, both ways, and its saving against the teacher and the student everywhere is the mean of
    the two; the interval resamples each pricing half (paired: the same resample prices all three systems).
    """
    require(keyed in ("segment", "intent"), "keyed", f"{keyed!r}", "use segment or intent")
    q = costs.cell_quantities(cube, a)
    rng = np.random.default_rng(seed)
    half = rng.binomial(cube.counts.astype(np.int64), 0.5)
    halves = (half, cube.counts - half)
    alone = lambda c, to: _routed_totals(a, q, c, np.full(cube.n_cells, to), keyed="segment")[0]
    vs_t, vs_s, chosen = [], [], []
    for fit, price_on in (halves, halves[::-1]):
        pol = _search(cube, a, q, fit, keyed, budget_ms)
        chosen.append(pol)
        draws = rng.multinomial(int(price_on.sum()), price_on / price_on.sum(), size=B)
        boot = np.vstack([price_on[None, :], draws]).astype(np.float64)
        routed = _routed_totals(a, q, boot, pol, keyed)[0]
        vs_t.append(alone(boot, True) - routed)
        vs_s.append(alone(boot, False) - routed)
    full = _search(cube, a, q, cube.counts, keyed, budget_ms)
    total, share, p95, _ = _routed_totals(a, q, cube.counts, full, keyed)
    g = _groups(cube, keyed)
    policy = {_label(cube, keyed, int(i)): "teacher" if full[g == i].any() else "student" for i in np.unique(g)}
    est = lambda v: float((v[0][0] + v[1][0]) / 2)

    def ci(v) -> tuple[float, float]:
        lo, hi = np.percentile((v[0][1:] + v[1][1:]) / 2, [2.5, 97.5])
        return float(lo), float(hi)

    agree = all(bool((c == full).all()) for c in chosen)
    return PolicyResult(
        keyed, policy, float(total), float(share), float(p95), est(vs_t), ci(vs_t), est(vs_s), ci(vs_s), agree
    )


def segment_margins(cube: ConfusionCube, a: Assumptions, draws) -> list[dict]:
    """Per segment: the margin (teacher − student, $/month at the segment's share of the volume), its 95%
    interval over the verdict's resamples and its state (student / teacher where the interval excludes $0,
    else lean)."""
    q = costs.cell_quantities(cube, a)
    out = []
    for s, seg in enumerate(cube.segments):
        mask = cube.segment_idx == s
        c = np.vstack([cube.counts[None, :], draws.counts]).astype(np.float64) * mask
        w = c * q.weight
        share = w.sum(axis=1) / (np.vstack([cube.counts[None, :], draws.counts]) * q.weight).sum(axis=1)
        ok = share > 0
        rt, rs = costs.rates_from_counts(q, c[ok])
        kw = dict(requests_per_month=a.requests_per_month * share[ok], fixed_cost_share=share[ok])
        m = costs.total(costs.price(rt, a, "teacher", **kw)) - costs.total(costs.price(rs, a, "student", **kw))
        lo, hi = np.percentile(m[1:], [2.5, 97.5])
        state = "student" if lo > 0 else "teacher" if hi < 0 else ("lean student" if m[0] > 0 else "lean teacher")
        out.append({"segment": seg, "volume_share": float(share[0]), "margin_usd": float(m[0]),
                    "ci95_usd": (float(lo), float(hi)), "state": state})  # fmt: skip
    return out


def segment_policies(cube: ConfusionCube, a: Assumptions, counts: np.ndarray | None = None) -> list[dict]:
    """Every per-segment policy that uses both models (all-student and all-teacher are the single models), with
    its monthly total, critical misroutes per month, business-weighted error (harm and critical dollars per month)
    and P95 over ``counts`` (default: the cube's; (B, C) ok)."""
    q = costs.cell_quantities(cube, a)
    counts = cube.counts if counts is None else counts
    g, out = cube.segment_idx, []
    for m in range(1, 2 ** len(cube.segments) - 1):
        teach = [s for i, s in enumerate(cube.segments) if (m >> i) & 1]
        to_teacher = np.isin(g, [cube.segments.index(s) for s in teach])
        total, share, p95, rates = _routed_totals(a, q, counts, to_teacher, "segment")
        label = "teacher for " + ", ".join(teach)
        out.append({"label": label, "to_teacher": to_teacher, "total_usd": total, "teacher_share": share,
                    "p95_latency_ms": p95, "critical_per_month": rates.critical * a.requests_per_month,
                    "error_usd_per_month": error_usd_per_month(rates, a)})  # fmt: skip
    return out
