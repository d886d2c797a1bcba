"""What the pages import: the current evidence and scenario, the verdict and its banner, shared widgets.

A facade over the UI modules, so a page needs one import:
:mod:`ui.state` (session state and the URL), :mod:`ui.verdict` (the cached verdict and its banner),
:mod:`ui.inputs` and :mod:`ui.fields` (assumption widgets), :mod:`ui.harm` (the harm-matrix editor),
:mod:`ui.widgets` (sidebar, uploads). Caching lives in the UI layer; the engine holds no state.
"""

from __future__ import annotations

from ui.defaults import banner as defaults_banner
from ui.state import author, current, load_scenario, set_assumptions, use_evidence, use_uploaded_rows
from ui.state import query as share_query
from ui.verdict import BOOTSTRAP_SEED, banner, decide_current, draws_for, quality, show_error
from ui.widgets import MAX_UPLOAD_MB, evidence_uploads, sidebar, upload_frame


def verdict_banner(d) -> None:
    """The verdict banner every page shows under its title (one look per state and model)."""
    banner(d)


__all__ = [
    "BOOTSTRAP_SEED",
    "MAX_UPLOAD_MB",
    "author",
    "banner",
    "current",
    "decide_current",
    "defaults_banner",
    "draws_for",
    "evidence_uploads",
    "load_scenario",
    "quality",
    "set_assumptions",
    "share_query",
    "show_error",
    "sidebar",
    "upload_frame",
    "use_evidence",
    "use_uploaded_rows",
    "verdict_banner",
]
