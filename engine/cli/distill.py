"""Distillation commands: data generate, train, rundir. torch is imported only inside `train`."""

from __future__ import annotations

import json
from pathlib import Path

from engine.errors import require


def cmd_data(args) -> int:
    from engine.data import generator

    require(args.n >= 100, "--n", f"{args.n}", "generate at least 100 rows")
    df = generator.generate(args.n, seed=args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(out, index=False) if out.suffix == ".parquet" else df.to_csv(out, index=False)
    print(f"wrote {len(df):,} rows to {out} ({df.split.value_counts().to_dict()})")
    return 0


# train flags → TrainConfig fields (the flag's argparse dest first)
TRAIN_FLAGS = {
    "profile": "profile",
    "mode": "mode",
    "device": "device",
    "threads": "threads",
    "data": "data",
    "text_col": "text_col",
    "label_col": "label_col",
    "teacher": "teacher",
    "teacher_run": "teacher_run",
    "student": "student_layers",
    "student_width": "student_width",
    "feature_loss": "feature_loss",
    "epochs": "epochs",
    "lr": "lr",
    "student_lr": "student_lr",
    "batch_size": "batch_size",
    "max_len": "max_len",
    "seed": "seed",
    "scenario": "scenario",
    "gates": "gates",
    "loss": "loss",
    "temperature": "temperature",
    "kd_targets": "kd_targets",
    "alpha": "alpha",
    "logits_cache": "logits_cache",
}


def _train_config(args):
    """The run's TrainConfig: from the flags, or for ``--resume`` from the run's own config.json (other
    training flags are then refused, not silently ignored)."""
    from engine.distill import trainer

    if args.resume:
        require(bool(args.run_id), "--resume", "needs the run", "give it: train --resume --run-id ID")
        given = [
            f"--{dest.replace('_', '-')}" for dest in TRAIN_FLAGS if getattr(args, dest) != args.train_defaults[dest]
        ]
        given += ["--no-early-stopping"] if args.no_early_stopping else []
        given += ["--no-baseline"] if args.no_baseline else []
        given += ["--seeds"] if args.seeds != 1 else []
        require(
            not given,
            "--resume",
            f"continues with the run's own settings, so {', '.join(given)} cannot be given",
            f"leave them out: python -m engine train --resume --run-id {args.run_id}",
        )
        return trainer.resume_config(args.run_id)
    kw = {field: getattr(args, dest) for dest, field in TRAIN_FLAGS.items()}
    kw["early_stopping"] = not args.no_early_stopping
    kw["baseline"] = not args.no_baseline
    if args.run_id:
        kw["run_id"] = args.run_id
    return trainer.TrainConfig(**kw)


def cmd_train(args) -> int:
    from engine.cli import train_report
    from engine.distill import trainer

    cfg = _train_config(args)
    if args.seeds != 1:  # one run per seed (seed, seed+1, …), then mean ± std over them
        return train_report.train_seeds(cfg, args.seeds, as_json=args.json)
    run_dir = trainer.run(cfg, progress_bar=not args.json, resume=args.resume)
    summary = json.loads((run_dir / "summary.json").read_text())
    config = json.loads((run_dir / "config.json").read_text())
    if args.json:
        print(
            json.dumps(
                {
                    "run_id": summary["run_id"],
                    "teacher": summary["teacher"],
                    "student": summary["student"],
                    "mode": summary["mode"],
                    "seconds": summary["seconds"],
                    "run_dir": str(run_dir),
                    "chosen": config.get("chosen", {}),
                    "warnings": summary.get("warnings", []),
                    "finetune_baseline": summary.get("baseline"),
                    "kd_vs_finetune": summary.get("kd_vs_finetune"),
                    "calibration": summary.get("calibration"),
                },
                indent=2,
            )
        )
    else:
        print(
            f"run {summary['run_id']}: teacher accuracy {summary['teacher']['accuracy']:.3f}, student "
            f"{summary['student']['accuracy']:.3f} ({summary['mode']}), {summary['seconds']:.0f} s → {run_dir}"
        )
        chosen = config.get("chosen", {})
        for name in ("max_len", "epochs", "lr", "student_lr"):
            if name in chosen:
                text = chosen[name]
                print(f"  {text}" if text.startswith(name) else f"  {name} {text}")
        for note in chosen.get("data", []):
            print(f"  data: {note}")
        for line in train_report.summary_lines(summary):
            print(line)
        for warning in summary.get("warnings", []):
            print(f"warning: {warning}")
    return 0


def cmd_logits(args) -> int:
    from engine.distill import logits_job

    out = logits_job.run_logits(
        args.run,
        shard=args.shard,
        n_shards=args.of,
        merge=args.merge,
        device=args.device,
        threads=args.threads,
        logits_cache=args.logits_cache,
    )
    if args.json:
        print(json.dumps(out, indent=2))
    elif args.merge:
        print(
            f"merged {out['shards']} shards: {out['rows']:,} rows of teacher logits → {out['merged']}; "
            f"`train --mode kd-cached --teacher-run {args.run}` with the same data now reads them"
        )
    else:
        print(f"shard {args.shard} of {args.of}: {out['rows']:,} rows → {out['shard']}")
    return 0


def _print_frame(frame, as_json: bool, empty: str) -> None:
    if as_json:
        print(json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=2))
    else:
        print(frame.to_string(index=False) if len(frame) else empty)


def cmd_runs(args) -> int:
    from engine.runs import rundir

    if args.action == "list" and args.ingested:
        from engine import store

        frame = store.list_ingested_runs().drop(columns=["summary_json"])
        _print_frame(frame, args.json, "no ingested runs (ingest one with `runs import RUN`)")
        return 0
    if args.action == "list":
        rows = rundir.list_runs()
        print(json.dumps(rows, indent=2) if args.json else "\n".join(_run_line(r) for r in rows) or "no runs yet")
        return 0
    require(bool(args.run), "run", "missing", f"give a run: runs {args.action} RUN")
    if args.action == "compare":
        from engine.cli import train_report

        return train_report.cmd_compare(args)
    if args.action == "show":
        d = rundir.resolve_run(args.run)
        print(
            (d / "summary.json").read_text()
            if (d / "summary.json").exists()
            else json.dumps(rundir.read_progress(d), indent=2)
        )
        return 0
    from engine import store

    if args.action == "log":
        which = "steps" if args.steps else "epochs"
        frame = store.load_run_log(args.run, which)
        require(len(frame) > 0, "run", f"{args.run!r} has no ingested {which}", f"ingest it: runs import {args.run}")
        _print_frame(frame.drop(columns=["run_id"]), args.json, "")
        return 0
    from engine.runs import schema

    d = rundir.resolve_run(args.run)
    schema.check_run_dir(d)  # the whole directory against the run schema, before anything is read or stored
    run_id = store.ingest_run(d)
    print(f"ingested {run_id}")
    return 0


def _run_line(r: dict) -> str:
    line = (
        f"{r['run_id']}  {r['state']:<11} {r['mode'] or '':<10} teacher {r['teacher_accuracy']} student "
        f"{r['student_accuracy']}"
    )
    if r.get("finetune_accuracy") is not None:
        line += f" FT-only {r['finetune_accuracy']}"
    return f"{line}  — resume: {r['resume']}" if r.get("resume") else line


def add_commands(sub) -> None:
    p = sub.add_parser("data", help="generate the MangaAssist intent data set")
    p.add_argument("action", choices=["generate"])
    p.add_argument("--n", type=int, default=55_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="data/generated/manga_intents.parquet")
    p.set_defaults(func=cmd_data)
    _add_train_command(sub)
    _add_logits_command(sub)
    _add_runs_command(sub)


def _add_train_command(sub) -> None:
    p = sub.add_parser("train", help="train a teacher, distil a student, write a run directory (own process)")
    p.add_argument("--profile", choices=["quick", "medium", "full"], default="quick")
    p.add_argument("--mode", choices=["finetune", "kd-online", "kd-cached"], default="kd-cached")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: all; the dashboard starts runs with 1)")
    p.add_argument("--data", help="your CSV/parquet (default: generated MangaAssist data)")
    p.add_argument("--text-col", default="text")
    p.add_argument("--label-col", default="label")
    p.add_argument("--teacher", default="default", help="'default' (offline MiniLM-L6), a local path or a hub id")
    p.add_argument("--teacher-run", help="reuse the teacher of an earlier run")
    p.add_argument(
        "--scenario",
        help="prices the business-weighted error per epoch: seed (default), a .json/.toml "
        "file or a stored scenario name",
    )
    p.add_argument("--gates", help="JSON gates file for checkpoint eligibility (default: the rollout gates)")
    p.add_argument(
        "--loss",
        choices=["kd", "rare-hybrid", "cost-aware"],
        default="kd",
        help="kd: α·T²·KL + (1−α)·CE; rare-hybrid: 0.45·CE + 0.35·T²·KL + 0.20·class-weighted CE; cost-aware: "
        "α·T²·KL + (1−α)·CE weighted per example by 1 + the scenario's expected $ of misrouting its true intent "
        "(harm row × $ per harm unit, or $ per critical event), normalised to mean 1",
    )
    _add_baseline_flags(p)
    _add_kd_flags(p)
    p.add_argument("--no-early-stopping", action="store_true", help="train every epoch (seed 002 §13 rules off)")
    p.add_argument("--logits-cache", help="teacher-logit cache folder (default: data/cache/teacher_logits)")
    _add_student_flags(p)
    p.add_argument(
        "--epochs", type=int, help="epochs per phase (default: the profile's budget, stopped when validation stalls)"
    )
    p.add_argument("--lr", type=float, default=0.0, help="teacher learning rate (default: by model size)")
    p.add_argument("--student-lr", type=float, default=0.0, help="student learning rate (default: by model size)")
    p.add_argument("--batch-size", type=int, default=0, help="batch size (default: the profile's)")
    p.add_argument("--max-len", type=int, default=0, help="max tokens per text (default: p99 of the token lengths)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run-id")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run after its last checkpointed epoch, with the settings in its config.json "
        "(give only --run-id)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train)
    p.set_defaults(train_defaults={dest: p.get_default(dest) for dest in TRAIN_FLAGS})


def _add_kd_flags(p) -> None:
    p.add_argument("--temperature", type=float, default=3.0, help="distillation temperature T")
    p.add_argument("--alpha", type=float, default=0.7, help="weight α of the soft-target term")
    p.add_argument(
        "--kd-targets",
        choices=["raw", "calibrated"],
        default="raw",
        help="the teacher logits the KD term sees: raw, or calibrated (÷ the teacher's temperature fitted on "
        "validation, recorded in config.json's chosen block) before the ÷ T of distillation",
    )


def _add_student_flags(p) -> None:
    p.add_argument("--student", type=int, default=2, help="student layers (a subset of the teacher's)")
    p.add_argument(
        "--student-width",
        type=int,
        default=0,
        help="student hidden width (default 0: the teacher's); a smaller W, divisible by the teacher's head count, "
        "builds a narrower student of the same layers by weight selection (leading slices of the teacher's tensors)",
    )
    p.add_argument(
        "--feature-loss",
        action="store_true",
        help="add TinyBERT's embedding, hidden-state and attention MSE (mapped layers, learned projections to the "
        "teacher's width) to the student's KD loss; not with --mode finetune",
    )


def _add_baseline_flags(p) -> None:
    p.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the fine-tune-only student a KD run trains beside its distilled one (its paired control)",
    )
    p.add_argument("--seeds", type=int, default=1, help="train N runs (seed, seed+1, …) and print mean ± std")


def _add_logits_command(sub) -> None:
    p = sub.add_parser("logits", help="teacher logits of a run's training rows, in shards, for kd-cached runs")
    p.add_argument("--run", required=True, help="the run whose teacher (chosen epoch) and data to use")
    p.add_argument("--shard", type=int, help="which shard to compute (0 … N−1)")
    p.add_argument("--of", type=int, default=1, help="number of shards N")
    p.add_argument("--merge", action="store_true", help="check and join the N shards into the cache")
    p.add_argument("--logits-cache", help="teacher-logit cache folder (default: data/cache/teacher_logits)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_logits)


def _add_runs_command(sub) -> None:
    p = sub.add_parser("runs", help="list, show or import run directories; list or log ingested runs")
    p.add_argument("action", choices=["list", "show", "import", "log", "compare"])
    p.add_argument("run", nargs="?")
    p.add_argument("other", nargs="?", help="compare: the second run (A − B: RUN's student minus OTHER's)")
    p.add_argument("--scenario", help="compare: prices the errors (seed by default, or a .json/.toml file)")
    p.add_argument("--bootstrap", type=int, default=2_000, help="compare: paired resamples (default 2,000)")
    p.add_argument("--ingested", action="store_true", help="list: the runs ingested into the store")
    p.add_argument("--steps", action="store_true", help="log: the ingested step log (default: epoch summaries)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_runs)
