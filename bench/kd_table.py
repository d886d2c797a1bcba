"""Seed-001 §2 style comparison from real runs: FT-only vs KD online vs KD cached vs the teacher.

    python bench/kd_table.py --profile medium --seeds 0 1 2 [--threads 2]

Resumable per (variant, seed): finished runs (DONE) are reused, so it can span sessions.
Each seed trains one teacher (in the KD-online run); the other variants reuse it (--teacher-run),
so every variant of a seed is judged against the same teacher on the same test rows.
Prints a markdown table with mean ± std over seeds and the paired difference KD − FT-only
(per seed on the same test rows, with a paired bootstrap interval pooled over seeds).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from engine.distill import trainer
from engine.paths import runs_dir

VARIANTS = ("kd-online", "finetune", "kd-cached")


def run_id(profile: str, variant: str, seed: int) -> str:
    return f"kdtable-{profile}-{variant}-s{seed}"


def ensure(rid: str, *, profile: str, mode: str, seed: int, threads: int, **over) -> Path:
    """The finished run ``rid`` (reused if DONE, resumed if interrupted, else trained). Every mode but kd-online
    reuses the seed's kd-online teacher, so all variants of a seed are judged against the same teacher."""
    d = runs_dir() / rid
    if (d / "DONE").exists():
        return d
    teacher_run = None if mode == "kd-online" else run_id(profile, "kd-online", seed)
    cfg = trainer.TrainConfig(
        profile=profile,
        mode=mode,
        seed=seed,
        threads=threads,
        run_id=rid,
        teacher_run=teacher_run,
        baseline=False,  # the table trains its own FT-only variant, so the KD runs skip their built-in one
        **over,
    )
    return trainer.run(cfg, resume=d.exists(), ingest=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="medium")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rows, preds = [], {}
    for seed in args.seeds:
        for v in VARIANTS:
            d = ensure(run_id(args.profile, v, seed), profile=args.profile, mode=v, seed=seed, threads=args.threads)
            s = json.loads((d / "summary.json").read_text())
            preds[(v, seed)] = correct(d)
            rows.append(
                {
                    "variant": v,
                    "seed": seed,
                    "accuracy": s["student"]["accuracy"],
                    "macro_f1": s["student"]["macro_f1"],
                    "rare": s["student"]["rare_class_accuracy"],
                    "seconds": s["seconds"],
                    "peak_rss_mb": s["peak_rss_mb"],
                    "teacher_accuracy": s["teacher"]["accuracy"],
                    "teacher_f1": s["teacher"]["macro_f1"],
                }
            )
    df = pd.DataFrame(rows)
    agg = df.groupby("variant").agg(["mean", "std"])
    print(
        f"| variant ({args.profile}, seeds {args.seeds}) | accuracy | macro-F1 | rare-class acc | train time (s) "
        "| peak RSS (MB) |\n|---|---|---|---|---|---|"
    )
    for v in ("finetune", "kd-online", "kd-cached"):
        a = agg.loc[v]
        print(
            f"| student {v} | {a[('accuracy', 'mean')]:.3f} ± {a[('accuracy', 'std')]:.3f} | "
            f"{a[('macro_f1', 'mean')]:.3f} | {a[('rare', 'mean')]:.3f} | {a[('seconds', 'mean')]:.0f} | "
            f"{a[('peak_rss_mb', 'mean')]:.0f} |"
        )
    t = df[df.variant == "kd-online"]
    print(
        f"| teacher (MiniLM-L6) | {t.teacher_accuracy.mean():.3f} ± {t.teacher_accuracy.std():.3f} | "
        f"{t.teacher_f1.mean():.3f} | | (in kd-online) | |"
    )
    for v in ("kd-online", "kd-cached"):
        diff, lo, hi, n = paired_difference(
            [preds[(v, s)] for s in args.seeds], [preds[("finetune", s)] for s in args.seeds]
        )
        print(
            f"paired {v} − finetune accuracy: {diff:+.4f} (95% CI [{lo:+.4f}, {hi:+.4f}], "
            f"{n:,} paired test requests over {len(args.seeds)} seeds)"
        )


def correct(run_dir: Path) -> np.ndarray:
    p = pd.read_parquet(run_dir / "predictions.parquet")
    return (p["student_pred"] == p["true"]).to_numpy()


def paired_difference(a: list[np.ndarray], b: list[np.ndarray], resamples: int = 2000):
    """Mean of a − b over paired test requests (pooled over seeds) and its 95% paired bootstrap interval."""
    diffs = np.concatenate([x.astype(float) - y for x, y in zip(a, b)])
    rng = np.random.default_rng(0)
    idx = rng.integers(0, diffs.size, (resamples, diffs.size))
    lo, hi = np.percentile(diffs[idx].mean(1), [2.5, 97.5])
    return float(diffs.mean()), float(lo), float(hi), int(diffs.size)


if __name__ == "__main__":
    main()
