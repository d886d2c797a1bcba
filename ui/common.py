"""What the pages import: the current evidence and scenario, the verdict and its banner, shared widgets.

A facade over the UI modules, so a page needs one import:
:mod:`ui.state` (session state and the URL), :mod:`ui.verdict` (the cached verdict and its banner),
:mod:`ui.inputs` and :mod:`ui.fields` (assumption widgets), :mod:`ui.widgets` (sidebar, uploads).
Caching lives in the UI layer; the engine holds no state.
"""

from __future__ import annotations

from ui.inputs import critical_slider, number_field
from ui.state import author, current, load_scenario, set_assumptions, use_evidence, use_uploaded_rows
from ui.state import query as share_query
from ui.verdict import (
    BOOTSTRAP_B,
    BOOTSTRAP_SEED,
    banner,
    current_gates,
    decide_current,
    draws_for,
    gate_report,
    quality,
    show_error,
)
from ui.widgets import MAX_UPLOAD_MB, require_nonempty, sidebar, upload_frame

# Fields a Scenarios-page share link lists (the URL itself carries every changed field: ui.url)
URL_FIELDS = (
    "requests_per_month",
    "usd_per_critical_event",
    "usd_per_harm_unit",
    "usd_per_ms_month",
    "teacher.usd_per_request",
    "student.usd_per_request",
    "teacher.ops_usd_per_month",
    "student.ops_usd_per_month",
    "teacher.p95_latency_ms",
    "student.p95_latency_ms",
)


def verdict_banner(d) -> None:
    """The verdict banner every page shows under its title (one look per state and model)."""
    banner(d)


__all__ = [
    "BOOTSTRAP_B",
    "BOOTSTRAP_SEED",
    "MAX_UPLOAD_MB",
    "URL_FIELDS",
    "author",
    "critical_slider",
    "current",
    "current_gates",
    "decide_current",
    "draws_for",
    "gate_report",
    "load_scenario",
    "number_field",
    "quality",
    "require_nonempty",
    "set_assumptions",
    "share_query",
    "show_error",
    "sidebar",
    "upload_frame",
    "use_evidence",
    "use_uploaded_rows",
    "verdict_banner",
]
