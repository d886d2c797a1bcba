"""Training data for a run: load (generated or bring-your-own), label ids, token ids, splits, data hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from engine.data import byo, generator
from engine.distill import models
from engine.distill.config import auto_max_len
from engine.errors import require

STATS_LEN = 512  # token lengths are measured up to this (BERT-family position limit)


@dataclass(frozen=True)
class Prepared:
    """A run's data, tokenised: rows of ``df`` are requests; ``y`` their label ids into ``labels``."""

    df: pd.DataFrame
    labels: list[str]
    y: np.ndarray
    ids: list[list[int]]
    pad_id: int
    train_rows: np.ndarray
    val_rows: np.ndarray
    test_rows: np.ndarray
    data_hash: str
    max_len: int = 0  # the length the ids were truncated to
    token_lengths: np.ndarray | None = None  # every text's token length before truncation (up to 512)
    notes: tuple[str, ...] = ()  # what loading dropped or carved (bring-your-own data)

    @property
    def segments(self) -> np.ndarray | None:
        return self.df.segment.to_numpy() if "segment" in self.df.columns else None


def pick_device(device: str) -> torch.device:
    """``auto`` → CUDA when visible, else CPU; an explicit ``cuda`` without a GPU is refused."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    require(device in ("cpu", "cuda"), "device", repr(device), "use auto, cpu or cuda")
    require(
        device == "cpu" or torch.cuda.is_available(),
        "device",
        "cuda requested but no GPU is visible",
        "use --device cpu or auto",
    )
    return torch.device(device)


def load_data(cfg) -> pd.DataFrame:
    """The user's file (``cfg.data``) or generated MangaAssist data of the profile's split sizes."""
    if cfg.data:
        return byo.load(cfg.data, text_col=cfg.text_col, label_col=cfg.label_col, seed=cfg.seed)
    return generator.generate(
        cfg.n_train + cfg.n_val + cfg.n_test, seed=cfg.seed, split=(cfg.n_train, cfg.n_val, cfg.n_test)
    )


def prepare(cfg, model_factory=None) -> Prepared:
    """Load, label (generator order first, then alphabetical), tokenise and hash the data.

    The ids are truncated to ``cfg.max_len``, or where it is 0 to the p99 of the token lengths
    (:func:`engine.distill.config.auto_max_len`).
    """
    df = load_data(cfg)
    labels = sorted(
        df.intent.unique(),
        key=lambda s: (generator.INTENTS.index(s) if s in generator.INTENTS else len(generator.INTENTS), s),
    )
    y = df.intent.map({v: i for i, v in enumerate(labels)}).to_numpy()
    tok = models.load_tokenizer(cfg.teacher) if model_factory is None else model_factory("tokenizer", 0)
    texts = df.text.tolist()
    lengths = np.array([len(x) for x in tok(texts, truncation=True, max_length=STATS_LEN)["input_ids"]])
    max_len = cfg.max_len or auto_max_len(lengths)[0]
    ids = tok(texts, truncation=True, max_length=max_len)["input_ids"]
    split = df.split.to_numpy()
    train, val, test = (np.nonzero(split == s)[0] for s in ("train", "val", "test"))
    data_hash = hashlib.sha256(
        pd.util.hash_pandas_object(df[["text", "intent", "split"]], index=False).to_numpy().tobytes()
    ).hexdigest()[:16]
    notes = tuple(df.attrs.get("notes", ()))
    return Prepared(df, labels, y, ids, tok.pad_token_id or 0, train, val, test, data_hash, max_len, lengths, notes)
