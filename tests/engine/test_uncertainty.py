"""Paired multinomial bootstrap: agrees with request-level resampling, reprices exactly, projects n."""

import numpy as np
import pytest

from engine.decision import costs, cube, uncertainty
from tests.engine.nested import nested_cube_and_assumptions


@pytest.fixture(scope="module")
def seed_boot(seed_cube, seed_a):
    return uncertainty.reprice(uncertainty.draw(seed_cube, 10_000, 0), seed_cube, seed_a)


def test_interval_contains_point_and_is_lean(seed_boot):
    lo, hi = seed_boot.margin_ci95_usd
    assert lo < seed_boot.margin_point_usd < hi
    assert seed_boot.margin_point_usd == pytest.approx(1121.92)
    assert lo < 0 < hi  # not "statistically clear" (seed error 4)
    assert 0.85 < seed_boot.p_student_cheaper < 0.97
    # each extra critical misroute among 10,000 moves the margin by $1.20 × 1.4M / 10,000 = $168;
    # 19 discordant critical requests give an SE near sqrt(19) × 168 ≈ $732 (plus harm noise)
    assert 650 < seed_boot.margin_se_usd < 820


def test_interval_narrows_as_n_grows(seed_cube, seed_a):
    widths = []
    for n in (5_000, 20_000, 80_000):
        r = uncertainty.reprice(uncertainty.draw(seed_cube, 4_000, 1, n=n), seed_cube, seed_a)
        widths.append(r.margin_ci95_usd[1] - r.margin_ci95_usd[0])
    assert widths[0] > widths[1] > widths[2]
    assert widths[0] / widths[2] == pytest.approx(4.0, rel=0.1)  # 1/√n: 16× the requests, ¼ the width


def test_multinomial_matches_request_level_resampling(seed_rows, seed_a):
    small = seed_rows.sample(n=2_000, random_state=7).reset_index(drop=True)
    c = cube.from_rows(small, intents=seed_a.intents)
    B = 20_000
    multi = uncertainty.reprice(uncertainty.draw(c, B, 3), c, seed_a).margins_usd
    # request-level: resample request indices, map each request to its cell, count
    frame = c.to_frame()
    key = {
        tuple(r): i
        for i, r in enumerate(
            frame[["segment", "true", "teacher_pred", "student_pred"]].itertuples(index=False, name=None)
        )
    }
    cell_of_row = np.array(
        [
            key[tuple(r)]
            for r in small[["segment", "true", "teacher_pred", "student_pred"]].itertuples(index=False, name=None)
        ]
    )
    rng = np.random.default_rng(4)
    idx = rng.integers(0, len(small), size=(B, len(small)))
    counts = np.zeros((B, c.n_cells), dtype=np.float32)
    for b in range(B):
        counts[b] = np.bincount(cell_of_row[idx[b]], minlength=c.n_cells)
    draws = uncertainty.Draws(counts, c.hash, c.n, None)
    req = uncertainty.reprice(draws, c, seed_a).margins_usd
    assert multi.std() == pytest.approx(req.std(), rel=0.03)
    width = np.percentile(req, 97.5) - np.percentile(req, 2.5)
    for q in (2.5, 50, 97.5):
        assert abs(np.percentile(multi, q) - np.percentile(req, q)) < 0.05 * width


def test_reprice_equals_fresh_draw_and_decompose(seed_cube, seed_a):
    a2 = seed_a.replace(usd_per_critical_event=2.5, usd_per_ms_month=80)
    d1 = uncertainty.draw(seed_cube, 1_000, 42)
    once = uncertainty.reprice(d1, seed_cube, seed_a)
    again = uncertainty.reprice(d1, seed_cube, a2)
    fresh = uncertainty.reprice(uncertainty.draw(seed_cube, 1_000, 42), seed_cube, a2)
    assert np.array_equal(again.margins_usd, fresh.margins_usd)
    assert not np.array_equal(once.margins_usd, again.margins_usd)
    for b in (0, 1, 500):  # each resample's dollars are exactly the decomposition of that resampled cube
        resampled = cube.ConfusionCube(
            seed_cube.intents,
            seed_cube.segments,
            seed_cube.segment_idx,
            seed_cube.true_idx,
            seed_cube.teacher_idx,
            seed_cube.student_idx,
            d1.counts[b].astype(np.int64),
        )
        keep = resampled.counts > 0
        resampled = cube.from_counts(resampled.to_frame()[keep], intents=seed_cube.intents)
        assert again.margins_usd[b] == pytest.approx(costs.decompose(resampled, a2).margin_usd, abs=0.02)


def test_draws_from_another_cube_are_refused(seed_cube, seed_a):
    c, a = nested_cube_and_assumptions()
    from engine.errors import DistillDecideError

    with pytest.raises(DistillDecideError, match="another cube"):
        uncertainty.reprice(uncertainty.draw(c, 200, 0), seed_cube, seed_a)


def test_analytic_se_matches_bootstrap(seed_cube, seed_a, seed_boot):
    assert uncertainty.margin_se_usd(seed_cube, seed_a) == pytest.approx(seed_boot.margin_se_usd, rel=0.05)


def test_projection_reaches_zero_at_projected_n(seed_cube, seed_a, seed_boot):
    p = uncertainty.requests_to_exclude_zero(seed_cube, seed_a, boot=seed_boot, confirm_B=4_000, rng=5)
    assert p.n_now == 10_000
    assert 15_000 < p.requests_to_exclude_zero_total < 21_000
    assert p.additional_requests == p.requests_to_exclude_zero_total - 10_000
    lo, hi = p.confirm_ci95_usd
    width = hi - lo
    assert abs(lo) < 0.06 * width  # the lower bound sits at zero, within Monte Carlo noise
    analytic = uncertainty.requests_to_exclude_zero(seed_cube, seed_a, confirm_B=0)
    assert analytic.requests_to_exclude_zero_total == pytest.approx(
        10_000 * (1.959964 * analytic.se_now_usd / 1121.92) ** 2, abs=1
    )


def test_seed_error_4_best_case_interval():
    c, a = nested_cube_and_assumptions()
    assert costs.decompose(c, a).margin_usd == pytest.approx(1121.92)
    at_10k = uncertainty.reprice(uncertainty.draw(c, 20_000, 0), c, a).margin_ci95_usd
    assert at_10k[0] == pytest.approx(-55, abs=60) and at_10k[1] == pytest.approx(2130, abs=60)
    at_5500 = uncertainty.reprice(uncertainty.draw(c, 20_000, 0, n=5_500), c, a).margin_ci95_usd
    assert at_5500[0] == pytest.approx(-400, abs=80) and at_5500[1] == pytest.approx(2370, abs=80)
    assert at_5500[0] < 320  # the seed's [$320, $2,030] is narrower than any paired evaluation allows


def test_uncertain_critical_price_widens_and_can_block_projection(seed_cube, seed_a, seed_boot):
    d = uncertainty.draw(seed_cube, 5_000, 0)
    ranged = uncertainty.reprice(d, seed_cube, seed_a.replace(usd_per_critical_event_range=(0.8, 2.4)))
    assert ranged.critical_price_uncertain
    w0 = seed_boot.margin_ci95_usd[1] - seed_boot.margin_ci95_usd[0]
    assert ranged.margin_ci95_usd[1] - ranged.margin_ci95_usd[0] > 1.2 * w0
    p = uncertainty.requests_to_exclude_zero(
        seed_cube, seed_a.replace(usd_per_critical_event_range=(0.5, 4.0)), confirm_B=0
    )
    assert p.requests_to_exclude_zero_total is None and "price range" in p.reason


def test_rate_intervals(seed_boot):
    lo, hi = seed_boot.teacher_harm_units_per_request_ci95
    assert lo < 0.0312 < hi
    lo, hi = seed_boot.delta_harm_units_per_request_ci95
    assert lo < 0.0044 < hi
    lo, hi = seed_boot.student_critical_rate_ci95
    assert lo < 0.0045 < hi


def test_label_order_does_not_change_anything(seed_cube, seed_a):
    rev = seed_cube.reorder(tuple(reversed(seed_cube.intents)))
    assert rev.hash == seed_cube.hash
    assert costs.decompose(rev, seed_a).margin_usd == pytest.approx(1121.92)
    a = uncertainty.reprice(uncertainty.draw(rev, 4_000, 9), rev, seed_a).margins_usd
    b = uncertainty.reprice(uncertainty.draw(seed_cube, 4_000, 9), seed_cube, seed_a).margins_usd
    # same distribution (the cells are permuted, so the streams differ): compare moments
    assert np.mean(a) == pytest.approx(1121.92, abs=40) and np.mean(b) == pytest.approx(1121.92, abs=40)
    assert np.std(a) == pytest.approx(np.std(b), rel=0.06)
    assert uncertainty.margin_se_usd(rev, seed_a) == pytest.approx(uncertainty.margin_se_usd(seed_cube, seed_a))
