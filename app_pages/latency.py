"""Latency and serving: measured latency, ONNX vs torch vs INT8, capacity price vs seed price, and which one the
verdict uses."""

import pandas as pd
import streamlit as st

from engine.decision import capacity
from engine.errors import DistillDecideError
from engine.present.money import usd
from engine.runs import rundir
from ui import common

ev, a, _ = common.current()
st.title("Latency and serving")
common.verdict_banner(common.decide_current())
st.dataframe(
    pd.DataFrame(
        [
            {
                "model": m,
                "P95 latency (ms)": a.model(m).p95_latency_ms,
                "latency source": a.model(m).latency_source,
                "price per 10K requests": usd(a.model(m).usd_per_request * 1e4),
                "price source": a.model(m).price_source,
            }
            for m in ("teacher", "student")
        ]
    ),
    hide_index=True,
)
st.markdown(
    f"**The verdict uses** the {a.teacher.price_source} / {a.student.price_source} prices and the "
    f"{a.teacher.latency_source} / {a.student.latency_source} P95s above; latency is priced at "
    f"${a.usd_per_ms_month:,.2f} per ms-month above the {a.baseline_ms:g} ms baseline."
)
measured = rundir.latency_runs()
if not measured:
    st.info(
        "No measured latency yet. Train a run (Distillation lab), then measure it in its own process:\n\n"
        "`python -m engine export --run RUN --int8` and `python -m engine bench-latency --run RUN`.\n\n"
        "Its P50/P95/P99, ONNX vs torch vs INT8 and a capacity-model price will appear here."
    )
    st.stop()
run = st.selectbox("Measured run", measured, key="lat_run")
try:
    lat = rundir.read_latency(run)
except DistillDecideError as exc:
    common.show_error(exc)
    st.stop()
rows = [
    {
        "model": m,
        "runtime": rt,
        **{k: v for k, v in r.items() if k != "throughput_rps_by_batch"},
        **{f"throughput b{b} (req/s)": v for b, v in r["throughput_rps_by_batch"].items()},
    }
    for m in ("teacher", "student")
    for rt, r in lat[m].items()
]
st.dataframe(pd.DataFrame(rows).style.format(precision=2), hide_index=True)
st.subheader("Capacity price from measured throughput (ONNX fp32, best of batch 1/8/32)")
c1, c2, c3, c4 = st.columns(4)
inst = c1.selectbox("Instance (assumed price)", list(capacity.INSTANCES), key="lat_inst")
usd_h = c2.number_input("$ per instance-hour", 0.0, 100.0, capacity.INSTANCES[inst], 0.01, key="lat_usd_h")
peak = c3.number_input("Peak ÷ average traffic", 1.0, 20.0, 3.0, 0.5, key="lat_peak")
floor = c4.number_input("Minimum replicas", 1, 100, 1, key="lat_floor")
try:
    prices = {
        m: capacity.capacity_price(
            requests_per_month=a.requests_per_month,
            throughput_rps=max(lat[m]["onnx_fp32"]["throughput_rps_by_batch"].values()),
            instance_usd_per_hour=usd_h,
            peak_to_average=peak,
            min_replicas=int(floor),
            days_per_month=a.days_per_month,
        )
        for m in ("teacher", "student")
    }
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "model": m,
                    "replicas": p.replicas,
                    "floor binding": p.floor_binding,
                    "monthly": usd(p.monthly_usd),
                    "per 10K requests": usd(p.usd_per_request * 1e4),
                    "seed per 10K": usd(a.model(m).usd_per_request * 1e4),
                }
                for m, p in prices.items()
            ]
        ),
        hide_index=True,
    )
    if all(p.replicas == 1 for p in prices.values()):
        st.warning(
            "At this volume both models fit on one instance: with capacity pricing they cost the same to "
            "serve, and the verdict turns on error costs alone."
        )
    if st.button("Use these measured prices and P95s in the verdict", key="lat_use"):
        common.set_assumptions(
            a.replace(
                **{f"{m}.usd_per_request": prices[m].usd_per_request for m in prices},
                **{f"{m}.price_source": "measured" for m in prices},
                **{f"{m}.p95_latency_ms": lat[m]["onnx_fp32"]["p95_ms"] for m in prices},
                **{f"{m}.latency_source": "measured" for m in prices},
            ),
            f"measured prices and P95s from {run}",
        )
        st.rerun()
except (DistillDecideError, KeyError) as exc:
    st.error(f"Capacity price unavailable: {exc}")
