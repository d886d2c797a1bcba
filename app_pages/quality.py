"""Model quality: per-class table, confusion matrices, calibration, agreement and KL, segments."""

import streamlit as st

from engine.present import figures_quality as fq
from engine.quality import metrics as qm
from ui import common

ev, a, _ = common.current()
st.title("Model quality")
common.verdict_banner(common.decide_current())
r = common.quality(a)
t = r.table()
st.markdown(
    f"Paired bootstrap intervals (B = {r.B:,}; probability metrics B = {r.B_rows:,}, Poisson). Rare intents "
    f"(prior < {qm.RARE_PRIOR:.0%}): {', '.join(r.rare_classes) or 'none'}."
)
st.dataframe(t.style.format({"point": "{:.4f}", "ci95_low": "{:.4f}", "ci95_high": "{:.4f}"}), hide_index=True)
st.markdown(
    f"McNemar's exact test: the teacher alone is right on **{r.mcnemar_b:,}** requests, the student alone on "
    f"**{r.mcnemar_c:,}**; p = {r.mcnemar_p:.3g}."
)
st.subheader("Per intent")
st.dataframe(
    r.per_class.style.format(
        {
            "support": "{:,.0f}",
            "teacher_accuracy": "{:.3f}",
            "student_accuracy": "{:.3f}",
            "student_ci95_low": "{:.3f}",
            "student_ci95_high": "{:.3f}",
        }
    ),
    hide_index=True,
)
left, right = st.columns(2)
left.plotly_chart(fq.confusion_matrix(ev.cube, "teacher"))
right.plotly_chart(fq.confusion_matrix(ev.cube, "student"))
st.subheader("Calibration")
if r.calibration is None:
    st.info(
        "This evidence has no probabilities per request, so calibration cannot be shown. Use the seed rows or a "
        "run (its predictions.parquet carries both models' probabilities)."
    )
else:
    c = r.calibration
    st.markdown(
        f"Temperature scaling fitted on {c.n_fit:,} requests, judged on the other {c.n_eval:,}: "
        f"T = {c.temperature:.3f}; ECE (15 equal-width bins) {c.ece_before:.4f} → {c.ece_after:.4f}; "
        f"equal-mass {c.ece_equal_mass_before:.4f} → {c.ece_equal_mass_after:.4f}."
    )
    st.plotly_chart(fq.reliability(c.reliability_before, c.reliability_after, c.temperature))
st.subheader("By segment")
st.dataframe(
    r.per_segment.style.format(
        {
            "accuracy": "{:.3f}",
            "accuracy_ci95_low": "{:.3f}",
            "accuracy_ci95_high": "{:.3f}",
            "critical_rate": "{:.4f}",
            "agreement": "{:.3f}",
        }
    ),
    hide_index=True,
)
