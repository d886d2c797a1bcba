"""Teacher, FT-only, KD and cost-aware KD on the same test requests, with paired intervals and $ per month.

    python bench/kd_honest.py [--n-train 800 --n-val 300 --n-test 1000 --epochs 3 --threads 2 --seed 0]
    python bench/kd_honest.py --data data/samples/support_intents.csv \
        --scenario data/samples/support_scenario.json --prefix sample [--epochs 3]

Three runs: ``<prefix>-kd`` (teacher, kd-cached student and the built-in fine-tune-only baseline, all from the same
seeded student initialisation), ``<prefix>-cost`` (``--loss cost-aware`` on <prefix>-kd's teacher, no second
baseline) and ``<prefix>-kd-cal`` (plain KD on that teacher with ``--kd-targets calibrated``: its logits ÷ its
validation-fitted temperature before ÷ T; no baseline). The default prefix ``doc`` on the generated MangaAssist
data gives doc-kd / doc-cost / doc-kd-cal; ``--data`` takes a
CSV / parquet / JSON(L) file with a split column (``--n-*`` are then unused) and ``--scenario`` prices its label
set (it also sets the cost-aware loss's weights). Finished runs (DONE) are reused. Prints a markdown table: each
model's accuracy, business-weighted error $ per month and critical misroutes per month under the scenario, and
its paired difference from the FT-only student (``engine.runs.compare``: one multinomial resample of the paired
cells, B = 2,000) — the same numbers ``python -m engine runs compare A B --scenario FILE`` prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import sources
from engine.distill import trainer
from engine.paths import runs_dir
from engine.runs import compare


def rows(prefix: str) -> tuple[tuple[str, str], ...]:
    return (
        ("teacher (MiniLM-L6)", f"{prefix}-kd:teacher"),
        ("FT-only student (2 layers)", f"{prefix}-kd:finetune"),
        ("KD student (kd-cached, T = 3, α = 0.7)", f"{prefix}-kd"),
        ("cost-aware KD student", f"{prefix}-cost"),
        ("KD student, calibrated targets (--kd-targets calibrated)", f"{prefix}-kd-cal"),
    )


def ensure(rid: str, **kw) -> Path:
    """Run ``rid`` trained to DONE with these TrainConfig settings (a finished run is reused, a partial one resumed)."""
    d = runs_dir() / rid
    if not (d / "DONE").exists():
        trainer.run(trainer.TrainConfig(run_id=rid, **kw), resume=d.exists(), ingest=False)
    return d


def add_data_flags(ap: argparse.ArgumentParser) -> None:
    """--data/--text-col/--label-col/--scenario: the label set a bench trains on and the scenario pricing it."""
    ap.add_argument("--data", help="a labelled file with a split column (default: generated MangaAssist data)")
    ap.add_argument("--text-col", default="text")
    ap.add_argument("--label-col", default="label")
    ap.add_argument("--scenario", help="a .json/.toml scenario pricing the label set (default: the seed's)")


def data_settings(a: argparse.Namespace) -> dict:
    """The TrainConfig fields for :func:`add_data_flags`' choice: the user's file, or generated rows of the sizes."""
    out = dict(data=a.data, text_col=a.text_col, label_col=a.label_col) if a.data else {}
    out = out or dict(n_train=a.n_train, n_val=a.n_val, n_test=a.n_test)
    return out | ({"scenario": a.scenario} if a.scenario else {})


def cell(r: dict, m: str) -> str:
    lo, hi = r[m]["ci95"]
    if m == "accuracy":
        return f"{r[m]['diff'] * 100:+.1f} [{lo * 100:+.1f}, {hi * 100:+.1f}]"
    return f"{r[m]['diff']:+,.0f} [{lo:+,.0f}, {hi:+,.0f}]"


def table(prefix: str, assumptions) -> list[str]:
    """The markdown table: each model's metrics and its paired difference from the FT-only student."""
    base = f"{prefix}-kd:finetune"
    out = [
        "| model | accuracy | error $/month | critical misroutes/month | − FT-only: accuracy (points) "
        "| − FT-only: error $/month | − FT-only: critical/month |",
        "|---|---|---|---|---|---|---|",
    ]
    n = 0
    for name, spec in rows(prefix):
        r = compare.runs(spec, base, assumptions)
        n = r["n"]["requests"]
        a_ = {m: r[m]["a"] for m in compare.METRICS}
        diffs = " | ".join(cell(r, m) for m in compare.METRICS) if spec != base else "— | — | —"
        out.append(
            f"| {name} | {a_['accuracy']:.1%} | ${a_['error_usd_per_month']:,.0f} | "
            f"{a_['critical_per_month']:,.0f} | {diffs} |"
        )
    out.append(f"({n:,} paired test requests, B = {compare.B_DEFAULT:,})")
    return out


def run_notes(rid: str) -> str:
    """How long a run took, what it chose (max length, epochs, learning rates) and the fitted temperatures."""
    d = runs_dir() / rid
    s = json.loads((d / "summary.json").read_text())
    chosen = json.loads((d / "config.json").read_text()).get("chosen", {})
    cal = ", ".join(
        f"{m} T = {c['temperature']:.2f} (ECE {c['ece_before']:.3f} → {c['ece_after']:.3f})"
        for m, c in s["calibration"].items()
    )
    picks = "; ".join(f"{k}: {v}" for k, v in chosen.items() if k != "data")
    epochs = f"teacher epoch {s['chosen_teacher_epoch']}, student epoch {s['chosen_student_epoch']} chosen"
    return f"{rid}: {s['seconds']:.0f} s; {epochs}; {picks}; temperatures fitted on validation: {cal}"


def main() -> None:
    ap = argparse.ArgumentParser()
    for name, default in (("n-train", 800), ("n-val", 300), ("n-test", 1000), ("epochs", 3), ("threads", 2)):
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--seed", type=int, default=0)
    add_data_flags(ap)
    ap.add_argument("--prefix", default="doc", help="run ids <prefix>-kd and <prefix>-cost (default doc)")
    a = ap.parse_args()
    small = dict(profile="quick", device="cpu", threads=a.threads, epochs=a.epochs, seed=a.seed) | data_settings(a)
    kd, cost = f"{a.prefix}-kd", f"{a.prefix}-cost"
    ensure(kd, **small)
    ensure(cost, teacher_run=kd, loss="cost-aware", baseline=False, **small)
    ensure(f"{kd}-cal", teacher_run=kd, kd_targets="calibrated", baseline=False, **small)  # teacher logits ÷ its T
    labels = json.loads((runs_dir() / kd / "config.json").read_text())["labels"]
    assumptions, where = sources.scenario_for_labels(labels, a.scenario)
    crit = ", ".join(assumptions.critical_intents) or "none"
    print(
        f"Priced under {where}: {assumptions.requests_per_month:,.0f} requests/month, "
        f"${assumptions.usd_per_harm_unit:g} per harm unit, ${assumptions.usd_per_critical_event:g} per critical "
        f"event; critical: {crit}\n"
    )
    print("\n".join(table(a.prefix, assumptions)))
    print()
    for rid in (kd, cost, f"{kd}-cal"):
        print(run_notes(rid))


if __name__ == "__main__":
    main()
