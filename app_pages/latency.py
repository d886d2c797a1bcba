"""Latency and serving: each model's P95 against the latency budget, the measured latency of a run, replicas and
serving cost against volume from the capacity model, and which price the verdict uses."""

from __future__ import annotations

import numbers

import pandas as pd
import streamlit as st

from engine.decision import capacity
from engine.errors import DistillDecideError
from engine.present import figures_serving as figs
from engine.present.money import usd
from engine.rollout.cascade import LATENCY_BUDGET_MS
from engine.runs import rundir
from ui import choices, common, state
from ui.url import Choice

MODELS = ("teacher", "student")
MEASURED = "onnx_fp32"  # the runtime the capacity price and the measured P95 are read from
PAGE = "latency"  # every input on this page travels in the link as p.latency.<name> (ui.choices)
INSTANCE = Choice(PAGE, "instance", next(iter(capacity.INSTANCES)), "lat_inst", options=tuple(capacity.INSTANCES))
PEAK = Choice(PAGE, "peak_to_average", 3.0, "lat_peak", lo=1.0, hi=20.0)
UTIL = Choice(PAGE, "utilisation_pct", 60, "lat_util", lo=10, hi=100)
FLOOR = Choice(PAGE, "min_replicas", 1, "lat_floor", lo=1, hi=100)


def run_choice(runs: list[str]) -> Choice:
    return Choice(PAGE, "run", runs[0], "lat_run", options=tuple(runs))


def price_choice(instance: str) -> Choice:
    """$ per instance-hour: its default is the chosen instance's list price (a link names only a changed price)."""
    return Choice(PAGE, "usd_per_hour", capacity.INSTANCES[instance], "lat_usd_h", lo=0.0, hi=100.0)


def tput_choice(a, m: str) -> Choice:
    assumed = round(capacity.assumed_throughput_rps(a.model(m).p95_latency_ms), 1)
    return Choice(PAGE, f"{m}_throughput", assumed, f"lat_tput_{m}", lo=0.1, hi=100_000.0)


def chosen_instance() -> str:
    """The instance the page shows: the widget's, else the link's (when it is one), else the first."""
    shown = st.session_state.get(INSTANCE.widget)
    if shown in capacity.INSTANCES:
        return str(shown)
    try:
        return str(INSTANCE.read(state.page_choices().get(INSTANCE.param, INSTANCE.default)))
    except ValueError:
        return str(INSTANCE.default)


def page_choices(a, runs: list[str]) -> tuple[Choice, ...]:
    """Every input on the page, as link choices (checked once at the top: a bad value shows the default)."""
    measured = (run_choice(runs),) if runs else ()
    assumed = tuple(tput_choice(a, m) for m in MODELS)
    return (*measured, INSTANCE, price_choice(chosen_instance()), PEAK, UTIL, FLOOR, *assumed)


def new_instance() -> None:
    """After a new instance is kept in the link: show its list price (a price typed for the old one goes)."""
    inst = str(st.session_state[INSTANCE.widget])
    st.session_state[price_choice(inst).widget] = capacity.INSTANCES[inst]
    state.page_choices().pop(price_choice(inst).param, None)


def usd_cents(x: object) -> str:
    return usd(float(x), cents=True) if isinstance(x, numbers.Real) and x == x else ""


def usd_whole(x: object) -> str:
    return usd(float(x)) if isinstance(x, numbers.Real) and x == x else ""


def measured_run() -> tuple[str | None, dict | None]:
    """The measured run picked (the newest by default) and its latency.json; (None, None) without one."""
    runs = rundir.latency_runs()
    if not runs:
        return None, None
    run = st.selectbox(
        "Measured run", runs, help="runs measured by `python -m engine bench-latency`", **choices.bind(run_choice(runs))
    )
    try:
        return run, rundir.read_latency(run)
    except DistillDecideError as exc:
        common.show_error(exc)
        return run, None


def p95_section(a, lat: dict | None) -> None:
    p95 = {"Scenario (used by the verdict)": {m: a.model(m).p95_latency_ms for m in MODELS}}
    if lat:
        for rt in lat["teacher"]:
            if all(rt in lat[m] for m in MODELS):
                p95[f"Measured: {figs.RUNTIME_LABELS.get(rt, rt)}"] = {m: lat[m][rt]["p95_ms"] for m in MODELS}
    st.plotly_chart(figs.p95_vs_budget(p95, LATENCY_BUDGET_MS), key="lat_p95_chart")
    table = pd.DataFrame(
        {
            "Model": [m.capitalize() for m in MODELS],
            "P95 latency (ms)": [a.model(m).p95_latency_ms for m in MODELS],
            f"Under the {LATENCY_BUDGET_MS:g} ms budget": [
                "yes" if a.model(m).p95_latency_ms <= LATENCY_BUDGET_MS else "no" for m in MODELS
            ],
            "Latency from": [a.model(m).latency_source for m in MODELS],
            "Price per 10,000 requests": [a.model(m).usd_per_request * 1e4 for m in MODELS],
            "Price from": [a.model(m).price_source for m in MODELS],
        }
    )
    shown = table.style.format({"P95 latency (ms)": "{:,.1f}", "Price per 10,000 requests": usd_cents})
    st.dataframe(shown, hide_index=True, key="lat_used")
    st.caption(
        f"The verdict uses the prices and P95s in this table. Latency is priced at ${a.usd_per_ms_month:,.2f} per "
        f"ms-month above the {a.baseline_ms:g} ms baseline; the budget ({LATENCY_BUDGET_MS:g} ms) is the P95 the "
        "cascade on the Rollout page must stay under."
    )


def measured_section(run: str | None, lat: dict | None) -> None:
    st.subheader("Measured latency")
    if lat is None:
        st.info(
            "No measured latency yet: the P95s above are the scenario's assumptions. To measure them, train a "
            "student on the **Distillation lab** page, then have it exported to ONNX and timed on the serving "
            "machine; its P50/P95/P99 (torch, ONNX, INT8), each request's latency and a capacity price from its "
            "measured throughput then appear on this page, with a button to use them in the verdict.\n\n"
            "The commands, for whoever runs them (RUN is the run's name on the Distillation lab): "
            "`python -m engine export --run RUN --int8`, then `python -m engine bench-latency --run RUN`."
        )
        return
    st.plotly_chart(figs.latency_percentiles(lat, LATENCY_BUDGET_MS), key="lat_pct_chart")
    samples = rundir.read_latency_samples(str(run))
    if samples is not None:
        st.plotly_chart(figs.latency_histogram(samples, LATENCY_BUDGET_MS), key="lat_hist_chart")
    rows = []
    for m in MODELS:
        for rt, r in lat[m].items():
            tput = r.get("throughput_rps_by_batch", {})
            rows.append(
                {
                    "Model": m.capitalize(),
                    "Runtime": figs.RUNTIME_LABELS.get(rt, rt),
                    "Requests timed": r.get("n"),
                    "P50 (ms)": r.get("p50_ms"),
                    "P95 (ms)": r.get("p95_ms"),
                    "P99 (ms)": r.get("p99_ms"),
                    "Mean (ms)": r.get("mean_ms"),
                    f"Over {LATENCY_BUDGET_MS:g} ms per 10,000": r.get("over_budget_per_10k"),
                    f"Throughput at batch {' / '.join(tput)} (requests/s)": " / ".join(
                        f"{v:,.0f}" for v in tput.values()
                    ),
                }
            )
    st.dataframe(pd.DataFrame(rows).style.format(precision=1), hide_index=True, key="lat_measured")


def capacity_inputs() -> dict:
    c1, c2, c3, c4, c5 = st.columns([2.2, 1, 1, 1, 1])  # the instance names "cpu (c7i.xlarge, 4 vCPU)" in full
    inst = str(
        c1.selectbox("Instance (assumed list price)", list(capacity.INSTANCES), **choices.bind(INSTANCE, new_instance))
    )
    price = price_choice(inst)
    usd_h = c2.number_input("$ per instance-hour", 0.0, 100.0, price.default, 0.01, "%.4f", **choices.bind(price))
    peak = c3.number_input("Peak ÷ average traffic", 1.0, 20.0, 3.0, 0.5, **choices.bind(PEAK))
    util = c4.number_input("Target utilisation (%)", 10, 100, 60, 5, **choices.bind(UTIL))
    floor = c5.number_input("Minimum replicas", 1, 100, 1, **choices.bind(FLOOR))
    return dict(
        instance_usd_per_hour=float(usd_h),
        peak_to_average=float(peak),
        target_utilisation=int(util) / 100,
        min_replicas=int(floor),
    )


def throughputs(a, lat: dict | None) -> dict[str, float]:
    """Measured ONNX fp32 throughput (best of batch 1/8/32) of the run, or an assumed one the user can edit."""
    if lat and all(MEASURED in lat[m] for m in MODELS):
        tput = {m: max(lat[m][MEASURED]["throughput_rps_by_batch"].values()) for m in MODELS}
        st.caption(
            "Throughput per replica is **measured** (ONNX fp32, the best of batch 1/8/32): "
            + ", ".join(f"{m} {v:,.0f} requests/s" for m, v in tput.items())
            + "."
        )
        return tput
    st.caption(
        "**Assumption** (no measured run): throughput per replica is 1,000 ÷ the P95 latency in ms, one request "
        "at a time on one thread. Edit it, or measure a run to replace it."
    )
    cols = st.columns(2)
    out = {}
    for i, m in enumerate(MODELS):
        c = tput_choice(a, m)
        label = f"Assumed {m} throughput (requests/s per replica)"
        out[m] = float(cols[i].number_input(label, 0.1, 100_000.0, c.default, 10.0, **choices.bind(c)))
    return out


def capacity_table(curves: dict[str, list[capacity.CapacityPrice]]) -> pd.DataFrame:
    vols = [c.requests_per_month for c in curves["teacher"]]
    out: dict[str, list] = {"Monthly volume (requests)": vols}
    for m in MODELS:
        out[f"{m.capitalize()} replicas"] = [c.replicas for c in curves[m]]
        out[f"{m.capitalize()} serving cost ($/month)"] = [c.monthly_usd for c in curves[m]]
    return pd.DataFrame(out)


def capacity_section(a, lat: dict | None) -> dict[str, capacity.CapacityPrice] | None:
    """Replicas and serving cost against volume; the capacity prices at the scenario's volume (None on a bad input)."""
    st.subheader("Serving capacity and cost")
    st.caption(
        "Capacity model: replicas = max(minimum, ⌈peak requests/s ÷ (throughput × utilisation)⌉); monthly cost = "
        "replicas × $ per hour × 730 hours. Instance prices are assumed list prices: edit them to your contract."
    )
    kw = capacity_inputs()
    tput = throughputs(a, lat)
    vols = sorted(set(capacity.VOLUMES) | {float(a.requests_per_month)})
    try:
        curves = {
            m: capacity.capacity_curve(vols, throughput_rps=tput[m], days_per_month=a.days_per_month, **kw)
            for m in MODELS
        }
    except DistillDecideError as exc:
        common.show_error(exc)
        return None
    scenario = {m: a.model(m).usd_per_request for m in MODELS}
    st.plotly_chart(figs.capacity_vs_volume(curves, scenario), key="lat_capacity_chart")
    df = capacity_table(curves)
    money = {c: usd_whole for c in df.columns if "cost" in c}
    st.dataframe(
        df.style.format({"Monthly volume (requests)": "{:,.0f}", **money}),
        hide_index=True,
        key="lat_capacity",
    )
    here = vols.index(float(a.requests_per_month))
    return {m: curves[m][here] for m in MODELS}


def price_gap_note(a, prices: dict[str, capacity.CapacityPrice], measured: bool) -> None:
    """Say when the capacity price and the scenario's price differ by 10× or more, which one the verdict uses,
    and how to switch."""
    gaps = {m: capacity.price_gap(prices[m].usd_per_request, a.model(m).usd_per_request) for m in MODELS}
    far = [m for m in MODELS if gaps[m] >= capacity.PRICE_GAP_FACTOR]
    if all(p.replicas == 1 for p in prices.values()):
        st.info(
            f"At {a.requests_per_month:,.0f} requests/month both models fit on one instance: with capacity "
            "pricing they cost the same to serve, and the verdict turns on error costs alone."
        )
    if not far:
        return
    said = "; ".join(
        f"{m}: {usd(prices[m].usd_per_request * 1e4, cents=True)} from the capacity model vs "
        f"{usd(a.model(m).usd_per_request * 1e4, cents=True)} in the scenario per 10,000 requests "
        f"({gaps[m]:,.0f}× apart)"
        for m in far
    )
    uses = ", ".join(f"the {m}'s {a.model(m).price_source} price" for m in MODELS)
    how = (
        "To switch, press **Use these measured prices and P95s in the verdict** below."
        if measured
        else "To switch, measure a run's latency (how: **Measured latency** above; the command is "
        "`python -m engine bench-latency --run RUN`): the button **Use these measured prices and P95s in the "
        "verdict** then appears on this page."
    )
    st.warning(
        f"**The capacity model's price and the scenario's price differ by 10× or more** at "
        f"{a.requests_per_month:,.0f} requests/month: {said}. The verdict uses {uses}. {how}"
    )


def use_measured_button(a, run: str, lat: dict, prices: dict[str, capacity.CapacityPrice]) -> None:
    if st.button("Use these measured prices and P95s in the verdict", key="lat_use"):
        common.set_assumptions(
            a.replace(
                **{f"{m}.usd_per_request": prices[m].usd_per_request for m in MODELS},
                **{f"{m}.price_source": "measured" for m in MODELS},
                **{f"{m}.p95_latency_ms": lat[m][MEASURED]["p95_ms"] for m in MODELS},
                **{f"{m}.latency_source": "measured" for m in MODELS},
            ),
            f"measured prices and P95s from {run}",
        )
        st.rerun()


ev, a, _ = common.current()
st.title("Latency and serving")
choices.check(PAGE, page_choices(a, rundir.latency_runs()))  # the page's inputs in the link (p.latency.*)
common.verdict_banner(common.decide_current())
run, lat = measured_run()
p95_section(a, lat)
measured_section(run, lat)
prices = capacity_section(a, lat)
if prices is not None:
    can_switch = bool(run and lat and all(MEASURED in lat[m] for m in MODELS))
    price_gap_note(a, prices, can_switch)
    if can_switch:
        use_measured_button(a, str(run), lat or {}, prices)
