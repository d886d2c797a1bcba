"""Weekly review: this week against the last stored review, the margin across reviews, what changed and why, the
failure-mode tree and gates, a button that records the review, and the dated report (the review itself)."""

import getpass
from datetime import date

import pandas as pd
import streamlit as st

from engine import reviews
from engine.decision import scenario
from engine.errors import DistillDecideError
from engine.present import figures_review as fr
from engine.present import review_report as rr
from engine.present import tables
from engine.present.money import usd
from engine.rollout import drift
from ui import choices, common
from ui.fields import BY_PATH
from ui.url import Choice

EXAMPLE = "example (generated, 12 weeks)"


def stored() -> list[dict]:
    from engine import store

    try:
        return store.list_reviews()
    except DistillDecideError as exc:  # a damaged store: named at the top of the page
        common.show_error(exc)
        return []


def production() -> pd.DataFrame | None:
    """Production cycles on the timeline: a stored series (default production), an upload, or the example."""
    from engine import store

    try:
        series = store.list_cycle_series()
    except DistillDecideError:
        series = []
    opts = ["none"] + series + [EXAMPLE, "upload…"]
    src = Choice("review", "cycles", "production" if "production" in opts else "none", "review_src", tuple(opts))
    choices.check("review", (src,))  # kept in the URL as p.review.cycles: a reload keeps the choice
    pick = st.selectbox(
        "Production cycles",
        opts,
        help="Weekly production stats (agreement, KL, critical rates, volume, "
        "prices) drawn on the same timeline as the reviews; `python -m engine review cycles FILE`.",
        **choices.bind(src),
    )
    if pick == "upload…":
        up = common.upload_frame("Production cycles (CSV/parquet)", "review_cycles")
        if up is None:
            return None
        try:
            reviews.timeline([], up)  # every cycle checked and dated before it is drawn or stored
        except DistillDecideError as exc:
            common.show_error(exc)  # beside the uploader; the rest of the review still shows
            return None
        if st.button("Save as the production series", key="review_save"):
            store.save_cycles("production", drift.validate_cycles(up, blank_ok=True))
            st.success(f"Saved {len(up)} production cycles as the production series.")
        return up
    if pick == EXAMPLE:
        st.info(
            "The production cycles are the generated **example**, not your traffic: every chart labels them EXAMPLE.",
            icon=":material/science:",
        )
        return drift.example_cycles().assign(date=[f"2026-{m:02d}-{d:02d}" for m, d in EXAMPLE_DATES])
    return store.load_cycles(pick) if pick in series else None


EXAMPLE_DATES = [(8, 24), (8, 31), (9, 7), (9, 14), (9, 21), (9, 28), (10, 5), (10, 12), (10, 19), (10, 26)]
EXAMPLE_DATES += [(11, 2), (11, 9)]


def headline(now: dict, last: dict | None, dd: dict | None, go: tuple[str, str]) -> None:
    """Go / no-go first (one headline, in its colour), then this week's margin with its interval beside the last
    review's, and the change."""
    show = {"go": st.success, "canary": st.info, "hold": st.warning}.get(go[0], st.error)
    show(go[1] if go[1].startswith("**") else f"**{go[1].split(':')[0]}:**{go[1].split(':', 1)[1]}")
    c1, c2, c3 = st.columns(3)
    lo, hi = now["decision"]["bootstrap"]["margin_ci95"]
    c1.metric(
        "This week: margin (teacher − student)",
        f"{usd(now['decision']['margin_usd'])}/month",
        help="Above $0 the student is cheaper.",
    )
    c1.caption(f"95% interval [{usd(lo)}, {usd(hi)}]")
    if last is not None and dd is not None:
        llo, lhi = last["decision"]["bootstrap"]["margin_ci95"]
        c2.metric(
            f"Last review #{last['review_id']} ({last['review_date']})", f"{usd(last['decision']['margin_usd'])}/month"
        )
        c2.caption(f"95% interval [{usd(llo)}, {usd(lhi)}]")
        c3.metric("Change of the margin", f"{usd(dd['total_change_usd'], signed=True)}/month")
        n = len(dd["causes"])
        c3.caption(f"{n} cause{'s' if n != 1 else ''}, below" if n else "nothing changed")
    else:
        c2.metric("Last review", "none before this one" if stored_review(now) else "none stored")


def record_form(ev, a, d, note: str, latest: dict | None) -> None:
    """Record this week's review: the decision on screen, stored once per date, evidence and scenario."""
    with st.form("review_record"):
        c1, c2, c3 = st.columns([1, 1, 2])
        day = c1.date_input(
            "Review date",
            value=date.today(),
            max_value=date.today(),
            key="review_date",
            help="On or before today: a later week is recorded when it comes.",
        )
        who = c2.text_input("Recorded by", value=recorder(), key="review_author")
        text = c3.text_input("Note (why this week)", key="review_note")
        if st.form_submit_button("Record this week's review", type="primary"):
            try:
                r, created = reviews.record(
                    ev,
                    a,
                    scenario_label=reviews.scenario_words(note or "current inputs", a),
                    review_date=day,
                    author=who,
                    note=text,
                    decision=d,
                    seed=common.BOOTSTRAP_SEED,
                    draws=common.draws_for(ev.cube.hash, ev.cube),
                )
            except DistillDecideError as exc:
                common.show_error(exc)
                return
            st.toast(
                f"Review #{r['review_id']} of {r['review_date']} "
                + ("recorded" if created else "was already recorded with these inputs: nothing written")
            )
            st.rerun()


def recorder() -> str:
    """Who records: the name given on the dashboard, else the OS user name (as the CLI does), never "anonymous"."""
    name = common.author()
    return name if name and name != "anonymous" else (getpass.getuser() or "dashboard user")


def stored_review(r: dict) -> bool:
    return r.get("review_id") not in (None, "now")


def changed_words(dd: dict | None, last: dict | None, a, shown: dict) -> None:
    st.subheader("What changed since the last review")
    if dd is None and stored_review(shown):
        st.info("This is the first stored review: the next one will be compared with it, cause by cause.")
        return
    if dd is None:
        st.info(
            "No review is stored yet, so there is nothing to compare with. Record the first one below; next "
            "week this section splits the change of the margin into its causes, in dollars."
        )
        return
    st.markdown(rr.diff_sentence(dd))
    rows = [
        {"Cause": c["words"], "Effect on the margin ($/month)": usd(c["usd"], signed=True, cents=True)}
        for c in dd["causes"]
    ]
    rows.append({"Cause": "Total change", "Effect on the margin ($/month)": usd(dd["total_change_usd"], True, True)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    base = scenario.Assumptions.from_dict(last["assumptions"]) if last else a
    diff = scenario.changed_fields(base, a)
    if diff:
        at = f"At the review of {last['review_date']}" if last else "At the last review"
        st.dataframe(tables.changes(diff, BY_PATH, before=at, now="Now"), hide_index=True, width="stretch")
    st.caption(
        f"Evidence: {dd['evidence']['before']} → {dd['evidence']['after']}"
        if dd["evidence_changed"]
        else f"Evidence unchanged: {dd['evidence']['after']}."
    )


def drift_and_gates(t, now: dict) -> None:
    st.markdown("**Each branch of the failure-mode tree, judged on the timeline**")
    _wrapped(rr.tree_table(t.branches))
    gate = next((g["threshold"] for g in now["decision"]["gates"]["gates"] if g["metric"] == "agreement"), None)
    st.markdown(f"**{fr.agreement_takeaway(t.frame, gate)}**")  # the takeaway above the chart, never clipped
    st.plotly_chart(fr.agreement_trend(t.frame, gate), theme=None)  # its own 14 px near-black text
    st.markdown("**Promotion gates**")
    _wrapped(rr.gates_table(now))


def _wrapped(frame) -> None:
    """A full-width table with its CSV download, every row on screen (no inner scroll): the longest column (the
    action, the evidence) widest and read right after the status; a cut-off cell shows its text on hover, and
    the HTML report prints every word."""
    lengths = {c: int(frame[c].astype(str).str.len().max()) for c in frame.columns}
    longest = max(lengths, key=lambda c: lengths[c])
    first = [c for c in frame.columns[:2] if c != longest]
    order = [*first, longest, *(c for c in frame.columns if c not in (*first, longest))]
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=35 * (len(frame) + 1) + 3,
        column_order=order,
        column_config={
            c: st.column_config.TextColumn(c, width="large" if c == longest else "medium")
            for c in frame.columns
            if lengths[c] > 30
        },
    )


def which(past: list[dict], now: dict) -> tuple[dict, dict | None, bool]:
    """(the review shown, the one it is compared with, whether the inputs on screen are a stored review's)."""
    key = lambda r: (r["cube_hash"], r["scenario_key"])
    match = next((r for r in reversed(past) if key(r) == key(now)), None)
    if match is not None:
        later = (
            ""
            if match is past[-1]
            else f"; the latest stored review is #{past[-1]['review_id']} of " + str(past[-1]["review_date"])
        )
        st.caption(
            f"These are the inputs of the stored review #{match['review_id']} of {match['review_date']} "
            f"(recorded by {match['author']}){later}."
        )
        before = [r for r in past if (r["review_date"], r["review_id"]) < (match["review_date"], match["review_id"])]
        return match, (before[-1] if before else None), True
    if past:
        st.warning(
            f"**Modified:** the inputs on screen are not a stored review. The numbers below compare them with the "
            f"latest, #{past[-1]['review_id']} of {past[-1]['review_date']}; record them to make them a review.",
            icon=":material/edit_note:",
        )
    return now, (past[-1] if past else None), False


def downloads(inp, same: bool) -> None:
    """The review as a dated HTML file (built when clicked) and its cost table as CSV, to the cent."""
    last = inp.previous
    modified = (
        []
        if same
        else [
            "inputs not recorded as a review"
            + (f" (compared with the review of {last['review_date']})" if last else "")
        ]
    )
    c1, c2 = st.columns(2)
    day = inp.review["review_date"]
    c1.download_button(
        "Download the review (HTML)",
        lambda: rr.build(inp, modified=modified),
        file_name=f"review-{day}.html",
        mime="text/html",
        key="dl_html",
    )
    c2.download_button(
        "Download the cost table (CSV)",
        rr.cost_csv(inp.review),
        file_name=f"costs-{day}.csv",
        mime="text/csv",
        key="dl_csv",
    )


def page(ev, a, note: str, d) -> None:
    past = stored()
    who = recorder()
    draws = common.draws_for(ev.cube.hash, ev.cube)  # the verdict's resamples: the guardrail's interval reads them
    label = reviews.scenario_words(note or "current inputs", a)  # "seed scenario, modified (…)" for a what-if
    now = reviews.draft(ev, a, d, scenario_label=label, author=who, seed=common.BOOTSTRAP_SEED, draws=draws)
    shown, last, same = which(past, now)
    head, charts = st.container(), st.container()  # filled once the timeline is known (its picker is lower down)
    dd = reviews.diff(last, shown) if last is not None else None
    changed_words(dd, last, a, shown)
    st.subheader("Drift and the failure-mode tree")
    t = reviews.build_timeline(past if same else past + [shown | {"review_id": "now"}], production())
    drift_and_gates(t, shown)
    with head:
        headline(shown, last, dd, rr.go_no_go(shown, t.branches))
    c1, c2 = charts.columns(2)
    c1.markdown(f"**{fr.margin_takeaway(t.frame)}**")  # each takeaway above its chart, as text
    c1.plotly_chart(fr.margin_trend(t.frame), theme=None)  # the figures' own 14 px near-black text
    if dd is not None:
        c2.markdown(f"**{fr.waterfall_takeaway(dd)}**")
        c2.plotly_chart(fr.change_waterfall(dd), theme=None)
    if not (same and shown["review_date"] == date.today().isoformat()):
        record_form(ev, a, d, note, past[-1] if past else None)
    downloads(reviews.ReportInputs(shown, last, dd, t, past), same)


ev, a, note = common.current()
st.title("Weekly review")
d = common.decide_current()
common.verdict_banner(d)
if d is not None:
    try:
        page(ev, a, note, d)
    except DistillDecideError as exc:
        common.show_error(exc)
