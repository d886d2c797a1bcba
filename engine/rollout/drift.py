"""Drift and re-distillation rules over a table of evaluation cycles.

Rules (seeds 001 §4 and §6, 000 §6's failure tree):

* agreement < 0.95 for 3 consecutive cycles → re-distil with α − 0.1 (fires on the third);
* KL(T = 3) > 0.15 on a production sample → re-distil;
* critical-error gap (student − teacher rate) widening > 50% vs the first cycle → audit rare classes;
* inference savings shrinking > 25% vs the first cycle → check student utilisation;
* critical-event price re-estimated above the live break-even → re-run the critical-cost sweep;
* traffic > 5M requests/month for 3 consecutive cycles → re-run the total-cost sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import cast

import numpy as np
import pandas as pd

from engine import validate
from engine.decision import costs
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import MODELS, Assumptions
from engine.errors import require

REQUIRED = ("cycle", "agreement")
OPTIONAL = (
    "teacher_harm_units_per_request",
    "student_harm_units_per_request",
    "teacher_critical_multiplier",
    "student_critical_multiplier",
    "kl_t3",
    "teacher_critical_rate",
    "student_critical_rate",
    "teacher_inference_usd",
    "student_inference_usd",
    "usd_per_critical_event",
    "requests_per_month",
)


USD = validate.Interval(Real, 0, 1e12, unit="$ per month")
COLUMN_LIMITS = {  # every numeric column's stated range
    "agreement": validate.RATE,
    "kl_t3": validate.Interval(Real, 0, 1e3, unit="nats"),
    "teacher_critical_rate": validate.RATE,
    "student_critical_rate": validate.RATE,
    "teacher_harm_units_per_request": validate.LIMITS["harm_units"],
    "student_harm_units_per_request": validate.LIMITS["harm_units"],
    "teacher_critical_multiplier": validate.LIMITS["critical_multiplier"],
    "student_critical_multiplier": validate.LIMITS["critical_multiplier"],
    "teacher_inference_usd": USD,
    "student_inference_usd": USD,
    "usd_per_critical_event": validate.LIMITS["usd_per_critical_event"],
    "requests_per_month": validate.LIMITS["requests_per_month"],
}


RULE_LABELS = {  # what each rule is called on screen
    "agreement_below_gate": "Agreement below the gate",
    "kl_above_limit": "Teacher and student diverging (KL)",
    "critical_gap_widening": "Critical-error gap widening",
    "savings_shrinking": "Inference savings shrinking",
    "critical_price_above_break_even": "Critical-event price above break-even",
    "traffic_above_5m": "Traffic above 5M requests/month",
}


@dataclass(frozen=True)
class Alert:
    cycle: str
    rule: str
    detail: str
    action: str


def _consecutive(mask: np.ndarray, run: int) -> np.ndarray:
    """True at positions that end a run of ≥ ``run`` consecutive Trues."""
    count = np.zeros(mask.size, int)
    c = 0
    for i, m in enumerate(mask):
        c = c + 1 if m else 0
        count[i] = c
    return count >= run


def validate_cycles(df: pd.DataFrame, *, blank_ok: bool = False) -> pd.DataFrame:
    """The cycles table checked: required columns, every numeric column in its range; ``blank_ok`` lets optional
    columns be blank (a review timeline where some rows are reviews and some production cycles). A file with a
    ``date`` column and no ``cycle`` names each cycle by its date."""
    if "cycle" not in df.columns and "date" in df.columns:
        df = df.assign(cycle=df["date"].astype(str).str.strip().str[:10])
    missing = [c for c in REQUIRED if c not in df.columns]
    require(
        not missing,
        f"cycles column(s) {missing}",
        "missing",
        f"give at least {', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)})",
    )
    require(len(df) > 0, "cycles", "no rows", "give one row per evaluation cycle")
    out = df.copy()
    for c in (c for c in REQUIRED[1:] + OPTIONAL if c in out.columns):
        out[c] = validate.column(out, c, COLUMN_LIMITS[c], where="cycles", blank_ok=blank_ok and c != "agreement")
    blank = out["cycle"].isna() | (out["cycle"].astype(str).str.strip() == "")
    require(not blank.any(), "cycles column cycle", f"row {int(np.argmax(blank)) + 1} is blank", "name every cycle")
    out["cycle"] = out["cycle"].astype(str).str.strip()
    dup = out.cycle[out.cycle.duplicated()]
    require(
        dup.empty, "cycles column cycle", f"{dup.iloc[0] if len(dup) else ''!r} appears twice", "name each cycle once"
    )
    return out.reset_index(drop=True)


def _alerts(df: pd.DataFrame, fired, rule: str, detail, action: str) -> list[Alert]:
    """One alert per cycle where ``fired`` (a boolean array) holds; ``detail(i)`` says what the numbers were."""
    return [Alert(df.cycle[i], rule, detail(i), action) for i in np.nonzero(np.asarray(fired))[0]]


def _first(values: np.ndarray, df: pd.DataFrame) -> tuple[float, str]:
    """The first known value of a series and its cycle (the baseline a growth rule compares with)."""
    known = np.nonzero(~np.isnan(values))[0]
    return (float(values[known[0]]), str(df.cycle[known[0]])) if known.size else (float("nan"), "")


def _growth_alerts(df: pd.DataFrame, critical_gap_widening: float, savings_shrink: float) -> list[Alert]:
    """The two rules measured against the first cycle: a widening critical gap, shrinking inference savings."""
    out: list[Alert] = []
    if {"teacher_critical_rate", "student_critical_rate"} <= set(df):
        gap = (df.student_critical_rate - df.teacher_critical_rate).to_numpy()
        g0, c0 = _first(gap, df)
        if g0 > 0:
            out += _alerts(
                df,
                gap / g0 - 1 > critical_gap_widening,
                "critical_gap_widening",
                lambda i: (
                    f"critical-error gap {gap[i] * 100:.2f} points (student − teacher), {gap[i] / g0 - 1:.0%} "
                    f"wider than in {c0}"
                ),
                "Audit the student's rare classes; fine-tune or re-distil with augmented rare-class data",
            )
    if {"teacher_inference_usd", "student_inference_usd"} <= set(df):
        sav = (df.teacher_inference_usd - df.student_inference_usd).to_numpy()
        s0, c1 = _first(sav, df)
        if s0 > 0:
            out += _alerts(
                df,
                1 - sav / s0 > savings_shrink,
                "savings_shrinking",
                lambda i: f"inference savings ${sav[i]:,.0f}/month, {1 - sav[i] / s0:.0%} below {c1}",
                "Check student utilisation (it may have spilled to a larger instance); tune batching and reset the "
                "student instance type",
            )
    return out


def _agreement_alerts(df: pd.DataFrame, gate: float, run: int) -> list[Alert]:
    """Agreement below the gate for ``run`` consecutive cycles (fires on the last of them)."""
    return _alerts(
        df,
        _consecutive((df["agreement"] < gate).to_numpy(), run),
        "agreement_below_gate",
        lambda i: f"agreement below {gate:.0%} for {run} cycles running ({df.agreement[i]:.1%} now)",
        "Re-distil with α lowered by 0.1 (more weight on hard labels) before retraining the teacher",
    )


def check(
    cycles: pd.DataFrame,
    *,
    break_even_usd_per_critical_event: float | None = None,
    agreement_gate: float = 0.95,
    agreement_run: int = 3,
    kl_limit: float = 0.15,
    critical_gap_widening: float = 0.5,
    savings_shrink: float = 0.25,
    traffic_limit: float = 5_000_000,
    traffic_run: int = 3,
    blank_ok: bool = False,
) -> list[Alert]:
    """Named alerts, in cycle order, with the action the seeds prescribe (a blank value fires nothing)."""
    df = validate_cycles(cycles, blank_ok=blank_ok)
    alerts = _agreement_alerts(df, agreement_gate, agreement_run)
    if "kl_t3" in df:
        alerts += _alerts(
            df,
            (df["kl_t3"] > kl_limit).to_numpy(),
            "kl_above_limit",
            lambda i: f"KL divergence at temperature 3 is {df.kl_t3[i]:.3f}, above the {kl_limit:g} limit",
            "Re-distil: the teacher and student have diverged on production traffic",
        )
    alerts += _growth_alerts(df, critical_gap_widening, savings_shrink)
    be = break_even_usd_per_critical_event
    if "usd_per_critical_event" in df and be is not None:
        alerts += _alerts(
            df,
            (df.usd_per_critical_event > be).to_numpy(),
            "critical_price_above_break_even",
            lambda i: f"${df.usd_per_critical_event[i]:.2f} per critical event, above the ${be:.2f} break-even",
            "Re-run the critical-cost sweep and escalate to the PM: the choice may flip; audit the cost matrix "
            "with ops",
        )
    if "requests_per_month" in df:
        alerts += _alerts(
            df,
            _consecutive((df.requests_per_month > traffic_limit).to_numpy(), traffic_run),
            "traffic_above_5m",
            lambda i: f"traffic above {traffic_limit:,.0f} requests/month for {traffic_run} cycles running",
            "Re-run the total-cost sweep: teacher costs may shift with scale-out limits",
        )
    order = {c: i for i, c in enumerate(df.cycle)}
    return sorted(alerts, key=lambda a: order[a.cycle])


def example_cycles() -> pd.DataFrame:
    """A generated 12-week example (labelled as such) so trend views are never empty on first run."""
    weeks = np.arange(1, 13)
    agreement = np.array([0.974, 0.973, 0.971, 0.970, 0.966, 0.962, 0.957, 0.953, 0.951, 0.948, 0.946, 0.944])
    kl = np.round(0.083 + 0.0055 * (weeks - 1) ** 1.1, 4)
    volume = np.array([1.40, 1.45, 1.52, 1.60, 1.68, 1.75, 1.85, 1.95, 2.05, 2.15, 2.25, 2.35]) * 1e6
    return pd.DataFrame(
        {
            "cycle": [f"2026-W{w:02d} (example)" for w in weeks + 34],
            "agreement": agreement,
            "kl_t3": kl,
            "teacher_critical_rate": np.full(12, 0.0034),
            "student_critical_rate": np.round(0.0045 + 0.00002 * (weeks - 1) ** 1.5, 5),
            "teacher_inference_usd": volume * 0.0038,
            "student_inference_usd": volume * 0.0016,
            "usd_per_critical_event": np.array([1.20] * 8 + [1.45, 1.60, 1.80, 2.05]),
            "requests_per_month": volume,
            "teacher_harm_units_per_request": np.full(12, 0.0312),
            "student_harm_units_per_request": np.round(0.0356 + 0.0002 * (weeks - 1), 4),
        }
    )


def cycle_costs(cycles: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """Monthly cost components per cycle and model, priced by the one cost formula from the cycle's own rates.

    Columns a cycle lacks fall back to the scenario (volume, $ per critical event, prices, latency, carbon); a
    cycle's measured inference dollars replace the price × volume; a component the cycle cannot price (no harm
    or critical rate) is left out, not guessed. ``{model}_critical_multiplier`` is the cycle's mean segment
    multiplier per critical event (1 when absent).
    """
    df = validate_cycles(cycles)
    overrides = {
        key: df[key].to_numpy(np.float64) for key in ("requests_per_month", "usd_per_critical_event") if key in df
    }
    n = len(df)
    rows = []
    for model in MODELS:
        col = lambda name, default, m=model: df[f"{m}_{name}"].to_numpy(np.float64) if f"{m}_{name}" in df else default
        harm, crit = col("harm_units_per_request", None), col("critical_rate", None)
        rates = costs.Rates(
            harm_units=np.zeros(n) if harm is None else harm,
            critical=np.zeros(n) if crit is None else crit,
            critical_weighted=(np.zeros(n) if crit is None else crit) * col("critical_multiplier", np.ones(n)),
            misroute=np.full(n, np.nan),
        )
        comp = costs.price(rates, a, model, **overrides)
        comp["inference"] = col("inference_usd", comp["inference"])
        unpriced = {"weighted_error"} if harm is None else set()
        unpriced |= {"critical"} if crit is None else set()
        out = pd.DataFrame({"cycle": df.cycle, "model": model})
        for c in (c for c in costs.COMPONENTS if c not in unpriced):
            out[f"{c}_usd"] = np.broadcast_to(np.asarray(comp[c], dtype=np.float64), n)
        rows.append(out)
    long = pd.concat(rows, ignore_index=True)
    long["total_usd"] = long.drop(columns=["cycle", "model"]).sum(axis=1)
    return long


def cycle_margins(long: pd.DataFrame) -> pd.DataFrame:
    """:func:`cycle_costs` one row per cycle: ``{model}_{component}_usd`` and ``margin_usd`` (teacher − student)."""
    values = [c for c in long.columns if c.endswith("_usd")]
    wide = long.pivot(index="cycle", columns="model", values=values)
    wide.columns = [f"{m}_{c}" for c, m in cast(pd.MultiIndex, wide.columns)]  # several values ⇒ (value, model)
    wide = wide.reindex(pd.unique(long["cycle"])).reset_index()
    wide["margin_usd"] = wide["teacher_total_usd"] - wide["student_total_usd"]
    return wide


def cycle_from_cube(cube: ConfusionCube, a: Assumptions, *, cycle: str = "evaluation") -> pd.DataFrame:
    """One cycle row from a cube under ``a`` (production mix included): what :func:`cycle_costs` prices back
    to the cube's own totals."""
    q = costs.cell_quantities(cube, a)
    rt, rs = costs.rates_from_counts(q, cube.counts)
    row: dict[str, object] = {
        "cycle": cycle,
        "agreement": float(cube.counts[cube.teacher_idx == cube.student_idx].sum() / cube.n),
        "requests_per_month": a.requests_per_month,
        "usd_per_critical_event": a.usd_per_critical_event,
    }
    for model, r in zip(MODELS, (rt, rs)):
        row[f"{model}_harm_units_per_request"] = float(r.harm_units)
        row[f"{model}_critical_rate"] = float(r.critical)
        row[f"{model}_critical_multiplier"] = float(r.critical_weighted / r.critical) if r.critical > 0 else 1.0
    return pd.DataFrame([row])


# Seed 000 §6's failure-mode tree, read at the monthly business review, plus seed 001 §4's two drift symptoms.
# Each branch is one rule of :func:`check`; its action is the one the seeds prescribe. (The seed's "$1.85" for the
# critical-price branch is its own arithmetic slip: the branch is judged against the live break-even.)
FAILURE_TREE = (
    (
        "critical_gap_widening",
        "Critical-error gap (student − teacher) widens > 50%",
        "Re-distil or augment rare-class training data (audit the student's rare classes first)",
    ),
    (
        "savings_shrinking",
        "Inference savings shrink > 25%",
        "Check student utilisation: it may have spilled to a "
        "larger instance; tune batching and reset the student instance type",
    ),
    (
        "critical_price_above_break_even",
        "$ per critical event re-estimated above the break-even",
        "Re-run the critical-price sweep and escalate to the PM (the choice may flip); audit the cost matrix with ops",
    ),
    (
        "traffic_above_5m",
        "Traffic above 5M requests/month, sustained",
        "Re-run the volume sweep: teacher costs may shift with scale-out limits",
    ),
    ("agreement_below_gate", "Top-1 agreement below the gate for 3 cycles", "Re-distil with α lowered by 0.1"),
    ("kl_above_limit", "KL(T = 3) above 0.15 on production traffic", "Re-distil"),
)


@dataclass(frozen=True)
class Branch:
    rule: str
    symptom: str
    action: str
    status: str  # "fires" (in the latest cycle) | "fired earlier" | "quiet" | "no data"
    cycles: tuple[str, ...]  # every cycle where the rule fired
    detail: str  # what the numbers were, the last time it fired
    on: str = ""  # the series it was judged on ("production cycles", "review cycles")


NEEDS = {  # the columns a branch needs before it can say "quiet"
    "critical_gap_widening": ("teacher_critical_rate", "student_critical_rate"),
    "savings_shrinking": ("teacher_inference_usd", "student_inference_usd"),
    "critical_price_above_break_even": ("usd_per_critical_event",),
    "traffic_above_5m": ("requests_per_month",),
    "agreement_below_gate": ("agreement",),
    "kl_above_limit": ("kl_t3",),
}


def failure_tree(cycles: pd.DataFrame, alerts: list[Alert], *, on: str = "") -> list[Branch]:
    """Each branch of the failure-mode tree on a timeline: does it fire in the latest cycle, did it fire before,
    or is it quiet (or unknowable: the timeline lacks the columns it reads)."""
    df = validate_cycles(cycles, blank_ok=True)
    last = str(df.cycle.iloc[-1])
    out = []
    for rule, symptom, action in FAILURE_TREE:
        hits = [x for x in alerts if x.rule == rule]
        has = all(c in df and df[c].notna().any() for c in NEEDS[rule])
        if hits:
            status = "fires" if hits[-1].cycle == last else "fired earlier"
        else:
            status = "quiet" if has else "no data"
        detail = hits[-1].detail if hits else ""
        out.append(Branch(rule, symptom, action, status, tuple(x.cycle for x in hits), detail, on))
    return out
