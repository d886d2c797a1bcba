"""The data-driven defaults against the old fixed quick profile, at the same wall-time budget (mode finetune).

    python bench/defaults_vs_profile.py [--n-train 400 --n-val 200 --n-test 500 --threads 2]
    python bench/defaults_vs_profile.py --data data/samples/support_intents.csv \
        --scenario data/samples/support_scenario.json --prefix sample

Three runs of teacher + fine-tuned student on the same data and seed:

(a) ``<prefix>-dvp-profile``: the old fixed quick profile, ``--epochs 2 --max-len 32 --lr 1.5e-4 --student-lr 3e-4
    --no-early-stopping``;
(b) ``<prefix>-dvp-defaults``: no flags: max length from the p99 of token lengths, learning rates by model size,
    epochs up to the quick budget (4 per phase) until validation stops improving (seed 002 §13);
(c) ``<prefix>-dvp-capped<k>``: (b) with ``--epochs k``, the largest k whose work fits (a)'s: with the same rows,
    batch size and models an epoch's cost scales with its padded tokens (the trainer's bucketed batches truncated
    at the max length), so k = ⌊2 × (a)'s tokens per epoch / (b)'s⌋ (wall seconds per epoch on a shared CPU varied
    too much to read k off them; the wall-based k is printed beside it); and (d) the defaults at (a)'s 2 epochs
    where k is not 2. Not trained when (b) already fits (a)'s time, or with ``--no-capped``.

Finished runs (DONE) are reused. Prints a markdown table: settings, wall seconds (the run's own ``seconds``), epochs
trained per phase, max length, learning rates, teacher and student test accuracy.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import sources
from engine.distill import trainer
from engine.paths import runs_dir
from engine.runs import compare

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kd_honest import add_data_flags, data_settings, ensure  # the run reuse and data flags of the KD table

PROFILE = dict(epochs=2, max_len=32, lr=1.5e-4, student_lr=3e-4, early_stopping=False)


def facts(d: Path) -> dict:
    """What a finished run did: seconds, epochs per phase, max length, learning rates, test accuracies."""
    s = json.loads((d / "summary.json").read_text())
    c = json.loads((d / "config.json").read_text())
    epochs = [json.loads(x) for x in (d / "epochs.jsonl").read_text().splitlines() if x.strip()]
    per = {p: sum(1 for e in epochs if e["phase"] == p) for p in ("teacher", "student")}

    def lr(name: str) -> str:
        given = c[name]
        if given:
            return f"{given:.2g}"
        why = c.get("chosen", {}).get(name, "")
        return why.split(" ")[0] if why and why[0].isdigit() else "auto"

    return {
        "seconds": float(s["seconds"]),
        "epochs": per,
        "max_len": c["max_len"],
        "lr": lr("lr"),
        "student_lr": lr("student_lr"),
        "teacher_acc": float(s["teacher"]["accuracy"]),
        "student_acc": float(s["student"]["accuracy"]),
        "early_stop": {p: v["rule"] if isinstance(v, dict) and "rule" in v else v for p, v in s["early_stop"].items()},
    }


def token_work(base: dict, max_len: int) -> float:
    """Padded tokens of one training epoch at ``max_len``: the trainer's bucketed batches (epochs 1-4 averaged),
    each padded to its longest row, truncated at ``max_len``; the same for teacher and student phases."""
    from engine.distill.batching import make_batches
    from engine.distill.data import prepare

    cfg = trainer.TrainConfig(run_id="dvp-work", **base).resolved()
    d = prepare(cfg)
    lengths = np.minimum(np.asarray(d.token_lengths)[d.train_rows], max_len)
    per_epoch = []
    for epoch in range(1, 5):
        batches = make_batches(lengths, cfg.batch_size, np.random.default_rng([cfg.seed, epoch]), True)
        per_epoch.append(sum(len(x) * int(lengths[x].max()) for x in batches))
    return float(np.mean(per_epoch))


def epochs_to_fit(a: dict, b: dict) -> int:
    """The largest per-phase epoch cap k whose work, k × (b)'s padded tokens per epoch, is within (a)'s epochs ×
    (a)'s tokens per epoch (same rows, batch size and models: an epoch's cost scales with its padded tokens).

    Not read off wall seconds: on the shared 2-core machine one teacher epoch ran at 2 to 110 samples/s from one
    run to the next.
    """
    budget = a["epochs"]["teacher"] * a["work"]
    return max(1, min(int(budget // b["work"]), max(b["epochs"].values())))


def wall_epochs_to_fit(budget_s: float, b: dict) -> int:
    """The same cap read off (b)'s wall seconds per epoch (teacher and student epochs alike, overheads included)."""
    et, es = b["epochs"]["teacher"], b["epochs"]["student"]
    per_epoch = b["seconds"] / max(et + es, 1)
    k = 1
    while k < max(et, es) and per_epoch * (min(k + 1, et) + min(k + 1, es)) <= budget_s:
        k += 1
    return k


def row(name: str, f: dict) -> str:
    ep = f"{f['epochs']['teacher']} / {f['epochs']['student']}"
    return (
        f"| {name} | {f['seconds']:.0f} | {ep} | {f['max_len']} | {f['epochs']['teacher'] * f['work'] / 1e3:,.0f}K | "
        f"{f['lr']} / {f['student_lr']} | "
        f"{f['teacher_acc']:.1%} | {f['student_acc']:.1%} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    for name, default in (("n-train", 400), ("n-val", 200), ("n-test", 500), ("threads", 2), ("seed", 0)):
        ap.add_argument(f"--{name}", type=int, default=default)
    add_data_flags(ap)
    ap.add_argument("--prefix", default="gen", help="run ids <prefix>-dvp-* (default gen)")
    ap.add_argument("--no-capped", action="store_true", help="report (c)'s epochs without training it")
    a = ap.parse_args()
    base = dict(profile="quick", mode="finetune", device="cpu", threads=a.threads, seed=a.seed) | data_settings(a)
    fa = facts(ensure(f"{a.prefix}-dvp-profile", **base, **PROFILE))
    fb = facts(ensure(f"{a.prefix}-dvp-defaults", **base))
    for f in (fa, fb):
        f["work"] = token_work(base, f["max_len"])
    print("| settings | wall s | epochs (teacher / student) | max_len | work per phase (epochs × padded tokens) "
          "| lr (teacher / student) | teacher acc | student acc |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    print(row("(a) old quick profile: 2 epochs, max_len 32, lr 1.5e-4 / 3e-4, no early stopping", fa))
    print(row("(b) data-driven defaults (no flags)", fb))
    if fb["seconds"] <= fa["seconds"]:
        print(f"(c) not needed: the defaults took {fb['seconds']:.0f} s, within (a)'s {fa['seconds']:.0f} s")
    else:
        k = epochs_to_fit(fa, fb)
        print(
            f"(c) cap: --epochs {k}: {fb['work'] / 1e3:,.1f}K padded tokens per epoch at max_len {fb['max_len']} "
            f"against (a)'s {fa['work'] / 1e3:,.1f}K at {fa['max_len']}; read off (b)'s wall s/epoch it would be "
            f"{wall_epochs_to_fit(fa['seconds'], fb)}"
        )
        if a.no_capped:
            print(f"(c) defaults capped to (a)'s work: --epochs {k} (not trained)")
        else:
            for j in sorted({k, fa["epochs"]["teacher"]}):  # and at (a)'s epoch count, where that is another
                fc = facts(ensure(f"{a.prefix}-dvp-capped{j}", **base, epochs=j))
                fc["work"] = fb["work"]
                what = "capped to (a)'s work" if j == k else "at (a)'s epoch count"
                print(row(f"({'c' if j == k else 'd'}) defaults {what}: --epochs {j}", fc))
    print(f"\nearly stops: (a) {fa['early_stop']}; (b) {fb['early_stop']}")
    paired_vs_profile(a.prefix, a.scenario)


def paired_vs_profile(prefix: str, scenario: str | None) -> None:
    """Each run's teacher and student accuracy − (a)'s on the same test requests, with 95% paired intervals."""
    ref = f"{prefix}-dvp-profile"
    labels = json.loads((runs_dir() / ref / "config.json").read_text())["labels"]
    assumptions, _ = sources.scenario_for_labels(labels, scenario)
    others = sorted(p.name for p in runs_dir().glob(f"{prefix}-dvp-*") if p.name != ref and (p / "DONE").exists())
    for rid in others:
        parts = []
        for model, spec in (("teacher", ":teacher"), ("student", "")):
            r = compare.runs(f"{rid}{spec}", f"{ref}{spec}", assumptions)["accuracy"]
            lo, hi = r["ci95"]
            parts.append(f"{model} {r['diff'] * 100:+.1f} points [{lo * 100:+.1f}, {hi * 100:+.1f}]")
        print(f"{rid} − {ref}: " + "; ".join(parts))


if __name__ == "__main__":
    main()
