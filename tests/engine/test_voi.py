"""Joint uncertainty, value of information and what-if on quality, on cases checkable by hand."""

import json
import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from engine import sources
from engine.cli import main as cli
from engine.decision import costs, cube, uncertainty, voi, whatif
from engine.decision.scenario import Assumptions, ModelAssumptions
from engine.errors import DistillDecideError

LOGNORMAL = (("usd_per_critical_event", "lognormal:0.9,2.4"),)


@pytest.fixture(scope="module")
def seed():
    ev = sources.seed_evidence()
    a, _ = sources.scenario_for(ev.cube, None)
    return ev.cube, a, uncertainty.draw(ev.cube, 4_000, 0)


def test_with_every_assumption_a_point_the_joint_interval_is_the_bootstrap_interval(seed):
    c, a, draws = seed
    j = voi.joint(draws, c, a)
    boot = uncertainty.reprice(draws, c, a)
    assert j.ci95_usd == boot.margin_ci95_usd
    assert j.p_student_cheaper == boot.p_student_cheaper
    assert j.variance_shares == {voi.EVALUATION: pytest.approx(1.0)}  # the sample is the only source


def test_evpi_bounds_evppi_and_evsi_on_the_seed_with_an_uncertain_critical_price(seed):
    c, a, draws = seed
    v = voi.analyse(draws, c, a.replace(uncertain=LOGNORMAL), rng=1)
    assert set(v.evppi_usd_per_month) == {voi.EVALUATION, "usd_per_critical_event"}
    assert v.evpi_usd_per_month >= max(v.evppi_usd_per_month.values()) >= min(v.evppi_usd_per_month.values()) >= 0
    assert v.n_grid[0] == 0 and v.evsi_usd_per_month[0] == 0.0
    assert len(v.n_grid) == voi.N_GRID_POINTS
    noise = 0.02 * v.evpi_usd_per_month
    assert np.all(np.diff(v.evsi_usd_per_month) >= -noise)  # rises with n (common random numbers, fixed seed)
    assert v.evsi_usd_per_month.max() <= v.evpi_usd_per_month
    # at 30 × today's sample the preposterior nearly reveals the evaluation sample: EVSI approaches its EVPPI
    assert (
        0.8 * v.evppi_usd_per_month[voi.EVALUATION]
        < v.evsi_usd_per_month[-1]
        < v.evppi_usd_per_month[voi.EVALUATION] + noise
    )
    # the lognormal's mean ($1.58) sits above the point price, so the expected margin is below the point margin
    assert v.joint.mean_usd < v.joint.point_usd
    # the variance shares: fixing either source removes some of the variance, none more than all of it
    assert all(0 < s < 1 for s in v.joint.variance_shares.values())


def test_evpi_is_zero_when_every_draw_favours_the_same_model(seed):
    c, a, draws = seed
    dear = a.replace(**{"teacher.usd_per_request": 0.1})  # $140,000/month of inference: the student always wins
    v = voi.analyse(draws, c, dear.replace(uncertain=LOGNORMAL), rng=1)
    assert np.all(v.joint.margins_usd > 0)
    assert v.evpi_usd_per_month == 0.0
    assert all(x == 0.0 for x in v.evppi_usd_per_month.values())
    assert np.all(v.evsi_usd_per_month == 0.0) and v.best_n == 0


def test_evppi_of_an_assumption_the_margin_does_not_depend_on_is_zero(seed):
    c, a, draws = seed
    same_latency = a.replace(**{"teacher.p95_latency_ms": 5.0})  # both at the 5 ms baseline: $ per ms prices nothing
    v = voi.analyse(draws, c, same_latency.replace(uncertain=(("usd_per_ms_month", "uniform:0,500"),)), rng=1)
    assert v.evppi_usd_per_month["usd_per_ms_month"] == 0.0
    assert v.joint.variance_shares["usd_per_ms_month"] == pytest.approx(0.0, abs=1e-9)
    assert v.evpi_usd_per_month == pytest.approx(v.evppi_usd_per_month[voi.EVALUATION], rel=1e-9)


def test_two_cell_cube_evpi_matches_the_normal_closed_form():
    """Margin = V(pt − ps) − V·p̂·uh with p̂ ~ Binomial(N, p)/N, N = 1,000,000: normal to high accuracy."""
    n, p, vol = 1_000_000, 0.1, 1e6
    sigma = vol * math.sqrt(p * (1 - p) / n)  # $300/month
    mu = 0.5 * sigma
    counts = pd.DataFrame(
        {"true": ["a", "a"], "teacher_pred": ["a", "a"], "student_pred": ["a", "b"], "n": [n * (1 - p), n * p]}
    )
    toy = cube.from_counts(counts, intents=("a", "b"))
    a = Assumptions(
        intents=("a", "b"),
        harm_matrix=((0.0, 1.0), (1.0, 0.0)),
        critical_intents=(),
        teacher=ModelAssumptions(usd_per_request=0.001 + p + mu / vol),
        student=ModelAssumptions(usd_per_request=0.001),
        requests_per_month=vol,
        usd_per_harm_unit=1.0,
    )
    assert costs.decompose(toy, a).margin_usd == pytest.approx(mu)
    v = voi.analyse(uncertainty.draw(toy, 40_000, 3), toy, a, rng=4)
    nd = NormalDist()
    closed = sigma * nd.pdf(mu / sigma) - abs(mu) * nd.cdf(-abs(mu) / sigma)  # $59.4/month
    loss = np.maximum(-v.joint.margins_usd, 0)
    mc_se = loss.std() / math.sqrt(loss.size)
    assert v.evpi_usd_per_month == pytest.approx(closed, abs=4 * mc_se)
    assert v.joint.margins_usd.std() == pytest.approx(sigma, rel=0.02)
    # EVSI of n = N more: the preposterior mean margin is N(μ, σ² n / (N + n)), so the same closed form at σ/√2
    evsi = voi.analyse(uncertainty.draw(toy, 10_000, 5), toy, a, n_grid=[0, n], rng=6).evsi_usd_per_month
    s_n = sigma / math.sqrt(2)
    closed_n = s_n * nd.pdf(mu / s_n) - abs(mu) * nd.cdf(-abs(mu) / s_n)  # $29.9/month
    assert evsi[0] == 0.0
    assert evsi[1] == pytest.approx(closed_n, abs=4 * 0.6 * s_n / math.sqrt(10_000))


def test_best_n_and_net_value_follow_the_grid(seed):
    c, a, draws = seed
    v = voi.analyse(draws, c, a.replace(uncertain=LOGNORMAL), usd_per_label=0.1, horizon_months=12, rng=1)
    assert np.allclose(v.net_value_usd, v.evsi_usd_per_month * 12 - v.n_grid * 0.1)
    i = int(np.argmax(v.net_value_usd))
    assert v.best_n == (int(v.n_grid[i]) if v.net_value_usd[i] > 0 else 0)
    free = voi.analyse(draws, c, a, usd_per_label=0.0, rng=1)
    assert free.best_n == free.n_grid[np.argmax(free.evsi_usd_per_month)]  # free labels: take the most informative n
    dear = voi.analyse(draws, c, a, usd_per_label=1000.0, rng=1)
    assert dear.best_n == 0 and dear.best_net_value_usd == 0.0


def test_what_if_minus_20_percent_moves_the_student_critical_dollars_by_exactly_20_percent(seed):
    c, a, _ = seed
    before = costs.decompose(c, a)
    after = costs.decompose(whatif.apply(c, a, [whatif.parse("student.critical_rate=-20%")]), a)
    assert after.student.critical_usd == pytest.approx(0.8 * before.student.critical_usd, abs=0.005)  # $7,560 → $6,048
    assert after.teacher.total_usd == pytest.approx(before.teacher.total_usd, abs=0.005)
    assert after.margin_usd == pytest.approx(before.margin_usd + 0.2 * before.student.critical_usd, abs=0.005)
    same = costs.decompose(whatif.apply(c, a, [whatif.parse("student.critical_rate=+0%")]), a)
    assert same.margin_usd == pytest.approx(before.margin_usd, abs=1e-6)
    none = costs.decompose(whatif.apply(c, a, [whatif.parse("student.critical_rate=-100%")]), a)
    assert none.margin_usd == pytest.approx(1_122 + 7_560, abs=0.5)  # seed: margin $1,122, student critical $7,560
    assert whatif.apply(c, a, [whatif.parse("student.critical_rate=-20%")]).source.startswith("hypothetical")


def test_quality_break_even_priced_back_gives_a_zero_margin_to_the_cent(seed):
    c, a, _ = seed
    at2 = a.replace(usd_per_critical_event=2.0)
    be = whatif.break_even(c, at2)
    assert be.change is not None and -0.05 < be.change < 0  # the student needs slightly fewer critical misroutes
    moved = whatif.apply(c, at2, [whatif.WhatIf("student", "critical_rate", be.change)])
    assert costs.decompose(moved, at2).margin_usd == pytest.approx(0.0, abs=0.005)


def _run(capsys, *argv):
    rc = cli.main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_voi_json_keys_and_best_n(capsys):
    rc, out, _ = _run(
        capsys, "voi", "--json", "--bootstrap", "2000", "--uncertain", "usd_per_critical_event=lognormal:0.9,2.4"
    )
    assert rc == 0
    d = json.loads(out)
    for key in ("evpi_usd_per_month", "evppi", "evsi", "best_n", "net_value_usd", "sentence"):
        assert key in d
    assert set(d["evppi"]) == {voi.EVALUATION, "usd_per_critical_event"}
    nets = {row["n"]: row["usd"] for row in d["net_value_by_n"]}
    best = max(nets, key=lambda n: nets[n])
    assert d["best_n"] == (best if nets[best] > 0 else 0)
    assert d["net_value_usd"] == pytest.approx(nets[d["best_n"]])
    assert [row["n"] for row in d["evsi"]] == sorted(nets)


@pytest.mark.parametrize(
    "flag, spec, named",
    [
        ("--uncertain", "usd_per_critical_event=uniform:3,1", "uncertain.usd_per_critical_event"),
        ("--uncertain", "usd_per_harm_unit=uniform:-1,1", "uncertain.usd_per_harm_unit"),
        ("--uncertain", "no_such_price=point:1", "uncertain.no_such_price"),
        ("--uncertain", "usd_per_critical_event", "--uncertain"),
        ("--uncertain", "requests_per_month=lognormal:9", "uncertain.requests_per_month"),
        ("--what-if", "student.critical=-20%", "--what-if"),
        ("--what-if", "student.accuracy=+1%", "--what-if"),
    ],
)
def test_bad_uncertain_and_what_if_exit_2_with_one_line(capsys, flag, spec, named):
    rc, out, err = _run(capsys, "voi", "--bootstrap", "200", flag, spec)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and named in err and "Fix:" in err


def test_decide_what_if_says_hypothetical(capsys):
    rc, out, _ = _run(capsys, "decide", "--json", "--bootstrap", "500", "--what-if", "student.critical_rate=-20%")
    assert rc == 0
    d = json.loads(out)
    assert d["margin_usd"] == pytest.approx(1_122.0 + 0.2 * 7_560, abs=0.5)


def test_what_if_increases_take_from_correct_routes_of_the_same_intent(seed):
    c, a, _ = seed
    before = costs.decompose(c, a)
    more = whatif.apply(c, a, [whatif.parse("student.critical_rate=+20%")])
    after = costs.decompose(more, a)
    assert after.student.critical_usd == pytest.approx(1.2 * before.student.critical_usd, abs=0.005)  # $9,072
    assert after.teacher.total_usd == pytest.approx(before.teacher.total_usd, abs=0.005)
    assert more.intent_shares() == pytest.approx(c.intent_shares())
    worse = whatif.apply(c, a, [whatif.parse("teacher.accuracy=-0.5pt")])
    assert worse.accuracy("teacher") == pytest.approx(0.921 - 0.005)  # 92.1% → 91.6%
    assert worse.accuracy("student") == pytest.approx(c.accuracy("student"))
    with pytest.raises(DistillDecideError) as e:
        whatif.apply(c, a, [whatif.parse("teacher.misroute_rate=+100%")] * 5)  # 32× the misroutes: too few correct
    assert "give a smaller increase" in str(e.value)
