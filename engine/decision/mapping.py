"""Evidence columns named the way the data names them: ``--map true=true_intent,teacher_pred=t_pred``, and
teacher and student predictions kept in two files joined on a request id.

A mapping is ``{target: column in the file}``. Every mapped column must exist (the error names the mapping);
a file without a ``true`` column but with the warehouse's ``true_intent`` (docs/warehouse.md) needs no mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from engine.errors import require

TARGETS = ("segment", "true", "teacher_pred", "student_pred", "n")  # rows and counts files
PRED_TARGETS = ("segment", "true", "pred")  # one model's predictions file
ALIASES = {"true": ("true_intent",), "pred": ("prediction", "predicted")}
EXAMPLE = "write it as TARGET=COLUMN pairs, e.g. --map true=true_intent,teacher_pred=t_pred"


def parse(spec: str | None, targets: Sequence[str] = TARGETS, flag: str = "--map") -> dict[str, str]:
    """``'true=true_intent, teacher_pred=t_pred'`` → ``{'true': 'true_intent', 'teacher_pred': 't_pred'}``."""
    if spec is None:
        return {}
    out: dict[str, str] = {}
    parts = [p.strip() for p in str(spec).split(",")]
    require(any(parts), flag, "is empty", EXAMPLE)
    for part in parts:
        target, sep, col = (s.strip() for s in part.partition("="))
        require(bool(sep and target and col), flag, f"{part!r} is not TARGET=COLUMN", EXAMPLE)
        require(target in targets, flag, f"unknown target {target!r}", f"map one of {', '.join(targets)}")
        require(target not in out, flag, f"{target!r} is mapped twice", "map each target once")
        out[target] = col
    return check(out, flag)


def check(columns: dict[str, str], flag: str = "--map") -> dict[str, str]:
    """``columns`` unless one column is mapped to two targets (the dashboard's select boxes come here too)."""
    values = list(columns.values())
    twice = sorted({c for c in values if values.count(c) > 1})
    require(not twice, flag, f"column {twice[0]!r} is mapped to two targets" if twice else "", "map a column once")
    return columns


def resolve(available: Iterable[str], mapping: dict[str, str], what: str = "the file") -> dict[str, str]:
    """The mapping checked against ``available`` columns, plus the aliases a file may use unmapped."""
    cols = [str(c) for c in available]
    for target, col in mapping.items():
        require(
            col in cols,
            f"--map {target}={col}",
            f"column {col!r} is not in {what}",
            f"{what} has columns {cols[:12]}; map one of them",
        )
    out = dict(mapping)
    for target, aliases in ALIASES.items():
        if target not in out and target not in cols:
            found = [a for a in aliases if a in cols]
            if found:
                out[target] = found[0]
    return out


def apply(frame: pd.DataFrame, mapping: dict[str, str], what: str = "the file") -> pd.DataFrame:
    """``frame`` with its mapped columns renamed to their targets (a column already named like a target that
    another column is mapped onto is dropped)."""
    cols = resolve(frame.columns, mapping, what)
    clash = [t for t, c in cols.items() if t in frame.columns and c != t]
    return frame.drop(columns=clash).rename(columns={c: t for t, c in cols.items()})


@dataclass(frozen=True)
class JoinReport:
    """How two prediction files met on their request ids."""

    id_col: str
    matched: int
    only_teacher: int
    only_student: int

    @property
    def unmatched(self) -> int:
        return self.only_teacher + self.only_student

    def note(self) -> str:
        if not self.unmatched:
            return f"all {self.matched:,} request ids matched"
        return (
            f"{self.unmatched:,} unmatched request id(s) ({self.only_teacher:,} only in the teacher file, "
            f"{self.only_student:,} only in the student file) left out; priced on the {self.matched:,} matched"
        )


def _one_model(frame: pd.DataFrame, model: str, id_col: str, mapping: dict[str, str], what: str) -> pd.DataFrame:
    f = apply(frame, mapping, what)
    if "pred" not in f.columns and f"{model}_pred" in f.columns:
        f = f.rename(columns={f"{model}_pred": "pred"})
    missing = [c for c in (id_col, "true", "pred") if c not in f.columns]
    require(
        not missing,
        f"{what} column(s) {missing}",
        "missing",
        f"{what} has columns {list(f.columns)[:12]}; give --id-col, or map them (--map true=…,pred=…)",
    )
    keep = [id_col, "true", "pred"] + (["segment"] if "segment" in f.columns else [])
    f = f[keep].copy()
    require(not f[id_col].isna().any(), id_col, f"{what} has empty request ids", "give every row its request id")
    f[id_col] = f[id_col].astype(str).str.strip()
    dup = f[id_col][f[id_col].duplicated()]
    require(
        dup.empty,
        id_col,
        f"{what} has {dup.size:,} repeated request id(s) (first {dup.iloc[0]!r})" if dup.size else "",
        "give each request once per file",
    )
    return f


def join_predictions(
    teacher: pd.DataFrame,
    student: pd.DataFrame,
    *,
    id_col: str = "request_id",
    mapping: dict[str, str] | None = None,
    names: tuple[str, str] = ("the teacher file", "the student file"),
) -> tuple[pd.DataFrame, JoinReport]:
    """Per-request rows (request_id, segment, true, teacher_pred, student_pred) from one predictions file per
    model; requests in only one file are left out and counted."""
    cols = mapping or {}
    resolve(list(teacher.columns) + list(student.columns), cols, "either file")  # each mapping is used somewhere
    t = _one_model(teacher, "teacher", id_col, {k: c for k, c in cols.items() if c in teacher.columns}, names[0])
    s = _one_model(student, "student", id_col, {k: c for k, c in cols.items() if c in student.columns}, names[1])
    both = t.merge(s, on=id_col, suffixes=("_t", "_s"))
    report = JoinReport(id_col, len(both), len(t) - len(both), len(s) - len(both))
    require(
        report.matched > 0,
        id_col,
        f"no request id is in both files ({len(t):,} teacher, {len(s):,} student rows)",
        "join files that predict the same requests, or name the id column with --id-col",
    )
    differ = both[both["true_t"].astype(str).str.strip() != both["true_s"].astype(str).str.strip()]
    require(
        differ.empty,
        "true",
        f"{len(differ):,} matched request id(s) have different true labels in the two files "
        f"(first {differ[id_col].iloc[0]!r})"
        if len(differ)
        else "",
        "the two files must label the same requests alike",
    )
    rows = pd.DataFrame(
        {
            "request_id": both[id_col].to_numpy(),
            "true": both["true_t"].to_numpy(),
            "teacher_pred": both["pred_t"].to_numpy(),
            "student_pred": both["pred_s"].to_numpy(),
        }
    )
    seg = next((c for c in ("segment_t", "segment_s", "segment") if c in both.columns), None)
    if seg is not None:
        rows.insert(1, "segment", both[seg].to_numpy())
    return rows, report
