"""The Lab's evidence uploads: counts beside per-request rows, a mapping step when the file names its columns
its own way, and the picker for cubes stored by `cube import` / `cube build` (one app session)."""

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine import sources, store
from engine.data import seed
from engine.decision import costs
from engine.decision import cube as cube_mod
from tests.conftest import ROOT

# 100 requests in 3 cells: the teacher is always right; the student sends 10 escalations to faq
COUNTS = pd.DataFrame(
    {
        "segment": ["all", "all", "all"],
        "true": ["order_tracking", "faq", "escalation"],
        "teacher_pred": ["order_tracking", "faq", "escalation"],
        "student_pred": ["order_tracking", "faq", "faq"],
        "n": [60, 30, 10],
    }
)


def _errors(at) -> str:
    return " ".join(e.value for e in at.error)


def test_counts_upload_with_a_mapping_step_then_the_stored_cube_picker(db):
    want = cube_mod.from_counts(COUNTS, intents=seed.INTENTS)  # labels that fit the scenario take its label set
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("app_pages/lab.py").run()
    assert not at.exception, at.exception
    assert any("No stored cubes yet" in c.value for c in at.caption)
    # the warehouse's names: true_intent needs no mapping, t_pred and hits do
    theirs = COUNTS.rename(columns={"true": "true_intent", "teacher_pred": "t_pred", "n": "hits"})
    at.file_uploader(key="counts_upload").set_value(
        ("counts.csv", theirs.to_csv(index=False).encode(), "text/csv")
    ).run()
    assert not at.exception, at.exception
    assert "teacher_pred" in _errors(at) and "pick which column is which" in _errors(at)
    box = at.selectbox(key="counts_upload:map:teacher_pred")
    assert box.options == ["—", "segment", "t_pred", "hits"]  # columns already named as expected are not offered
    box.set_value("t_pred").run()
    at.selectbox(key="counts_upload:map:n").set_value("t_pred").run()  # one column for two: refused in words
    assert "mapped to two targets" in _errors(at)
    at.selectbox(key="counts_upload:map:n").set_value("hits").run()
    assert not at.error, _errors(at)
    assert [s.value for s in at.success if "Valid" in s.value] == [
        f"Valid: 100 requests in 3 cells over 10 intents (cube {want.hash})."  # the seed scenario's 10 intents
    ]
    at.button(key="use_counts").click().run()
    assert not at.exception, at.exception
    ev = at.session_state["evidence"]
    assert ev.cube.hash == want.hash and ev.rows is None
    assert at.session_state["evidence_ref"] == f"cube:{want.hash}"
    assert want.hash in store.list_cubes()["cube_hash"].tolist()  # stored, so a link or a reload finds it
    # priced as the counts file: the student misroutes 10% of 1.4M requests, all critical (by hand)
    b = costs.decompose(ev.cube, at.session_state["assumptions"])
    assert b.teacher.critical_events_per_month == 0
    assert b.student.critical_events_per_month == pytest.approx(140_000)
    assert b.margin_usd == pytest.approx(
        costs.decompose(cube_mod.from_counts(COUNTS), seed.load_assumptions()).margin_usd
    )
    # the picker lists the stored cube; picking it makes it the evidence behind every page
    at.switch_page("app_pages/overview.py").run()
    at.switch_page("app_pages/lab.py").run()
    pick = at.selectbox(key="cube_pick")
    assert pick.options == [f"{want.hash} — uploaded counts (100 requests)"]
    at.button(key="use_cube").click().run()
    assert not at.exception, at.exception
    assert at.session_state["evidence"].label == f"stored cube {want.hash}"
    assert np.array_equal(at.session_state["evidence"].cube.counts, want.counts)
    assert sources.stored_cube_evidence(want.hash).cube.hash == want.hash


def test_a_run_as_evidence_is_priced_with_its_measured_p95s_and_prices(env):
    from tests.engine.test_mapping import _run_dir

    _run_dir(env, price=True)  # runs/measured-1: latency.json (P95 40 / 5 ms) and price.json
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["evidence"] = "measured-1"
    at.run()
    assert not at.exception, at.exception
    a = at.session_state["assumptions"]
    assert (a.teacher.p95_latency_ms, a.student.p95_latency_ms) == (40.0, 5.0)
    assert (a.teacher.usd_per_request, a.student.usd_per_request) == (5e-4, 1e-4)
    assert {a.teacher.latency_source, a.student.price_source} == {"measured"}
    assert "measured in run measured-1" in at.session_state["scenario_note"]
    assert at.session_state["baseline_assumptions"] == a  # measured is the run's default, not a modification
