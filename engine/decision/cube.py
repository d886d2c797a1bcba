"""The confusion cube: request counts per (segment, true, teacher_pred, student_pred).

Every cost, sweep, break-even and the paired bootstrap is a function of a cube
and the assumptions; the cube is small (occupied cells only) however many
requests were logged. Build it from per-request rows, from a DuckDB table (see
``engine.store``), or import a counts file made in any warehouse.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from engine import validate
from engine.errors import DistillDecideError, require

KEY_COLUMNS = ("segment", "true", "teacher_pred", "student_pred")
COUNT_COLUMN = "n"
MAX_UPLOAD_BYTES = 200_000_000
DEFAULT_SEGMENT = "all"


@dataclass(frozen=True, eq=False)
class ConfusionCube:
    """Occupied cells of the confusion cube, in a canonical order.

    Index arrays point into ``segments`` and ``intents``; ``counts`` are
    request counts (positive integers).
    """

    intents: tuple[str, ...]
    segments: tuple[str, ...]
    segment_idx: np.ndarray
    true_idx: np.ndarray
    teacher_idx: np.ndarray
    student_idx: np.ndarray
    counts: np.ndarray
    source: str = field(default="rows", compare=False)

    @property
    def n(self) -> int:
        """Requests in the evaluation set."""
        return int(self.counts.sum())

    @property
    def n_cells(self) -> int:
        return int(self.counts.size)

    @cached_property
    def hash(self) -> str:
        """Content hash (labels, cells, counts): the cache key of bootstrap draws.

        Independent of label order: the same counts over the same labels hash alike.
        """
        canonical = tuple(sorted(self.intents))
        if self.intents != canonical:
            return self.reorder(canonical).hash
        h = hashlib.sha256()
        h.update("\x1f".join(self.intents).encode() + b"\x1e" + "\x1f".join(self.segments).encode())
        for arr in (self.segment_idx, self.true_idx, self.teacher_idx, self.student_idx, self.counts):
            h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
        return h.hexdigest()[:16]

    @property
    def cache_key(self) -> tuple[str, tuple[str, ...]]:
        """The key of anything computed on this cube's cells (resamples and what reads them): the content hash,
        which ignores label order, and the label order the cells' columns follow."""
        return (self.hash, self.intents)

    def to_frame(self) -> pd.DataFrame:
        """Counts with label names: the portable counts-file format."""
        intents = np.array(self.intents, dtype=object)
        return pd.DataFrame(
            {
                "segment": np.array(self.segments, dtype=object)[self.segment_idx],
                "true": intents[self.true_idx],
                "teacher_pred": intents[self.teacher_idx],
                "student_pred": intents[self.student_idx],
                COUNT_COLUMN: self.counts.astype(np.int64),
            }
        )

    def reorder(self, intents: Sequence[str]) -> ConfusionCube:
        """The same cube over ``intents`` (a superset, e.g. the assumptions' order)."""
        intents = tuple(intents)
        missing = [i for i in self.intents if i not in intents]
        require(
            not missing,
            "intents",
            f"the evaluation data has intent(s) {missing} the scenario lacks",
            "add them to the scenario's intents and harm matrix, or map the labels",
        )
        if intents == self.intents:
            return self
        pos = np.array([intents.index(i) for i in self.intents])
        return _canonical(
            intents,
            self.segments,
            self.segment_idx,
            pos[self.true_idx],
            pos[self.teacher_idx],
            pos[self.student_idx],
            self.counts,
            self.source,
        )

    def cell_of_rows(self, rows: pd.DataFrame) -> np.ndarray:
        """Index of each per-request row's cell (rows the cube was built from; labels by name).

        Views that need per-request data (cascade, calibration) price each row through its cell, so a row
        costs exactly what its cell costs in the totals.
        """
        frame = rows if "segment" in rows.columns else rows.assign(segment=DEFAULT_SEGMENT)
        frame = _as_text(frame[list(KEY_COLUMNS)], KEY_COLUMNS)
        k = len(self.intents)
        lab = {v: i for i, v in enumerate(self.intents)}
        seg = {v: i for i, v in enumerate(self.segments)}
        idx = [frame[c].map(seg if c == "segment" else lab) for c in KEY_COLUMNS]
        unknown = [c for c, v in zip(KEY_COLUMNS, idx) if v.isna().any()]
        require(
            not unknown,
            f"rows column(s) {unknown}",
            "have labels the cube lacks",
            "price rows with the cube built from them",
        )
        s_i, t_i, tc_i, st_i = (v.to_numpy(np.int64) for v in idx)
        key = ((s_i * k + t_i) * k + tc_i) * k + st_i
        cell_key = (
            (self.segment_idx.astype(np.int64) * k + self.true_idx) * k + self.teacher_idx
        ) * k + self.student_idx
        order = np.argsort(cell_key, kind="stable")
        pos = np.searchsorted(cell_key[order], key)
        pos = np.minimum(pos, cell_key.size - 1)
        require(
            bool(np.all(cell_key[order][pos] == key)),
            "rows",
            "have cells the cube lacks",
            "price rows with the cube built from them",
        )
        return order[pos]

    def accuracy(self, model: str) -> float:
        pred = self.teacher_idx if model == "teacher" else self.student_idx
        return float(self.counts[pred == self.true_idx].sum() / self.n)

    def segment_shares(self) -> dict[str, float]:
        tot = np.bincount(self.segment_idx, weights=self.counts, minlength=len(self.segments))
        return {s: float(t / self.n) for s, t in zip(self.segments, tot)}

    def intent_shares(self) -> dict[str, float]:
        tot = np.bincount(self.true_idx, weights=self.counts, minlength=len(self.intents))
        return {s: float(t / self.n) for s, t in zip(self.intents, tot)}


def _canonical(intents, segments, seg, true, tch, stu, counts, source) -> ConfusionCube:
    """Merge duplicate cells, drop empty ones, sort: one cube, one hash."""
    k, s = len(intents), len(segments)
    key = ((np.asarray(seg, np.int64) * k + true) * k + tch) * k + stu
    uniq, inv = np.unique(key, return_inverse=True)
    summed = np.bincount(inv, weights=np.asarray(counts, np.float64)).round().astype(np.int64)
    keep = summed > 0
    uniq, summed = uniq[keep], summed[keep]
    stu_i = uniq % k
    tch_i = (uniq // k) % k
    true_i = (uniq // (k * k)) % k
    seg_i = uniq // (k * k * k)
    require(
        summed.size > 0 and s > 0,
        "counts",
        "the cube is empty (no requests)",
        "give at least one request with a positive count",
    )
    small = np.int16 if max(k, s) < 32_000 else np.int32
    return ConfusionCube(
        tuple(intents),
        tuple(segments),
        seg_i.astype(small),
        true_i.astype(small),
        tch_i.astype(small),
        stu_i.astype(small),
        summed,
        source,
    )


def _labels(frame: pd.DataFrame, intents: Sequence[str] | None) -> tuple[str, ...]:
    if intents is not None:
        labels = tuple(str(i) for i in intents)
        for col in ("true", "teacher_pred", "student_pred"):
            bad = sorted(set(frame[col].unique()) - set(labels))
            require(
                not bad,
                col,
                f"unknown intent(s) {bad[:5]}{' …' if len(bad) > 5 else ''}",
                f"use only the scenario's intents ({', '.join(labels[:10])}{' …' if len(labels) > 10 else ''})"
                " or add these to it",
            )
        return labels
    true_labels = set(frame["true"].unique())
    for col in ("teacher_pred", "student_pred"):
        extra = sorted(set(frame[col].unique()) - true_labels)
        require(
            not extra,
            col,
            f"predicts label(s) {extra[:5]} that never occur as a true label",
            "pass the full label set (intents) so teacher and student share one label set, or map the labels",
        )
    return tuple(sorted(true_labels))


def _check_columns(frame: pd.DataFrame, required: Iterable[str], what: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    require(
        not missing,
        f"{what} column(s) {missing}",
        "missing",
        f"the file has columns {list(frame.columns)[:12]}; rename them, or map them: --map TARGET=COLUMN "
        "(docs/warehouse.md)",
    )


def _as_text(frame: pd.DataFrame, cols: Iterable[str]) -> pd.DataFrame:
    out = frame.copy()
    for c in cols:
        require(
            not out[c].isna().any(),
            c,
            f"{int(out[c].isna().sum())} empty value(s)",
            "fill or drop the rows with an empty label",
        )
        out[c] = out[c].astype(str).str.strip()
        blank = (out[c] == "").to_numpy()
        require(not blank.any(), c, f"row {int(np.argmax(blank)) + 1} is blank", "give every row a label")
    return out


def from_rows(
    rows: pd.DataFrame,
    *,
    intents: Sequence[str] | None = None,
    columns: dict[str, str] | None = None,
    source: str = "rows",
) -> ConfusionCube:
    """Cube from per-request rows (one row per evaluated request).

    ``columns`` maps this function's names (segment, true, teacher_pred,
    student_pred) to the frame's; without a segment column every request is
    in segment ``"all"``.
    """
    frame = rows.rename(columns={v: k for k, v in (columns or {}).items()})
    _check_columns(frame, KEY_COLUMNS[1:], "per-request")
    require(len(frame) > 0, "rows", "no rows", "give at least one evaluated request")
    if "segment" not in frame.columns:
        frame = frame.assign(segment=DEFAULT_SEGMENT)
    frame = _as_text(frame[list(KEY_COLUMNS)], KEY_COLUMNS)
    grouped = frame.groupby(list(KEY_COLUMNS), sort=False).size().rename(COUNT_COLUMN).reset_index()
    return from_counts(grouped, intents=intents, source=source)


def from_counts(
    counts: pd.DataFrame,
    *,
    intents: Sequence[str] | None = None,
    columns: dict[str, str] | None = None,
    source: str = "counts",
) -> ConfusionCube:
    """Cube from a counts table (segment, true, teacher_pred, student_pred, n)."""
    frame = counts.rename(columns={v: k for k, v in (columns or {}).items()})
    _check_columns(frame, KEY_COLUMNS[1:] + (COUNT_COLUMN,), "counts")
    require(len(frame) > 0, "counts", "the file has no rows", "give at least one cell with a positive count")
    if "segment" not in frame.columns:
        frame = frame.assign(segment=DEFAULT_SEGMENT)
    frame = _as_text(frame, KEY_COLUMNS)
    n = pd.to_numeric(frame[COUNT_COLUMN], errors="coerce")
    require(not n.isna().any(), COUNT_COLUMN, "has values that are not numbers", "give whole request counts")
    nv = n.to_numpy(np.float64)
    _check_sizes(nv)
    require(bool(np.all(nv >= 0)), COUNT_COLUMN, f"has negative counts (min {nv.min():g})", "counts must be ≥ 0")
    require(
        bool(np.all(np.floor(nv) == nv)),
        COUNT_COLUMN,
        "has fractional counts",
        "give whole request counts (re-weighting belongs in the scenario's production mix)",
    )
    labels = _labels(frame, intents)
    segments = tuple(sorted(frame["segment"].unique()))
    for what, found in (("intents", labels), ("segments", segments)):
        require(
            len(found) <= validate.MAX_LABELS,
            what,
            f"{len(found):,} distinct {what}",
            f"map them to at most {validate.MAX_LABELS:,} (the largest public intent sets have 150)",
        )
    lab = {v: i for i, v in enumerate(labels)}
    seg = {v: i for i, v in enumerate(segments)}
    return _canonical(
        labels,
        segments,
        frame["segment"].map(seg).to_numpy(),
        frame["true"].map(lab).to_numpy(),
        frame["teacher_pred"].map(lab).to_numpy(),
        frame["student_pred"].map(lab).to_numpy(),
        nv,
        source,
    )


def _check_sizes(nv: np.ndarray) -> None:
    """Counts a float can hold exactly and a cube can sum: finite, at most MAX_COUNT each and in all."""
    bad = ~np.isfinite(nv) | (np.abs(nv) > validate.MAX_COUNT)
    limit = f"{validate.MAX_COUNT:,.0f}"
    if bad.any():
        i = int(np.argmax(bad))
        raise DistillDecideError(
            COUNT_COLUMN, f"row {i + 1} has {nv[i]:g} requests", f"give whole request counts from 0 to {limit}"
        )
    total = float(nv.sum())
    require(total <= validate.MAX_COUNT, "counts", f"add up to {total:g} requests", f"keep the total at most {limit}")


def read_table(path: str | Path, *, max_bytes: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or parquet file, size-limited, never executed."""
    p = Path(path)
    require(p.is_file(), "file", f"{str(p)!r} not found", "give the path of a .csv, .csv.gz or .parquet file")
    size = p.stat().st_size
    require(size > 0, "file", f"{p.name} is empty", "export the table again")
    require(
        size <= max_bytes,
        "file",
        f"{p.name} is {size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit",
        "aggregate to counts where the data lives (docs/warehouse.md) and import the counts file",
    )
    name = p.name.lower()
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(p)
        require(
            name.endswith((".csv", ".csv.gz")),
            "file",
            f"{p.name} is not CSV or parquet",
            "give a .csv, .csv.gz or .parquet file",
        )
        return pd.read_csv(p)
    except DistillDecideError:
        raise
    except Exception as exc:  # any parser's failure on a file from outside (pandas, pyarrow, gzip, zlib)
        detail = " ".join(str(exc).split())[:200]
        raise DistillDecideError(
            "file",
            f"{p.name} could not be parsed ({type(exc).__name__}: {detail})",
            "save it as UTF-8 CSV with a header row, or as parquet",
        ) from None


def read_counts(
    path: str | Path, *, intents: Sequence[str] | None = None, columns: dict[str, str] | None = None
) -> ConfusionCube:
    """Import a counts file (CSV or parquet) made anywhere."""
    return from_counts(read_table(path), intents=intents, columns=columns, source=f"counts:{Path(path).name}")


@dataclass(frozen=True, eq=False)
class Evidence:
    """What a verdict rests on: the cube, the per-request rows where there are any, and where they come from.

    Calibration, cascade and confidence views need the rows; counts files have none.
    """

    cube: ConfusionCube
    rows: pd.DataFrame | None
    label: str  # "seed", "run <id>", "rows <file>", "counts <file>", "stored <source>"
