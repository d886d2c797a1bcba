"""One widget for "this assumption is uncertain": pick an assumption, type its distribution, press Enter or
**Use it**. The Assumptions and Uncertainty pages both draw it (the same keys, the same stored
``Assumptions.uncertain``, so the same ``uncertain=`` URL parameter); the spec is validated by
:func:`engine.decision.distributions.parse` and a bad one is shown beside the field with its fix.
"""

from __future__ import annotations

import streamlit as st

from engine.decision import distributions
from engine.decision.voi import words
from engine.errors import DistillDecideError
from engine.present.money import usd
from ui import state
from ui.verdict import show_error

HELP = (
    "point:X (no uncertainty), uniform:LOW,HIGH, triangular:LOW,MOST LIKELY,HIGH or lognormal:P10,P90 "
    "(10% of outcomes below P10, 10% above P90)"
)
_MONEY = {k for k in distributions.NAMES if k != "requests_per_month"}


def _amount(name: str, x: float) -> str:
    if name in _MONEY:
        if abs(x) >= 1_000:
            return usd(x)
        return usd(x, cents=True) if round(x, 2) == x or abs(x) >= 1 else f"${x:.4g}"  # $0.013, not $0.01
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.4g}"


def in_words(name: str, d: distributions.Dist) -> str:
    """``lognormal:0.9,2.4`` as a PM says it: "lognormal, P10 $0.90, P90 $2.40 (mean $1.58)"."""
    labels = {
        "point": ("",),
        "uniform": ("low", "high"),
        "triangular": ("low", "most likely", "high"),
        "lognormal": ("P10", "P90"),
    }[d.kind]
    parts = ", ".join(f"{lab} {_amount(name, p)}".strip() for lab, p in zip(labels, d.params))
    return f"{d.kind}, {parts} (mean {_amount(name, d.mean())})" if d.kind != "point" else parts


def _default(a, name: str) -> str:
    given = dict(a.uncertain).get(name)
    if given:
        return given
    if name == "usd_per_critical_event":
        return "lognormal:0.9,2.4"
    x = float(a.get(name))
    return f"uniform:{0.8 * x:.6g},{1.2 * x:.6g}"


def entry(a, *, title: str = "Which assumptions are uncertain?") -> None:
    """The assumptions drawn now, in words, and the widget that gives one a distribution (or clears them)."""
    st.subheader(title)
    drawn = distributions.specs(a)
    if drawn:
        st.markdown("Drawn now: " + "; ".join(f"{words(k)} {in_words(k, d)}" for k, d in drawn.items()))
        st.caption(
            "The single values (in the sidebar and the fields) stay the verdict's point estimate; the draws widen "
            "its interval and price the value of information."
        )
    else:
        st.caption("Every assumption is a single value. Give one a range when you are unsure of it.")
    c1, c2 = st.columns([2, 3])
    name = str(c1.selectbox("Assumption", distributions.NAMES, format_func=words, key="unc_name"))
    with c2.form(f"unc_form:{name}", border=False):
        f1, f2 = st.columns([4, 1], vertical_alignment="bottom")
        spec = f1.text_input("Distribution", _default(a, name), key=f"unc_spec:{name}", help=HELP)
        used = f2.form_submit_button("Use it", key="unc_use")
    if used:
        _use(a, name, spec)
    if a.uncertain and st.button("Make every assumption a single value again", key="unc_clear"):
        state.set_assumptions(a.replace(uncertain=()), "no uncertain assumptions")
        st.rerun()


def _use(a, name: str, spec: str) -> None:
    try:
        d = distributions.parse(spec, name)
        new = a.replace(uncertain=distributions.merge(a.uncertain, [(name, d.spec())]))
    except DistillDecideError as exc:
        show_error(exc)
        return
    if new != a:
        state.set_assumptions(new, f"{words(name)} drawn as {d.spec()}")
        st.rerun()
