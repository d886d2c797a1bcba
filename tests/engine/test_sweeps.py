"""Sweeps and break-evens: the corrected seed 000 §2/§3 tables and both closed-form break-evens."""

import numpy as np
import pytest

from engine.decision import costs, sweeps


@pytest.mark.parametrize(
    "usd, margin, winner",
    [
        (0.40, 2354, "student"),
        (0.80, 1738, "student"),
        (1.20, 1122, "student"),
        (2.00, -110, "teacher"),
        (3.00, -1650, "teacher"),
        (5.00, -4730, "teacher"),
    ],
)
def test_corrected_section_3(seed_cube, seed_a, usd, margin, winner):
    res = sweeps.sweep(seed_cube, seed_a, "usd_per_critical_event", [usd, usd + 1])
    assert round(res.margin_usd[0]) == margin
    assert res.table().cheaper[0] == winner
    # margin(c) = 2,969.92 − 1,540·c
    assert res.margin_usd[0] == pytest.approx(2969.92 - 1540 * usd)


def test_break_even_critical_cost_is_1_93(seed_cube, seed_a):
    be = sweeps.break_even(seed_cube, seed_a, "usd_per_critical_event")
    assert be.value == pytest.approx(2969.92 / 1540)
    assert round(be.value, 2) == 1.93
    assert (be.winner_below, be.winner_above) == ("student", "teacher")
    m = costs.decompose(seed_cube, seed_a.replace(usd_per_critical_event=be.value)).margin_usd
    assert m == pytest.approx(0, abs=1e-6)


def test_break_even_volume(seed_cube, seed_a):
    be = sweeps.break_even(seed_cube, seed_a, "requests_per_month")
    assert be.value == pytest.approx(36_461, abs=1)
    assert (be.winner_below, be.winner_above) == ("teacher", "student")


def test_volume_bands(seed_cube, seed_a):
    t = sweeps.volume_bands(seed_cube, seed_a)
    assert list(np.round(t.teacher_total_usd)) == [4655, 12112, 41940, 166224]
    assert list(np.round(t.student_total_usd)) == [4273, 10990, 37856, 149798]
    assert (t.cheaper == "student").all()


def test_crossing_only_inside_range(seed_cube, seed_a):
    inside = sweeps.sweep(seed_cube, seed_a, "usd_per_critical_event", np.linspace(0.4, 5, 24))
    assert inside.crossing == pytest.approx(1.9285, abs=1e-4)
    outside = sweeps.sweep(seed_cube, seed_a, "usd_per_critical_event", np.linspace(0.4, 1.5, 5))
    assert outside.crossing is None
    assert outside.note == (
        "No crossing between $0.40 and $1.50 per critical event. "
        "The student is cheaper below $1.93 per critical event, the teacher above"
    )


def test_sweep_that_never_crosses_says_so(seed_cube, seed_a):
    # the latency price only ever helps the faster student: no break-even at any price ≥ 0
    res = sweeps.sweep(seed_cube, seed_a, "usd_per_ms_month", [0, 50, 100])
    assert res.crossing is None
    assert res.note == (
        "The student is cheaper at any price per ms of P95 latency per month: the two models never cost the same"
    )
    assert [round(m) for m in res.margin_usd] == [1122, 1472, 1822]
    be = sweeps.break_even(seed_cube, seed_a, "usd_per_ms_month")
    assert be.value is None and be.winner_below == "student"


def test_harm_cost_break_even(seed_cube, seed_a):
    # margin(h) = 1,121.92 + 80.08 − 6,160·h·... : linear, crosses where 1,402.40... − ... ; check against decompose
    be = sweeps.break_even(seed_cube, seed_a, "usd_per_harm_unit")
    m = costs.decompose(seed_cube, seed_a.replace(usd_per_harm_unit=be.value)).margin_usd
    assert m == pytest.approx(0, abs=1e-6)
    assert be.value == pytest.approx((1121.92 + 80.08) / (1.4e6 * 0.0044))


def test_bad_sweep_values(seed_cube, seed_a):
    from engine.errors import DistillDecideError

    with pytest.raises(DistillDecideError, match="negative"):
        sweeps.sweep(seed_cube, seed_a, "requests_per_month", [-1, 5])
    with pytest.raises(DistillDecideError, match="cannot be swept"):
        sweeps.sweep(seed_cube, seed_a, "days_per_month", [30, 31])


def test_tornado_orders_by_swing(seed_cube, seed_a):
    t = sweeps.tornado(seed_cube, seed_a)
    assert t.swing_usd.is_monotonic_decreasing
    top = t.iloc[0]
    assert top.assumption == "teacher.usd_per_request" and top.swing_usd == pytest.approx(5320)
    crit = t[t.assumption == "usd_per_critical_event"].iloc[0]
    assert crit.margin_at_high_usd == pytest.approx(2969.92 - 1540 * 1.8)
    custom = sweeps.tornado(seed_cube, seed_a, ranges={"usd_per_ms_month": (0, 100)})
    lat = custom[custom.assumption == "usd_per_ms_month"].iloc[0]
    assert lat.swing_usd == pytest.approx(700)


def test_winner_map_matches_decompose(seed_cube, seed_a):
    wm = sweeps.winner_map(seed_cube, seed_a, [500_000, 1_400_000, 20_000_000], [0.4, 1.2, 3.0])
    assert wm.margin_usd.shape == (3, 3)
    assert wm.margin_usd[1, 1] == pytest.approx(1121.92)
    assert wm.margin_usd[2, 2] == pytest.approx(
        costs.decompose(seed_cube, seed_a.replace(requests_per_month=20e6, usd_per_critical_event=3.0)).margin_usd
    )


# --- issue 12: the architect's view (volume bands as the verdict sees them) -----------------------------------


@pytest.fixture(scope="module")
def seed_decision(seed_ev, seed_a):
    from engine.decision import uncertainty, verdict

    draws = uncertainty.draw(seed_ev.cube, 10_000, 0)
    return verdict.decide(seed_ev, seed_a, draws=draws), draws


def _margin_by_hand(v: float) -> float:
    """Per-request dollars scale with volume, the $30 fixed operations gap (542 − 512) does not."""
    return v / 1_400_000 * (1_121.92 + 30) - 30


def test_band_decisions_share_the_verdicts_resamples(seed_ev, seed_a, seed_decision):
    d, draws = seed_decision
    gates = tuple(r.gate for r in d.gates.results)
    t = sweeps.volume_band_decisions(seed_ev, seed_a, gates, draws=draws, quality=d.quality)
    assert list(t.requests_per_month) == [500_000, 1_400_000, 5_000_000, 20_000_000]
    assert list(t.current) == [False, True, False, False]
    seed_row = t.iloc[1]
    assert (seed_row.margin_ci95_low_usd, seed_row.margin_ci95_high_usd) == d.bootstrap.margin_ci95_usd  # exactly
    assert round(seed_row.margin_ci95_low_usd) == -385 and round(seed_row.margin_ci95_high_usd) == 2474
    assert seed_row.p_student_cheaper == d.bootstrap.p_student_cheaper == 0.9297
    assert t.margin_usd.tolist() == pytest.approx([_margin_by_hand(v) for v in t.requests_per_month], abs=1e-6)
    assert (t.verdict == "Lean student").all()  # every band's interval includes zero on the seed


def test_band_decisions_add_the_scenarios_own_volume(seed_ev, seed_a, seed_decision):
    d, draws = seed_decision
    a = seed_a.replace(requests_per_month=3_000_000)
    t = sweeps.volume_band_decisions(seed_ev, a, (), draws=draws, quality=d.quality)
    assert list(t.requests_per_month) == [500_000, 1_400_000, 3_000_000, 5_000_000, 20_000_000]
    assert list(t.current) == [False, False, True, False, False]
    assert t.margin_usd.iloc[2] == pytest.approx(_margin_by_hand(3e6)) and round(t.margin_usd.iloc[2]) == 2438


def test_verdict_words_name_the_state():
    from engine.decision.verdict import Verdict

    assert sweeps.verdict_words(Verdict("ship", "teacher", "")) == "Ship the teacher"  # the banner's badge words
    assert sweeps.verdict_words(Verdict("lean", "student", "", near_break_even=True)) == (
        "Lean student (too close to call)"
    )
    assert sweeps.verdict_words(Verdict("lean", "student", "", small_sample=True)) == "Lean student (small sample)"
    assert sweeps.verdict_words(Verdict("blocked", "teacher", "", "P95 ≤ 4 ms")) == "Blocked by a gate (P95 ≤ 4 ms)"


def test_value_words_carry_the_unit():
    assert sweeps.value_words("requests_per_month", 2_100_000.0) == "2,100,000 requests/month"
    assert sweeps.value_words("usd_per_critical_event", 0.6) == "$0.60"
    assert sweeps.value_words("student.usd_per_request", 0.0008) == "$8.00 per 10K requests"
    assert sweeps.value_words("teacher.ops_usd_per_month", 512.0) == "$512/month"
    assert sweeps.value_words("teacher.p95_latency_ms", 35.0) == "35.0 ms"


def test_break_even_volume_note_is_a_sentence(seed_cube, seed_a):
    be = sweeps.break_even(seed_cube, seed_a, "requests_per_month")
    # margin(v) = v / 1.4M × $1,151.92 − $30 crosses $0 at 1.4M × 30 / 1,151.92 = 36,461 requests
    assert be.note == "The teacher is cheaper below 36,461 requests per month, the student above"


def test_margin_band_is_the_repriced_interval_at_every_volume(seed_cube, seed_a, seed_decision):
    from engine.decision import uncertainty

    _, draws = seed_decision
    band = sweeps.margin_band(seed_cube, seed_a, draws, [100_000, 1_400_000, 5_000_000, 50_000_000])
    for v, lo, hi, m in zip(band.volumes, band.low_usd, band.high_usd, band.margin_usd):
        exact = uncertainty.reprice(draws, seed_cube, seed_a.replace(requests_per_month=v)).margin_ci95_usd
        assert (lo, hi) == pytest.approx(exact, abs=0.01)  # each resample's margin is a line in volume
        assert m == pytest.approx(_margin_by_hand(v))
    assert band.break_even.value == pytest.approx(30 / (1_151.92 / 1_400_000), abs=0.5)  # 36,461
