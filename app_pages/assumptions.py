"""Assumptions and cost matrix: every input editable, recomputed from cached bootstrap draws."""

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from engine.errors import DistillDecideError
from engine.present import figures
from ui import common

ev, a, _ = common.current()
st.title("Assumptions and cost matrix")
verdict = st.container()

FIELDS = [  # (path, label with unit, scale shown → stored, step)
    ("requests_per_month", "Volume (requests / month)", 1.0, 100_000.0),
    ("teacher.usd_per_request", "Teacher price ($ per 10K requests)", 1e-4, 1.0),
    ("student.usd_per_request", "Student price ($ per 10K requests)", 1e-4, 1.0),
    ("usd_per_critical_event", "$ per critical event", 1.0, 0.05),
    ("usd_per_harm_unit", "$ per harm unit", 1.0, 0.001),
    ("teacher.ops_usd_per_month", "Teacher operations ($ / month)", 1.0, 10.0),
    ("student.ops_usd_per_month", "Student operations ($ / month)", 1.0, 10.0),
    ("teacher.p95_latency_ms", "Teacher P95 latency (ms)", 1.0, 0.5),
    ("student.p95_latency_ms", "Student P95 latency (ms)", 1.0, 0.5),
    ("usd_per_ms_month", "$ per ms of P95 per month (at the reference volume)", 1.0, 5.0),
    ("latency_reference_requests_per_month", "Latency reference volume (requests / month)", 1.0, 100_000.0),
    ("days_per_month", "Days per month", 1.0, 0.1),
    ("distillation_compute_usd", "One-off: distillation compute ($)", 1.0, 100.0),
    ("migration_usd", "One-off: migration ($)", 1.0, 100.0),
    ("canary_labelling_usd", "One-off: canary labelling ($)", 1.0, 100.0),
]
changes: dict[str, Any] = {}  # Assumptions field -> new value, for a.replace(**changes)
cols = st.columns(3)
for i, (path, label, scale, step) in enumerate(FIELDS):
    key = f"in:{path}"
    if key not in st.session_state:
        st.session_state[key] = float(a.get(path)) / scale
    fmt = "%.4f" if step < 0.01 else ("%.0f" if step >= 1000 else "%.2f")
    value = cols[i % 3].number_input(label, key=key, step=step, format=fmt)
    if not np.isclose(value * scale, float(a.get(path)), rtol=1e-12, atol=0):
        changes[path] = value * scale
crit_slider = st.slider(
    "$ per critical event (drag)",
    0.0,
    max(20.0, float(a.usd_per_critical_event)),
    float(a.usd_per_critical_event),
    0.05,
    key="crit_slider",
    help="The number input above and this slider set the same assumption.",
)
if not np.isclose(crit_slider, a.usd_per_critical_event) and "usd_per_critical_event" not in changes:
    changes["usd_per_critical_event"] = crit_slider
    st.session_state.pop("in:usd_per_critical_event", None)

crit = st.multiselect(
    "Critical intents (misroutes priced per critical event)",
    a.intents,
    default=list(a.critical_intents),
    key="in:critical",
)
if tuple(crit) != a.critical_intents:
    changes["critical_intents"] = tuple(crit)
mults = {}
seg_cols = st.columns(max(1, len(ev.cube.segments)))
for c, seg in zip(seg_cols, ev.cube.segments):
    mults[seg] = c.number_input(
        f"Critical-cost multiplier: {seg}",
        min_value=0.0,
        step=0.5,
        value=float(a.critical_multipliers.get(seg, 1.0)),
        key=f"in:mult:{seg}",
    )
new_mults = tuple((s, m) for s, m in mults.items() if m != 1.0)
if new_mults != a.critical_multiplier_by_segment:
    changes["critical_multiplier_by_segment"] = new_mults

st.subheader("Harm matrix (harm units per misroute; row = true intent, column = predicted)")
harm = pd.DataFrame(np.asarray(a.harm_matrix), index=a.intents, columns=a.intents)
with st.expander("Bulk set: a row, a column, an intent group, or every off-diagonal cell"):
    b1, b2, b3, b4 = st.columns([2, 3, 1, 1])
    scope = b1.selectbox(
        "Set", ["row (true intent)", "column (predicted)", "group (rows and columns)", "all"], key="bulk_scope"
    )
    targets = b2.multiselect("Intents", a.intents, key="bulk_targets")
    bulk_value = b3.number_input("Harm units", min_value=0.0, step=0.1, key="bulk_value")
    if b4.button("Apply", key="bulk_apply"):
        m = harm.to_numpy().copy()
        idx = [a.intents.index(t) for t in targets]
        mask = np.zeros_like(m, bool)
        if scope.startswith("row"):
            mask[idx, :] = True
        elif scope.startswith("column"):
            mask[:, idx] = True
        elif scope.startswith("group"):
            mask[np.ix_(idx, idx)] = True
        else:
            mask[:] = True
        np.fill_diagonal(mask, False)
        m[mask] = bulk_value
        changes["harm_matrix"] = tuple(map(tuple, m))
edited = st.data_editor(harm, key="harm_editor", width="stretch", height=min(420, 38 * (len(a.intents) + 1)))
if "harm_matrix" not in changes and not np.allclose(edited.to_numpy(dtype=float), harm.to_numpy()):
    changes["harm_matrix"] = tuple(map(tuple, edited.to_numpy(dtype=float)))

if changes:
    try:
        common.set_assumptions(
            a.replace(**changes),
            ", ".join(f"{k} → {v if not isinstance(v, tuple) else '…'}" for k, v in changes.items()),
        )
        st.session_state.pop("crit_slider", None) if "usd_per_critical_event" in changes else None
        st.rerun()
    except DistillDecideError as exc:
        common.show_error(exc)
with verdict:
    common.verdict_banner(common.decide_current())
st.plotly_chart(figures.harm_heatmap(a.intents, np.asarray(a.harm_matrix)))
log = st.session_state.get("change_log", [])
if log:
    st.markdown("**Changes this session**")
    st.dataframe(pd.DataFrame(log[::-1]), hide_index=True)
