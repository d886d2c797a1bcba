"""Training throughput on this machine, each against a baseline measured in the same run.

    python bench/train.py [--rows 1024] [--threads 2]

* samples/s of teacher fine-tuning, student KD online and student KD from cached teacher logits
  (target: cached ≥ 1.3× online) on the same generated rows;
* dynamic padding with length bucketing vs fixed max-length padding (target ≥ 1.5×).

    python bench/train.py --profile-run quick|medium|full [--threads 2]

* a whole profile end to end (teacher + student + evaluation, the real trainer) against the naive
  loop in the same run: fp32, fixed max-length padding, no bucketing (TrainConfig(naive=True)).
  `full` on a GPU is the issue's target (≤ 90 s on an H100; naive ≥ 2.5× slower); on a CPU there
  is no bf16, so the ratio there comes from padding alone. Runs go to a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from engine.data import generator
from engine.distill import losses, models, trainer


def steps(model, ids, y, rows, *, batch, max_len, bucketing, teacher=None, cached=None, fixed=False, n_batches=12):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    lengths = np.array([len(ids[i]) for i in rows])
    batches = trainer.make_batches(lengths, batch, np.random.default_rng(0), bucketing)[:n_batches]
    model.train()
    t0, seen = time.perf_counter(), 0
    for b in batches:
        r = rows[b]
        x = trainer.collate(ids, r, 0, fixed_len=max_len if fixed else None)
        logits = model(**x).logits
        labels = torch.as_tensor(y[r])
        if teacher is None and cached is None:
            loss = losses.hard_loss(logits, labels)
        else:
            if cached is not None:
                t_logits = cached[torch.as_tensor(b)]
            else:
                with torch.no_grad():
                    t_logits = teacher(**x).logits
            loss, _ = losses.distillation_loss(logits, t_logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen += len(r)
    return seen / (time.perf_counter() - t0)


def profile_run(profile: str, threads: int) -> None:
    import json
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DISTILL_DECIDE_RUNS"] = tmp
        out = {}
        for name, naive in (("optimised", False), ("naive", True)):
            cfg = trainer.TrainConfig(
                profile=profile,
                mode="kd-cached",
                threads=threads,
                naive=naive,
                run_id=f"bench-{profile}-{name}",
                early_stopping=False,
                logits_cache=str(Path(tmp) / "cache"),  # each run pays its own teacher pass
            )
            d = trainer.run(cfg, ingest=False)
            out[name] = json.loads((d / "summary.json").read_text())
    opt, naive = out["optimised"], out["naive"]
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU, {threads} threads"
    print(
        f"{profile} profile end to end (teacher + student + evaluation, {device}): {opt['seconds']:.1f} s "
        f"(teacher {opt['teacher']['accuracy']:.3f}, student {opt['student']['accuracy']:.3f})"
    )
    print(
        f"naive loop (fp32, fixed max-length padding, no bucketing): {naive['seconds']:.1f} s (teacher "
        f"{naive['teacher']['accuracy']:.3f}, student {naive['student']['accuracy']:.3f}): "
        f"{naive['seconds'] / opt['seconds']:.2f}× faster optimised (target ≥ 2.5× for full on a GPU)"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument(
        "--profile-run",
        choices=["quick", "medium", "full"],
        help="time a whole profile against the naive loop instead of the throughput comparisons",
    )
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.profile_run:
        profile_run(args.profile_run, args.threads)
        return
    torch.manual_seed(0)
    df = generator.generate(args.rows, seed=0, split=(args.rows, 0, 0))
    tok = models.load_tokenizer("default")
    ids = tok(df.text.tolist(), truncation=True, max_length=args.max_len)["input_ids"]
    y = df.intent.astype("category").cat.codes.to_numpy().astype(np.int64)
    rows = np.arange(len(df))
    k = int(y.max()) + 1
    teacher = models.load_classifier("default", k)
    student = models.layer_subset(models.load_classifier("default", k), models.uniform_layer_map(6, 2))
    common = dict(batch=32, max_len=args.max_len)
    t_sps = steps(teacher, ids, y, rows, bucketing=True, **common)
    online = steps(student, ids, y, rows, bucketing=True, teacher=teacher.eval(), **common)
    with torch.no_grad():
        cached = torch.cat(
            [teacher(**trainer.collate(ids, rows[i : i + 128], 0)).logits for i in range(0, len(rows), 128)]
        )
    cached_sps = steps(student, ids, y, rows, bucketing=True, cached=cached, **common)
    fixed = steps(teacher, ids, y, rows, bucketing=False, fixed=True, **common)
    mean_len = np.mean([len(x) for x in ids])
    print(
        f"{args.threads} CPU threads, {args.rows} generated rows (mean {mean_len:.1f} tokens, max_len {args.max_len}), "
        f"batch 32"
    )
    print(f"teacher fine-tuning (MiniLM-L6, dynamic padding + bucketing): {t_sps:,.0f} samples/s")
    print(
        f"student (2 of 6 layers) KD online: {online:,.0f} samples/s; KD from cached teacher logits: "
        f"{cached_sps:,.0f} samples/s: {cached_sps / online:.2f}× (target ≥ 1.3×)"
    )
    print(
        f"teacher, fixed max-length padding: {fixed:,.0f} samples/s; dynamic padding with length bucketing "
        f"{t_sps:,.0f}: {t_sps / fixed:.2f}× (target ≥ 1.5×)"
    )


if __name__ == "__main__":
    main()
