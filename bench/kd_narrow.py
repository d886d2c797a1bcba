"""A narrower student (2 layers, width 192) trained FT-only, KD and KD + TinyBERT's feature losses from one teacher.

    flock /tmp/h/train.lock python bench/kd_narrow.py [--n-train 800 --n-val 300 --n-test 1000 --epochs 3
                                                      --threads 2 --seed 0 --width 192 --student-epochs N]

Two runs on the generated MangaAssist data: ``narrow-kd`` (teacher, a kd-cached student of width W built by weight
selection from the teacher's mapped layers, and the built-in fine-tune-only baseline from the same narrow
initialisation) and ``narrow-feat`` (``--feature-loss`` on narrow-kd's teacher: the KD loss plus embedding, hidden
and attention MSE; no second baseline). Finished runs (DONE) are reused. Prints a markdown table: each model's
accuracy, business-weighted error $ per month and critical misroutes per month under the seed scenario, and its
paired difference from the FT-only student (``engine.runs.compare``, B = 2,000) — the numbers
`python -m engine runs compare A B` prints — then each run's wall time, the students' parameter counts and the
feature terms at the first and last logged step.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.paths import runs_dir
from engine.runs import compare, rundir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kd_honest import cell, ensure  # the same run reuse and table cells as the KD table

TERMS = ("hard_ce", "kd_kl_t2", "embedding_mse", "hidden_mse", "attention_mse", "total_loss")


def table(kd: str, feat: str, width: int) -> None:
    """The markdown table of teacher, FT-only, KD and KD + features, each against ``kd``'s FT-only student."""
    ft = f"{kd}:finetune"
    rows = (
        ("teacher (MiniLM-L6, width 384)", f"{kd}:teacher"),
        (f"FT-only student (2 layers, width {width})", ft),
        ("KD student (kd-cached, T = 3, α = 0.7)", kd),
        ("KD + feature losses (embedding, hidden, attention MSE)", feat),
    )
    print(
        "| model | accuracy | error $/month | critical misroutes/month | − FT-only: accuracy (points) "
        "| − FT-only: error $/month | − FT-only: critical/month |\n|---|---|---|---|---|---|---|"
    )
    for name, spec in rows:
        r = compare.runs(spec, ft)
        a_ = {m: r[m]["a"] for m in compare.METRICS}
        diffs = " | ".join(cell(r, m) for m in compare.METRICS) if spec != ft else "— | — | —"
        print(
            f"| {name} | {a_['accuracy']:.1%} | ${a_['error_usd_per_month']:,.0f} | "
            f"{a_['critical_per_month']:,.0f} | {diffs} |"
        )
    r = compare.runs(feat, kd)
    print("\nKD + features − KD: " + "; ".join(f"{m} {cell(r, m)}" for m in compare.METRICS))
    for rid in (kd, feat):
        d = runs_dir() / rid
        s, c = json.loads((d / "summary.json").read_text()), json.loads((d / "config.json").read_text())
        chosen = c["chosen"]
        print(f"\n{rid}: {s['seconds']:.0f} s; student: {chosen['student']}; student_lr {chosen['student_lr']}")
        print(f"  chosen epochs: student {s['chosen_student_epoch']}, teacher {s['chosen_teacher_epoch']}")
        steps = [x for x in rundir.read_jsonl(d / "steps.jsonl") if x["phase"] == "student"]
        for label, x in (("first", steps[0]), ("last", steps[-1])):
            print(f"  {label} student step: " + ", ".join(f"{k} {x[k]:.4f}" for k in TERMS if k in x))


def main() -> None:
    ap = argparse.ArgumentParser()
    for name, default in (("n-train", 800), ("n-val", 300), ("n-test", 1000), ("epochs", 3), ("threads", 2)):
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--width", type=int, default=192)
    ap.add_argument(
        "--student-epochs",
        type=int,
        help="also train the three students for this many epochs on narrow-kd's teacher (runs narrow-kd-eN and "
        "narrow-feat-eN) and print their table",
    )
    a = ap.parse_args()
    small = dict(profile="quick", device="cpu", threads=a.threads, n_train=a.n_train, n_val=a.n_val)
    small |= dict(n_test=a.n_test, seed=a.seed, student_layers=2, student_width=a.width)
    ensure("narrow-kd", epochs=a.epochs, **small)
    ensure("narrow-feat", teacher_run="narrow-kd", feature_loss=True, baseline=False, epochs=a.epochs, **small)
    table("narrow-kd", "narrow-feat", a.width)
    if a.student_epochs:
        n = a.student_epochs
        ensure(f"narrow-kd-e{n}", teacher_run="narrow-kd", epochs=n, **small)
        ensure(f"narrow-feat-e{n}", teacher_run="narrow-kd", feature_loss=True, baseline=False, epochs=n, **small)
        print(f"\nStudents trained {n} epochs on the same teacher:\n")
        table(f"narrow-kd-e{n}", f"narrow-feat-e{n}", a.width)


if __name__ == "__main__":
    main()
