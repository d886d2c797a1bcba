"""The Lab's words match what is true: Past runs names the evidence in use (not "the seed rows" under an upload),
and the quick profile's training time is the measured one (docs/distillation.md: 478 s on 1 thread)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from engine.data import seed
from tests.conftest import ROOT
from tests.pages.test_label_defaults_and_candidates import _upload


def no_runs_note(at: AppTest) -> str:
    return next(i.value for i in at.info if i.value.startswith("No runs yet"))


def test_past_runs_names_the_evidence_in_use(env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/lab.py").run()
    assert "every page uses the seed rows" in no_runs_note(at)
    _upload(at, seed.load_rows()[["request_id", "segment", "true", "teacher_pred", "student_pred"]].head(3000))
    at.switch_page("app_pages/lab.py").run()
    assert not at.exception, at.exception
    said = no_runs_note(at)
    assert "every page uses **upload** (3,000 requests)" in said and "seed rows" not in said
    assert "Evidence behind every page now: **upload** (3,000 requests)" in at.markdown[0].value


def test_the_quick_profiles_time_is_the_measured_one(env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/lab.py").run()
    said = at.selectbox(key="lab_profile").help
    assert "quick ≈ 8 minutes on 1 CPU thread (measured: 478 s" in said and "1.5 min" not in said
    assert "478 s" in no_runs_note(at)
