"""The defaults banner: evidence whose label set is not MangaAssist's is priced with defaults nobody chose
(issue 17, item 3). Until the user confirms them, every page says which ones hold, what they imply, and where to
change them, above its own content (drawn once, from :func:`ui.widgets.sidebar`).

A confirmation belongs to one piece of evidence (its cube hash): it is kept in session state and in the URL
(``defaults_ok=HASH``), so a reload or a shared link keeps the banner away, and other evidence asks again.
"""

from __future__ import annotations

import streamlit as st

from engine.data import seed
from engine.decision.cube import Evidence
from engine.decision.scenario import Assumptions
from engine.quality import report
from ui import state

ASSUMPTIONS_PAGE = "app_pages/assumptions.py"
LATENCY_PAGE = "app_pages/latency.py"


def foreign(ev: Evidence) -> bool:
    """True when the evidence's label set is not (a part of) MangaAssist's."""
    return not set(ev.cube.intents) <= set(seed.INTENTS)


def needs_banner(ev: Evidence) -> bool:
    return foreign(ev) and ev.cube.hash not in state.confirmed()


def confirm(cube_hash: str) -> None:
    """``on_click`` of "Confirm these defaults": this evidence's defaults stand, the banner goes (URL too)."""
    state.confirmed().add(cube_hash)
    state.log(f"Confirmed the label-set defaults for cube {cube_hash}")


def _all_ones(a: Assumptions) -> bool:
    return all(v == (0.0 if i == j else 1.0) for i, row in enumerate(a.harm_matrix) for j, v in enumerate(row))


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def lines(ev: Evidence, a: Assumptions) -> list[str]:
    """What the banner says, one line per default: each as it stands in the current assumptions."""
    k = len(ev.cube.intents)
    if a.critical_intents:
        crit = f"**Critical set:** {len(a.critical_intents)} intent(s) you named ({', '.join(a.critical_intents)})."
    else:
        crit = (
            "**Critical set: unset.** No misroute is priced as critical, so the critical-error cost is **$0** for "
            "both models and no critical-rate gate can fail."
        )
    rare = report.rare_classes(ev.cube)
    shown = ", ".join(rare[:6]) + (f", … ({len(rare) - 6} more)" if len(rare) > 6 else "")
    rare_line = (
        f"**Rare intents:** the bottom {report.RARE_BOTTOM_SHARE:.0%} of the {k} intents by prior — "
        f"{len(rare)} intent(s): {shown}. The rare-class gate is judged on them."
    )
    harm = (
        f"**Harm: 1 harm unit per misroute** (every wrong route alike, ${a.usd_per_harm_unit:g} per unit)."
        if _all_ones(a)
        else "**Harm matrix:** edited by you (no longer 1 unit per misroute)."
    )
    t, s = a.teacher, a.student
    unmeasured = []
    if "measured" not in (t.price_source, s.price_source):
        unmeasured.append(f"prices (teacher ${t.usd_per_request:.4f}, student ${s.usd_per_request:.4f} per request)")
    if "measured" not in (t.latency_source, s.latency_source):
        unmeasured.append(f"P95s (teacher {t.p95_latency_ms:g} ms, student {s.p95_latency_ms:g} ms)")
    if a.requests_per_month == seed.load_assumptions().requests_per_month:
        unmeasured.append(f"volume ({a.requests_per_month:,.0f} requests/month)")
    prices = (
        f"**The seed's {_and(unmeasured)}**: MangaAssist's figures, not measured for these models (the latency "
        "and cost gates on them read “not measured”: they neither pass nor block until you measure or set them)."
        if unmeasured
        else "**Prices, P95s and volume:** measured or set by you."
    )
    return [crit, rare_line, harm, prices]


def banner() -> None:
    """On every page, above its content, while the evidence's label set is foreign and its defaults unconfirmed."""
    ev, a = state.evidence(), state.assumptions()
    if not needs_banner(ev):
        return
    with st.container(border=True, key="defaults_banner"):
        st.warning(
            f"**This evidence's label set is not MangaAssist's ({len(ev.cube.intents)} intents): it is priced "
            "with defaults nobody has confirmed.**\n\n" + "\n".join(f"- {line}" for line in lines(ev, a)),
            icon=":material/rule:",
        )
        left, mid, right = st.columns([1.2, 1.6, 1.6])
        left.button(
            "Confirm these defaults",
            key="confirm_defaults",
            type="primary",
            on_click=confirm,
            args=(ev.cube.hash,),
            help="They stand for this evidence: the banner goes, on a reload and in a shared link too.",
        )
        mid.page_link(ASSUMPTIONS_PAGE, label="Set critical intents and the harm matrix", icon=":material/tune:")
        right.page_link(LATENCY_PAGE, label="Measure P95s and prices", icon=":material/timer:")
