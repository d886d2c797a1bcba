"""One validation layer at the boundary, in scikit-learn's declarative style.

Every number, name and file that comes from outside (a CLI flag, a scenario, counts, gates, epochs or
cycles file, a dashboard input) is checked here against a stated constraint, once; the code behind the
boundary then trusts its inputs. A refusal is a :class:`~engine.errors.DistillDecideError` naming the
field in the user's words and the fix.

The ranges in :data:`LIMITS` are wider than any real deployment and narrow enough that every product
the cost model forms (volume × price × multiplier, and their squares in a variance) stays finite:
``1e300`` requests or ``1e308`` dollars mean nothing and would overflow into NaN verdicts.
docs/reliability.md lists what is checked where.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import DistillDecideError, require

MAX_NESTING = 32  # a scenario nests 3 deep ({true: {pred: units}}); deeper is not a scenario
MAX_TEXT_BYTES = 5_000_000  # scenario and gates files: settings, not data
MAX_BOOTSTRAP = 1_000_000  # resamples B
MAX_DRAW_CELLS = 300_000_000  # B × occupied cells held as float32 draws (≈ 1.2 GB)
MAX_SWEEP_STEPS = 100_000
MAX_COUNT = 1e12  # requests in one cell, and in a whole cube (a trillion evaluated requests)
MAX_LABELS = 1_000  # distinct intents or segments (the largest public intent sets have 150)
MAX_SEED = 2**32 - 1


def _num(x: float) -> str:
    """A bound as a person reads it: 1,000,000 rather than 1e+06; 1e+12 stays short."""
    if float(x).is_integer() and abs(x) < 1e10:
        return f"{int(x):,}"
    return f"{x:g}"


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _type_word(value: Any) -> str:
    words = {list: "a list", tuple: "a list", dict: "a table", type(None): "empty", bool: "true/false"}
    return words.get(type(value), "text" if isinstance(value, str) else type(value).__name__)


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` (``numbers.Real`` or ``numbers.Integral``) between ``left`` and ``right``.

    ``closed`` says which ends belong to the interval: "both", "left", "right" or "neither"; ``None``
    for an end means unbounded on that side. ``unit`` is what the number counts, in words.
    """

    kind: type
    left: float | None
    right: float | None
    closed: str = "both"
    unit: str = ""

    def __post_init__(self) -> None:
        assert self.closed in ("both", "left", "right", "neither"), self.closed
        assert self.kind in (Real, Integral), self.kind

    def describe(self) -> str:
        """The constraint in words, e.g. 'a number from 0 to 1,000,000 ($ per critical event)'."""
        noun = "a whole number" if self.kind is Integral else "a number"
        lo_in, hi_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        lo, hi = self.left, self.right
        if lo is not None and hi is not None:
            if lo_in and hi_in:
                text = f"{noun} from {_num(lo)} to {_num(hi)}"
            elif not lo_in and not hi_in:
                text = f"{noun} strictly between {_num(lo)} and {_num(hi)}"
            else:
                text = f"{noun} {'≥' if lo_in else '>'} {_num(lo)} and {'≤' if hi_in else '<'} {_num(hi)}"
        elif lo is not None:
            text = f"{noun} {'≥' if lo_in else '>'} {_num(lo)}"
        elif hi is not None:
            text = f"{noun} {'≤' if hi_in else '<'} {_num(hi)}"
        else:
            text = f"a finite {noun[2:]}"
        return text + (f" ({self.unit})" if self.unit else "")

    def contains(self, x: float) -> bool:
        lo_in, hi_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        lo_ok = self.left is None or (x >= self.left if lo_in else x > self.left)
        hi_ok = self.right is None or (x <= self.right if hi_in else x < self.right)
        return lo_ok and hi_ok

    def check(self, value: Any, field: str, fix: str | None = None) -> Any:
        """``value`` as a float (an int for ``Integral``) if it is a number in range; text is refused."""
        if type(value) in (int, float) and math.isfinite(value) and self.contains(value):  # the common case, fast:
            if self.kind is not Integral:  # no message is built for a value that passes (sweeps re-check
                return float(value)  # every scenario field thousands of times)
            if float(value).is_integer():
                return int(value)
        fix = fix or f"give {self.describe()}"
        require(
            isinstance(value, Real) and not isinstance(value, bool | np.bool_),
            field,
            f"{_shown(value)} ({_type_word(value)}) is not a number",
            fix + (" without quotes" if isinstance(value, str) else ""),
        )
        return self._in_range(float(value), value, field, fix)

    def parse(self, text: Any, field: str, fix: str | None = None) -> Any:
        """Like :meth:`check`, also reading typed text ('1e6', ' 42 ')."""
        if not isinstance(text, str):
            return self.check(text, field, fix)
        fix = fix or f"give {self.describe()}"
        try:
            x = float(text.strip())
        except ValueError:
            raise DistillDecideError(field, f"{_shown(text)} is not a number", fix) from None
        return self._in_range(x, text, field, fix)

    def _in_range(self, x: float, value: Any, field: str, fix: str) -> Any:
        require(math.isfinite(x), field, f"{_shown(value)} is not a finite number", fix)
        if not self.contains(x):
            low = self.left is not None and x <= self.left
            side = ("is negative" if self.left == 0 and x < 0 else "is too small") if low else "is too large"
            raise DistillDecideError(field, f"{_shown(value)} {side}", fix)
        if self.kind is Integral:
            require(x.is_integer(), field, f"{_shown(value)} is not a whole number", fix)
            return int(x)
        return x


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    values: tuple[Any, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(map(str, self.values))

    def check(self, value: Any, field: str, fix: str | None = None) -> Any:
        require(value in self.values, field, f"{_shown(value)} is not allowed", fix or f"use {self.describe()}")
        return value

    parse = check


@dataclass(frozen=True)
class Text:
    """Non-blank text of at most ``max_chars`` characters."""

    max_chars: int = 200
    blank_ok: bool = False

    def describe(self) -> str:
        return f"{'' if self.blank_ok else 'non-blank '}text of at most {self.max_chars:,} characters"

    def check(self, value: Any, field: str, fix: str | None = None) -> str:
        fix = fix or f"give {self.describe()}"
        require(isinstance(value, str), field, f"{_shown(value)} ({_type_word(value)}) is not text", fix)
        require(self.blank_ok or bool(value.strip()), field, "is blank", fix)
        require(len(value) <= self.max_chars, field, f"is {len(value):,} characters long", fix)
        return value

    parse = check


_NAME = re.compile(r"[\w .()\-]+")


@dataclass(frozen=True)
class Name:
    """A plain name (a scenario, a series of cycles): no path separators, no '..', no control characters."""

    max_chars: int = 100

    def describe(self) -> str:
        return f"a name of at most {self.max_chars} letters, digits, spaces and . _ - ( )"

    def check(self, value: Any, field: str, fix: str | None = None) -> str:
        fix = fix or f"give {self.describe()}"
        text = Text(self.max_chars).check(value, field, fix).strip()
        ok = _NAME.fullmatch(text) is not None and ".." not in text
        require(ok, field, f"{_shown(value)} has characters a name may not have", fix)
        return text

    parse = check


Constraint = Interval | Options | Text | Name
NAME = Name()

NONNEG_USD = Interval(Real, 0, 1e6, unit="$")
LIMITS: dict[str, Interval] = {
    "requests_per_month": Interval(Real, 0, 1e12, unit="requests per month"),
    "latency_reference_requests_per_month": Interval(Real, 1, 1e12, unit="requests per month"),
    "usd_per_request": Interval(Real, 0, 1e3, unit="$ per request"),
    "ops_usd_per_request": Interval(Real, 0, 1e3, unit="$ per request"),
    "ops_usd_per_month": Interval(Real, 0, 1e9, unit="$ per month"),
    "p95_latency_ms": Interval(Real, 0, 1e6, unit="ms"),
    "latency_baseline_ms": Interval(Real, 0, 1e6, unit="ms"),
    "kwh_per_request": Interval(Real, 0, 1e3, unit="kWh per request"),
    "kg_co2e_per_kwh": Interval(Real, 0, 1e3, unit="kg CO2e per kWh"),
    "usd_per_kg_co2e": Interval(Real, 0, 1e6, unit="$ per kg CO2e"),
    "usd_per_critical_event": Interval(Real, 0, 1e6, unit="$ per critical event"),
    "usd_per_harm_unit": Interval(Real, 0, 1e6, unit="$ per harm unit"),
    "usd_per_ms_month": Interval(Real, 0, 1e6, unit="$ per ms-month"),
    "days_per_month": Interval(Real, 28, 31, unit="days"),
    "distillation_compute_usd": Interval(Real, 0, 1e12, unit="$"),
    "migration_usd": Interval(Real, 0, 1e12, unit="$"),
    "canary_labelling_usd": Interval(Real, 0, 1e12, unit="$"),
    "harm_units": Interval(Real, 0, 1e6, unit="harm units per misroute"),
    "critical_multiplier": Interval(Real, 0, 1e6, unit="× the $ per critical event"),
    "share": Interval(Real, 0, 1, unit="a share, 0.24 for 24%"),
}
SEED = Interval(Integral, 0, MAX_SEED, unit="random seed")
BOOTSTRAP = Interval(Integral, 100, MAX_BOOTSTRAP, unit="bootstrap resamples")
SWEEP_STEPS = Interval(Integral, 2, MAX_SWEEP_STEPS, unit="points along the sweep")
PROPORTION = Interval(Real, 0, 1, closed="neither", unit="a proportion, 0.90 for 90%")
RATE = Interval(Real, 0, 1, unit="a rate, 0.034 for 3.4%")
COUNT = Interval(Integral, 0, MAX_COUNT, unit="requests")
EPOCH = Interval(Integral, 0, 1_000_000, unit="epoch number")
DAILY = Interval(Real, 0, 1e12, closed="right", unit="requests per day")


def limit(name: str) -> Interval:
    """The stated range of a scenario field (``teacher.usd_per_request`` reads ``usd_per_request``)."""
    return LIMITS[name.rsplit(".", 1)[-1]]


def check_fields(data: Any, rules: Mapping[str, Constraint], where: str, *, required: Iterable[str] = ()) -> dict:
    """A table (JSON object) checked field by field; unknown and missing fields are refused."""
    require(
        isinstance(data, Mapping),
        where,
        f"{_shown(data)} ({_type_word(data)}) is not a table of fields",
        f"give an object with {', '.join(rules)}",
    )
    unknown = sorted(str(k) for k in data if k not in rules)
    require(not unknown, where, f"unknown field(s) {unknown}", f"use only {', '.join(rules)}")
    missing = [k for k in required if k not in data]
    require(not missing, f"{where}.{missing[0]}" if missing else where, "missing", f"add {', '.join(missing)}")
    return {k: rules[k].check(v, f"{where}.{k}") for k, v in data.items()}


def as_flag(constraint: Constraint, sets: str = "") -> Callable[[str], Any]:
    """An argparse ``type=``: the flag's text checked against ``constraint`` (argparse names the flag).

    ``sets`` names the scenario field the flag overrides, so the message says it too.
    """

    def parse(text: str) -> Any:
        try:
            return constraint.parse(text, "")
        except DistillDecideError as exc:
            also = f"; it sets the scenario's {sets}" if sets else ""
            raise argparse.ArgumentTypeError(f"{exc.problem}. Fix: {exc.fix}{also}") from None

    parse.__name__ = constraint.describe()
    return parse


# -- files: decoded, size-limited, bounded nesting -----------------------------------------------------


def read_text(path: str | Path, field: str, *, max_bytes: int = MAX_TEXT_BYTES, what: str = "file") -> str:
    """The UTF-8 text of a small file (a leading byte-order mark is dropped)."""
    p = Path(path)
    require(p.is_file(), field, f"file {str(p)!r} not found", f"give the path of the {what}")
    size = p.stat().st_size
    require(
        size <= max_bytes,
        field,
        f"{p.name} is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit",
        f"give a {what}, not data",
    )
    data = p.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DistillDecideError(
            field,
            f"{p.name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start})",
            "save it with UTF-8 encoding (most editors: Save as → Encoding → UTF-8)",
        ) from None


def _refuse_constant(name: str) -> Any:
    raise DistillDecideError("JSON", f"{name} is not a number", "write a finite number (NaN and Infinity mean nothing)")


def _json_depth(text: str) -> int:
    """How deep brackets nest outside strings (linear, no recursion)."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text).encode()
    b = np.frombuffer(bare, dtype=np.uint8)
    step = np.isin(b, (ord("["), ord("{"))).astype(np.int64) - np.isin(b, (ord("]"), ord("}")))
    return int(np.cumsum(step).max(initial=0))


def _depth(obj: Any) -> int:
    """Nesting depth of parsed data, without recursion."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, Mapping | list | tuple):
            deepest = max(deepest, d)
            if d <= MAX_NESTING:
                stack.extend((v, d + 1) for v in (node.values() if isinstance(node, Mapping) else node))
    return deepest


def parse_structured(text: str, field: str, *, name: str, toml: bool = False) -> Any:
    """JSON (or TOML) text as data, refusing NaN/Infinity literals and nesting deeper than MAX_NESTING."""
    kind = "TOML" if toml else "JSON"
    too_deep = DistillDecideError(
        field, f"{name} nests more than {MAX_NESTING} levels deep", "give a flat file as in docs/scenario.md"
    )
    if not toml and _json_depth(text) > MAX_NESTING:
        raise too_deep
    try:
        data = tomllib.loads(text) if toml else json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise too_deep from None
    except DistillDecideError as exc:
        raise DistillDecideError(field, f"{name}: {exc.problem}", exc.fix) from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise DistillDecideError(
            field, f"{name} is not valid {kind} ({' '.join(str(exc).split())})", "fix the syntax at the position shown"
        ) from None
    if _depth(data) > MAX_NESTING:
        raise too_deep
    return data


def load_structured(path: str | Path, field: str, *, what: str) -> Any:
    """A .json or .toml file (by suffix) read with :func:`read_text` and :func:`parse_structured`."""
    p = Path(path)
    text = read_text(p, field, what=what)
    return parse_structured(text, field, name=p.name, toml=p.suffix.lower() == ".toml")


# -- tables: one column at a time, naming the first bad row --------------------------------------------


def column(frame: Any, col: str, constraint: Interval, *, where: str = "", blank_ok: bool = False) -> np.ndarray:
    """A table column as floats, every value a number in ``constraint`` (blanks refused unless ``blank_ok``)."""
    import pandas as pd

    raw = frame[col]
    num = pd.to_numeric(raw, errors="coerce").astype(np.float64).to_numpy()
    field = f"{where} column {col}" if where else col
    text_bad = np.isnan(num) & raw.notna().to_numpy()
    bad = text_bad | (np.isnan(num) & (not blank_ok))
    bad |= ~np.isnan(num) & ~_vector_ok(num, constraint)
    if bad.any():
        i = int(np.argmax(bad))
        v = raw.iloc[i]
        what = "is blank" if np.isnan(num[i]) and not text_bad[i] else f"has {_shown(v)}"
        raise DistillDecideError(
            field,
            f"row {i + 1} {what}" + (f" (and {int(bad.sum()) - 1} more row(s))" if bad.sum() > 1 else ""),
            f"give {constraint.describe()} in every row",
        )
    return num


def _vector_ok(x: np.ndarray, c: Interval) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(x)
        lo_in, hi_in = c.closed in ("both", "left"), c.closed in ("both", "right")
        if c.left is not None:
            ok &= x >= c.left if lo_in else x > c.left
        if c.right is not None:
            ok &= x <= c.right if hi_in else x < c.right
        if c.kind is Integral:
            ok &= np.floor(x) == x
    return ok
