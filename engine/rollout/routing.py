"""Per-segment routing: send each segment to one model and price the routed system as a decision against the
teacher everywhere, on the verdict's own resamples (split from :mod:`engine.rollout.cascade`)."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict

import numpy as np

from engine.decision import costs, verdict
from engine.decision.cube import ConfusionCube, Evidence
from engine.decision.scenario import Assumptions
from engine.errors import require


def segment_routing(cube: ConfusionCube, a: Assumptions, policy: dict[str, str], **decide_kwargs):
    """Route each segment to one model; returns (decision vs teacher-only, routed cube, routed assumptions).

    ``draws`` of ``cube`` (the verdict's resamples) are reused for the routed cube, so routing every
    segment to the student gives exactly the verdict's interval.

    The routed system is priced as the 'student' side of a decision by the one cost formula: its predictions
    come from the model each segment is sent to; its price, energy and per-request operations are the blend at
    the production mix's teacher share; it operates every model it uses and its P95 is the slowest used model's.
    """
    unknown = sorted(set(policy) - set(cube.segments))
    require(not unknown, "routing policy", f"unknown segment(s) {unknown}", f"use {', '.join(cube.segments)}")
    bad = sorted({m for m in policy.values() if m not in ("teacher", "student")})
    require(not bad, "routing policy", f"unknown model(s) {bad}", "route each segment to teacher or student")
    to_teacher = np.array([policy.get(s, "student") == "teacher" for s in cube.segments])[cube.segment_idx]
    routed = ConfusionCube(
        cube.intents,
        cube.segments,
        cube.segment_idx,
        cube.true_idx,
        cube.teacher_idx,
        np.where(to_teacher, cube.teacher_idx, cube.student_idx).astype(cube.student_idx.dtype),
        cube.counts,
        f"routed:{cube.source}",
    )
    w = cube.counts * costs.cell_quantities(cube, a).weight
    share_t = float(w[to_teacher].sum() / w.sum())
    uses = {"teacher": share_t > 0, "student": share_t < 1}
    system = costs.mixed_system(
        a,
        teacher_share=share_t,
        uses_teacher=uses["teacher"],
        uses_student=uses["student"],
        p95_latency_ms=max(a.model(m).p95_latency_ms for m, used in uses.items() if used),
    )
    blended = a.replace(**{f"student.{k}": float(v) for k, v in asdict(system).items()})
    draws = decide_kwargs.pop("draws", None)
    if draws is not None:  # the same resampled requests as the verdict: the routed cube keeps the cube's cells
        require(draws.cube_hash == cube.hash, "draws", "were drawn from another cube", "draw again for this cube")
        decide_kwargs["draws"] = dataclasses.replace(draws, cube_hash=routed.hash)
    return verdict.decide(Evidence(routed, None, f"routed {cube.source}"), blended, **decide_kwargs), routed, blended
