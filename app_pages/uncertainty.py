"""Uncertainty: the bootstrap distribution of the margin, how it narrows with more evaluation, the joint
distribution with uncertain assumptions, the value of information (decide now or label more?) and what-ifs on
model quality (hypothetical, never stored)."""

import numpy as np
import pandas as pd
import streamlit as st

from engine.decision import costs, distributions, scenario, uncertainty, voi, whatif
from engine.errors import DistillDecideError
from engine.present import figures
from engine.present import figures_uncertainty as fu
from engine.present.glossary import define
from engine.present.money import usd
from ui import choices, common, uncertain_inputs
from ui.url import Choice

PAGE = "uncertainty"  # the page's own choices in the URL as p.uncertainty.<name> (ui.choices)
WHAT = {"critical_rate": "critical misroutes", "misroute_rate": "all misroutes"}
LABEL = Choice(PAGE, "usd_per_label", voi.DEFAULT_USD_PER_LABEL, "voi_label", lo=0.0, hi=1e6)
HORIZON = Choice(PAGE, "horizon_months", voi.DEFAULT_HORIZON_MONTHS, "voi_horizon", lo=1.0, hi=1200.0)
WI_MODEL = Choice(PAGE, "what_if_model", "student", "wi_model", options=tuple(scenario.MODELS))
WI_METRIC = Choice(PAGE, "what_if_metric", "critical_rate", "wi_metric", options=tuple(WHAT))
WI_PCT = Choice(PAGE, "what_if_pct", -20, "wi_pct", lo=-100, hi=100)
WI_AT = Choice(PAGE, "break_even_at", 2.0, "wi_at", lo=0.0, hi=1e6)
ev, a, _ = common.current()
st.title("Uncertainty")
choices.check(PAGE, (LABEL, HORIZON, WI_MODEL, WI_METRIC, WI_PCT, WI_AT))
d = common.decide_current()
common.verdict_banner(d)


@st.cache_resource(show_spinner="Resampling at other evaluation sizes…", max_entries=8)
def _draws_at(cube_key: tuple, _cube, n: int):
    """Cached by the cube's hash and label order (``cache_key``)."""
    return uncertainty.draw(_cube, 2_000, 7, n=n)


def _chart(fig) -> None:
    """Every chart in its own 14 px near-black text (theme=None: Streamlit's theme would shrink and grey it)."""
    st.plotly_chart(fig, theme=None)


def critical_price_range(a) -> None:
    """Set (or clear) a low and high $ per critical event for the resamples, on the page; the CLI flag second."""
    st.subheader("When the $ per critical event is itself uncertain")
    rng = a.usd_per_critical_event_range
    if "usd_per_critical_event" in dict(a.uncertain):
        drawn = uncertain_inputs.in_words("usd_per_critical_event", distributions.specs(a)["usd_per_critical_event"])
        st.info(f"Each resample draws its $ per critical event from a {drawn}, set below; that replaces a price range.")
        return
    if rng is None:
        st.info(
            f"The $ per critical event is a single value ({usd(a.usd_per_critical_event, cents=True)}). If you are "
            "unsure of it, give a low and a high below and press **Use this price range**: each resample then draws "
            "its own price between them (most often near the current value), and the interval above widens to "
            "match. From a terminal the same is `python -m engine decide --critical-cost-range 0.8 2.4`."
        )
    else:
        st.info(
            f"Each resample draws its $ per critical event between {usd(rng[0], cents=True)} and "
            f"{usd(rng[1], cents=True)} (most often near {usd(a.usd_per_critical_event, cents=True)}): the interval "
            "above includes that uncertainty."
        )
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    lo = c1.number_input("Low ($ per critical event)", 0.0, 1e6, rng[0] if rng else 0.8, 0.1, key="crit_lo")
    hi = c2.number_input("High ($ per critical event)", 0.0, 1e6, rng[1] if rng else 2.4, 0.1, key="crit_hi")
    if c3.button("Use this price range", key="crit_range_use", disabled=lo > hi):
        try:
            ranged = a.replace(usd_per_critical_event_range=(float(lo), float(hi)))
        except DistillDecideError as exc:
            common.show_error(exc)
            return
        common.set_assumptions(
            ranged, f"$ per critical event drawn between {usd(lo, cents=True)} and {usd(hi, cents=True)}"
        )
        st.rerun()
    if rng is not None and c3.button("Use the single price again", key="crit_range_clear"):
        common.set_assumptions(a.replace(usd_per_critical_event_range=None), "single critical-event price")
        st.rerun()


@st.cache_resource(show_spinner="Pricing the joint draws and the value of information…", max_entries=16)
def _voi(cube_key: tuple, scenario_json: str, usd_per_label: float, horizon: float, _cube, _a):
    draws = common.draws_for(_cube.hash, _cube)
    return voi.analyse(
        draws, _cube, _a, usd_per_label=usd_per_label, horizon_months=horizon, rng=common.BOOTSTRAP_SEED + 1
    )


def value_of_information(ev, a, d) -> None:
    """Decide now, or label more first? EVPI, EVPPI, the joint distribution and the net value of sampling."""
    st.subheader("Decide now, or learn more first?")
    c1, c2 = st.columns(2)
    label = c1.number_input(
        "Cost of labelling one request ($)", 0.0, 1e6, voi.DEFAULT_USD_PER_LABEL, 0.05, **choices.bind(LABEL)
    )
    horizon = c2.number_input(
        "Months the decision stands", 1.0, 1200.0, voi.DEFAULT_HORIZON_MONTHS, 1.0, **choices.bind(HORIZON)
    )
    v = _voi(ev.cube.cache_key, scenario.dumps_json(a), float(label), float(horizon), ev.cube, a)
    (st.success if v.best_n else st.info)(fu.sentence(v))
    if (float(label), float(horizon)) != (voi.DEFAULT_USD_PER_LABEL, voi.DEFAULT_HORIZON_MONTHS):
        st.caption(
            f"This section prices {usd(label, cents=True)} a label over {horizon:g} months; the verdict at the top "
            f"of every page keeps {usd(voi.DEFAULT_USD_PER_LABEL, cents=True)} over "
            f"{voi.DEFAULT_HORIZON_MONTHS:g} months, so its dollars for labelling differ from these."
        )
    m1, m2, m3 = st.columns(3)
    m1.metric(
        "Perfect information is worth",
        f"{usd(v.evpi_usd_per_month, cents=True)}/month",
        help="Expected value of perfect information: the expected loss of today's choice.",
    )
    m2.metric("Best number of requests to label", f"{v.best_n:,}")
    m3.metric(
        "Net value of labelling them",
        usd(v.best_net_value_usd, signed=True),
        help=f"Worth over {horizon:g} months minus the labelling cost.",
    )
    st.markdown("**What knowing each one exactly is worth** (expected value of partial perfect information)")
    worth = pd.DataFrame(
        {
            "What is learned": [fu.words(k) for k in v.evppi_usd_per_month],
            "Worth per month": [f"{usd(x, cents=True)}/month" for x in v.evppi_usd_per_month.values()],
            f"Worth over {horizon:g} months": [usd(x * horizon) for x in v.evppi_usd_per_month.values()],
        }
    )
    st.dataframe(worth, hide_index=True, width="stretch")
    _voi_charts(v, a, d)


def _voi_charts(v, a, d) -> None:
    """The net value of sampling, the joint distribution, the variance shares and the two acceptability curves."""
    _chart(fu.value_of_sampling(v))
    _chart(fu.joint_histogram(v.joint))
    if v.joint.variance_shares:
        _chart(fu.variance_shares(v.joint))
    crit = distributions.means(a)["usd_per_critical_event"]
    _chart(
        fu.acceptability(
            v.joint.critical_grid,
            v.joint.p_by_critical,
            what="$ per critical event",
            unit="USD",
            tick="$,.2f",
            now=crit,
            break_even=_break_even(d, "usd_per_critical_event"),
        )
    )
    vol = distributions.means(a)["requests_per_month"]
    _chart(
        fu.acceptability(
            v.joint.volume_grid,
            v.joint.p_by_volume,
            what="monthly volume",
            unit="requests per month",
            tick=",.0f",
            now=vol,
            log=True,
            break_even=_break_even(d, "requests_per_month"),
        )
    )
    mean = float(np.mean(v.joint.margins_usd))
    st.caption(
        f"{len(v.joint.margins_usd):,} joint draws: each paired resample of the evaluated requests priced under one "
        f"draw of the uncertain assumptions. Their mean margin is {usd(mean)}/month; the “point” line and the "
        f"banner's {usd(v.joint.point_usd)} price the assumptions' single values (the sidebar's), not the drawn "
        "means."
    )


def _break_even(d, param: str) -> float | None:
    """The verdict's break-even of one assumption (the banner's "flips to the teacher above …"), if any."""
    be = d.break_evens.get(param)
    return None if be is None else be.value


def what_if(ev, a) -> None:
    """Shift a model's misroutes without retraining: a hypothetical, never stored."""
    st.subheader("What if a model were better or worse? (hypothetical)")
    c1, c2, c3 = st.columns(3)
    model = str(c1.selectbox("Model", scenario.MODELS, format_func=str.capitalize, **choices.bind(WI_MODEL)))
    what = WHAT
    metric = str(c2.selectbox("Change", tuple(WHAT), format_func=WHAT.__getitem__, **choices.bind(WI_METRIC)))
    pct = int(c3.slider("By (%)", -100, 100, -20, 5, **choices.bind(WI_PCT)))
    try:
        hyp = costs.decompose(whatif.apply(ev.cube, a, [whatif.WhatIf(model, metric, pct / 100)]), a)
    except DistillDecideError as exc:
        common.show_error(exc)
        return
    now = costs.decompose(ev.cube, a).margin_usd
    saver = "student" if hyp.margin_usd > 0 else "teacher"
    change = f"{pct:+d}%".replace("-", "−")
    st.warning(
        f"Hypothetical, not evidence: with the {model}'s {what[metric]} {change}, the {saver} would save "
        f"{usd(abs(hyp.margin_usd))}/month (the student saves {usd(now)} now)."
    )
    at = st.number_input(
        f"How good must the {model} be to win at this $ per critical event?", 0.0, 1e6, 2.0, 0.1, **choices.bind(WI_AT)
    )
    be = whatif.break_even(ev.cube, a.replace(usd_per_critical_event=float(at)), model, metric)
    note = be.note.removesuffix(" (hypothetical)")  # the box says so first
    st.warning(f"Hypothetical break-even: at {usd(at, cents=True)} per critical event, {note}.")


if d is not None:
    bs, pr = d.bootstrap, d.projection
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "95% interval of the margin",
        f"[{usd(bs.margin_ci95_usd[0])}, {usd(bs.margin_ci95_usd[1])}]",
        help=define("95% interval"),
    )
    c2.metric(
        "Chance the student is cheaper",
        f"{bs.p_student_cheaper:.1%}",
        help="Share of the paired resamples in which the student costs less per month.",
    )
    c3.metric(
        "Evaluation requests to exclude zero",
        f"{pr.requests_to_exclude_zero_total:,}" if pr.requests_to_exclude_zero_total else "none suffices",
        delta=f"{pr.additional_requests:,} more" if pr.additional_requests else None,
        delta_color="off",
    )
    _chart(figures.margin_histogram(bs.margins_usd, bs.margin_ci95_usd, bs.margin_point_usd))
    st.caption(
        f"{bs.B:,} paired resamples of the evaluated requests (over the cube's {ev.cube.n_cells} occupied cells, "
        f"random seed {common.BOOTSTRAP_SEED}); the projection reads the standard error off the interval's side "
        f"that faces zero ({pr.reason})."
    )
    ns = np.unique(np.geomspace(max(500, ev.cube.n // 10), ev.cube.n * 20, 12).astype(int))
    at_n = [_draws_at(ev.cube.cache_key, ev.cube, int(n)) for n in ns]
    bounds = [uncertainty.reprice(dr, ev.cube, a).margin_ci95_usd for dr in at_n]
    _chart(figures.narrowing(ns, [b[0] for b in bounds], [b[1] for b in bounds], bs.margin_point_usd, ev.cube.n))
    harm = lambda ci: f"{ci[0]:.4f} to {ci[1]:.4f}"
    pct = lambda ci: f"{ci[0]:.2%} to {ci[1]:.2%}"
    st.markdown(
        "**95% intervals of the error rates**\n\n"
        f"- Weighted error (harm units per request): teacher {harm(bs.teacher_harm_units_per_request_ci95)}, "
        f"student {harm(bs.student_harm_units_per_request_ci95)}, paired difference "
        f"{harm(bs.delta_harm_units_per_request_ci95)}\n"
        f"- Critical-error rate (% of requests): teacher {pct(bs.teacher_critical_rate_ci95)}, student "
        f"{pct(bs.student_critical_rate_ci95)}",
        help=define("Harm unit") + " " + define("Critical event"),
    )
    critical_price_range(a)
    uncertain_inputs.entry(a, title="Which other assumptions are uncertain?")
    value_of_information(ev, a, d)
    what_if(ev, a)
