"""Money for display, shared by the dashboard, the CLI and the HTML report.

Money is computed unrounded and rounded here only: never subtract displayed figures.
"""

from __future__ import annotations

import numbers


def usd(x: float, signed: bool = False, cents: bool = False) -> str:
    """``$1,122``, ``−$385`` (a true minus sign before the dollar sign), ``+$80`` when ``signed``."""
    shown = f"{abs(x):,.2f}" if cents else f"{abs(x):,.0f}"
    zero = shown.strip("0.,") == ""  # −0.4 shows as $0, never −$0
    sign = "" if zero else ("−" if x < 0 else ("+" if signed and x > 0 else ""))
    return f"{sign}${shown}"


def usd_cell(x: object) -> str:
    """:func:`usd` for a table cell (a pandas Styler formatter): blank for a missing value."""
    if not isinstance(x, numbers.Real) or x != x:
        return ""
    return usd(float(x))
