"""One truth: every path that shows a dollar agrees to the cent on 200 random scenarios (40 in the default run,
the other 160 with ``-m slow``).

Paths: ``decide`` (the engine), ``python -m engine decide --json``, the cascade at fallback 0% and 100%, the
per-segment sum, a drift cycle built from the same cube, the HTML report's table and the Overview page
(AppTest). Copies of a formula agree on the seed and drift everywhere else, so the scenarios vary everything
the price of a request depends on: volume, prices, operations, harm matrix, critical set and per-segment
multipliers, production segment and intent mix, carbon, the latency price and baseline. On failure the
message carries the scenario as JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import reviews
from engine.cli.main import main as cli_main
from engine.decision import costs, scenario, verdict
from engine.decision import cube as cube_mod
from engine.decision.cube import Evidence
from engine.present import review_report
from engine.present.money import usd
from engine.rollout import cascade, drift

N_SCENARIOS = 200
N_DEFAULT = 40  # the default run checks the first 40 scenarios; ``-m slow`` checks the other 160
HALVES = [
    pytest.param(slice(0, N_DEFAULT), id="first-40"),
    pytest.param(slice(N_DEFAULT, None), id="rest", marks=pytest.mark.slow),
]
CRITICAL_POOL = (
    ("escalation", "return_request"),
    ("escalation",),
    ("account_security", "checkout_help", "escalation"),
    (),
)


def _evidence_pool(seed_rows: pd.DataFrame) -> list[Evidence]:
    """The seed rows, two subsamples (other cubes, other segment shares) and one without a segment column."""
    rng = np.random.default_rng(7)
    pool = [seed_rows]
    for n in (2_500, 6_000):
        pool.append(seed_rows.iloc[np.sort(rng.choice(len(seed_rows), n, replace=False))].reset_index(drop=True))
    pool.append(seed_rows.drop(columns="segment").iloc[:4_000])
    intents = list(seed_rows["true"].unique())
    return [Evidence(cube_mod.from_rows(r, intents=sorted(intents)), r, f"parity {i}") for i, r in enumerate(pool)]


def random_scenario(rng: np.random.Generator, base: scenario.Assumptions, cube: cube_mod.ConfusionCube):
    """A validated scenario with every priced assumption drawn at random (a round trip through JSON)."""
    d = base.to_dict()
    k = len(base.intents)
    harm = rng.uniform(0, 2, (k, k)) * (rng.random((k, k)) < 0.8)
    np.fill_diagonal(harm, 0)
    d["harm_matrix"] = harm.round(3).tolist()
    d["critical_intents"] = list(CRITICAL_POOL[rng.integers(len(CRITICAL_POOL))])
    d["requests_per_month"] = float(round(np.exp(rng.uniform(np.log(3e5), np.log(2.5e7)))))
    d["usd_per_harm_unit"] = round(float(rng.uniform(0, 0.05)), 4)
    d["usd_per_critical_event"] = round(float(rng.uniform(0, 6)), 2)
    d["usd_per_ms_month"] = round(float(rng.choice([0.0, rng.uniform(0, 150)])), 2)
    d["latency_reference_requests_per_month"] = float(rng.choice([1.4e6, 5e5, 4e6]))
    d["latency_baseline_ms"] = None if rng.random() < 0.5 else round(float(rng.uniform(0, 8)), 1)
    d["kg_co2e_per_kwh"] = round(float(rng.choice([0.0, rng.uniform(0.1, 0.8)])), 3)
    d["usd_per_kg_co2e"] = round(float(rng.uniform(0, 0.2)), 3)
    for m, (lo, hi) in (("teacher", (0.001, 0.008)), ("student", (0.0002, 0.004))):
        d[m] = {
            **d[m],
            "usd_per_request": round(float(rng.uniform(lo, hi)), 6),
            "ops_usd_per_month": round(float(rng.uniform(0, 3_000)), 2),
            "ops_usd_per_request": round(float(rng.choice([0.0, rng.uniform(0, 0.0005)])), 6),
            "p95_latency_ms": round(float(rng.uniform(2, 30)), 1),
            "kwh_per_request": round(float(rng.choice([0.0, rng.uniform(0, 0.002)])), 6),
        }
    segs = cube.segments
    d["critical_multiplier_by_segment"] = {s: round(float(rng.uniform(0.5, 3)), 2) for s in segs if rng.random() < 0.5}
    d["production_segment_mix"] = (
        dict(zip(segs, rng.dirichlet(np.ones(len(segs))).round(4).tolist()))
        if len(segs) > 1 and rng.random() < 0.6
        else {}
    )
    d["production_intent_mix"] = (
        dict(zip(base.intents, rng.dirichlet(np.ones(k) * 3).round(4).tolist())) if rng.random() < 0.4 else {}
    )
    for key in ("production_segment_mix", "production_intent_mix"):  # shares that add to 1 after rounding
        if d[key]:
            first = next(iter(d[key]))
            d[key][first] = round(1 - sum(v for s, v in d[key].items() if s != first), 4)
    return scenario.Assumptions.from_dict(json.loads(json.dumps(d)))


@pytest.fixture(scope="module")
def cases(seed_rows, seed_a):
    pool = _evidence_pool(seed_rows)
    rng = np.random.default_rng(20261201)
    out = []
    for i in range(N_SCENARIOS):
        ev = pool[i % len(pool)]
        out.append((ev, random_scenario(rng, seed_a, ev.cube)))
    return out


def _cents(x: float) -> int:
    return int(round(x * 100))


def _where(a: scenario.Assumptions, ev: Evidence) -> str:
    return f"\nevidence {ev.label}; scenario:\n{scenario.dumps_json(a)}"


def _hand_total_all_fallback(b: costs.CostBreakdown, a: scenario.Assumptions) -> float:
    """Every request answered by the student, then the teacher: the teacher's errors, both prices, both
    operations and energy, and both latencies (written out here, not through the engine)."""
    t, s, v = a.teacher, a.student, a.requests_per_month
    latency = (
        a.usd_per_ms_month
        * v
        / a.latency_reference_requests_per_month
        * max(0.0, t.p95_latency_ms + s.p95_latency_ms - a.baseline_ms)
    )
    carbon = v * (t.kwh_per_request + s.kwh_per_request) * a.kg_co2e_per_kwh * a.usd_per_kg_co2e
    return (
        b.teacher.weighted_error_usd
        + b.teacher.critical_usd
        + v * (t.usd_per_request + s.usd_per_request)
        + t.ops_usd_per_month
        + s.ops_usd_per_month
        + v * (t.ops_usd_per_request + s.ops_usd_per_request)
        + latency
        + carbon
    )


def _report_totals(html: str) -> tuple[float, float]:
    row = re.search(r"<td>Total</td>\s*<td>\$([\d,.]+)</td>\s*<td>\$([\d,.]+)</td>", html)  # "$12,111.84"
    assert row, "the report has no total row"
    return tuple(float(x.replace(",", "")) for x in row.groups())


@pytest.mark.parametrize("part", HALVES)
def test_engine_cli_cascade_segments_drift_and_report_agree(cases, part, tmp_path: Path):
    counts_files: dict[str, Path] = {}
    for i, (ev, a) in enumerate(cases[part]):
        where = _where(a, ev)
        d = verdict.decide(Evidence(ev.cube, None, ev.label), a, B=200, rng=0, confirm_B=0)
        b = d.breakdown
        t, s = _cents(b.teacher.total_usd), _cents(b.student.total_usd)
        # the HTML report's table
        draft = reviews.draft(Evidence(ev.cube, None, ev.label), a, d, scenario_label="case", author="parity")
        assert _report_totals(review_report.build(reviews.report_of(draft))) == (t / 100, s / 100), where
        # python -m engine decide --json (counts file + scenario file, as a user would pass them)
        if ev.label not in counts_files:
            counts_files[ev.label] = tmp_path / f"counts{len(counts_files)}.csv"
            ev.cube.to_frame().to_csv(counts_files[ev.label], index=False)
        scen = tmp_path / f"s{i}.json"
        scen.write_text(scenario.dumps_json(a), encoding="utf-8")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = cli_main(
                [
                    "decide",
                    "--json",
                    "--counts",
                    str(counts_files[ev.label]),
                    "--scenario",
                    str(scen),
                    "--bootstrap",
                    "200",
                ]
            )
        assert rc == 0, where
        out = json.loads(buf.getvalue())
        assert (_cents(out["teacher"]["total_usd"]), _cents(out["student"]["total_usd"])) == (t, s), where
        assert _cents(out["margin_usd"]) == _cents(b.margin_usd), where
        # the cascade: alone, at fallback 0% and at 100%
        sw = cascade.sweep(ev.rows, a, [0.0, 1.0], cube=ev.cube)
        assert (_cents(sw.teacher_total_usd), _cents(sw.student_total_usd)) == (t, s), where
        assert sw.fallback_rate.tolist() == [0.0, 1.0], where
        assert _cents(sw.total_usd[0]) == s, where
        assert _cents(sw.total_usd[1]) == _cents(_hand_total_all_fallback(b, a)), where
        # per segment, summed
        seg = costs.decompose_by_segment(ev.cube, a).groupby("model").total_usd.sum()
        assert (_cents(seg["teacher"]), _cents(seg["student"])) == (t, s), where
        # a drift cycle built from the same cube
        cyc = drift.cycle_costs(drift.cycle_from_cube(ev.cube, a), a).set_index("model").total_usd
        assert (_cents(cyc["teacher"]), _cents(cyc["student"])) == (t, s), where


@pytest.mark.parametrize("part", HALVES)
def test_overview_page_agrees(cases, part, db):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    for ev, a in cases[part]:
        where = _where(a, ev)
        at.session_state["evidence"] = ev
        at.session_state["assumptions"] = a
        at.run()
        assert not at.exception, f"{at.exception}{where}"
        b = costs.decompose(ev.cube, a)
        table = next(df.value for df in at.dataframe if "Component" in df.value.columns)
        total = table[table["Component"].str.lower() == "total"].iloc[0]
        assert _cents(total["Teacher"]) == _cents(b.teacher.total_usd), where
        assert _cents(total["Student"]) == _cents(b.student.total_usd), where
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Margin (teacher − student)"] == usd(b.margin_usd), where
