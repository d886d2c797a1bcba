"""What a finished run warns about: a teacher that ends below its own fine-tune-only student.

A distillation teacher is worth its cost only if it is the better model. When a run holds both the
teacher and a fine-tune-only student (a ``finetune`` run, or a summary that carries a
``finetune_baseline``), a teacher with the lower test accuracy is reported with its likely cause,
read from the teacher's own epoch log and the data: still improving at its last epoch (too few
epochs), texts cut at the max length (max length too short), or otherwise the learning rate.
Pure Python (no torch): tested on hand-made summaries.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CUT_SHARE = 0.01  # more texts than this cut at the max length is "max length too short"


def fine_tune_only_accuracy(mode: str, student: dict, summary_extra: dict | None = None) -> float | None:
    """The fine-tune-only student's test accuracy, where the run knows it (None otherwise)."""
    if mode == "finetune":
        return student.get("accuracy")
    base = (summary_extra or {}).get("finetune_baseline")
    return base.get("accuracy") if isinstance(base, dict) else None


def likely_causes(
    teacher_epochs: Sequence[dict], *, max_len: int, token_lengths: Sequence[int] | np.ndarray | None, lr: float | None
) -> list[str]:
    """Why a teacher may have ended weak, most likely first (at least one cause)."""
    causes = []
    ordered = sorted(teacher_epochs, key=lambda e: e["epoch"])
    accs = [float(e["val_accuracy"]) for e in ordered if e.get("val_accuracy") is not None]
    stopped = any(e.get("early_stop") for e in ordered)
    if ordered and not stopped and (len(accs) < 2 or accs[-1] > accs[-2]):
        last = ordered[-1]["epoch"]
        causes.append(
            f"too few epochs: its validation accuracy was still rising at its last epoch ({last}); "
            f"give --epochs {2 * last} or leave --epochs out to train until it stops improving"
        )
    if token_lengths is not None and len(token_lengths):
        arr = np.asarray(token_lengths)
        cut = float(np.mean(arr > max_len))
        if cut > CUT_SHARE:
            p99 = int(np.ceil(np.percentile(arr, 99)))
            causes.append(
                f"max length too short: {cut:.1%} of texts are cut at max_len {max_len}; "
                f"give --max-len {p99} (the p99 of token lengths) or leave it out"
            )
    rate = f"lr {lr:.2g}" if lr else "the learning rate chosen by model size (config.json's chosen.lr)"
    causes.append(f"learning rate: {rate} may be too high or too low for this teacher; try --lr at ×0.5 and ×2")
    return causes


def teacher_warnings(
    mode: str,
    tests: dict,
    teacher_epochs: Sequence[dict],
    *,
    max_len: int,
    token_lengths: Sequence[int] | np.ndarray | None = None,
    lr: float | None = None,
    summary_extra: dict | None = None,
) -> list[str]:
    """One warning when the teacher's test accuracy is below its own fine-tune-only student's, else none."""
    ft = fine_tune_only_accuracy(mode, tests["student"], summary_extra)
    teacher = tests["teacher"].get("accuracy")
    if ft is None or teacher is None or not teacher < ft:
        return []
    causes = likely_causes(teacher_epochs, max_len=max_len, token_lengths=token_lengths, lr=lr)
    return [
        f"the teacher ({teacher:.1%} test accuracy) ends below its own fine-tune-only student ({ft:.1%}): "
        f"distilling from it cannot beat fine-tuning alone. Likely cause: {causes[0]}"
        + (f" (also possible: {'; '.join(causes[1:])})" if len(causes) > 1 else "")
    ]
