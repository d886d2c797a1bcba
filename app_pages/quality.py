"""Model quality: headline metrics, per-class table, confusion matrices, calibration, agreement and KL, segments."""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from engine.present import figures_quality as fq
from engine.present import tables
from engine.present.glossary import define
from engine.quality import metrics as qm
from ui import common


def _pct_table(df: pd.DataFrame) -> None:
    """A table whose "(%)" columns read 92.1% (rates 0.37%), counts 1,234; downloads keep the numbers."""
    fmt: dict[str, str | Callable[[object], str] | None] = {
        c: "{:.2f}%" if "rate" in c else "{:.1f}%" for c in tables.percent_columns(df)
    }
    fmt["Requests evaluated"] = "{:,.0f}"
    st.dataframe(df.style.format(fmt), hide_index=True, width="stretch")


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _value(r, metric: str, model: str) -> float | None:
    m = r.get(metric, model)  # None where the evidence has no probabilities (KL, ECE)
    return m.point if m is not None else None


ev, a, _ = common.current()
st.title("Model quality")
common.verdict_banner(common.decide_current())
r = common.quality(a)
agree, kl, ece = _value(r, "agreement", "pair"), _value(r, "kl_t3", "pair"), _value(r, "ece", "student")
m1, m2, m3, m4 = st.columns(4)
m1.metric("Top-1 agreement", f"{agree:.1%}" if agree is not None else "—", help=define("Agreement"))
m2.metric("KL divergence (T = 3)", f"{kl:.3f} nats" if kl is not None else "—", help=define("KL"))
m3.metric("Student calibration error (ECE)", f"{ece:.1%}" if ece is not None else "—", help=define("ECE"))
m4.metric("McNemar p-value", _p(r.mcnemar_p), help=define("McNemar"))
st.markdown(
    f"Paired bootstrap intervals ({r.B:,} resamples; probability metrics {r.B_rows:,}, Poisson). Rare intents "
    f"(under {qm.RARE_PRIOR:.0%} of requests): {', '.join(r.rare_classes) or 'none'}."
)
shown = tables.quality_metrics(r.table())
styler = shown.style
for rows, fmt in tables.quality_formats(shown):
    styler = styler.format(fmt, subset=pd.IndexSlice[rows, ["Value", "95% interval, low", "95% interval, high"]])
st.dataframe(
    styler,
    hide_index=True,
    width="stretch",
    height="content",  # every metric in view, no inner scroll
    column_config={
        "Metric": st.column_config.TextColumn(
            width="large", help=f"ECE: {define('ECE')} KL: {define('KL')} Agreement: {define('Agreement')}"
        ),
        "Unit": st.column_config.TextColumn(width="small", help="% of requests, or nats for the KL divergence"),
    },
)
st.markdown(
    f"McNemar's exact test: the teacher alone is right on **{r.mcnemar_b:,}** requests, the student alone on "
    f"**{r.mcnemar_c:,}**; p {_p(r.mcnemar_p) if r.mcnemar_p < 0.001 else '= ' + _p(r.mcnemar_p)}"
    + (
        ": below 0.05, so the accuracy difference is unlikely to be chance."
        if r.mcnemar_p < 0.05
        else ": 0.05 or above, so the difference may be chance."
    )
)
st.subheader("Per intent")
_pct_table(tables.per_class(r.per_class))
st.subheader("Confusion matrices (share of each true intent)")
for model in ("teacher", "student"):  # one under the other: ten intent labels stay readable at 1440 px
    st.plotly_chart(fq.confusion_matrix(ev.cube, model))
st.subheader("Calibration")
if r.calibration is None:
    st.info(
        "This evidence has no probabilities per request, so calibration cannot be shown. Use the seed rows or a "
        "run (its predictions file carries both models' probabilities)."
    )
else:
    c = r.calibration
    st.markdown(
        f"Temperature scaling fitted on {c.n_fit:,} requests, judged on the other {c.n_eval:,}: "
        f"temperature {c.temperature:.3f}; calibration error (ECE, 15 equal-width bins) {c.ece_before:.2%} → "
        f"{c.ece_after:.2%}; with equal-count bins {c.ece_equal_mass_before:.2%} → {c.ece_equal_mass_after:.2%}.",
        help=define("ECE"),
    )
    st.plotly_chart(fq.reliability(c.reliability_before, c.reliability_after, c.temperature))
st.subheader("By segment")
_pct_table(tables.per_segment(r.per_segment))
