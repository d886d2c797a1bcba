"""Issue 17 item 3: a latency or cost gate never passes on numbers nobody measured.

A label set that is not MangaAssist's is priced with the seed's P95s (teacher 12 ms, student 5 ms) and prices
($0.0038 / $0.0016 per request, a 57.9% cost reduction): those gates read "not measured", neither pass nor
block, and say what to measure. The seed's own evidence keeps the seed's documented figures (pass as before);
figures a user gives pass or fail, said "given, not measured"; a run's latency.json / price.json pass as
"measured" (even at the seed's very values). The CLI, the verdict, the weekly review and the Rollout page's
table all read the one gate report :func:`engine.decision.verdict.decide` builds.
"""

import json

import numpy as np
import pandas as pd
import pytest

from engine import sources
from engine.cli import main as cli
from engine.decision import cube as cube_mod
from engine.decision import verdict
from engine.present import figures_rollout as fr
from engine.rollout import gates

LATENCY, COST = "student.p95_latency_ms", "inference_cost_reduction"
LABELS = [f"intent_{c}" for c in "abcdefghijkl"]


def foreign_rows(n: int = 6_000) -> pd.DataFrame:
    """12 balanced intents (the walk's foreign.csv shape): a teacher right 90% of the time, a student 80%."""
    rng = np.random.default_rng(0)
    labels = np.array(LABELS)
    y = np.arange(n) % len(LABELS)
    t = np.where(rng.random(n) < 0.9, y, rng.integers(0, len(LABELS), n))
    s = np.where(rng.random(n) < 0.8, y, rng.integers(0, len(LABELS), n))
    return pd.DataFrame(
        {"request_id": [f"r{i}" for i in range(n)], "true": labels[y], "teacher_pred": labels[t],
         "student_pred": labels[s]}
    )  # fmt: skip


@pytest.fixture(scope="module")
def foreign_ev():
    r = foreign_rows()
    return cube_mod.Evidence(cube_mod.from_rows(r, source="foreign"), r, "foreign")


def _by_metric(report) -> dict:
    return {r.gate.metric: r for r in report.results}


def _decide(ev, a):
    return verdict.decide(ev, a, B=300, confirm_B=0)


def test_the_seed_keeps_its_documented_figures_and_passes_as_before(seed_ev, seed_a):
    d = _decide(seed_ev, seed_a)
    g = _by_metric(d.gates)
    assert g[LATENCY].passed is True and g[LATENCY].value == 5.0 and g[LATENCY].source == "seed"
    assert g[LATENCY].evidence == "point estimate 5 is at most 15: passes"  # word for word as before
    assert g[COST].passed is True and g[COST].evidence == "point estimate 57.9% is at least 50%: passes"
    assert fr.gate_table(d.gates)["Result"].tolist() == ["pass"] * 5
    slow = _decide(seed_ev, seed_a.replace(**{"student.p95_latency_ms": 20.0}))  # a given figure still blocks
    assert slow.verdict.state == "blocked" and slow.verdict.blocking_gate == "Student P95 ≤ 15 ms"


def test_a_foreign_label_set_on_the_seed_figures_is_not_measured(foreign_ev):
    a, note = sources.scenario_for(foreign_ev.cube, None)
    assert "not measured for these models" in note
    d = _decide(foreign_ev, a)
    g = _by_metric(d.gates)
    for metric, how in ((LATENCY, "python -m engine bench-latency --run RUN"), (COST, "python -m engine price --run")):
        r = g[metric]
        assert r.passed is None and r.value is None and r.source == "not measured", metric
        assert r.evidence.startswith("not measured: ") and how in r.evidence
        assert "neither passes nor blocks" in r.evidence
    assert "5 ms is the seed's (MangaAssist's) student P95" in g[LATENCY].evidence
    assert "57.9% rests on the seed's (MangaAssist's) prices" in g[COST].evidence  # 1 − 0.0016 / 0.0038
    table = fr.gate_table(d.gates).set_index("Gate")
    for name in ("Student P95 ≤ 15 ms", "Inference cost per request ≥ 50% lower"):
        assert tuple(table.loc[name, ["Measured", "Result"]]) == ("not measured", "not measured")
    # not measured never blocks: the verdict's blocking gate (if any) is another one
    assert d.verdict.blocking_gate not in ("Student P95 ≤ 15 ms", "Inference cost per request ≥ 50% lower")
    stored = {x["metric"]: x for x in d.to_dict()["gates"]["gates"]}  # what a weekly review stores and reports
    assert stored[LATENCY]["passed"] is None and stored[LATENCY]["source"] == "not measured"


def test_without_the_flag_the_same_figures_pass_which_is_what_the_flag_fixes(foreign_ev):
    a, _ = sources.scenario_for(foreign_ev.cube, None)
    q = _decide(foreign_ev, a).quality
    old = _by_metric(gates.evaluate(gates.DEFAULT_GATES, gates.gate_values(q, a)))
    assert old[LATENCY].passed is True  # the walk's "5.0 ms | pass" on a number nobody measured
    new = _by_metric(gates.check(gates.DEFAULT_GATES, q, a, foreign=True))
    assert new[LATENCY].passed is None and new[COST].passed is None


def test_figures_the_user_gives_are_given_not_measured_and_may_pass_or_fail(foreign_ev):
    a, _ = sources.scenario_for(foreign_ev.cube, None)
    prices = {"teacher.usd_per_request": 0.005, "student.usd_per_request": 0.002}  # 1 − 2 / 5 = 60%
    given = a.replace(**{"student.p95_latency_ms": 8.0, **prices})
    g = _by_metric(_decide(foreign_ev, given).gates)
    assert g[LATENCY].passed is True and g[LATENCY].source == "given"
    assert g[LATENCY].evidence == "given, not measured: point estimate 8 is at most 15: passes"
    assert (
        g[COST].passed is True
        and g[COST].evidence == "given, not measured: point estimate 60.0% is at least 50%: passes"
    )
    half = _by_metric(_decide(foreign_ev, a.replace(**{"teacher.usd_per_request": 0.005})).gates)
    assert half[COST].passed is None and half[COST].source == "not measured"  # the student's is still the seed's
    slow = _by_metric(_decide(foreign_ev, a.replace(**{"student.p95_latency_ms": 18.0})).gates)
    assert slow[LATENCY].passed is False and slow[LATENCY].source == "given"
    assert fr.gate_table(gates.GateReport((g[LATENCY],)))["Measured"].tolist() == ["8.0 ms (given, not measured)"]


def _foreign_run(root, rows: pd.DataFrame):
    """A run over the foreign labels that measured its P95s (the seed's very 12 / 5 ms) and capacity prices."""
    d = root / "runs" / "foreign-1"
    d.mkdir(parents=True)
    (d / "DONE").write_text("x\n")
    rows.to_parquet(d / "predictions.parquet")
    (d / "config.json").write_text(json.dumps({"labels": LABELS}))
    lat = {
        m: {"onnx_fp32": {"p50_ms": 1.0, "p95_ms": p95, "p99_ms": 30.0}}
        for m, p95 in (("teacher", 12.0), ("student", 5.0))
    }
    (d / "latency.json").write_text(json.dumps(lat))
    prices = {"teacher": {"usd_per_request": 5e-4}, "student": {"usd_per_request": 1e-4}}
    (d / "price.json").write_text(json.dumps({**prices, "requests_per_month": 2e6}))
    return d


def _cli_json(capsys, *args) -> dict:
    rc = cli.main(["decide", *map(str, args), "--json", "--bootstrap", "300"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return {g["metric"]: g for g in json.loads(out)["gates"]["gates"]}


def test_the_cli_says_not_measured_for_foreign_rows_and_measured_for_a_run_that_measured(env, capsys):
    rows = foreign_rows()
    path = env / "foreign.csv"
    rows.to_csv(path, index=False)
    g = _cli_json(capsys, "--rows", path)
    assert g[LATENCY]["passed"] is None and g[COST]["passed"] is None
    assert g[LATENCY]["source"] == g[COST]["source"] == "not measured"
    assert "bench-latency --run RUN" in g[LATENCY]["evidence"] and "price --run RUN" in g[COST]["evidence"]
    assert cli.main(["decide", "--rows", str(path), "--bootstrap", "300"]) == 0
    text = capsys.readouterr().out
    assert "not measured (neither pass nor block): Student P95 ≤ 15 ms, Inference cost per request ≥ 50% lower" in text
    # the run's own latency.json / price.json, by default in its verdict and by --measured for the rows file
    run = _foreign_run(env, rows)
    for args in (("--run", run), ("--rows", path, "--measured", run)):
        m = _cli_json(capsys, *args)
        assert m[LATENCY]["passed"] is True and m[LATENCY]["source"] == "measured", args
        assert m[LATENCY]["evidence"] == "measured: point estimate 5 is at most 15: passes"
        assert m[COST]["evidence"] == "measured: point estimate 80.0% is at least 50%: passes"  # 1 − 1e-4 / 5e-4


def test_gates_cli_agrees_with_decide_on_a_run(env, capsys):
    """`gates --run RUN` reads the run's own measurements as `decide --run` does; without them, not measured."""
    run = _foreign_run(env, foreign_rows())
    assert cli.main(["gates", "--run", str(run), "--json"]) == 0
    g = {x["metric"]: x for x in json.loads(capsys.readouterr().out)["gates"]}
    assert (g[LATENCY]["passed"], g[LATENCY]["source"], g[COST]["source"]) == (True, "measured", "measured")
    for f in ("latency.json", "price.json"):
        (run / f).unlink()
    assert cli.main(["gates", "--run", str(run)]) == 0
    out = capsys.readouterr().out
    assert "n/a   [latency] Student P95 ≤ 15 ms: not measured: 5 ms is the seed's (MangaAssist's) student P95" in out
    assert "n/a   [cost] Inference cost per request ≥ 50% lower: not measured" in out
