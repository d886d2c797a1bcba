"""Rollout analytics speed against naive loops measured in the same run.

    python bench/rollout.py [--B 10000]

Cascade: 1,000 thresholds on the 10,000 seed requests (target < 200 ms), against a
per-threshold Python loop. Quality bootstrap (accuracy, macro-F1, rare-class accuracy,
critical rate, agreement for both models; B resamples), against a per-resample loop
over resampled request indices.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import timed

from engine.data import seed
from engine.decision import uncertainty
from engine.quality import metrics
from engine.quality import report as quality_report
from engine.rollout import cascade


def naive_cascade(rc, a, thresholds):
    out = []
    for th in thresholds:
        fb = rc.confidence < th if th < 1 else np.ones_like(rc.confidence, bool)
        err = np.where(fb, rc.error_usd[0], rc.error_usd[1]).mean()
        lat = rc.latency_ms[1] + np.where(fb, rc.latency_ms[0], 0)
        p95 = np.percentile(lat, 95)
        ops = a.student.ops_usd_per_month + (fb.any()) * a.teacher.ops_usd_per_month
        lat_usd = a.usd_per_ms_month * max(0, p95 - a.baseline_ms)
        out.append(
            a.requests_per_month * (a.student.usd_per_request + fb.mean() * a.teacher.usd_per_request + err)
            + ops
            + lat_usd
        )
    return np.array(out)


def naive_quality(y, t, s, rare, crit, B, rng):
    n = len(y)
    res = []
    for _ in range(B):
        i = rng.integers(0, n, n)
        yy, tt, ss = y[i], t[i], s[i]
        row = [np.mean(tt == yy), np.mean(ss == yy), np.mean(tt == ss)]
        for p in (tt, ss):
            row.append(metrics.macro_f1_score(yy, p, 10))
            row.append(metrics.pooled_class_accuracy(yy, p, rare))
            row.append(np.mean(np.isin(yy, crit) & (p != yy)))
        res.append(row)
    return np.array(res)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--B", type=int, default=10_000)
    args = ap.parse_args()
    rows, a, cube = seed.load_rows(), seed.load_assumptions(), seed.load_cube()
    th = np.linspace(0, 1, 1000)
    rc = cascade.row_costs(rows, a)
    t_fast, sw = timed(lambda: cascade.sweep(rows, a, th, rc=rc), repeat=5)
    t_all, _ = timed(lambda: cascade.sweep(rows, a, th), repeat=3)
    t_naive, naive = timed(lambda: naive_cascade(rc, a, th))
    assert np.allclose(naive, sw.total_usd, rtol=1e-9), "the two cascade computations disagree"
    print(
        f"cascade sweep, 1,000 thresholds × 10,000 requests: {t_fast * 1e3:.1f} ms "
        f"({t_all * 1e3:.1f} ms including per-request costs; target < 200 ms); naive per-threshold loop "
        f"{t_naive * 1e3:.0f} ms: {t_naive / t_fast:.0f}× faster; same totals"
    )

    draws = uncertainty.draw(cube, args.B, 0)
    t_q, rep = timed(lambda: quality_report.report(cube, None, critical_intents=a.critical_intents, draws=draws))
    lab = {v: i for i, v in enumerate(seed.INTENTS)}
    y, t, s = (rows[c].map(lab).to_numpy() for c in ("true", "teacher_pred", "student_pred"))
    rare = np.array([lab["escalation"], lab["account_security"]])
    crit = np.array([lab[c] for c in a.critical_intents])
    t_naive_q, nq = timed(lambda: naive_quality(y, t, s, rare, crit, args.B, np.random.default_rng(1)))
    ours = rep.get("macro_f1", "student").ci95
    theirs = tuple(np.percentile(nq[:, 6], [2.5, 97.5]))
    print(
        f"quality bootstrap, B = {args.B:,} (both models: accuracy, macro-F1, rare-class accuracy, critical rate, "
        f"agreement; per segment and per class too): {t_q * 1e3:.0f} ms from cached draws; naive per-resample loop "
        f"{t_naive_q:.1f} s: {t_naive_q / t_q:.0f}× faster"
    )
    print(
        f"  student macro-F1 95% interval: ours [{ours[0]:.4f}, {ours[1]:.4f}], naive [{theirs[0]:.4f}, "
        f"{theirs[1]:.4f}]"
    )


if __name__ == "__main__":
    main()
