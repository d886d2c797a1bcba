"""``python -m engine seed-errors``: the seeds' arithmetic mistakes, each with the value this product computes.

The seed documents are the acceptance tests; their mistakes are not (DESIGN.md "Known errors in the seeds").
Every corrected figure here is recomputed by the engine's own functions on the seed evidence, so this list
cannot drift from what the dashboard shows. Errors 8 and 11 are about training losses (torch): their values
are pinned by tests/engine/distill/test_losses.py and only stated here.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass

import numpy as np

from engine import sources
from engine.decision import costs, sweeps, verdict
from engine.decision.scenario import Assumptions
from engine.quality import metrics as qm
from engine.rollout import canary, checkpoints, gates


@dataclass(frozen=True)
class Correction:
    number: int
    where: str
    seed_says: str
    computed: dict[str, float]  # the corrected figures, computed now
    why: str


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _price_errors(ev: sources.Evidence, a: Assumptions) -> list[Correction]:
    b = costs.decompose(ev.cube, a)
    at = {v: costs.decompose(ev.cube, a.replace(requests_per_month=v)) for v in (5e5, 5e6, 2e7)}
    margin = {c: costs.decompose(ev.cube, a.replace(usd_per_critical_event=c)).margin_usd for c in (0.4, 2.0, 5.0)}
    be_c = sweeps.break_even(ev.cube, a, "usd_per_critical_event").value
    return [
        Correction(
            1,
            "000 §1.1",
            "$0.038 per 10K requests → $5,320/month",
            {"teacher_usd_per_10k": a.teacher.usd_per_request * 1e4, "teacher_inference_usd": b.teacher.inference_usd},
            "1.4M × $0.038/10K = $5.32; the totals imply $38 per 10K ($0.0038 per request)",
        ),
        Correction(
            2,
            "000 §2",
            "fixed operations scaled with volume",
            {
                f"{m}_total_usd_at_{int(v):,}": getattr(x, m).total_usd
                for v, x in at.items()
                for m in ("teacher", "student")
            }
            | {"break_even_volume": float(sweeps.break_even(ev.cube, a, "requests_per_month").value or np.nan)},
            "$512 and $542 are monthly, not per request",
        ),
        Correction(
            3,
            "000 §3, §6",
            "flips at ~$1.85 per critical event",
            {f"margin_usd_at_{c:.2f}": m for c, m in margin.items()} | {"break_even_usd": float(be_c or np.nan)},
            "margin(c) = $2,969.92 − $1,540·c; the seed mixed signs and mis-added",
        ),
    ]


def _framing_errors(ev: sources.Evidence, a: Assumptions) -> list[Correction]:
    b = costs.decompose(ev.cube, a)
    extra_misroutes = b.student.misroutes_per_month - b.teacher.misroutes_per_month
    return [
        Correction(
            5,
            "001 §3.1",
            "net $2,790/month",
            {
                "margin_usd_000_framing": b.margin_usd,
                "net_usd_001_framing": b.teacher.inference_usd
                - b.student.inference_usd
                - extra_misroutes * a.usd_per_harm_unit,
            },
            "001 prices every extra misroute at the harm price and ignores critical cost: two framings",
        ),
        Correction(
            6,
            "001 §3 table",
            "9,210 + 590 + 34 and 9,050 + 690 + 45",
            {
                "teacher_misroutes_per_10k": (1 - b.teacher.accuracy) * 1e4,
                "student_misroutes_per_10k": (1 - b.student.accuracy) * 1e4,
            },
            "the rows add to 9,834 and 9,785, not 10,000: misroutes = 10,000 − correct",
        ),
        Correction(
            9,
            "000 §7",
            "block rollout if critical-error cost grows beyond $1,800/month",
            {"offline_critical_growth_usd": gates.critical_cost_guardrail(b).offline_estimate_usd_per_month},
            "the seed's own point estimate already breaches the guardrail before the canary starts",
        ),
    ]


def _one_more_critical_usd(a: Assumptions, *, n: int) -> float:
    """What one more critical misroute in an evaluation of ``n`` requests adds to a month (the one cost formula)."""
    one = costs.Rates(harm_units=0.0, critical=1 / n, critical_weighted=1 / n, misroute=1 / n)
    return float(costs.price(one, a, "student")["critical"])


def _interval_error(ev: sources.Evidence, a: Assumptions) -> Correction:
    d = verdict.decide(ev, a, B=10_000, rng=0)
    lo, hi = d.bootstrap.margin_ci95_usd
    return Correction(
        4,
        "000 §5",
        "95% CI [$320, $2,030], 'statistically clear'",
        {
            "usd_per_extra_critical_in_5500": _one_more_critical_usd(a, n=5_500),
            "margin_ci95_low_usd": lo,
            "margin_ci95_high_usd": hi,
            "more_requests_to_exclude_zero": float(d.projection.additional_requests or np.nan),
        },
        "no paired evaluation of 5,500 requests is that narrow: each critical misroute moves the margin",
    )


def _training_errors() -> list[Correction]:
    z = np.array([[6.4, 1.2, -1.5] + [-2.0] * 7])
    near_uniform = _softmax(np.array([[0.1] + [0.0] * 9]))
    kl = qm.kl_divergence(_softmax(z), near_uniform, 3.0)
    return [
        Correction(
            7,
            "001 §1.1–1.5",
            "Z ≈ 11.05, KL ≈ 1.6, α·T²·KL ≈ 10.08",
            {
                "Z": float(np.exp(z / 3).sum()),
                "p_top": float(qm.soften(_softmax(z), 3.0)[0, 0]),
                "kl_t3": kl,
                "alpha_t2_kl": 0.7 * 9 * kl,
            },
            "the seven logits at −2 contribute 7·e^(−2/3) ≈ 3.59, not 0.51",
        ),
        Correction(
            8,
            "002 §8",
            "KD residual × T² = 16",
            {},
            "the gradient of T²·KL w.r.t. the student's logits is T·(p_S − p_T) = (−0.153, −0.076, 0.117, "
            "0.113); ×16 is the gradient w.r.t. logits / T",
        ),
    ]


def _rollout_errors() -> list[Correction]:
    fit = checkpoints.weights_consistent_with(checkpoints.SCORECARD_003)
    plan = canary.plan(baseline=0.90, target=0.895, share=0.10, daily_requests=500_000)
    return [
        Correction(
            10,
            "003 §6.1",
            "priority safety > quality > latency > cost > operability",
            {f"implied_weight_{k}": v for k, v in fit.best_fit.items()},
            "the scorecard's own numbers imply weights that contradict §2.3's order",
        ),
        Correction(
            11,
            "002 §15.1",
            "total_loss 0.252",
            {},
            "0.3·CE + 0.7·KD = 0.221, with feature and attention MSE 0.300: no stated weighting gives 0.252",
        ),
        Correction(
            12,
            "002 §11.2",
            "NDCG ≈ 0.972",
            {"ndcg_exponential": qm.ndcg_score([2, 3, 0, 1]), "ndcg_linear": qm.ndcg_score([2, 3, 0, 1], "linear")},
            "the student's order B, A, C, D has relevances 2, 3, 0, 1",
        ),
        Correction(
            13,
            "002 §19",
            "1.2 days at 500,000/day with a 10% canary",
            {"canary_arm": float(plan.canary_arm), "days_to_collect": plan.days_to_collect},
            "the seed assumes equal arms; a 10% canary's arms differ",
        ),
    ]


def corrections() -> list[Correction]:
    """Every known seed error, in order, with the corrected figures computed on the seed evidence."""
    ev = sources.seed_evidence()
    a, _ = sources.scenario_for(ev.cube, None)
    return sorted(
        _price_errors(ev, a)
        + _framing_errors(ev, a)
        + [_interval_error(ev, a)]
        + _training_errors()
        + _rollout_errors(),
        key=lambda c: c.number,
    )


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1_000 else (f"{v:,.2f}" if abs(v) >= 1 else f"{v:.4g}")


def cmd_seed_errors(args: argparse.Namespace) -> int:
    found = corrections()
    if args.json:
        print(json.dumps([asdict(c) for c in found], indent=2))
        return 0
    for c in found:
        values = ", ".join(f"{k.replace('_', ' ')} = {_num(v)}" for k, v in c.computed.items())
        print(f"{c.number:>2}. {c.where}: the seed says {c.seed_says}. Correct: {values or 'see why'} — {c.why}.")
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("seed-errors", help="the seeds' arithmetic mistakes and the values this product computes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_seed_errors)
