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
import re
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
from engine.rollout import drift
from engine.rollout import gates as gates_mod

AUTHOR = validate.Text(100)
NOTE = validate.Text(2_000, blank_ok=True)


def parse_date(text: str | date | None) -> str:
    """A review date as YYYY-MM-DD (today when not given)."""
    if text is None or text == "":
        return date.today().isoformat()
    if isinstance(text, date):
        return text.isoformat()
    try:
        return date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise DistillDecideError("date", f"{text!r} is not a date", "give it as YYYY-MM-DD, e.g. 2026-12-01") from None


def scenario_key(a: scenario.Assumptions) -> str:
    """The scenario's version: a hash of its priced fields (the same inputs give the same key)."""
    return hashlib.sha256(json.dumps(a.to_dict(), sort_keys=True).encode()).hexdigest()[:12]


def _quality(d: verdict.Decision) -> list[dict[str, Any]]:
    return [
        {"metric": m.name, "model": m.model, "point": m.point, "ci95": list(m.ci95) if m.ci95 else None}
        for m in d.quality.metrics
    ]


def decision_record(ev: Evidence, a: scenario.Assumptions, d: verdict.Decision) -> dict[str, Any]:
    """What a review keeps of a decision: the whole decision, its quality metrics and its one timeline row."""
    row = drift.cycle_from_cube(ev.cube, a).iloc[0].to_dict()
    kl = d.quality.get("kl_t3", "pair")
    row["kl_t3"] = kl.point if kl is not None else None
    row.update(
        {f"{m}_inference_usd": getattr(d.breakdown, m).component_usd("inference") for m in ("teacher", "student")}
    )
    out = d.to_dict() | {"quality": _quality(d), "cycle": row, "cube_n": ev.cube.n}
    out["break_evens"] = {k: be.value for k, be in d.break_evens.items()}
    return out


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
) -> dict[str, Any]:
    """A review of decision ``d`` as it would be stored (``review_id`` None until :func:`record` stores it)."""
    return {
        "review_id": None,
        "review_date": parse_date(review_date),
        "evidence": ev.label,
        "cube_hash": ev.cube.hash,
        "scenario": scenario_label,
        "scenario_key": scenario_key(a),
        "assumptions": a.to_dict(),
        "decision": decision_record(ev, a, d) | {"bootstrap_seed": seed},
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
) -> tuple[dict[str, Any], bool]:
    """Decide and store one review (idempotent per date, evidence and scenario); returns (review, created).

    ``decision`` may be passed in when it was already computed with the same evidence, assumptions, ``B`` and
    ``seed`` (the dashboard's current decision), so recording changes no number.
    """
    from engine import store

    d = decision if decision is not None else verdict.decide(ev, a, gate_list, B=B, rng=seed)
    rec = draft(ev, a, d, scenario_label=scenario_label, review_date=review_date, author=author, note=note, seed=seed)
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


_WEEK = re.compile(r"^(\d{4})-W(\d{2})")


def cycle_date(label: str) -> str | None:
    """A production cycle's date from its ``date`` value or its label: 2026-11-30, or ISO week 2026-W48 (Monday)."""
    s = str(label).strip()
    if m := _WEEK.match(s):
        try:
            return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1).isoformat()
        except ValueError:
            return None
    try:
        return date.fromisoformat(s[:10]).isoformat()
    except ValueError:
        return None


def timeline(reviews: list[dict[str, Any]], production: pd.DataFrame | None = None) -> pd.DataFrame:
    """Reviews and production cycles on one dated timeline (drift's cycle columns, plus ``kind`` and margins)."""
    rows = []
    for r in reviews:
        d = r["decision"]
        row = dict(d["cycle"]) | {"cycle": f"{r['review_date']} review #{r['review_id']}", "date": r["review_date"]}
        lo, hi = d["bootstrap"]["margin_ci95"]
        row |= {"kind": "review", "margin_usd": d["margin_usd"], "margin_lo_usd": lo, "margin_hi_usd": hi}
        rows.append(row)
    if production is not None and len(production):
        prod = drift.validate_cycles(production, blank_ok=True)
        for rec in prod.to_dict(orient="records"):
            when = cycle_date(rec.get("date") or rec["cycle"])
            require(
                when is not None,
                "cycles column cycle",
                f"{rec['cycle']!r} is not a date",
                "give a date column (YYYY-MM-DD) or name cycles by date or ISO week (2026-W48)",
            )
            rows.append({k: v for k, v in rec.items() if k != "date"} | {"date": when, "kind": "production"})
        if reviews:
            priced = _priced_production(prod, scenario.Assumptions.from_dict(reviews[-1]["assumptions"]))
            for row in rows[len(reviews) :]:
                row["margin_usd"] = priced.get(row["cycle"], float("nan"))
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.sort_values(["date", "kind"], kind="stable").reset_index(drop=True)
    return out.drop(columns=[c for c in out if out[c].isna().all()])


PRICED = [f"{m}_{c}" for m in scenario.MODELS for c in ("harm_units_per_request", "critical_rate")]


def _priced_production(prod: pd.DataFrame, a: scenario.Assumptions) -> dict[str, float]:
    """Each production week's margin, priced by the one cost formula with the latest review's assumptions (its own
    volume and $ per critical event where it has them) — only weeks that carry both models' harm and critical
    rates: a margin missing a component would be a wrong number, not a partial one."""
    full = prod.dropna(subset=[c for c in PRICED if c in prod])
    if full.empty or not all(c in prod for c in PRICED):
        return {}
    wide = drift.cycle_margins(drift.cycle_costs(full.reset_index(drop=True), a))
    return dict(zip(wide["cycle"], wide["margin_usd"].astype(float)))


@dataclass(frozen=True)
class Timeline:
    frame: pd.DataFrame  # one row per review and production cycle, by date
    alerts: list[drift.Alert]
    branches: list[drift.Branch]


def production_cycles(series: str | None) -> pd.DataFrame | None:
    """A stored production cycle series, or None when it is not stored."""
    from engine import store

    if not series or series not in store.list_cycle_series():
        return None
    return store.load_cycles(series)


ASSUMED = ("critical_price_above_break_even",)  # judged on the reviews' own assumptions, not on production stats


def build_timeline(stored: list[dict[str, Any]], production: pd.DataFrame | None = None) -> Timeline:
    """The timeline, the drift alerts and the failure-mode tree (break-even: the latest review's).

    A production symptom (agreement, KL, critical gap, savings, traffic) is judged on the production cycles when
    there are any — a review's offline evaluation would otherwise break a run of bad production weeks, or become
    the "latest" entry that hides this week's alert — and on the reviews when there are none. The critical-price
    branch is judged on the reviews' assumptions. Each branch says which series it read.
    """
    frame = timeline(stored, production)
    if frame.empty:
        return Timeline(frame, [], [])
    be = stored[-1]["decision"].get("break_evens", {}).get("usd_per_critical_event") if stored else None
    series = {k: df.reset_index(drop=True) for k in ("review", "production") if len(df := frame[frame.kind == k])}
    judge = lambda rule: next(
        k for k in (("review", "production") if rule in ASSUMED else ("production", "review")) if k in series
    )
    found = {k: drift.check(df, break_even_usd_per_critical_event=be, blank_ok=True) for k, df in series.items()}
    trees = {k: {b.rule: b for b in drift.failure_tree(df, found[k], on=f"{k} cycles")} for k, df in series.items()}
    alerts = [a for k, xs in found.items() for a in xs if judge(a.rule) == k]
    branches = [trees[judge(rule)][rule] for rule, _, _ in drift.FAILURE_TREE]
    order = {c: i for i, c in enumerate(frame["cycle"])}
    return Timeline(frame, sorted(alerts, key=lambda a: order[a.cycle]), branches)


def review_timeline(series: str | None = "production") -> Timeline:
    from engine import store

    return build_timeline(store.list_reviews(), production_cycles(series))


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
