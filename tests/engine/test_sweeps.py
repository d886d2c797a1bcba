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
    assert outside.crossing is None and "no crossing" in outside.note and "$1.93" in outside.note


def test_sweep_that_never_crosses_says_so(seed_cube, seed_a):
    # the latency price only ever helps the faster student: no break-even at any price ≥ 0
    res = sweeps.sweep(seed_cube, seed_a, "usd_per_ms_month", [0, 50, 100])
    assert res.crossing is None and "never crosses" in res.note
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
