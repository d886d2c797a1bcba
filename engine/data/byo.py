"""Bring-your-own intent data: CSV, parquet, JSON or JSONL with a text column and a label column (names mappable).

Validated before anything is trained or stored: size limit, encoding, empty texts,
one class only, test labels never seen in training, duplicate texts across splits.
A given split column is kept; a split it lacks (val, or test) is carved from train,
stratified by label and by text (every copy of a text lands on one side). Without a
split column the texts are deduplicated (the first label kept) and split 80/10/10,
stratified. What was dropped or carved is said in ``df.attrs["notes"]``.

JSON is a list of objects (``[{"text": …, "label": …}, …]``); JSONL (``.jsonl`` / ``.ndjson``)
is one object per line. Both go through the same size limit and validation as CSV.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from engine.data.generator import assign_split
from engine.decision.cube import read_table
from engine.errors import DistillDecideError, require

MAX_BYTES = 200_000_000
SPLITS = ("train", "val", "test")
CARVE_FRACTION = 0.1  # of the training texts, per class, for a split the file lacks
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")


def load(
    path: str | Path,
    *,
    text_col: str = "text",
    label_col: str = "label",
    split_col: str | None = "split",
    seed: int = 0,
    max_bytes: int = MAX_BYTES,
) -> pd.DataFrame:
    """Rows with columns text, intent, segment, split (``attrs["notes"]``: what was dropped or carved)."""
    name = Path(path).name.lower()
    is_json = name.endswith(JSON_SUFFIXES)
    table = read_json(path, max_bytes=max_bytes) if is_json else read_table(path, max_bytes=max_bytes)
    return validate(table, text_col=text_col, label_col=label_col, split_col=split_col, seed=seed)


def _check_size(p: Path, max_bytes: int) -> None:
    require(p.is_file(), "file", f"{str(p)!r} not found", "give the path of a .csv, .parquet, .json or .jsonl file")
    size = p.stat().st_size
    require(size > 0, "file", f"{p.name} is empty", "export the table again")
    require(
        size <= max_bytes,
        "file",
        f"{p.name} is {size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit",
        "sample the data down, or split it into train and test files",
    )


def read_json(path: str | Path, *, max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """A JSON list of objects, or JSONL (one object per line); a malformed file names the line or item."""
    p = Path(path)
    _check_size(p, max_bytes)
    name = p.name.lower()
    try:
        raw = gzip.decompress(p.read_bytes()) if name.endswith(".gz") else p.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())[:120]
        raise DistillDecideError("file", f"{p.name} could not be read ({detail})", "save it as UTF-8 JSON") from None
    lines = name.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"))
    records = _jsonl_records(p.name, text) if lines else _json_records(p.name, text)
    require(len(records) > 0, "file", f"{p.name} holds no records", "give at least one labelled example per class")
    return pd.DataFrame.from_records(records)


def _json_records(name: str, text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DistillDecideError(
            f"{name} line {exc.lineno}", f"is not valid JSON ({exc.msg})", "fix the file, or save it as JSONL"
        ) from None
    require(
        isinstance(data, list),
        "file",
        f"{name} holds a JSON {type(data).__name__}, not a list of objects",
        'give [{"text": ..., "label": ...}, ...] or one object per line (.jsonl)',
    )
    for i, item in enumerate(data):
        require(
            isinstance(item, dict),
            f"{name} item {i}",
            f"is a {type(item).__name__}, not an object",
            'give every item as {"text": ..., "label": ...}',
        )
    return data


def _jsonl_records(name: str, text: str) -> list[dict]:
    records = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DistillDecideError(
                f"{name} line {lineno}", f"is not valid JSON ({exc.msg})", "give one JSON object per line"
            ) from None
        require(
            isinstance(item, dict),
            f"{name} line {lineno}",
            f"is a JSON {type(item).__name__}, not an object",
            'give one {"text": ..., "label": ...} object per line',
        )
        records.append(item)
    return records


def _columns(df: pd.DataFrame, text_col: str, label_col: str) -> pd.DataFrame:
    """text and intent as strings, checked: present, non-empty, scalar, labelled, at least two classes."""
    for col, flag in ((text_col, "--text-col"), (label_col, "--label-col")):
        require(
            col in df.columns,
            f"column {col}",
            "missing",
            f"name the right column with {flag} (the file has {list(df.columns)[:10]})",
        )
    out = pd.DataFrame({"text": df[text_col], "intent": df[label_col]}).reset_index(drop=True)
    require(len(out) > 0, "data", "no rows", "give at least one labelled example per class")
    for col, name in (("text", text_col), ("intent", label_col)):
        nested = out[col].map(lambda v: isinstance(v, (dict, list)))
        if nested.any():
            raise DistillDecideError(
                name, f"row {int(np.argmax(nested.to_numpy()))} holds a list or object", "give one plain value per row"
            )
    empty = out.text.isna() | (out.text.astype(str).str.strip() == "")
    first = cast(int, empty.idxmax())  # a row label; stubs say Hashable
    require(
        not empty.any(),
        text_col,
        f"{int(empty.sum())} empty text(s) (first at row {int(first)})",
        "drop or fill the rows with empty text",
    )
    require(
        not out.intent.isna().any(),
        label_col,
        f"{int(out.intent.isna().sum())} missing label(s)",
        "label every row or drop the unlabelled ones",
    )
    out["text"] = out.text.astype(str)
    out["intent"] = out.intent.astype(str)
    require(
        out.intent.nunique() >= 2,
        label_col,
        f"has a single class ({out.intent.iloc[0]!r})",
        "a classifier needs at least two intents",
    )
    out["segment"] = df["segment"].astype(str).to_numpy() if "segment" in df.columns else "all"
    return out


def text_key(texts: pd.Series) -> pd.Series:
    """The key duplicates are found by: stripped and lower-cased."""
    return texts.str.strip().str.lower()


def validate(
    df: pd.DataFrame,
    *,
    text_col: str = "text",
    label_col: str = "label",
    split_col: str | None = "split",
    seed: int = 0,
) -> pd.DataFrame:
    out = _columns(df, text_col, label_col)
    notes: list[str] = []
    if split_col and split_col in df.columns:
        split = df[split_col].astype(str).str.lower().replace({"validation": "val", "dev": "val"})
        bad = sorted(set(split) - set(SPLITS))
        require(not bad, split_col, f"has values {bad[:5]}", "use train, val and test")
        out["split"] = split.to_numpy()
        require(bool((out.split == "train").any()), "split", "no training rows", "put most rows in the train split")
        for name in ("val", "test"):
            if not (out.split == name).any():
                out, note = carve(out, name, seed)
                notes.append(note)
    else:
        out, note = _self_split(out, label_col, seed)
        notes += [note] if note else []
    _check_splits(out, text_col, label_col)
    for name in ("val", "test"):
        require(
            bool((out.split == name).any()),
            "split",
            f"has no {name} rows, and every class has a single training text to carve them from",
            f"give a {name} split, or more examples per class",
        )
    out = out.reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


def _self_split(out: pd.DataFrame, label_col: str, seed: int) -> tuple[pd.DataFrame, str]:
    """Deduplicate texts (first label kept), then a stratified 80/10/10 split: no text on two sides."""
    dup = text_key(out.text).duplicated()
    n_dup = int(dup.sum())
    if n_dup:
        out = out[~dup.to_numpy()].reset_index(drop=True)
        require(
            out.intent.nunique() >= 2,
            label_col,
            "has a single class once duplicate texts are dropped",
            "a classifier needs at least two intents",
        )
    n = len(out)
    require(n >= 3, "data", f"{n} distinct text(s)", "give at least three distinct labelled texts")
    val = test = max(1, round(0.1 * n))
    out = assign_split(out, "intent", (n - val - test, val, test), seed)
    note = f"dropped {n_dup:,} duplicate text(s) before splitting (the first label of each kept)" if n_dup else ""
    return out, note


def carve(out: pd.DataFrame, name: str, seed: int, fraction: float = CARVE_FRACTION) -> tuple[pd.DataFrame, str]:
    """A ``name`` split carved from train: ``fraction`` of each class's distinct training texts (at least one
    where a class has two or more), every copy of a chosen text moved with it; a one-text class stays in train."""
    rng = np.random.default_rng([seed, SPLITS.index(name)])
    train = out[out.split == "train"]
    keys = text_key(train.text)
    first = train.assign(key=keys.to_numpy()).drop_duplicates("key")
    chosen: list[str] = []
    for _, group in first.groupby("intent", sort=True):
        if len(group) < 2:
            continue
        k = min(len(group) - 1, max(1, round(fraction * len(group))))
        chosen += list(rng.choice(group.key.to_numpy(), k, replace=False))
    moved = train.index[keys.isin(set(chosen)).to_numpy()]
    out = out.copy()
    out.loc[moved, "split"] = name
    note = (
        f"{name} split carved from train: {len(moved):,} rows ({len(chosen):,} distinct texts, "
        f"{fraction:.0%} of each class's training texts, every copy of a text on one side)"
    )
    return out, note


def _check_splits(out: pd.DataFrame, text_col: str, label_col: str) -> None:
    train = out[out.split == "train"]
    require(len(train) > 0, "split", "no training rows", "put most rows in the train split")
    unseen = sorted(set(out.intent[out.split != "train"]) - set(train.intent))
    require(
        not unseen,
        label_col,
        f"label(s) {unseen[:5]} appear in val/test but never in training",
        "move some of their examples into train, or drop them",
    )
    key = text_key(out.text)
    leaked = set(key[out.split == "train"]) & set(key[out.split != "train"])
    example = min(leaked)[:40] if leaked else ""
    require(
        not leaked,
        text_col,
        f"{len(leaked)} text(s) appear in both train and val/test (e.g. {example!r})",
        "deduplicate before splitting, or let the tool split for you",
    )
