"""``--evidence SPEC``: the one-flag form of ``--run/--rows/--counts/--cube`` every evidence command takes
(and of ``decide --runs A,B``: ``runs:A,B``)."""

from __future__ import annotations

import argparse

from engine.errors import require

EVIDENCE_KINDS = ("cube", "rows", "counts", "run", "runs")


def expand(args: argparse.Namespace) -> None:
    """``--evidence SPEC`` is the one-flag form of --run/--rows/--counts/--cube: it sets the flag it stands for."""
    spec = getattr(args, "evidence", None)
    if not spec:
        return
    kind, sep, value = spec.partition(":")
    if spec.strip().lower() == "seed":
        args.evidence = None
        return
    if not sep or kind not in EVIDENCE_KINDS:
        kind, value = "run", spec  # a bare run id or directory (Windows paths keep their drive colon)
    require(
        kind != "runs" or hasattr(args, "runs"),
        "--evidence",
        f"'{spec}' compares several runs' students, which only decide does",
        "use python -m engine decide --evidence runs:A,B (or --runs A,B); here give one run",
    )
    require(
        bool(value.strip()),
        "--evidence",
        f"'{spec}' names no {kind}",
        "give seed, RUN, cube:HASH, rows:FILE, counts:FILE or (decide) runs:A,B",
    )
    setattr(args, kind, value.strip())
