"""The weekly business review as stored, dated things: record one, list them, compare two, build the timeline.

A review is one decision (``verdict.decide``) frozen with what re-pricing it needs: the cube (stored by hash)
and the assumptions. Comparing two reviews re-prices each one's cube under the other's assumptions, so "what
changed" is dollars by cause (:mod:`engine.decision.attribution`), not two numbers side by side. Production
cycles (weekly agreement, KL, critical gap, volume and prices) sit on the same timeline, and the drift rules
and the failure-mode tree (:mod:`engine.rollout.drift`) are evaluated on it.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from engine import sources, validate
from engine.decision import attribution, scenario, verdict
from engine.decision.cube import Evidence
from engine.errors import DistillDecideError, require
from engine.present.money import usd
from engine.present.tables import plain_name, plain_value
from engine.review_timeline import (  # noqa: F401  (the timeline half, re-exported for the page and the CLI)
    Timeline,
    build_timeline,
    cycle_date,
    production_cycles,
    review_timeline,
    timeline,
)
from engine.rollout import drift
from engine.rollout import gates as gates_mod

AUTHOR = validate.Text(100)
NOTE = validate.Text(2_000, blank_ok=True)


def parse_date(text: str | date | None, *, future_ok: bool = True) -> str:
    """A review date as YYYY-MM-DD (today when not given); ``future_ok=False`` refuses a date after today (a
    review recorded "next week" would become the "last review" and put the trend out of order)."""
    if text is None or text == "":
        return date.today().isoformat()
    try:
        day = text if isinstance(text, date) else date.fromisoformat(str(text).strip())
    except ValueError:
        raise DistillDecideError("date", f"{text!r} is not a date", "give it as YYYY-MM-DD, e.g. 2026-12-01") from None
    today = date.today()
    require(
        future_ok or day <= today,
        "date",
        f"{day.isoformat()} is after today ({today.isoformat()})",
        "record a review on or before today's date; a later week is recorded when it comes",
    )
    return day.isoformat()


def scenario_key(a: scenario.Assumptions) -> str:
    """The scenario's version: a hash of its priced fields (the same inputs give the same key)."""
    return hashlib.sha256(json.dumps(a.to_dict(), sort_keys=True).encode()).hexdigest()[:12]


def scenario_words(label: str, a: scenario.Assumptions) -> str:
    """The scenario's name, saying so when inputs named after the seed are not the seed's: "seed scenario,
    modified ($ per critical event $1.20 → $1.45)"."""
    from engine.data import seed

    if not label.lower().startswith("seed"):
        return label
    try:
        base = seed.load_assumptions()
        diff = scenario.changed_fields(base, a)
    except (DistillDecideError, ValueError, KeyError):
        return label
    changed = [(k, b, v) for k, (b, v) in diff.items() if k not in attribution.UNPRICED]
    if not changed:
        return label
    words = [
        f"harm matrix ({_matrix_cells(b, v)} cells changed)"
        if k == "harm_matrix"
        else f"{plain_name(k)} {value_words(k, b)} → {value_words(k, v)}"
        for k, b, v in changed[:3]
    ]
    return f"{label}, modified ({'; '.join(words)}{'; …' if len(changed) > 3 else ''})"


def _quality(d: verdict.Decision) -> list[dict[str, Any]]:
    return [
        {"metric": m.name, "model": m.model, "point": m.point, "ci95": list(m.ci95) if m.ci95 else None}
        for m in d.quality.metrics
    ]


def rollout_record(ev: Evidence, a: scenario.Assumptions, d: verdict.Decision, draws=None, seed: int = 0) -> dict:
    """The canary guardrail and the Rollout page's go / no-go for decision ``d``: the same engine functions
    (:func:`engine.rollout.canary.guardrail_check`, :func:`engine.present.figures_rollout.go_no_go`), so the
    review and the Rollout page give one answer. ``draws``: the decision's resamples (drawn again when None:
    same cube, B and seed give the same draws)."""
    from engine.decision import uncertainty
    from engine.present import figures_rollout
    from engine.rollout import canary

    if draws is None:
        draws = uncertainty.draw(ev.cube, d.bootstrap.B, seed)
    g = canary.guardrail_check(d.breakdown, ev.cube, a, draws)
    go, sentence = figures_rollout.go_no_go(d.gates, g)
    return {
        "guardrail": {
            "limit_usd_per_month": g.limit_usd_per_month,
            "offline_estimate_usd_per_month": g.offline_estimate_usd_per_month,
            "estimate_ci95_usd": list(g.estimate_ci95_usd),
            "already_breached": g.already_breached,
            "proposed_limit_usd_per_month": g.proposed_limit_usd_per_month,
        },
        "rollout": {"go": go, "sentence": sentence},
    }


def decision_record(ev: Evidence, a: scenario.Assumptions, d: verdict.Decision, draws=None, seed: int = 0) -> dict:
    """What a review keeps of a decision: the whole decision, its quality metrics, its one timeline row, and the
    canary guardrail with the Rollout page's go / no-go."""
    row = drift.cycle_from_cube(ev.cube, a).iloc[0].to_dict()
    kl = d.quality.get("kl_t3", "pair")
    row["kl_t3"] = kl.point if kl is not None else None
    row.update(
        {f"{m}_inference_usd": getattr(d.breakdown, m).component_usd("inference") for m in ("teacher", "student")}
    )
    out = d.to_dict() | {"quality": _quality(d), "cycle": row, "cube_n": ev.cube.n}
    out["break_evens"] = {k: be.value for k, be in d.break_evens.items()}
    return out | rollout_record(ev, a, d, draws, seed)


def draft(
    ev: Evidence,
    a: scenario.Assumptions,
    d: verdict.Decision,
    *,
    scenario_label: str,
    review_date: str | date | None = None,
    author: str | None = None,
    note: str = "",
    seed: int = 0,
    draws=None,
) -> dict[str, Any]:
    """A review of decision ``d`` as it would be stored (``review_id`` None until :func:`record` stores it);
    ``draws``: the decision's own resamples when the caller has them (the guardrail's interval reads them)."""
    return {
        "review_id": None,
        "review_date": parse_date(review_date),
        "evidence": ev.label,
        "cube_hash": ev.cube.hash,
        "scenario": scenario_label,
        "scenario_key": scenario_key(a),
        "assumptions": a.to_dict(),
        "decision": decision_record(ev, a, d, draws, seed) | {"bootstrap_seed": seed},
        "author": AUTHOR.check(author or getpass.getuser() or "cli", "author"),
        "note": NOTE.check(note or "", "note"),
        "recorded_at": "not recorded",
    }


def record(
    ev: Evidence,
    a: scenario.Assumptions,
    *,
    scenario_label: str,
    review_date: str | date | None = None,
    author: str | None = None,
    note: str = "",
    gate_list: tuple[gates_mod.Gate, ...] = gates_mod.DEFAULT_GATES,
    B: int = 10_000,
    seed: int = 0,
    decision: verdict.Decision | None = None,
    draws=None,
) -> tuple[dict[str, Any], bool]:
    """Decide and store one review (idempotent per date, evidence and scenario); returns (review, created).

    ``decision`` may be passed in when it was already computed with the same evidence, assumptions, ``B`` and
    ``seed`` (the dashboard's current decision), so recording changes no number.
    """
    from engine import store
    from engine.decision import uncertainty

    day = parse_date(review_date, future_ok=False)
    if decision is None:
        draws = draws if draws is not None else uncertainty.draw(ev.cube, B, seed)
    d = decision if decision is not None else verdict.decide(ev, a, gate_list, B=B, rng=seed, draws=draws)
    rec = draft(
        ev, a, d, scenario_label=scenario_label, review_date=day, author=author, note=note, seed=seed, draws=draws
    )
    sources.store_cube(ev.cube)
    rid, created = store.save_review(rec)
    return store.load_review(rid), created


def summary(reviews: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per review: date, evidence, scenario, verdict, margin and its interval, who recorded it."""
    rows = []
    for r in reviews:
        d = r["decision"]
        lo, hi = d["bootstrap"]["margin_ci95"]
        rows.append(
            {
                "review_id": r["review_id"],
                "date": r["review_date"],
                "evidence": r["evidence"],
                "requests_evaluated": d.get("cube_n"),
                "scenario": r["scenario"],
                "scenario_version": r["scenario_key"],
                "verdict": d["verdict"]["sentence"],
                "state": d["verdict"]["state"],
                "model": d["verdict"]["model"],
                "margin_usd": d["margin_usd"],
                "margin_ci95_low_usd": lo,
                "margin_ci95_high_usd": hi,
                "p_student_cheaper": d["bootstrap"]["p_student_cheaper"],
                "by": r["author"],
                "note": r.get("note") or "",
            }
        )
    return pd.DataFrame(rows)


def _evidence_words(r: dict[str, Any]) -> str:
    n = r["decision"].get("cube_n")
    return f"{r['evidence']} (cube {r['cube_hash']}" + (f", {n:,} requests)" if n else ")")


def _cause_words(p: attribution.Part, r0: dict, r1: dict) -> str:
    if p.key == attribution.EVIDENCE:
        return f"Evidence: {_evidence_words(r0)} → {_evidence_words(r1)}"
    if p.key == "label set":
        return "Label set, harm matrix and critical intents"
    if p.key == "harm_matrix":
        return f"Harm matrix ({_matrix_cells(p.before, p.after)} cells changed), by {r1['author']}"
    return f"{plain_name(p.key)} {value_words(p.key, p.before)} → {value_words(p.key, p.after)}, by {r1['author']}"


def value_words(key: str, x: Any) -> str:
    """An assumption's value in words: dollars as dollars ($1.45, $0.0038 per request), counts with commas."""
    if "usd" in key and isinstance(x, (int, float)) and not isinstance(x, bool):
        return usd(x, cents=True) if abs(x) >= 0.01 or x == 0 else f"${x:.4g}"
    return plain_value(x)


def _matrix_cells(m0, m1) -> int:
    try:
        return sum(x != y for row0, row1 in zip(m0, m1) for x, y in zip(row0, row1))
    except TypeError:
        return 0


def _cube(r: dict[str, Any]):
    return sources.stored_cube_evidence(r["cube_hash"]).cube


def diff(r0: dict[str, Any], r1: dict[str, Any]) -> dict[str, Any]:
    """What changed from review ``r0`` to review ``r1``: the margin change split by cause (parts sum to it)."""
    a0 = scenario.Assumptions.from_dict(r0["assumptions"])
    a1 = scenario.Assumptions.from_dict(r1["assumptions"])
    att = attribution.margin_change(_cube(r0), a0, _cube(r1), a1)
    cents = att.parts_cents()
    changed = {k: v for k, v in scenario.changed_fields(a0, a1).items() if k not in attribution.UNPRICED}
    i0, i1 = r0["decision"]["bootstrap"]["margin_ci95"], r1["decision"]["bootstrap"]["margin_ci95"]
    return {
        "from": {"review_id": r0["review_id"], "date": r0["review_date"], "verdict": r0["decision"]["verdict"]},
        "to": {"review_id": r1["review_id"], "date": r1["review_date"], "verdict": r1["decision"]["verdict"]},
        "margin_before_usd": round(att.margin_before_usd, 2),
        "margin_after_usd": round(att.margin_after_usd, 2),
        "margin_ci95_before_usd": i0,
        "margin_ci95_after_usd": i1,
        "total_change_usd": round(round(att.margin_after_usd, 2) - round(att.margin_before_usd, 2), 2),
        "parts": cents,
        "causes": [
            {
                "cause": p.key,
                "words": _cause_words(p, r0, r1),
                "usd": cents[p.key],
                "before": p.before,
                "after": p.after,
            }
            for p in att.parts
        ],
        "assumptions_changed": [
            {"field": k, "words": f"{plain_name(k)} {value_words(k, b)} → {value_words(k, v)}", "by": r1["author"]}
            for k, (b, v) in changed.items()
        ],
        "evidence_changed": r0["cube_hash"] != r1["cube_hash"],
        "evidence": {"before": _evidence_words(r0), "after": _evidence_words(r1)},
        "method": att.method,
        "note": att.note,
    }


@dataclass(frozen=True)
class ReportInputs:
    review: dict[str, Any]
    previous: dict[str, Any] | None
    diff: dict[str, Any] | None
    timeline: Timeline
    reviews: list[dict[str, Any]]


def report_inputs(review_id: int | str = "latest", series: str | None = "production") -> ReportInputs:
    """Everything the review report shows: the review, the one before it, what changed, the timeline up to it."""
    from engine import store

    r = store.load_review(review_id)
    upto = [x for x in store.list_reviews() if (x["review_date"], x["review_id"]) <= (r["review_date"], r["review_id"])]
    prev = upto[-2] if len(upto) >= 2 else None
    prod = production_cycles(series)
    if prod is not None and "cycle" in prod:
        dates = prod.get("date", prod["cycle"]).map(lambda s: cycle_date(str(s)) or "")
        prod = prod[dates <= r["review_date"]]
    return ReportInputs(r, prev, diff(prev, r) if prev else None, build_timeline(upto, prod), upto)


def report_of(review: dict[str, Any], previous: dict[str, Any] | None = None) -> ReportInputs:
    """Report inputs for a review not read from the store (a draft, or a what-if): it, and what changed since
    ``previous`` when given."""
    past = [previous] if previous is not None else []
    dd = diff(previous, review) if previous is not None else None
    return ReportInputs(review, previous, dd, build_timeline(past + [review]), past + [review])
