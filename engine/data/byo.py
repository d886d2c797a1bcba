"""Bring-your-own intent data: CSV or parquet with a text column and a label column (names mappable).

Validated before anything is trained or stored: size limit, encoding, empty texts,
one class only, test labels never seen in training, duplicate texts across splits.
A given split column is kept; otherwise a stratified 80/10/10 split is made.
"""
from __future__ import annotations

from pathlib import Path
from typing import cast

import pandas as pd

from engine.decision.cube import read_table
from engine.data.generator import assign_split
from engine.errors import require

MAX_BYTES = 200_000_000
SPLITS = ("train", "val", "test")


def load(path: str | Path, *, text_col: str = "text", label_col: str = "label", split_col: str | None = "split",
         seed: int = 0, max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """Rows with columns text, intent, segment, split."""
    return validate(read_table(path, max_bytes=max_bytes), text_col=text_col, label_col=label_col,
                    split_col=split_col, seed=seed)


def validate(df: pd.DataFrame, *, text_col: str = "text", label_col: str = "label", split_col: str | None = "split",
             seed: int = 0) -> pd.DataFrame:
    for col, flag in ((text_col, "--text-col"), (label_col, "--label-col")):
        require(col in df.columns, f"column {col}", "missing",
                f"name the right column with {flag} (the file has {list(df.columns)[:10]})")
    out = pd.DataFrame({"text": df[text_col], "intent": df[label_col]})
    require(len(out) > 0, "data", "no rows", "give at least one labelled example per class")
    empty = out.text.isna() | (out.text.astype(str).str.strip() == "")
    first = cast(int, empty.idxmax())  # a row label; stubs say Hashable
    require(not empty.any(), text_col, f"{int(empty.sum())} empty text(s) (first at row {int(first)})",
            "drop or fill the rows with empty text")
    require(not out.intent.isna().any(), label_col, f"{int(out.intent.isna().sum())} missing label(s)",
            "label every row or drop the unlabelled ones")
    out["text"] = out.text.astype(str)
    out["intent"] = out.intent.astype(str)
    require(out.intent.nunique() >= 2, label_col, f"has a single class ({out.intent.iloc[0]!r})",
            "a classifier needs at least two intents")
    out["segment"] = df["segment"].astype(str) if "segment" in df.columns else "all"
    if split_col and split_col in df.columns:
        split = df[split_col].astype(str).str.lower().replace({"validation": "val", "dev": "val"})
        bad = sorted(set(split) - set(SPLITS))
        require(not bad, split_col, f"has values {bad[:5]}", "use train, val and test")
        out["split"] = split.to_numpy()
    else:
        n = len(out)
        val = test = max(1, round(0.1 * n))
        out = assign_split(out, "intent", (n - val - test, val, test), seed)
    train = out[out.split == "train"]
    require(len(train) > 0, "split", "no training rows", "put most rows in the train split")
    unseen = sorted(set(out.intent[out.split != "train"]) - set(train.intent))
    require(not unseen, label_col, f"label(s) {unseen[:5]} appear in val/test but never in training",
            "move some of their examples into train, or drop them")
    key = out.text.str.strip().str.lower()
    leaked = set(key[out.split == "train"]) & set(key[out.split != "train"])
    example = min(leaked)[:40] if leaked else ""
    require(not leaked, text_col, f"{len(leaked)} text(s) appear in both train and val/test (e.g. {example!r})",
            "deduplicate before splitting, or let the tool split for you")
    return out.reset_index(drop=True)
