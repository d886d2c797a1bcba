"""``monitor --daily FILE`` with a ``usd`` column: the $ sequence uses the measured dollars and their variance.

Hand-checkable CSVs (the seed plan; no misroute anywhere, so only ``usd`` moves the $ sequence):

* ``usd`` + ``usd_sq``, two days of two requests each: the control's requests cost $1 and $3 both days
  (usd 4, usd_sq 1 + 9 = 10), the canary's $1 and $1 (usd 2, usd_sq 2). Day 1: the control's per-request
  variance is (10 − 4²/2) / 1 = 2; day 2: (20 − 8²/4) / 3 = 4/3 (SD 1.1547); the canary's 0. The canary is
  $1 a request cheaper.
* ``usd`` alone, eight days of ten requests: the control's day costs $10 then $30 in turn (ȳ_d = $1, $3), the
  canary's $20 every day (ȳ_d = $2). On day 8 the control's between-day sum of squares is
  Σ n_d (ȳ_d − ȳ)² = 8 × 10 × 1² = 80 over 7 degrees of freedom, times (t₇ / z)² at 97.5%
  = (2.3646 / 1.9600)² = 1.4556: 16.63 (SD 4.078); the canary's 0. Days 1–6 (fewer than 7 days) use the counts'
  variance, exactly as a CSV without ``usd``.
"""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from engine import sources
from engine.rollout import sequential as sq
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def plan():
    ev = sources.seed_evidence()
    a, _ = sources.scenario_for(ev.cube, None)
    return sq.plan_for(ev.cube, a, 1_900.0)


def daily(days: int, control_usd, canary_usd, n: int, **extra) -> pd.DataFrame:
    rows = []
    for d in range(days):
        for arm, u in (("control", control_usd[d]), ("canary", canary_usd[d])):
            row = {"day": d + 1, "arm": arm, "requests": n, "critical_misroutes": 0, "misroutes": 0, "usd": u}
            rows.append(row | {k: v[arm][d] for k, v in extra.items()})
    return pd.DataFrame(rows)


def test_usd_and_usd_sq_give_the_sample_variance_by_hand(plan):
    f = daily(2, [4, 4], [2, 2], 2, usd_sq={"control": [10, 10], "canary": [2, 2]})
    out = sq.monitor(f, plan)
    assert out["control_usd_sd"].tolist() == pytest.approx([2**0.5, (4 / 3) ** 0.5])
    assert out["canary_usd_sd"].tolist() == pytest.approx([0.0, 0.0])
    assert out["usd_per_request_difference"].tolist() == pytest.approx([-1.0, -1.0])
    assert set(out["usd_variance_from"]) == {"the usd and usd_sq columns (per request)"}
    # the band narrows as the estimate's variance s²/N falls from 2/2 to (4/3)/4
    h = out["usd_per_request_difference_hi"] - out["usd_per_request_difference"]
    assert h[0] > h[1] > 0


def test_usd_alone_uses_the_between_day_variance_from_day_seven(plan):
    f = daily(8, [10, 30] * 4, [20] * 8, 10)
    out = sq.monitor(f, plan)
    want = 80 / 7 * 1.455_56
    assert out["control_usd_sd"].iloc[7] == pytest.approx(want**0.5, rel=1e-4)
    assert out["canary_usd_sd"].iloc[7] == 0.0
    assert out["usd_per_request_difference"].iloc[7] == pytest.approx(0.0)
    src = out["usd_variance_from"].tolist()
    assert src[:6] == ["the misroute counts at the scenario's prices"] * 6
    assert src[6:] == ["the usd column, between days"] * 2
    counts_only = sq.monitor(f.drop(columns="usd"), plan)  # the same days, dollars derived from the counts
    assert out["control_usd_sd"].iloc[:6].tolist() == pytest.approx(counts_only["control_usd_sd"].iloc[:6].tolist())
    assert counts_only["control_usd_sd"].iloc[7] < 0.1  # no misroute: the counts see only the ½-smoothed rates


def test_monitor_cli_json_says_where_the_variance_came_from(tmp_path):
    p = tmp_path / "daily.csv"
    daily(2, [4, 4], [2, 2], 2, usd_sq={"control": [10, 10], "canary": [2, 2]}).to_csv(p, index=False)
    d = json.loads(run_cli("monitor", "--daily", str(p), "--json").stdout)
    day = d["days"][1]
    assert day["usd_per_request_sd"]["control"] == pytest.approx(1.1547, abs=1e-4)
    assert day["usd_variance_from"] == "the usd and usd_sq columns (per request)"
    assert day["usd_per_request_difference"]["estimate"] == pytest.approx(-1.0)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda f: f.drop(columns="usd"), "usd_sq: given without usd"),
        (lambda f: f.assign(usd_sq=[10, 1, 10, 2]), "usd_sq: is below usd²/requests on data row 2"),
    ],
)
def test_bad_usd_sq_is_refused(plan, change, field):
    from engine.errors import DistillDecideError

    f = daily(2, [4, 4], [2, 2], 2, usd_sq={"control": [10, 10], "canary": [2, 2]})
    with pytest.raises(DistillDecideError) as e:
        sq.monitor(change(f), plan)
    assert field in str(e.value)


def test_null_canaries_with_measured_dollars_keep_alpha(plan):
    """2,000 canaries with no difference, read daily for 28 days, their ``usd`` the requests' dollars at the
    teacher's price: the $ sequence on the between-day variance (t-sized) and on usd_sq each keep ≤ 5%."""
    S, D = 2_000, 28
    rng = np.random.default_rng(1)
    share = np.where(np.arange(D) < sq.RAMP_DAY, 0.05, 0.25)
    n = {
        "canary": np.broadcast_to(np.round(plan.daily_requests * share).astype(int), (S, D)),
        "control": np.broadcast_to(np.round(plan.daily_requests * (1 - share)).astype(int), (S, D)),
    }
    p0, other = plan.p_control, (plan.m_control - plan.p_control) / (1 - plan.p_control)
    pr = plan.prices["control"]
    same = dataclasses.replace(plan, prices={"control": pr, "canary": pr}, p_canary=p0)
    arms = {}
    for arm, k in n.items():
        x = rng.binomial(k, p0)
        m = x + rng.binomial(k - x, other)
        u = pr.base_usd * k + pr.critical_usd * x + pr.harm_usd * (m - x)
        b, c, h = pr.base_usd, pr.critical_usd, pr.harm_usd
        q = b**2 * (k - m) + (b + c) ** 2 * x + (b + h) ** 2 * (m - x)  # Σ y² of the day's requests
        arms[arm] = (k, x, m, u, q)
    rates = {}
    for name, cut in (("usd between days", 4), ("usd_sq", 5)):
        s = sq.sequences({arm: c[:cut] for arm, c in arms.items()}, same)
        lo, hi = s["usd_per_request_difference_lo"], s["usd_per_request_difference_hi"]
        rates[name] = float(((lo > 0) | (hi < 0)).any(-1).mean())
        assert s["usd_variance_from"][0, -1] == name
    print(f"{S:,} null canaries with usd, 28 daily peeks: $ sequence false alarms {rates}")
    assert all(r <= 0.05 for r in rates.values())
