"""Daily canary monitoring (issue 16): anytime-valid confidence sequences against the naive daily z-test.

Simulated canaries follow the seed plan: 46,053 requests a day, 5% canary for 7 days then 25%, the control at
the teacher's 0.34% critical-misroute rate and 7.9% misroute rate, 28 daily readings.
"""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from engine import sources
from engine.rollout import sequential as sq
from tests.conftest import run_cli

S, D = 2_000, 28


@pytest.fixture(scope="module")
def plan():
    ev = sources.seed_evidence()
    a, _ = sources.scenario_for(ev.cube, None)
    return sq.plan_for(ev.cube, a, 1_900.0)


def simulate(plan, factor: float, seed: int):
    """S canaries, both arms the teacher's model and price; the canary's critical rate × ``factor``."""
    rng = np.random.default_rng(seed)
    share = np.where(np.arange(D) < sq.RAMP_DAY, 0.05, 0.25)
    n_c = np.broadcast_to(np.round(plan.daily_requests * share).astype(int), (S, D))
    n_0 = np.broadcast_to(np.round(plan.daily_requests * (1 - share)).astype(int), (S, D))
    p0, other = plan.p_control, (plan.m_control - plan.p_control) / (1 - plan.p_control)
    x_c, x_0 = rng.binomial(n_c, p0 * factor), rng.binomial(n_0, p0)
    m_c, m_0 = x_c + rng.binomial(n_c - x_c, other), x_0 + rng.binomial(n_0 - x_0, other)
    same = dataclasses.replace(
        plan, prices={"control": plan.prices["control"], "canary": plan.prices["control"]}, p_canary=p0 * factor
    )
    return sq.sequences({"control": (n_0, x_0, m_0), "canary": (n_c, x_c, m_c)}, same), same


def test_null_canaries_peeked_daily_keep_alpha_and_the_naive_test_does_not(plan):
    s, _ = simulate(plan, 1.0, seed=1)
    cs = float(((s["critical_rate_difference_lo"] > 0) | (s["critical_rate_difference_hi"] < 0)).any(-1).mean())
    naive = float((np.abs(s["naive_z"]) > 1.96).any(-1).mean())
    usd = float(((s["usd_per_request_difference_lo"] > 0) | (s["usd_per_request_difference_hi"] < 0)).any(-1).mean())
    print(
        f"{S:,} null canaries, 28 daily peeks: confidence sequence false alarms {cs:.1%} ($ sequence {usd:.1%}), "
        f"naive daily z-test {naive:.1%}"
    )
    assert cs <= 0.05 and usd <= 0.05
    assert naive > 0.05


def test_a_thirty_percent_regression_rolls_back(plan):
    s, same = simulate(plan, 1.3, seed=2)
    rec, rule = sq.recommend(s, same.guardrail_usd)
    rolled = rec == "roll back"
    first = rolled.argmax(-1) + 1
    median = float(np.median(first[rolled.any(-1)]))
    print(
        f"+30% critical-rate regression: {rolled[:, -1].mean():.1%} end in 'roll back', median stopping day {median:g}"
    )
    assert rolled[:, -1].mean() >= 0.95
    assert sq.RAMP_DAY <= median <= D


def test_recommendation_rules_by_hand(plan):
    one = lambda **kw: {k: np.array([v]) for k, v in kw.items()}
    base = dict(daily_share=0.25, share=0.25, usd_per_request_difference_lo=-1e-3, usd_per_request_difference_hi=-1e-4)
    g = "critical_cost_growth_usd_per_month"
    cases = [
        ({g + "_lo": 2_000.0, g + "_hi": 3_000.0}, "roll back"),  # guardrail breached with confidence
        ({g + "_lo": 100.0, g + "_hi": 1_500.0}, "ship"),
        ({g + "_lo": 100.0, g + "_hi": 2_500.0}, "continue"),  # cheaper, but the guardrail is not cleared
    ]
    for extra, want in cases:
        rec, _ = sq.recommend(one(**base, **extra), 1_900.0)
        assert rec[0] == want
    rec, _ = sq.recommend(one(**{**base, "daily_share": 0.05}, **{g + "_lo": 100.0, g + "_hi": 2_500.0}), 1_900.0)
    assert rec[0] == "continue"  # day 1 at 5%: the plan ramps after a week


def test_monitor_json_shape(tmp_path, plan):
    p = tmp_path / "daily.csv"
    sq.example_daily(plan, days=10, seed=3).to_csv(p, index=False)
    d = json.loads(run_cli("monitor", "--daily", str(p), "--json").stdout)
    assert d["example"] is False and len(d["days"]) == 10
    day = d["days"][0]
    assert day["recommendation"] in sq.RECOMMENDATIONS and day["rule"]
    for k in ("critical_rate_difference", "critical_cost_growth_usd_per_month", "usd_per_request_difference"):
        assert day[k]["lo"] <= day[k]["estimate"] <= day[k]["hi"]
    g = d["guardrail"]
    assert g["seed_plan_limit_already_breached"] is True and g["used_limit_usd_per_month"] == 1_900
    assert g["offline_growth_usd_per_month"] == pytest.approx(1_848)
    assert d["days"][6]["recommendation"] == "ramp"  # a week at 5% with no alarm


GOOD = pd.DataFrame(
    {
        "day": [1, 1],
        "arm": ["control", "canary"],
        "requests": [900, 100],
        "critical_misroutes": [3, 1],
        "misroutes": [70, 9],
    }
)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda f: f.drop(columns="misroutes"), "column misroutes"),
        (lambda f: f.assign(requests=[900, -5]), "requests"),
        (lambda f: f.assign(arm=["control", "treatment"]), "arm"),
        (lambda f: f.assign(critical_misroutes=[3, 20]), "critical_misroutes"),
        (lambda f: f.assign(requests=["900", "many"]), "requests: has values that are not numbers (data row 2)"),
        (lambda f: f.iloc[:1], "arm: day 1 lacks the control or the canary"),
    ],
)
def test_bad_daily_csv_exits_2_naming_the_field(tmp_path, capsys, change, field):
    """In process (the same ``main`` the ``python -m engine`` entry point calls; one subprocess is above)."""
    from engine.cli.main import main

    p = tmp_path / "bad.csv"
    change(GOOD.copy()).to_csv(p, index=False)
    assert main(["monitor", "--daily", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert field in err and len(err.splitlines()) == 1, err
