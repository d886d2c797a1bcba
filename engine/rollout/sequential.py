"""Daily canary monitoring that may be read every morning: anytime-valid confidence sequences.

A fixed-horizon test read every day is not a valid test: peeking 28 times at a 5% z-test raises the chance
of a false alarm far above 5% (``tests/engine/rollout/test_sequential.py`` simulates it). A confidence
sequence covers the true difference at every day at once with probability ≥ 1 − α, so any day's reading may
stop the canary.

Method: the two-sided normal-mixture confidence sequence (Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon,
"Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49(2), 2021, eq. (14)), used
as an asymptotic confidence sequence (Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central
limit theory and asymptotic confidence sequences", 2021): with an estimate Δ̂ of the canary − control
difference and its estimated variance σ̂², in information time I = 1/σ̂²,

    |Δ̂ − Δ| ≤ √((I + ρ) (log((I + ρ)/ρ) + 2 log(1/α))) / I   for every day, with probability ≥ 1 − α.

ρ is tuned (before any data) to make the band narrowest at the information the plan collects by its horizon;
any ρ > 0 keeps the guarantee. Rates use (x + ½)/(n + 1) in the variance so a day with no critical misroute
does not claim zero variance.

Three sequences: the critical-misroute rate difference; the critical-error cost growth in $/month (the
guardrail's quantity, each arm's critical misroutes at its model's $ per critical event); the per-request $
difference (each arm's per-request price plus its misroutes priced from the cube, or the CSV's ``usd``).

The $ sequence's variance. Without a ``usd`` column each request's dollars are the arm's price plus its
misroutes priced from the cube, so the per-request variance follows from the misroute rates. With ``usd`` (the
day's dollars of the arm's requests) the dollars are measured, and so is their variance:

* ``usd_sq`` too (the day's sum of squared per-request dollars): the sample variance of the requests so far,
  ``s² = (Σy² − (Σy)²/N) / (N − 1)``, from the first day;
* ``usd`` alone: the variance between days, ``s² = Σ_d n_d (ȳ_d − ȳ)² / (D − 1)`` over the D days so far
  (ȳ_d = usd_d / n_d, ȳ = Σusd / N; unbiased for the per-request variance when requests are independent, and
  larger when days differ, which it then should be). It has only D − 1 degrees of freedom, so it is used from
  day ``MIN_USD_DAYS`` on, scaled by (t_{D−1} / z)² at 1 − α/2 (a t-sized band: without it a development run of
  2,000 null canaries peeked daily raised 5.4% false alarms; with it the test's raise 2.3%); earlier days use
  the counts' variance. Each day says which variance it used.

Each day's recommendation, the first rule that fires: roll back (guardrail breached with confidence, or the
canary confidently dearer per request), ship (at the final share, confidently cheaper and the guardrail
confidently kept), ramp (below the final share after the plan's first week), else continue. A stop is final:
later days repeat it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from engine.decision import costs
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import Assumptions
from engine.errors import require

FINAL_SHARE = 0.25  # seed 000 §7: canary 5% → 25%
RAMP_DAY = 7  # the plan's first week at 5%
HORIZON_DAYS = 28
ARMS = ("control", "canary")
COLUMNS = ("day", "arm", "requests", "critical_misroutes", "misroutes")
OPTIONAL = ("usd", "usd_sq")  # the day's dollars of the arm's requests and their sum of squares
MIN_USD_DAYS = 7  # the between-day variance of ``usd`` alone is used once it has 6 degrees of freedom
VARIANCE_FROM = {
    "counts": "the misroute counts at the scenario's prices",
    "usd between days": "the usd column, between days",
    "usd_sq": "the usd and usd_sq columns (per request)",
}
RECOMMENDATIONS = ("continue", "ramp", "roll back", "ship")


def _best_ratio(alpha: float) -> float:
    """ρ / I* that makes the normal-mixture band narrowest at information I* (the ratio depends on α only)."""
    r = np.geomspace(1e-5, 10, 4000)
    return float(r[np.argmin((1 + r) * (np.log((1 + r) / r) + 2 * math.log(1 / alpha)))])


def half_width(var, alpha: float, info_star):
    """The normal-mixture confidence sequence's half-width at estimator variance ``var`` (arrays broadcast)."""
    info = 1.0 / np.maximum(np.asarray(var, dtype=np.float64), 1e-200)  # no variance (a $0 price): a zero-width band
    rho = _best_ratio(alpha) * np.asarray(info_star, dtype=np.float64)
    return np.sqrt((info + rho) * (np.log((info + rho) / rho) + 2 * math.log(1 / alpha))) / info


@dataclass(frozen=True)
class ArmPrice:
    """What one request of an arm costs: its model's per-request price, plus each misroute's dollars."""

    base_usd: float  # inference, per-request operations, latency, carbon
    critical_usd: float  # a critical misroute ($ per critical event × the model's mean segment multiplier)
    harm_usd: float  # a non-critical misroute (harm units × $ per unit, the model's mean)


def arm_prices(cube: ConfusionCube, a: Assumptions) -> dict[str, ArmPrice]:
    """control = the teacher, canary = the student, each priced by :func:`costs.price` from the cube."""
    rt, rs = costs.rates_from_counts(costs.cell_quantities(cube, a), cube.counts)
    out = {}
    for arm, model, r in (("control", "teacher", rt), ("canary", "student", rs)):
        one = lambda rates, m=model: costs.price(rates, a, m, requests_per_month=1.0, fixed_cost_share=0.0)
        base = float(costs.total(one(costs.Rates(harm_units=0.0, critical=0.0, critical_weighted=0.0, misroute=0.0))))
        mult = float(r.critical_weighted / r.critical) if r.critical > 0 else 1.0
        other = float(r.misroute - r.critical)
        harm = float(r.harm_units / other) if other > 0 else 0.0
        # one critical misroute and one other misroute, each priced by the one cost function (one request a month)
        crit = one(costs.Rates(harm_units=0.0, critical=1.0, critical_weighted=mult, misroute=1.0))["critical"]
        err = one(costs.Rates(harm_units=harm, critical=0.0, critical_weighted=0.0, misroute=1.0))["weighted_error"]
        out[arm] = ArmPrice(base, float(crit), float(err))
    return out


@dataclass(frozen=True)
class Plan:
    """What the sequences are tuned for and judged against (none of it is read from the outcomes)."""

    prices: dict[str, ArmPrice]
    volume: float  # requests per month: turns rates into monthly dollars
    guardrail_usd: float  # block if critical-error cost grows beyond this a month
    p_control: float  # offline critical rates and misroute rates: the plan's variances
    p_canary: float
    m_control: float
    m_canary: float
    daily_requests: float
    alpha: float = 0.05


def plan_for(cube: ConfusionCube, a: Assumptions, guardrail_usd: float, *, alpha: float = 0.05) -> Plan:
    rt, rs = costs.rates_from_counts(costs.cell_quantities(cube, a), cube.counts)
    daily = a.requests_per_month / a.days_per_month
    f = float
    return Plan(
        arm_prices(cube, a),
        a.requests_per_month,
        guardrail_usd,
        f(rt.critical),
        f(rs.critical),
        f(rt.misroute),
        f(rs.misroute),
        daily,
        alpha,
    )


def _ramp_arms(daily: float, days: int = HORIZON_DAYS) -> tuple[float, float]:
    c = sum(daily * (0.05 if d < RAMP_DAY else FINAL_SHARE) for d in range(days))
    return c, days * daily - c


def _usd_variance(n, usd, usd_sq=None, *, alpha: float = 0.05) -> tuple[np.ndarray, str]:
    """(per-request variance of the dollars so far, NaN where not yet estimable; its source) from daily arrays
    (the last axis: days) of requests, ``usd`` and optionally ``usd_sq``."""
    n, usd = np.asarray(n, dtype=np.float64), np.asarray(usd, dtype=np.float64)
    N, S = np.cumsum(n, axis=-1), np.cumsum(usd, axis=-1)
    if usd_sq is not None:
        Q = np.cumsum(np.asarray(usd_sq, dtype=np.float64), axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(N > 1, (Q - S**2 / N) / (N - 1), np.nan)
        return np.maximum(var, 0.0), "usd_sq"
    D = np.arange(1, n.shape[-1] + 1, dtype=np.float64)
    between = np.cumsum(usd**2 / n, axis=-1) - S**2 / N  # Σ n_d ȳ_d² − N ȳ²  =  Σ n_d (ȳ_d − ȳ)²
    df = np.maximum(D - 1, 1.0)
    t_over_z = stats.t.ppf(1 - alpha / 2, df) / stats.norm.ppf(1 - alpha / 2)  # few degrees of freedom: t-sized
    var = np.where(D >= MIN_USD_DAYS, np.maximum(between, 0.0) / df * t_over_z**2, np.nan)
    return var, "usd between days"


def _arm_moments(n, x, m, price: ArmPrice, usd=None, usd_var=None):
    """(critical rate, its variance, $ per request, its variance) of cumulative arm counts; ``usd``: the
    cumulative dollars, ``usd_var``: their per-request variance (NaN: not estimable, the counts' is used)."""
    pc, ph = (x + 0.5) / (n + 1.0), (m - x + 0.5) / (n + 1.0)
    mean = price.base_usd + price.critical_usd * x / n + price.harm_usd * (m - x) / n if usd is None else usd / n
    e = price.critical_usd * pc + price.harm_usd * ph
    var_usd = price.critical_usd**2 * pc + price.harm_usd**2 * ph - e**2
    if usd_var is not None:
        var_usd = np.where(np.isnan(usd_var), var_usd, usd_var)
    return x / n, pc * (1 - pc) / n, mean, var_usd / n


def sequences(counts: dict[str, tuple], plan: Plan) -> dict[str, np.ndarray]:
    """Cumulative estimates and bands, day by day (the last axis), for arrays of daily counts.

    ``counts[arm]`` = (requests, critical misroutes, misroutes[, usd[, usd_sq]]) per day; any leading axes
    (many simulated canaries at once) broadcast. With ``usd`` the $ sequence's variance is the measured one
    (:func:`_usd_variance`); ``usd_variance_from`` says, per day, where each day's came from.
    """
    cum = {arm: [np.cumsum(np.asarray(c, dtype=np.float64), axis=-1) for c in counts[arm][:4]] for arm in ARMS}
    uv = {
        arm: _usd_variance(*counts[arm][:1], *counts[arm][3:5], alpha=plan.alpha) if len(counts[arm]) > 3 else None
        for arm in ARMS
    }
    mo = {}
    for arm, c in cum.items():
        usd, var = (c[3], uv[arm][0]) if len(c) > 3 else (None, None)  # type: ignore[index]
        mo[arm] = _arm_moments(c[0], c[1], c[2], plan.prices[arm], usd, var)
    (r0, v0, u0, w0), (r1, v1, u1, w1) = mo["control"], mo["canary"]
    c0, c1 = plan.prices["control"].critical_usd, plan.prices["canary"].critical_usd
    nc, n0 = _ramp_arms(plan.daily_requests)
    var = lambda p: min(max(p, 1e-6), 1 - 1e-6) * (1 - min(max(p, 1e-6), 1 - 1e-6))  # a rate of 0 still varies
    star = lambda p0, p1, s0, s1: 1.0 / max(s1 * var(p1) / nc + s0 * var(p0) / n0, 1e-200)
    info_rate = star(plan.p_control, plan.p_canary, 1.0, 1.0)
    info_growth = star(plan.p_control, plan.p_canary, (plan.volume * c0) ** 2, (plan.volume * c1) ** 2)
    probe = {
        arm: _arm_moments(np.float64(n), p * n, m * n, plan.prices[arm])[3] * n
        for arm, n, p, m in (
            ("control", n0, plan.p_control, plan.m_control),
            ("canary", nc, plan.p_canary, plan.m_canary),
        )
    }
    info_usd = 1.0 / (probe["canary"] / nc + probe["control"] / n0)
    out = {"share": cum["canary"][0] / (cum["canary"][0] + cum["control"][0])}
    out["daily_share"] = np.asarray(counts["canary"][0], float) / (
        np.asarray(counts["canary"][0], float) + np.asarray(counts["control"][0], float)
    )
    for name, est, var, info in (
        ("critical_rate_difference", r1 - r0, v1 + v0, info_rate),
        (
            "critical_cost_growth_usd_per_month",
            plan.volume * (c1 * r1 - c0 * r0),
            plan.volume**2 * (c1**2 * v1 + c0**2 * v0),
            info_growth,
        ),
        ("usd_per_request_difference", u1 - u0, w1 + w0, info_usd),
    ):
        h = half_width(var, plan.alpha, info)
        out[name], out[name + "_lo"], out[name + "_hi"] = est, est - h, est + h
    out["naive_z"] = (r1 - r0) / np.sqrt(v1 + v0)
    out |= _usd_notes(mo, cum, uv)
    return out


def _usd_notes(mo, cum, uv) -> dict[str, np.ndarray]:
    """Each arm's per-request $ SD the $ band used, and where each day's variance came from."""
    out = {arm + "_usd_sd": np.sqrt(w * cum[arm][0]) for arm, (_, _, _, w) in mo.items()}
    shape = out["control_usd_sd"].shape
    if uv["control"] is None:
        out["usd_variance_from"] = np.full(shape, "counts")
    else:
        measured = ~np.isnan(uv["control"][0]) & ~np.isnan(uv["canary"][0])
        out["usd_variance_from"] = np.where(measured, uv["control"][1], "counts")
    return out


RULES = {
    "roll back guardrail": "critical-error cost growth is above the guardrail with 95% confidence (the whole band)",
    "roll back cost": "the canary costs more per request (the whole band is above $0)",
    "ship": "at the final share the canary is cheaper per request and the guardrail holds (both bands clear)",
    "ramp": "the plan's first week passed with no stopping rule firing: raise the share to 25%",
    "continue": "no rule fires: keep the canary at its share and read again tomorrow",
}


def recommend(s: dict[str, np.ndarray], guardrail_usd: float, days=None) -> tuple[np.ndarray, np.ndarray]:
    """(recommendation, rule key) per reading (``days``: the readings' day numbers, default 1, 2, …); a stop
    (roll back, ship) is final for the later readings."""
    g = "critical_cost_growth_usd_per_month"
    n = s["share"].shape[-1]
    day = np.arange(1, n + 1) if days is None else np.asarray(days, dtype=np.float64) - float(days[0]) + 1
    at_final = s["daily_share"] >= 0.9 * FINAL_SHARE  # traffic splits are not exact
    conds = [
        s[g + "_lo"] > guardrail_usd,
        s["usd_per_request_difference_lo"] > 0,
        at_final & (s["usd_per_request_difference_hi"] < 0) & (s[g + "_hi"] <= guardrail_usd),
        ~at_final & (day >= RAMP_DAY),
    ]
    keys = np.array(["roll back guardrail", "roll back cost", "ship", "ramp", "continue"])
    code = np.select(conds, [0, 1, 2, 3], default=4)
    stop = code <= 2
    first = np.where(stop.any(axis=-1), stop.argmax(axis=-1), code.shape[-1])
    later = np.arange(n) > np.expand_dims(first, -1)
    stop_code = np.take_along_axis(code, np.expand_dims(np.minimum(first, code.shape[-1] - 1), -1), axis=-1)
    code = np.where(later, stop_code, code)
    rule = keys[code]
    rec = np.where(code <= 1, "roll back", np.where(code == 2, "ship", np.where(code == 3, "ramp", "continue")))
    return rec, rule


def _numbers(f: pd.DataFrame) -> pd.DataFrame:
    """The numeric columns as numbers ≥ 0, or the first bad one named with its data row."""
    for col in ("day", "requests", "critical_misroutes", "misroutes") + tuple(c for c in OPTIONAL if c in f.columns):
        num = pd.to_numeric(f[col], errors="coerce")
        bad_rows = f.index[num.isna()].tolist()
        require(
            not bad_rows,
            col,
            f"has values that are not numbers (data row {bad_rows[0] + 1 if bad_rows else 0})",
            "give a number in every row",
        )
        require(bool((num >= 0).all()), col, f"is negative ({num.min():g})", "counts, days and dollars are ≥ 0")
        f[col] = num
    return f


def _check_usd(f: pd.DataFrame) -> None:
    """``usd_sq`` needs ``usd`` and can be no smaller than usd² / requests (the squares of equal dollars)."""
    require(
        "usd_sq" not in f.columns or "usd" in f.columns,
        "usd_sq",
        "given without usd",
        "give usd (the day's dollars) beside usd_sq (their sum of squares), or drop usd_sq",
    )
    if "usd_sq" in f.columns:  # Σy² ≥ (Σy)²/n for any n numbers (a small tolerance for rounding)
        low = (f["usd_sq"] < f["usd"] ** 2 / f["requests"] * (1 - 1e-9) - 1e-9).to_numpy()
        require(
            not low.any(),
            "usd_sq",
            f"is below usd²/requests on data row {int(low.argmax()) + 1 if low.any() else 0}",
            "give the sum of the squared per-request dollars (Σ y², not (Σ y)²)",
        )


def validate_daily(frame: pd.DataFrame) -> pd.DataFrame:
    """The daily CSV checked column by column; one row per day and arm, both arms every day."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    require(
        not missing,
        f"column {missing[0]}" if missing else "",
        "missing",
        f"give columns {', '.join(COLUMNS)} (usd optional)",
    )
    f = frame.copy()
    f["arm"] = f["arm"].astype(str).str.strip().str.lower()
    bad = sorted(set(f["arm"]) - set(ARMS))
    require(not bad, "arm", f"has {bad[:3]}", "write control or canary in every row")
    f = _numbers(f)
    require(bool((f["requests"] > 0).all()), "requests", "is 0 on some row", "drop days an arm saw no requests")
    require(
        bool((f["critical_misroutes"] <= f["misroutes"]).all()),
        "critical_misroutes",
        "exceeds misroutes",
        "a critical misroute is also a misroute",
    )
    require(
        bool((f["misroutes"] <= f["requests"]).all()),
        "misroutes",
        "exceeds requests",
        "count misroutes among the day's requests",
    )
    _check_usd(f)
    dup = f.duplicated(["day", "arm"])
    require(
        not dup.any(),
        "day",
        f"day {f.loc[dup, 'day'].iloc[0]:g} has an arm twice" if dup.any() else "",
        "one row per day and arm",
    )
    per_day = f.groupby("day")["arm"].nunique()
    short = per_day.index[per_day < 2].tolist()
    require(
        not short,
        "arm",
        f"day {short[0] if short else 0:g} lacks the control or the canary",
        "give both arms every day",
    )
    return f.sort_values(["day", "arm"], ignore_index=True)


def monitor(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """One row per day: the three bands, the recommendation and the rule that fired."""
    f = validate_daily(frame)
    days = np.sort(f["day"].unique())
    cols = ["requests", "critical_misroutes", "misroutes"] + [c for c in OPTIONAL if c in f.columns]
    counts = {
        arm: tuple(f[f["arm"] == arm].set_index("day").loc[days, c].to_numpy(float) for c in cols) for arm in ARMS
    }
    s = sequences(counts, plan)
    rec, rule = recommend(s, plan.guardrail_usd, days)
    out = pd.DataFrame({"day": days, **{k: v for k, v in s.items() if k != "naive_z"}})
    out["usd_variance_from"] = out["usd_variance_from"].map(VARIANCE_FROM)
    for end in ("", "_lo", "_hi"):  # the per-request $ difference at the scenario's monthly volume
        out["usd_per_month_difference" + end] = out["usd_per_request_difference" + end] * plan.volume
    out["recommendation"], out["rule"] = rec, [RULES[r] for r in rule]
    return out


def example_daily(
    plan: Plan, *, days: int = HORIZON_DAYS, critical_factor: float | None = None, seed: int = 0
) -> pd.DataFrame:
    """A generated daily CSV along the plan's ramp: the control at the teacher's offline rates, the canary at the
    student's (or at ``critical_factor`` × the control's critical rate). An example, not data."""
    rng = np.random.default_rng(seed)
    rows = []
    pc = plan.p_canary if critical_factor is None else plan.p_control * critical_factor
    for d in range(days):
        share = 0.05 if d < RAMP_DAY else FINAL_SHARE
        for arm, sh, p, m in (
            ("control", 1 - share, plan.p_control, plan.m_control),
            ("canary", share, pc, plan.m_canary),
        ):
            n = int(rng.poisson(plan.daily_requests * sh))
            x = int(rng.binomial(n, p))
            rows.append(
                {
                    "day": d + 1,
                    "arm": arm,
                    "requests": n,
                    "critical_misroutes": x,
                    "misroutes": x + int(rng.binomial(n - x, max(m - p, 0) / (1 - p))),
                }
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))
