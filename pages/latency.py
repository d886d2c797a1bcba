"""Latency and serving: which latency and price figures the verdict uses, and where they come from."""
import pandas as pd
import streamlit as st

from engine.decision import usd
from pages import common

ev, a, _ = common.current()
st.title("Latency and serving")
common.verdict_banner(common.decide_current())
st.dataframe(pd.DataFrame([{"model": m, "P95 latency (ms)": a.model(m).p95_latency_ms,
                            "latency source": a.model(m).latency_source,
                            "price per request": f"${a.model(m).usd_per_request:.5f}",
                            "price per 10K requests": usd(a.model(m).usd_per_request * 1e4),
                            "price source": a.model(m).price_source} for m in ("teacher", "student")]),
             hide_index=True)
st.markdown(f"The verdict uses these **{a.teacher.price_source}** per-request prices and **{a.teacher.latency_source}** "
            f"P95 latencies; latency is priced at ${a.usd_per_ms_month:,.2f} per ms-month above the "
            f"{a.baseline_ms:g} ms baseline, stated at {a.latency_reference_requests_per_month:,.0f} requests/month.")
st.info("No measured latency yet. Measurement runs as its own process (`python -m engine bench-latency --run RUN`, "
        "coming with the serving path): ONNX export, batch-1 P50/P95/P99, throughput and a capacity-model price "
        "will appear here next to the seed figures, with the one the verdict uses marked.")
