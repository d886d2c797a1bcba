"""N student candidates against one teacher, on the same requests (issue 17, item 5).

Evidence holds one prediction column per candidate (a 2-layer student, a 4-layer one, INT8, a cascade at one
threshold) beside the teacher's. Each candidate's cube is the ordinary two-model cube of (teacher, that
candidate), and its verdict, interval included, is exactly what a two-model run of it gives (its own cube's
paired resamples at the same B and seed: the seed student shows the same interval here as on its own). The
lead of the best over the runner-up comes from one resample of the joint cells (segment, true, teacher, every
candidate): both margins are read off the same resampled requests, so the lead has its own paired interval.
Every candidate is priced with the scenario's student price and P95 unless given its own (``--candidate-costs``).

A per-request table brings its candidates as columns: ``student_pred`` (the candidate ``student``) and every
other ``<name>_pred`` beside ``teacher_pred`` (:func:`columns_in`), as the dashboard's rows upload reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from engine import validate
from engine.decision import cube as cube_mod
from engine.decision import uncertainty, verdict
from engine.decision.scenario import Assumptions
from engine.errors import DistillDecideError, require
from engine.present import looks
from engine.present.money import usd
from engine.rollout import gates as gates_mod

EXAMPLE = "e.g. --candidates 2layer=s2_pred,4layer=s4_pred,int8=int8_pred"
PRED_SUFFIX = "_pred"
MAX_CANDIDATES = 20


def parse(spec: str) -> dict[str, str]:
    """``'2layer=s2_pred,int8=int8_pred'`` (or bare column names) → ``{name: column}``, at least two."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in str(spec).split(",")):
        name, sep, col = (s.strip() for s in part.partition("="))
        col = col if sep else name
        require(bool(name and col), "--candidates", f"{part!r} is not NAME=COLUMN", EXAMPLE)
        require(name not in out, "--candidates", f"{name!r} is named twice", "name each candidate once")
        out[name] = col
    require(len(out) >= 2, "--candidates", f"names {len(out)} candidate", "name two or more (" + EXAMPLE + ")")
    require(len(out) <= MAX_CANDIDATES, "--candidates", f"names {len(out)} candidates", "compare at most 20 at once")
    return out


def columns_in(frame: pd.DataFrame) -> dict[str, str]:
    """A per-request table's candidates: ``student_pred`` as ``student`` and every other ``<name>_pred`` column
    but the teacher's, in the table's column order; ``{}`` when there are fewer than two (one student is the
    ordinary two-model verdict)."""
    out: dict[str, str] = {}
    for col in map(str, frame.columns):
        name = col.removesuffix(PRED_SUFFIX)
        if col.endswith(PRED_SUFFIX) and col != "teacher_pred" and name:
            out[name] = col
    if "student_pred" in out.values():  # the two-model column first: the candidate every page already prices
        out = {"student": "student_pred"} | out
    if len(out) < 2:
        return {}
    require(
        len(out) <= MAX_CANDIDATES,
        "candidate columns",
        f"{len(out)} '<name>_pred' columns",
        f"compare at most {MAX_CANDIDATES} at once: drop some prediction columns",
    )
    return out


def joint_hash(joint: pd.DataFrame) -> str:
    """A short hash of the joint cells (for caches): equal cells, equal hash."""
    import hashlib

    return hashlib.sha256(joint.to_csv(index=False).encode()).hexdigest()[:16]


def parse_costs(spec: str | None, names: Sequence[str]) -> dict[str, dict[str, float]]:
    """``'int8=0.0009/6.5,4layer=0.0021'``: a candidate's $ per request and, after a '/', its P95 in ms (the
    scenario's student figures for the rest), each checked against the scenario field's range."""
    out: dict[str, dict[str, float]] = {}
    for part in (p.strip() for p in str(spec or "").split(",") if p.strip()):
        name, sep, values = (s.strip() for s in part.partition("="))
        fix = "write NAME=USD_PER_REQUEST[/P95_MS], e.g. --candidate-costs int8=0.0009/6.5"
        require(bool(sep and values), "--candidate-costs", f"{part!r} is not NAME=PRICE[/P95]", fix)
        require(name in names, "--candidate-costs", f"{name!r} is not a candidate", f"name one of {', '.join(names)}")
        fields = dict(zip(("usd_per_request", "p95_latency_ms"), values.split("/", 1)))
        try:
            got = {f: float(x) for f, x in fields.items()}
        except ValueError:
            raise DistillDecideError("--candidate-costs", f"{part!r} holds a value that is not a number", fix) from None
        out[name] = {f: validate.LIMITS[f].check(x, f"--candidate-costs {name}") for f, x in got.items()}
    return out


def joint_cells(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Requests counted per (segment, true, teacher_pred, each candidate's column): per-request rows count 1
    each, a counts table its ``n``."""
    cols = list(columns.values())
    missing = [c for c in ("true", "teacher_pred", *cols) if c not in frame.columns]
    require(
        not missing,
        f"candidates column(s) {missing}",
        "missing",
        f"the file has columns {list(frame.columns)[:12]}; name each candidate's prediction column",
    )
    f = frame if "segment" in frame.columns else frame.assign(segment=cube_mod.DEFAULT_SEGMENT)
    keys = ["segment", "true", "teacher_pred", *dict.fromkeys(cols)]
    f = cube_mod._as_text(f[keys + (["n"] if "n" in f.columns else [])], keys)
    n = pd.to_numeric(f["n"], errors="coerce") if "n" in f.columns else pd.Series(1, index=f.index)
    require(not n.isna().any() and bool((n >= 0).all()), "n", "has values that are not counts", "give whole counts")
    grouped = f[keys].assign(n=n.to_numpy()).groupby(keys, sort=True)["n"].sum().reset_index()
    return grouped[grouped["n"] > 0].reset_index(drop=True)


def candidate_cube(joint: pd.DataFrame, column: str, intents: Sequence[str] | None, name: str):
    """One candidate's two-model cube (teacher vs ``column``) from the joint cells."""
    pair = joint[["segment", "true", "teacher_pred", column, "n"]].rename(columns={column: "student_pred"})
    return cube_mod.from_counts(pair, intents=intents, source=f"candidate:{name}")


@dataclass(frozen=True, eq=False)
class Comparison:
    """Every candidate's verdict (teacher − candidate margins) and which one is best, by how much."""

    decisions: dict[str, verdict.Decision]
    best: str | None  # the cheapest candidate no gate blocks (None: every one is blocked)
    runner_up: str | None
    lead_usd: float  # best's saving minus the runner-up's, $/month
    lead_ci95_usd: tuple[float, float]
    p_best_cheaper: float  # share of resamples in which the best is cheaper than the runner-up
    sentence: str
    small_sample: dict[str, str] = field(default_factory=dict)  # candidate -> why its evaluation is too small to ship
    small_sample_short: dict[str, str] = field(default_factory=dict)  # the same in a few words, for a table cell

    def verdict_words(self, name: str) -> str:
        """A candidate's verdict in a table cell: "Blocked by …", "Ship the int8", or "Lean s4: 4 critical
        disagreements, under 10" — the reason it is only lean (:func:`short_reason`), not a bare label."""
        v = self.decisions[name].verdict
        if v.blocking_gate:
            return f"Blocked by {v.blocking_gate}"
        words = looks.badge_words(v.state, name if v.model == "student" else v.model)
        why = self.small_sample_short.get(name) if v.small_sample else None
        return f"{words}: {why}" if why else words

    def to_dict(self) -> dict:
        return {
            "candidates": {
                k: {
                    "margin_usd": d.breakdown.margin_usd,
                    "margin_ci95": list(d.bootstrap.margin_ci95_usd),
                    "student_total_usd": d.breakdown.student.total_usd,
                    "verdict": d.verdict.state,
                    "blocking_gate": d.verdict.blocking_gate,
                    "cube_hash": d.evidence_label.removeprefix(f"candidate {k}: cube "),
                }
                for k, d in self.decisions.items()
            },
            "teacher_total_usd": next(iter(self.decisions.values())).breakdown.teacher.total_usd,
            "best": self.best,
            "runner_up": self.runner_up,
            "lead_usd": self.lead_usd,
            "lead_ci95": list(self.lead_ci95_usd),
            "p_best_cheaper": self.p_best_cheaper,
            "sentence": self.sentence,
        }


def short_reason(c: cube_mod.ConfusionCube, a: Assumptions) -> str | None:
    """:func:`engine.decision.verdict.small_sample` in a few words ("4 critical disagreements, under 10"), or None."""
    if verdict.small_sample(c, a) is None:
        return None
    why = []
    if c.n < verdict.MIN_EVALUATION_REQUESTS:
        why.append(f"{c.n:,} requests, under {verdict.MIN_EVALUATION_REQUESTS}")
    k = verdict.discordant_critical_requests(c, a)
    if a.critical_intents and a.usd_per_critical_event > 0 and k < verdict.MIN_DISCORDANT_CRITICAL:
        why.append(f"{k:,} critical disagreements, under {verdict.MIN_DISCORDANT_CRITICAL}")
    return "; ".join(why)


def _joint_draws(joint: pd.DataFrame, cubes: dict, B: int, rng: int) -> dict[str, uncertainty.Draws]:
    """One multinomial resample of the joint cells, summed into each candidate's own cells (for the lead)."""
    require(
        B * len(joint) <= validate.MAX_DRAW_CELLS,
        "bootstrap",
        f"B = {B:,} × {len(joint):,} joint cells is over {validate.MAX_DRAW_CELLS:,} draws",
        f"use at most {validate.MAX_DRAW_CELLS // len(joint):,} resamples",
    )
    n_req = joint["n"].to_numpy(np.float64)
    joint_draws = np.random.default_rng(rng).multinomial(int(n_req.sum()), n_req / n_req.sum(), size=B)
    out = {}
    for name, (c, col) in cubes.items():
        pair = joint[["segment", "true", "teacher_pred", col]].rename(columns={col: "student_pred"})
        cell = c.cell_of_rows(pair)
        summed = np.zeros((c.n_cells, B), dtype=np.float64)
        np.add.at(summed, cell, joint_draws.T)
        out[name] = uncertainty.Draws(summed.T.astype(np.float32), c.hash, c.n, int(rng), c.intents)
    return out


def compare(
    joint: pd.DataFrame,
    columns: dict[str, str],
    a: Assumptions,
    gates: tuple[gates_mod.Gate, ...] = gates_mod.DEFAULT_GATES,
    *,
    B: int = uncertainty.DEFAULT_B,
    rng: int = 0,
    costs: dict[str, dict[str, float]] | None = None,
    draws_for: Callable[[cube_mod.ConfusionCube], uncertainty.Draws] | None = None,
    intents: Sequence[str] | None = None,
    rows: dict[str, pd.DataFrame] | None = None,
) -> Comparison:
    """Each candidate's verdict on the same requests and the best one with its paired lead; ``costs`` gives a
    candidate its own student price / P95 (:func:`parse_costs`), the others keep the scenario's. ``draws_for``
    returns a cube's B resamples at seed ``rng`` from a cache (the dashboard's); by default they are drawn here,
    the same numbers either way. ``intents`` is the label order of every candidate's cube (default: the
    scenario's where the labels fit in it); ``rows`` a candidate's own per-request rows (with its probabilities)
    for its quality report, as a two-model verdict on those rows reads them (``decide --runs``)."""
    labels = sorted(set(joint["true"]) | set(joint["teacher_pred"]).union(*(set(joint[c]) for c in columns.values())))
    intents = intents if intents is not None else a.intents if set(labels) <= set(a.intents) else labels
    cubes = {k: (candidate_cube(joint, col, intents, k), col) for k, col in columns.items()}
    own_draws = draws_for or (lambda c: uncertainty.draw(c, B, rng))
    own = {k: a.replace(**{f"student.{f}": x for f, x in v.items()}) for k, v in (costs or {}).items()}
    decisions = {
        k: verdict.decide(cube_mod.Evidence(c, (rows or {}).get(k), f"candidate {k}: cube {c.hash}"), own.get(k, a),
                          gates, B=B, rng=rng, draws=own_draws(c))
        for k, (c, _) in cubes.items()
    }  # fmt: skip

    def lead(best: str, second: str) -> np.ndarray:
        """best's margin minus second's on one resample of the requests, counted over their two columns only
        (so the lead of two candidates is the same whichever others are compared beside them)."""
        pair = {k: cubes[k] for k in (best, second)}
        keys = ["segment", "true", "teacher_pred", *dict.fromkeys(col for _, col in pair.values())]
        two = joint.groupby(keys, sort=True)["n"].sum().reset_index()
        jd = _joint_draws(two, pair, B, rng)
        m = {k: uncertainty.reprice(jd[k], pair[k][0], own.get(k, a)).margins_usd for k in pair}
        return m[best] - m[second]

    why = {k: r for k, (c, _) in cubes.items() if (r := verdict.small_sample(c, own.get(k, a))) is not None}
    short = {k: short_reason(cubes[k][0], own.get(k, a)) or why[k] for k in why}
    return replace(_rank(decisions, lead), small_sample=why, small_sample_short=short)


def _rank(decisions: dict[str, verdict.Decision], lead_of: Callable[[str, str], np.ndarray]) -> Comparison:
    open_ = [k for k, d in decisions.items() if d.verdict.blocking_gate is None]
    order = sorted(open_, key=lambda k: -decisions[k].breakdown.margin_usd)
    if not order:
        return Comparison(decisions, None, None, 0.0, (0.0, 0.0), 0.0, "Every candidate is blocked by a gate.")
    best = order[0]
    db = decisions[best]
    m = db.breakdown.margin_usd
    saving = f"saves {usd(m)}/month" if m > 0 else f"costs {usd(-m)}/month more"
    lo, hi = db.bootstrap.margin_ci95_usd
    sentence = f"Best candidate: {best}, which {saving} vs the teacher (95% CI [{usd(lo)}, {usd(hi)}])"
    if len(order) == 1:
        return Comparison(decisions, best, None, 0.0, (0.0, 0.0), 1.0, sentence + "; every other one is blocked.")
    second = order[1]
    lead = lead_of(best, second)
    point = db.breakdown.margin_usd - decisions[second].breakdown.margin_usd
    ci = (float(np.percentile(lead, 2.5)), float(np.percentile(lead, 97.5)))
    p = float(np.mean(lead > 0))
    sentence += (
        f"; {usd(point)}/month cheaper than the runner-up {second} (paired 95% CI [{usd(ci[0])}, {usd(ci[1])}], "
        f"cheaper in {p:.0%} of resamples)."
    )
    return Comparison(decisions, best, second, point, ci, p, sentence)
