"""The Rollout page on evidence that lacks what a tab needs (AppTest): per-request rows without the student's
probabilities (the seed's labels, or a label set of its own) and counts only (a cube, no rows). The cascade and
the frontier say what is missing and how to give it; every other tab still draws; nothing raises."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.data import seed
from engine.decision import cube as cube_mod
from engine.decision.cube import Evidence
from engine.present import rollout_words as rw
from tests.conftest import ROOT

PLAIN = ["request_id", "segment", "true", "teacher_pred", "student_pred"]  # no p_student_* columns


def rollout(ev: Evidence) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["evidence"] = ev
    at.run()
    at.switch_page("app_pages/rollout.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


def other_tabs_draw(at: AppTest) -> None:
    """Gates, canary, monitor and routing are priced on the cube: each still shows its result."""
    cols = [set(df.value.columns) for df in at.dataframe]
    assert any("Result" in c for c in cols)  # the gate table
    assert any("Recommendation" in c for c in cols)  # the monitor's example sequence
    assert any({"Segment", "Verdict"} <= c for c in cols)  # the per-segment margins
    assert any(m.label == "Canary arm (requests)" for m in at.metric)
    assert any(m.label == "Saving vs teacher everywhere" for m in at.metric)


def foreign_rows() -> pd.DataFrame:
    """60 requests over 3 intents of their own: the teacher right on all, the student sends 6 'c' to 'b'."""
    true = ["a"] * 30 + ["b"] * 18 + ["c"] * 12
    student = ["a"] * 30 + ["b"] * 18 + ["b"] * 6 + ["c"] * 6
    return pd.DataFrame({"request_id": range(60), "segment": "all", "true": true, "teacher_pred": true,
                         "student_pred": student})  # fmt: skip


def test_rows_without_probabilities_say_what_the_cascade_needs(db):
    rows = seed.load_rows()[PLAIN]
    at = rollout(Evidence(cube_mod.from_rows(rows, intents=seed.INTENTS), rows, "rows plain.csv"))
    said = [i for i in infos(at) if "student's probability for each request" in i]
    assert len(said) == 2, infos(at)  # the cascade and the frontier, once each
    assert sorted(s.split(" needs")[0] for s in said) == ["The cascade", "The frontier (its cascade points)"]
    assert all("these rows have none" in s and "p_student_order_tracking" in s for s in said)
    assert all("Distillation lab" in s and "choose a run" in s for s in said)
    other_tabs_draw(at)


def test_rows_of_a_foreign_label_set_without_probabilities(db):
    rows = foreign_rows()
    at = rollout(Evidence(cube_mod.from_rows(rows), rows, "rows abc.csv"))
    said = [i for i in infos(at) if "student's probability for each request" in i]
    assert len(said) == 2 and all("p_student_a" in s for s in said), infos(at)


def test_stored_upload_without_probabilities_a_reload_of_the_link(db):
    """A rows upload is stored as upload:HASH (its probability column blank); a reload reads it from the store."""
    from engine import store

    rows = seed.load_rows()[PLAIN]
    h = cube_mod.from_rows(rows, intents=seed.INTENTS).hash
    store.save_rows(f"upload:{h}", rows, intents=list(seed.INTENTS))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["evidence"] = f"upload:{h}"
    at.run()
    at.switch_page("app_pages/rollout.py").run()
    assert not at.exception, [e.message for e in at.exception]
    said = [i for i in infos(at) if "student's probability for each request, and these rows have none" in i]
    assert len(said) == 2, infos(at)
    other_tabs_draw(at)


def test_counts_only_evidence_says_rows_are_needed(db):
    rows = seed.load_rows()[PLAIN]
    c = cube_mod.from_rows(rows, intents=seed.INTENTS)
    at = rollout(Evidence(cube_mod.from_counts(c.to_frame(), intents=seed.INTENTS), None, "counts c.csv"))
    said = [i for i in infos(at) if "this evidence is counts only" in i]
    assert len(said) == 2, infos(at)
    other_tabs_draw(at)


def test_confidences_missing_in_words():
    intents = ("a", "b")
    assert rw.confidences_missing(None, intents, "X").startswith("X needs per-request rows")
    full = pd.DataFrame({"p_student_a": [0.6], "p_student_b": [0.4]})
    assert rw.confidences_missing(full, intents, "X") is None
    assert rw.confidences_missing(pd.DataFrame({"student_confidence": [0.9]}), intents, "X") is None
    blank = pd.DataFrame({"student_probs": [None, [0.6, 0.4]]})  # as a stored upload without probabilities
    assert "these rows have none" in rw.confidences_missing(blank, intents, "X")
    half = rw.confidences_missing(full[["p_student_a"]], intents, "X")
    assert half is not None and "only 1 of the 2 intents" in half


@pytest.mark.slow
def test_rows_uploaded_in_the_lab_without_probabilities_then_rollout(db):
    """The walk's path: the Lab's rows uploader, then /rollout (it showed the redacted-error box)."""
    from tests.pages.test_label_defaults_and_candidates import _upload

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    _upload(at, seed.load_rows()[PLAIN])
    at.switch_page("app_pages/rollout.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert sum("student's probability for each request" in i for i in infos(at)) == 2
