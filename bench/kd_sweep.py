"""What makes distillation beat fine-tuning only: T, α, epochs, learning rate and loss, one at a time.

    python bench/kd_sweep.py --profile medium --seeds 0 [--threads 2]

Every KD run (kd-cached) reuses the teacher of `kdtable-<profile>-kd-online-s<seed>` (run
bench/kd_table.py first), so the teacher is fixed and only the student's setting moves. Each KD
setting is compared, on the same test requests, with fine-tuning only at the same epochs and
learning rate (the baseline gets the same budget). Resumable: finished runs are reused.
Prints one line per setting: student accuracy, macro-F1, rare-class accuracy, and the paired
KD − FT-only accuracy difference with its 95% bootstrap interval.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.kd_table import correct, ensure, paired_difference
from bench.kd_table import run_id as table_run_id
from engine.paths import runs_dir

SETTINGS = (  # (label, overrides); the defaults are kd_table's kd-cached run
    ("T=1", {"temperature": 1.0}),
    ("T=2", {"temperature": 2.0}),
    ("T=5", {"temperature": 5.0}),
    ("alpha=0.3", {"alpha": 0.3}),
    ("alpha=0.5", {"alpha": 0.5}),
    ("alpha=0.9", {"alpha": 0.9}),
    ("epochs=6", {"epochs": 6}),
    ("lr=1e-4", {"student_lr": 1e-4}),
    ("lr=4e-4", {"student_lr": 4e-4}),
    ("rare-hybrid loss", {"loss": "rare-hybrid"}),
)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="medium")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", nargs="*", help="labels of the settings to run (default: all)")
    args = ap.parse_args()
    print(
        f"| setting ({args.profile}, seeds {args.seeds}) | KD acc | FT acc | KD − FT (95% CI) | KD macro-F1 | "
        "KD rare-class | KD epochs kept |\n|---|---|---|---|---|---|---|"
    )
    for label, over in (("default (T=3, α=0.7)", {}),) + SETTINGS:
        if args.only and label not in args.only:
            continue
        kd, ft, summaries = [], [], []
        for seed in args.seeds:
            common = dict(profile=args.profile, seed=seed, threads=args.threads)
            if over:
                d = ensure(slug(f"kdsweep-{args.profile}-{label}-s{seed}"), mode="kd-cached", **common, **over)
            else:
                d = runs_dir() / table_run_id(args.profile, "kd-cached", seed)
            budget = {k: v for k, v in over.items() if k in ("epochs", "student_lr")}
            fd = (
                ensure(
                    slug(f"kdsweep-{args.profile}-ft-{'-'.join(f'{k}={v}' for k, v in budget.items())}-s{seed}"),
                    mode="finetune",
                    **common,
                    **budget,
                )
                if budget
                else runs_dir() / table_run_id(args.profile, "finetune", seed)
            )
            kd.append(correct(d))
            ft.append(correct(fd))
            summaries.append(json.loads((d / "summary.json").read_text()))
        diff, lo, hi, n = paired_difference(kd, ft)

        def mean(key, s=summaries):
            return sum(x["student"][key] for x in s) / len(s)

        print(
            f"| {label} | {mean('accuracy'):.3f} | {sum(f.mean() for f in ft) / len(ft):.3f} | "
            f"{diff:+.4f} [{lo:+.4f}, {hi:+.4f}] | {mean('macro_f1'):.3f} | {mean('rare_class_accuracy'):.3f} | "
            f"{', '.join(str(x['chosen_student_epoch']) for x in summaries)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
