"""The weekly review's timeline: reviews and production cycles on one dated axis, the drift rules and the
failure-mode tree (:mod:`engine.rollout.drift`) evaluated on it (split from :mod:`engine.reviews`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from engine.decision import scenario
from engine.errors import require
from engine.rollout import drift

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
    out = out.sort_values(["date", "kind"], kind="stable")
    now = out["cycle"].astype(str).str.endswith("#now")  # inputs not recorded yet: after every stored review
    out = pd.concat([out[~now], out[now]]).reset_index(drop=True)
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
    branch is judged on the production weeks when they carry ``usd_per_critical_event``, else on the reviews'
    assumptions. Each branch says which series it read.
    """
    frame = timeline(stored, production)
    if frame.empty:
        return Timeline(frame, [], [])
    be = stored[-1]["decision"].get("break_evens", {}).get("usd_per_critical_event") if stored else None
    series = {k: df.reset_index(drop=True) for k in ("review", "production") if len(df := frame[frame.kind == k])}
    priced = "production" in series and series["production"].get("usd_per_critical_event", pd.Series()).notna().any()
    judge = lambda rule: next(
        k
        for k in (("review", "production") if rule in ASSUMED and not priced else ("production", "review"))
        if k in series
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
