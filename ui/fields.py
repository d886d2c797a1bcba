"""Every numeric assumption a person edits: its label, unit, step, limits and its plain-words error.

One ``Field`` per assumption; the widget key is ``in:<path>`` (``path`` as in ``Assumptions.get``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.decision.scenario import Assumptions
from engine.errors import DistillDecideError


@dataclass(frozen=True)
class Field:
    path: str  # Assumptions.get / replace key
    label: str  # the widget label, with its unit
    noun: str  # how a message names it: "Monthly volume"
    step: float
    fmt: str = "%.2f"
    scale: float = 1.0  # stored value = shown value × scale (prices shown per 10K requests)
    min_value: float = 0.0
    max_value: float | None = None
    positive: bool = False  # 0 is not allowed either
    help: str | None = None

    @property
    def key(self) -> str:
        return f"in:{self.path}"

    def shown(self, a: Assumptions) -> float:
        """The value as the widget shows it (rounded so 0.0038 / 1e-4 reads 38, not 37.999…)."""
        return round(float(a.get(self.path)) / self.scale, 10)

    def stored(self, shown: float) -> float:
        return float(f"{shown * self.scale:.12g}")

    def text(self, shown: float) -> str:
        """A shown value as a person writes it: ``1,400,000``, ``2.50``."""
        decimals = int(self.fmt[2]) if self.fmt.startswith("%.") else 2
        return f"{shown:,.{decimals}f}"

    def problem(self, shown: float | None) -> str | None:
        """What is wrong with a typed value, in plain words, or None."""
        if shown is None or not math.isfinite(shown):
            return f"{self.noun} needs a number"
        if self.positive and shown <= 0:
            return f"{self.noun} must be > 0"
        if shown < self.min_value:
            return f"{self.noun} must be ≥ {self.text(self.min_value)}"
        if self.max_value is not None and shown > self.max_value:
            return f"{self.noun} must be between {self.text(self.min_value)} and {self.text(self.max_value)}"
        return None

    def engine_problem(self, exc: DistillDecideError) -> str:
        """An engine validation message with the code name replaced by the plain one."""
        return f"{self.noun}: {exc.problem}. Fix: {exc.fix}"


def _f(path: str, label: str, noun: str, step: float, fmt: str = "%.2f", **kw) -> Field:
    return Field(path, label, noun, step, fmt, **kw)


# The what-if controls, in the sidebar on every page (the margin is linear in each: closed-form break-evens)
SIDEBAR = (
    _f("requests_per_month", "Monthly volume (requests)", "Monthly volume", 100_000.0, "%.0f"),
    _f("usd_per_critical_event", "$ per critical event", "$ per critical event", 0.05),
    _f(
        "usd_per_ms_month",
        "$ per ms of P95 latency per month",
        "$ per ms of latency",
        5.0,
        help="What one millisecond of P95 latency above the faster model costs per month, at the latency "
        "reference volume; it scales with traffic. The seed scenario prices latency at $0 (its sources give no "
        "price); try $50 to see a 7 ms gap worth $350/month at 1.4M requests/month.",
    ),
    _f(
        "usd_per_harm_unit",
        "$ per harm unit",
        "$ per harm unit",
        0.001,
        "%.4f",
        help="A harm unit is the matrix's measure of how bad a non-critical misroute is (1 = a typical one).",
    ),
)
PAGE = (  # the rest, on the Assumptions page
    _f("teacher.usd_per_request", "Teacher price ($ per 10K requests)", "Teacher price", 1.0, scale=1e-4),
    _f("student.usd_per_request", "Student price ($ per 10K requests)", "Student price", 1.0, scale=1e-4),
    _f("teacher.ops_usd_per_month", "Teacher operations ($ / month)", "Teacher operations", 10.0),
    _f("student.ops_usd_per_month", "Student operations ($ / month)", "Student operations", 10.0),
    _f("teacher.p95_latency_ms", "Teacher P95 latency (ms)", "Teacher P95 latency", 0.5),
    _f("student.p95_latency_ms", "Student P95 latency (ms)", "Student P95 latency", 0.5),
    _f(
        "latency_reference_requests_per_month",
        "Latency reference volume (requests / month)",
        "Latency reference volume",
        100_000.0,
        "%.0f",
        positive=True,
    ),
    _f("days_per_month", "Days per month", "Days per month", 0.1, "%.1f", min_value=28.0, max_value=31.0),
    _f("distillation_compute_usd", "One-off: distillation compute ($)", "Distillation compute", 100.0),
    _f("migration_usd", "One-off: migration ($)", "Migration cost", 100.0),
    _f("canary_labelling_usd", "One-off: canary labelling ($)", "Canary labelling cost", 100.0),
)
BY_PATH = {f.path: f for f in SIDEBAR + PAGE}
