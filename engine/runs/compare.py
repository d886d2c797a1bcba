"""Two students on the same test requests: the paired difference A − B with its 95% interval (torch-free).

Accuracy, business-weighted error $ per month and critical misroutes per month under the scenario. The requests
are paired: the rows ``(segment, true, A's prediction, B's prediction)`` make an ordinary two-model confusion
cube (A in the teacher's place), so one multinomial resample of its cells (``uncertainty.draw``, the same paired
bootstrap every verdict uses) moves both students' outcomes together, and every dollar comes from
``costs.price`` (harm matrix, critical set, segment multipliers and production mix included). A difference
below 0 means A makes fewer errors (accuracy: A is worse).

``runs(A, B)`` compares two runs' students (``python -m engine runs compare A B``; ``RUN:finetune`` and
``RUN:teacher`` pick a run's fine-tune-only baseline or its teacher instead): their test requests are joined on
the row they came from, and two runs of other data (another data hash or other labels) are refused.
A run's own summary holds its KD student against its fine-tune-only baseline (``kd_vs_finetune``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.decision import costs, uncertainty
from engine.decision import cube as cube_mod
from engine.errors import require
from engine.runs import rundir

B_DEFAULT = 2_000
# RUN:model picks one of a run's models (default: its student)
MODEL_COLUMNS = {"student": "student_pred", "finetune": "finetune_pred", "teacher": "teacher_pred"}
METRICS = ("accuracy", "error_usd_per_month", "critical_per_month")


def _metrics(q: costs.CellQuantities, counts: np.ndarray, a) -> dict[str, np.ndarray]:
    """Per model (0 = A, 1 = B) accuracy, error $ and critical misroutes per month for counts (C,) or (B, C)."""
    w = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    n = w.sum(axis=1)
    rates = costs.rates_from_counts(q, w)
    out: dict[str, np.ndarray] = {}
    for m, (model, r) in enumerate(zip(("teacher", "student"), rates)):
        priced = costs.price(r, a, model)
        out[f"accuracy.{m}"] = 1.0 - (w @ q.misroute[m]) / n
        out[f"error_usd_per_month.{m}"] = np.asarray(priced["weighted_error"] + priced["critical"], dtype=np.float64)
        out[f"critical_per_month.{m}"] = np.asarray(a.requests_per_month * r.critical, dtype=np.float64)
    return out


def paired(
    rows: pd.DataFrame, col_a: str, col_b: str, assumptions, *, B: int = B_DEFAULT, rng: int = 0
) -> dict[str, dict]:
    """{metric: {a, b, diff, ci95}} (and ``n``) of the students in columns ``col_a`` and ``col_b`` of the same rows.

    ``diff`` is a − b; ``ci95`` the 2.5th and 97.5th percentiles of a − b over ``B`` paired resamples.
    ``n`` is the number of paired requests.
    """
    for col in ("true", col_a, col_b):
        require(col in rows.columns, f"column {col}", "missing", "give per-request rows with both students")
    pair = pd.DataFrame({"true": rows["true"], "teacher_pred": rows[col_a], "student_pred": rows[col_b]})
    if "segment" in rows:
        pair["segment"] = rows["segment"]
    cube = cube_mod.from_rows(pair, intents=list(assumptions.intents))
    q = costs.cell_quantities(cube, assumptions)
    point = _metrics(q, cube.counts, assumptions)
    boot = _metrics(q, uncertainty.draw(cube, B, rng).counts, assumptions)
    out: dict[str, dict] = {"n": {"requests": int(cube.counts.sum()), "B": B}}
    for name in METRICS:
        d = boot[f"{name}.0"] - boot[f"{name}.1"]
        lo, hi = np.percentile(d, [2.5, 97.5])
        a_, b_ = float(point[f"{name}.0"][0]), float(point[f"{name}.1"][0])
        out[name] = {"a": a_, "b": b_, "diff": a_ - b_, "ci95": [float(lo), float(hi)]}
    return out


def _row_key(frame: pd.DataFrame, run_id: str) -> pd.Series:
    """The data row a test request came from: its request id without the run's prefix (``<run>-<row>``)."""
    return frame["request_id"].astype(str).str.removeprefix(f"{run_id}-")


def split_model(run: str) -> tuple[str, str]:
    """``'RUN:finetune'`` → (``'RUN'``, ``'finetune'``); a bare run is its student."""
    head, sep, tail = str(run).rpartition(":")
    if sep and tail in MODEL_COLUMNS:
        return head, tail
    require(not sep, "runs compare", f"{run!r}: no model {tail!r}", f"use RUN or RUN:{'|'.join(MODEL_COLUMNS)}")
    return str(run), "student"


def _load(spec: str) -> tuple[Path, str, dict, pd.DataFrame]:
    """A run's folder, the label of the model compared, its config and its test rows (``pred``: that model's)."""
    run, model = split_model(spec)
    d = rundir.resolve_run(run)
    require(rundir.is_done(d), "run", f"{d.name} is not finished", "compare finished runs (`runs list`)")
    config = rundir.read_run_json(d, "config.json", "copy the whole run directory again", keys=("labels",))
    rows = pd.read_parquet(d / "predictions.parquet")
    col = MODEL_COLUMNS[model]
    require(col in rows, "runs compare", f"{d.name} has no {model} predictions", "train it with its baseline")
    name = d.name if model == "student" else f"{d.name}:{model}"
    return d, name, config, rows.assign(pred=rows[col], key=_row_key(rows, d.name))


def runs(run_a: str, run_b: str, assumptions=None, *, B: int = B_DEFAULT, rng: int = 0) -> dict:
    """Run A's student against run B's on the test requests both hold (same data, same labels)."""
    from engine import sources

    (da, na, ca, fa), (db, nb, cb, fb) = _load(run_a), _load(run_b)
    require(
        ca.get("data_hash") == cb.get("data_hash") and ca["labels"] == cb["labels"],
        "runs compare",
        f"{da.name} and {db.name} were trained on other data (data hash or labels differ)",
        "compare runs made from the same data and split",
    )
    a = fa[["key", "true", "pred"] + (["segment"] if "segment" in fa else [])]
    joined = a.merge(fb[["key", "true", "pred"]], on="key", suffixes=("_a", "_b"), validate="one_to_one")
    require(len(joined) > 0, "runs compare", "the runs share no test request", "compare runs of the same split")
    require(
        bool((joined.true_a == joined.true_b).all()),
        "runs compare",
        "the runs' labels differ on the same request",
        "compare runs made from the same data and split",
    )
    if assumptions is None:
        assumptions, _ = sources.scenario_for_labels(ca["labels"], None)
    rows = joined.rename(columns={"true_a": "true"})
    out = paired(rows, "pred_a", "pred_b", assumptions, B=B, rng=rng)
    out["runs"] = {"a": na, "b": nb, "unmatched": int(max(len(fa), len(fb)) - len(joined))}
    return out


def lines(result: dict, a: str = "A", b: str = "B") -> list[str]:
    """The comparison in words, one line per metric."""
    fmt = {
        "accuracy": lambda x: f"{x:.2%}",
        "error_usd_per_month": lambda x: f"${x:,.0f}",
        "critical_per_month": lambda x: f"{x:,.0f}",
    }
    sign = lambda x: "−" if x < 0 else "+"  # a typographic minus, as the money format writes it
    signed = {
        "accuracy": lambda x: f"{sign(x)}{abs(x) * 100:.2f} points",
        "error_usd_per_month": lambda x: f"{sign(x)}${abs(x):,.0f}",
        "critical_per_month": lambda x: f"{sign(x)}{abs(x):,.0f}",
    }
    names = {
        "accuracy": "accuracy",
        "error_usd_per_month": "error $/month",
        "critical_per_month": "critical misroutes/month",
    }
    n = result["n"]
    out = [f"{a} − {b} on {n['requests']:,} paired test requests (95% paired bootstrap, B = {n['B']:,})"]
    for m in METRICS:
        r = result[m]
        lo, hi = r["ci95"]
        out.append(
            f"  {names[m]}: {fmt[m](r['a'])} vs {fmt[m](r['b'])}, difference {signed[m](r['diff'])} "
            f"[{signed[m](lo)}, {signed[m](hi)}]"
        )
    return out
