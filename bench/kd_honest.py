"""Teacher, FT-only, KD and cost-aware KD on the same test requests, with paired intervals and $ per month.

    python bench/kd_honest.py [--n-train 800 --n-val 300 --n-test 1000 --epochs 3 --threads 2 --seed 0]

Two runs on the generated MangaAssist data: ``doc-kd`` (teacher, kd-cached student and the built-in fine-tune-only
baseline, all from the same seeded student initialisation) and ``doc-cost`` (``--loss cost-aware`` on doc-kd's
teacher, no second baseline). Finished runs (DONE) are reused. Prints a markdown table: each model's accuracy,
business-weighted error $ per month and critical misroutes per month under the seed scenario, and its paired
difference from the FT-only student (``engine.runs.compare``: one multinomial resample of the paired cells,
B = 2,000) — the same numbers `python -m engine runs compare A B` prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.distill import trainer
from engine.paths import runs_dir
from engine.runs import compare

ROWS = (
    ("teacher (MiniLM-L6)", "doc-kd:teacher"),
    ("FT-only student (2 layers)", "doc-kd:finetune"),
    ("KD student (kd-cached, T = 3, α = 0.7)", "doc-kd"),
    ("cost-aware KD student", "doc-cost"),
)


def ensure(rid: str, **kw) -> None:
    if not (runs_dir() / rid / "DONE").exists():
        trainer.run(trainer.TrainConfig(run_id=rid, **kw), resume=(runs_dir() / rid).exists(), ingest=False)


def cell(r: dict, m: str) -> str:
    lo, hi = r[m]["ci95"]
    if m == "accuracy":
        return f"{r[m]['diff'] * 100:+.1f} [{lo * 100:+.1f}, {hi * 100:+.1f}]"
    return f"{r[m]['diff']:+,.0f} [{lo:+,.0f}, {hi:+,.0f}]"


def main() -> None:
    ap = argparse.ArgumentParser()
    for name, default in (("n-train", 800), ("n-val", 300), ("n-test", 1000), ("epochs", 3), ("threads", 2)):
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    small = dict(profile="quick", device="cpu", threads=a.threads, n_train=a.n_train, n_val=a.n_val)
    small |= dict(n_test=a.n_test, epochs=a.epochs, seed=a.seed)
    ensure("doc-kd", **small)
    ensure("doc-cost", teacher_run="doc-kd", loss="cost-aware", baseline=False, **small)
    print(
        "| model | accuracy | error $/month | critical misroutes/month | − FT-only: accuracy (points) "
        "| − FT-only: error $/month | − FT-only: critical/month |\n|---|---|---|---|---|---|---|"
    )
    for name, spec in ROWS:
        r = compare.runs(spec, "doc-kd:finetune")
        a_ = {m: r[m]["a"] for m in compare.METRICS}
        diffs = " | ".join(cell(r, m) for m in compare.METRICS) if spec != "doc-kd:finetune" else "— | — | —"
        print(
            f"| {name} | {a_['accuracy']:.1%} | ${a_['error_usd_per_month']:,.0f} | "
            f"{a_['critical_per_month']:,.0f} | {diffs} |"
        )
    for rid in ("doc-kd", "doc-cost"):
        s = json.loads((runs_dir() / rid / "summary.json").read_text())
        cal = ", ".join(
            f"{m} T = {c['temperature']:.2f} (ECE {c['ece_before']:.3f} → {c['ece_after']:.3f})"
            for m, c in s["calibration"].items()
        )
        print(f"{rid}: {s['seconds']:.0f} s; temperatures fitted on validation: {cal}")


if __name__ == "__main__":
    main()
