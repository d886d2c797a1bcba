"""An uploaded table read from its bytes, refused in plain words before anything is parsed (issue 13).

Checked in order, each before the next costs anything: the size limit, an empty file, the file type, then for
CSV the encoding (UTF-8, no NUL bytes), the header (column count, duplicate names) and at least one
row; for parquet its PAR1 markers and the footer's column count, names and rows, before the data is read.
Nothing is executed or unpickled: CSV is text, parquet is read by pyarrow (which refuses pickled extension
types since 14.0.1). No streamlit here, so the rules are tested without a browser.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from engine.errors import DistillDecideError, require
from engine.validate import MAX_LABELS, MAX_TEXT_BYTES

DEFAULT_MAX_MB = 50.0
MAX_MB_ENV = "DISTILL_DECIDE_MAX_UPLOAD_MB"
# a per-request results file has 4 key columns and one probability column per intent and model
MAX_COLUMNS = 2 * MAX_LABELS + 16
CSV_FIX = "save it as UTF-8 CSV with a header row, or as parquet"


def max_upload_mb(ceiling_mb: float = DEFAULT_MAX_MB) -> float:
    """The dashboard's upload limit in MB: ``$DISTILL_DECIDE_MAX_UPLOAD_MB`` when it is a number in (0, ceiling],
    else the ceiling, 50 (``server.maxUploadSize`` in .streamlit/config.toml: Streamlit's uploader refuses a
    bigger file before it arrives, so the variable can only lower the limit, e.g. for a test)."""
    try:
        mb = float(os.environ.get(MAX_MB_ENV, ceiling_mb))
    except ValueError:
        return ceiling_mb
    return mb if math.isfinite(mb) and 0 < mb <= ceiling_mb else ceiling_mb


def read_upload(name: str, data: bytes, *, max_mb: float, types: Sequence[str] = ("csv", "parquet")) -> pd.DataFrame:
    """The uploaded file as a table, or a :class:`DistillDecideError` naming the file, the problem and the fix."""
    shown = Path(str(name)).name[:80] or "the upload"
    require(
        len(data) <= max_mb * 1_000_000,
        shown,
        f"is {len(data) / 1e6:.1f} MB, over the {max_mb:g} MB upload limit",
        "aggregate it to counts where the data lives (docs/warehouse.md), or upload a smaller file",
    )
    require(bool(data.strip()), shown, "is empty", "export the table again")
    suffix = Path(shown).suffix.lower().lstrip(".")
    kinds = " or ".join("." + t for t in types)
    require(suffix in types, shown, f"is not a {kinds} file", f"upload a {kinds} file")
    frame = _parquet(shown, data) if suffix == "parquet" else _csv(shown, data)
    require(len(frame) > 0, shown, "has a header but no rows", "export the table with its rows")
    return frame


def read_text(name: str, data: bytes, *, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """An uploaded settings file (scenario JSON) as text: size-limited, UTF-8 (a byte-order mark is dropped)."""
    shown = Path(str(name)).name[:80] or "the upload"
    require(
        len(data) <= max_bytes,
        shown,
        f"is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit for a settings file",
        "upload a scenario file, not data",
    )
    require(bool(data.strip()), shown, "is empty", "upload a scenario file (docs/scenario.md)")
    require(b"\x00" not in data, shown, "is binary data, not text (it holds NUL bytes)", "upload a JSON text file")
    return _utf8(shown, data)


def _utf8(shown: str, data: bytes) -> str:
    """``data`` as text (a byte-order mark dropped), or a message naming the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DistillDecideError(
            shown,
            f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start})",
            "save it with UTF-8 encoding (most editors: Save as → Encoding → UTF-8)",
        ) from None


def _check_names(shown: str, names: list[str]) -> None:
    require(
        len(names) <= MAX_COLUMNS,
        shown,
        f"has {len(names):,} columns (at most {MAX_COLUMNS:,} are read)",
        "upload only the columns this page names",
    )
    seen: set[str] = set()
    for n in (str(n).strip() for n in names):
        require(n not in seen, shown, f"has the column {n!r} twice", "keep one column of each name")
        seen.add(n)


def _csv(shown: str, data: bytes) -> pd.DataFrame:
    require(b"\x00" not in data, shown, "is binary data, not CSV text (it holds NUL bytes)", CSV_FIX)
    text = _utf8(shown, data)
    try:
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
        _check_names(shown, header)
        return pd.read_csv(io.StringIO(text))
    except DistillDecideError:
        raise
    except Exception as exc:  # the parser's refusal of a file from outside, in its own words
        raise DistillDecideError(shown, f"could not be read as CSV ({_detail(exc)})", CSV_FIX) from None


def _parquet(shown: str, data: bytes) -> pd.DataFrame:
    import pyarrow.parquet as pq

    fix = "export it again as parquet, or upload it as UTF-8 CSV"
    require(
        len(data) >= 12 and data[:4] == b"PAR1" and data[-4:] == b"PAR1",
        shown,
        "is not a parquet file (it lacks parquet's PAR1 markers)",
        fix,
    )
    try:
        f = pq.ParquetFile(io.BytesIO(data))
        _check_names(shown, list(f.schema_arrow.names))
        require(f.metadata.num_rows > 0, shown, "has columns but no rows", "export the table with its rows")
        return f.read().to_pandas()
    except DistillDecideError:
        raise
    except Exception as exc:
        raise DistillDecideError(shown, f"could not be read as parquet ({_detail(exc)})", fix) from None


def _detail(exc: Exception) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__
