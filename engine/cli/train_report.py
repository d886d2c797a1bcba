"""What `train` and `runs compare` print: the KD student beside its fine-tune-only baseline, temperatures, seeds.

torch-free: reads summary.json dicts and ``engine.runs.compare``'s paired differences.
"""

from __future__ import annotations

import json

import numpy as np

from engine.runs import compare

MODELS = ("teacher", "student", "baseline")
NAMES = {"teacher": "teacher", "student": "student (KD)", "baseline": "FT-only"}
SEED_METRICS = ("accuracy", "macro_f1", "error_usd_per_request", "critical_rate", "ece")


def summary_lines(summary: dict) -> list[str]:
    """The FT-only baseline, KD − FT-only with intervals, and each model's temperature with ECE before → after."""
    out = []
    base = summary.get("baseline")
    if base:
        out.append(f"  FT-only baseline (same initial weights, CE only): accuracy {base['accuracy']:.3f}")
    if summary.get("kd_vs_finetune"):
        out += ["  " + line for line in compare.lines(summary["kd_vs_finetune"], "KD student", "FT-only")]
    names = NAMES | ({"student": "student (fine-tuned)"} if summary.get("mode") == "finetune" else {})
    for model, cal in (summary.get("calibration") or {}).items():
        out.append(
            f"  {names.get(model, model)}: temperature {cal['temperature']:.3f} fitted on {cal['n_fit']:,} validation "
            f"rows; test ECE {cal['ece_before']:.4f} → {cal['ece_after']:.4f}"
        )
    return out


def over_seeds(summaries: list[dict]) -> dict:
    """Mean and std (ddof 1) over runs of each model's test metrics, and of the KD − FT-only differences."""
    table: dict = {"runs": [s["run_id"] for s in summaries], "models": {}, "kd_vs_finetune": {}}
    for model in MODELS:
        held = [s[model] for s in summaries if isinstance(s.get(model), dict)]
        if len(held) == len(summaries):
            table["models"][model] = {m: _mean_std([h.get(m) for h in held]) for m in SEED_METRICS}
    diffs: list[dict] = [s["kd_vs_finetune"] for s in summaries if s.get("kd_vs_finetune")]
    if diffs and len(diffs) == len(summaries):
        table["kd_vs_finetune"] = {m: _mean_std([d[m]["diff"] for d in diffs]) for m in compare.METRICS}
    return table


def _mean_std(values: list) -> dict:
    """Mean and std (ddof 1) of the values a run has (None: not measured); None where no run has one."""
    x = np.array([float(v) for v in values if v is not None], dtype=np.float64)
    x = x[np.isfinite(x)]
    if not x.size:
        return {"mean": None, "std": None}
    return {"mean": float(x.mean()), "std": float(x.std(ddof=1)) if x.size > 1 else 0.0}


def seed_lines(table: dict) -> list[str]:
    out = [f"{len(table['runs'])} runs: {', '.join(table['runs'])} (mean ± std over seeds)"]
    for model, metrics in table["models"].items():
        acc, usd = metrics["accuracy"], metrics["error_usd_per_request"]
        out.append(f"  {NAMES[model]}: accuracy {_pm(acc, '.3f')}, error $/request {_pm(usd, '.4f')}")
    for m, v in table["kd_vs_finetune"].items():
        if v["mean"] is not None:
            out.append(f"  KD − FT-only {SEED_DIFFS[m](v['mean'], v['std'])}")
    return out


def _pm(v: dict, fmt: str) -> str:
    """mean ± std, or "not measured" where no run measured it (mean None)."""
    return "not measured" if v["mean"] is None else f"{v['mean']:{fmt}} ± {v['std']:{fmt}}"


def _signed(x: float, unit: str = "") -> str:
    """``x`` with its sign (a typographic minus, as the money format writes it) and ``unit`` after the sign."""
    return ("−" if x < 0 else "+") + f"{unit}{abs(x):,.2f}"


SEED_DIFFS = {  # each KD − FT-only difference in words, as `runs compare` names it
    "accuracy": lambda m, s: f"accuracy: {_signed(100 * m)} ± {100 * s:.2f} points",
    "error_usd_per_month": lambda m, s: f"error $/month: {_signed(m, '$')} ± ${s:,.2f}",
    "critical_per_month": lambda m, s: f"critical misroutes/month: {_signed(m)} ± {s:,.2f}",
}


def train_seeds(cfg, n: int, *, as_json: bool) -> int:
    """`train --seeds N`: runs ``<run-id>-s<seed>`` for seed, seed+1, … and their mean ± std."""
    from dataclasses import replace

    from engine.distill import trainer
    from engine.distill.config import MAX_SEED
    from engine.errors import require

    require(1 <= n <= 10, "--seeds", f"{n}", "give 1 to 10 seeds")
    last = cfg.seed + n - 1  # refused before the first run trains, not when the last one starts
    require(last <= MAX_SEED, "--seeds", f"{n} from --seed {cfg.seed} reach {last:,}", f"end at {MAX_SEED:,}")
    dirs = [
        trainer.run(replace(cfg, seed=cfg.seed + i, run_id=f"{cfg.run_id}-s{cfg.seed + i}"), progress_bar=False)
        for i in range(n)
    ]
    table = over_seeds([json.loads((d / "summary.json").read_text()) for d in dirs])
    print(json.dumps(table, indent=2) if as_json else "\n".join(seed_lines(table)))
    return 0


def cmd_compare(args) -> int:
    """`runs compare A B`: A's student minus B's on the test requests both runs hold."""
    from engine import sources
    from engine.errors import require
    from engine.runs import rundir

    require(bool(args.other), "runs compare", "needs two runs", "give them: runs compare RUN_A RUN_B")
    assumptions = None
    if args.scenario:
        config = rundir.read_run_json(rundir.resolve_run(args.run), "config.json", "copy the run again")
        assumptions, _ = sources.scenario_for_labels(config["labels"], args.scenario)
    result = compare.runs(args.run, args.other, assumptions, B=args.bootstrap)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        names = result["runs"]
        print("\n".join(compare.lines(result, names["a"], names["b"])))
        if names["unmatched"]:
            print(f"  {names['unmatched']:,} test requests of one run have no match in the other (left out)")
    return 0
