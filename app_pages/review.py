"""Weekly review: trends across evaluation cycles, what changed, and a one-click self-contained report."""

import streamlit as st

from engine.decision import costs, scenario
from engine.errors import DistillDecideError
from engine.present import figures, report, tables
from engine.present import figures_quality as fq
from engine.present.money import usd, usd_cell
from engine.rollout import drift
from ui import common
from ui.fields import BY_PATH


def agreement_gate(d) -> tuple[float, str] | None:
    """The decision's Top-1 agreement gate as (threshold, label) for the agreement chart, if it has one."""
    for r in d.gates.results if d is not None else ():
        if r.gate.metric == "agreement":
            return r.gate.threshold, f"gate: {r.gate.threshold:.0%}"
    return None


def two_kinds(d, a, cycles, wide) -> str:
    """Which numbers are the current decision and which are the recorded cycles, and whether the latest cycle
    agrees with the banner (both margins named)."""
    now = d.breakdown.margin_usd
    last, m = str(wide["cycle"].iloc[-1]), float(wide["margin_usd"].iloc[-1])
    who = lambda x: "the student cheaper" if x > 0 else "the teacher cheaper"
    text = (
        f"**Two kinds of numbers on this page.** The banner is the current decision: the evaluated requests "
        f"priced with the current inputs in the sidebar, margin {usd(now)}/month ({who(now)}). The charts and the "
        "cycle table below are the recorded evaluation cycles, each priced with its own recorded inputs (its "
        "volume, $ per critical event and error rates), so they show how the margin moved from cycle to cycle."
    )
    if (m > 0) == (now > 0):
        return text + f" The latest cycle, {last}, agrees with the banner: margin {usd(m)}/month ({who(m)})."
    rec = cycles.iloc[-1]
    was = []
    if "requests_per_month" in cycles:
        was.append(f"{rec['requests_per_month']:,.0f} requests/month (now {a.requests_per_month:,.0f})")
    if "usd_per_critical_event" in cycles:
        was.append(
            f"{usd(rec['usd_per_critical_event'], cents=True)} per critical event "
            f"(now {usd(a.usd_per_critical_event, cents=True)})"
        )
    at = f": it was recorded at {' and '.join(was)}, with its own error rates" if was else ""
    return text + (
        f"  \n**The latest cycle disagrees with the banner.** {last} has a margin of {usd(m)}/month ({who(m)}) "
        f"where the current decision has {usd(now)}/month ({who(now)}){at}."
    )


ev, a, note = common.current()
st.title("Weekly review")
d = common.decide_current()
common.verdict_banner(d)
top = st.empty()  # filled once the cycles are priced: which numbers are which, at the top of the page
from engine import store  # noqa: E402

try:
    series = store.list_cycle_series()
except DistillDecideError:  # a damaged store: ui.widgets.store_fault names it at the top of the page
    series = []
source = st.selectbox("Evaluation cycles", ["example (generated, 12 weeks)"] + series + ["upload…"], key="review_src")
up = common.upload_frame("Evaluation cycles (CSV/parquet)", "review_cycles") if source == "upload…" else None
if up is not None:
    name = st.text_input("Save as series", key="review_series")
    if st.button("Save cycles", key="review_save", disabled=not name):
        try:
            store.save_cycles(name, drift.validate_cycles(up))
            st.success(f"Saved {len(up)} cycles as **{name}**.")
        except DistillDecideError as exc:
            common.show_error(exc)
cycles = up if up is not None else (store.load_cycles(source) if source in series else drift.example_cycles())
if source.startswith("example"):
    st.caption("Trends below use the generated 12-week **example** cycles; pick a saved series or upload your own.")
try:
    long = drift.cycle_costs(cycles, a)
    comps = [c for c in costs.COMPONENTS if f"{c}_usd" in long and (long[f"{c}_usd"] != 0).any()]
    wide = drift.cycle_margins(long)
    if d is not None and len(wide):
        top.info(two_kinds(d, a, drift.validate_cycles(cycles), wide), icon=":material/compare_arrows:")
    cols = st.columns(2)  # two trends a row: a 1920×1080 screen share shows four at once
    for i, comp in enumerate(comps):
        cols[i % 2].plotly_chart(
            fq.trend(
                wide,
                {f"teacher_{comp}_usd": "Teacher", f"student_{comp}_usd": "Student"},
                title=f"{figures.COMPONENT_LABELS[comp]} cost by cycle",
                y="$ per month",
                money=True,
            )
        )
    st.plotly_chart(
        fq.trend(
            wide,
            {"margin_usd": "Margin (teacher − student)"},
            title="Margin by cycle (above $0: the student is cheaper)",
            y="$ per month",
            money=True,
        )
    )
    margins = tables.cycle_margins(wide)
    st.dataframe(
        margins.style.format(dict.fromkeys(tables.money_columns(margins), usd_cell)), hide_index=True, width="stretch"
    )
    st.plotly_chart(
        fq.trend(
            drift.validate_cycles(cycles),
            {"agreement": "Agreement"},
            title="Top-1 agreement by cycle",
            y="Agreement (% of requests)",
            percent=True,
            line=agreement_gate(d),
        )
    )
except DistillDecideError as exc:
    common.show_error(exc)
st.subheader("What changed since the last review")
base = st.session_state.get("baseline_assumptions", a)
diff = scenario.changed_fields(base, a)
if diff:
    st.dataframe(
        tables.changes(diff, BY_PATH, before="At the last review", now="Now"), hide_index=True, width="stretch"
    )
else:
    st.markdown("No assumption changed since the scenario was loaded.")
st.caption(f"Data: {ev.label}, cube hash {ev.cube.hash} ({ev.cube.n:,} evaluated requests).")
if d is not None:
    html = report.build_html(d=d, a=a, cube=ev.cube, evidence_label=ev.label, bootstrap_seed=common.BOOTSTRAP_SEED)
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download the HTML report", html, file_name="distill-decide-report.html", mime="text/html", key="dl_html"
    )
    c2.download_button(
        "Download the cost table (CSV)", report.cost_csv(d), file_name="costs.csv", mime="text/csv", key="dl_csv"
    )
