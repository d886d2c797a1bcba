"""A run started from the Lab is priced with the dashboard's current scenario, and the page says which (AppTest;
launcher.start is replaced, nothing trains)."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture()
def started(env, monkeypatch):
    """launcher.start replaced: the keyword arguments the page passed."""
    from engine.runs import launcher

    calls: list[dict] = []
    monkeypatch.setattr(launcher, "start", lambda **kw: calls.append(kw) or ("ui-not-started", os.getpid()))
    return calls


def lab() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("app_pages/lab.py").run()
    assert not at.exception, at.exception
    return at


def start(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Start training in the background").click().run()
    assert not at.exception, at.exception


def note(at: AppTest) -> str:
    return next(c.value for c in at.caption if "are priced with the" in c.value)


def test_an_edited_scenario_reaches_the_launcher_and_is_named(started):
    at = lab()
    assert "Runs on the generated MangaAssist data are priced with the **seed scenario**:" in note(at)
    start(at)
    assert started[-1]["scenario"].usd_per_critical_event == 1.20 and started[-1]["scenario"].name
    at.number_input(key="in:usd_per_critical_event").set_value(2.5).run()  # the sidebar's what-if box
    assert "priced with the **seed scenario, modified (\\$ per critical event \\$1.20 → \\$2.50)**" in note(at)
    start(at)
    assert len(started) == 2 and started[-1]["scenario"].usd_per_critical_event == 2.5
    assert started[-1]["data"] is None and started[-1]["loss"] == "kd"  # the form's other settings as before
    at.number_input(key="in:requests_per_month").set_value(5_000_000.0).run()
    said = "**seed scenario, modified (Requests per month 1,400,000 → 5,000,000; \\$ per critical event \\$1.20 → "
    said += "\\$2.50)**"
    assert said in note(at)
    start(at)
    a = started[-1]["scenario"]
    assert (a.usd_per_critical_event, a.requests_per_month) == (2.5, 5_000_000.0)


def _upload(at: AppTest, df, name: str) -> None:
    at.file_uploader(key="lab_data").set_value((name, df.to_csv(index=False).encode(), "text/csv"))


def test_an_uploaded_file_is_priced_with_the_scenario_only_when_it_has_its_intents(started, monkeypatch, tmp_path):
    from functools import partial

    from engine.runs import launcher
    from tests.engine.distill.test_byo_training import train_test_only

    monkeypatch.setattr(launcher, "store_upload", partial(launcher.store_upload, root=tmp_path / "uploads"))
    at = lab()
    at.number_input(key="in:usd_per_critical_event").set_value(2.5).run()
    manga = train_test_only(120, 40)  # the generated MangaAssist intents: the scenario has a row for each
    _upload(at, manga, "manga.csv")
    at.run()
    assert (
        "Runs on your file are priced with the **seed scenario, modified (\\$ per critical event \\$1.20 → \\$2.50)**"
        in note(at)
    )
    start(at)
    assert started[-1]["scenario"].usd_per_critical_event == 2.5 and started[-1]["data"].endswith(".csv")
    assert at.session_state["lab_priced"][1] == "seed scenario, modified ($ per critical event $1.20 → $2.50)"
    foreign = manga.assign(label="x_" + manga.label)  # labels the scenario has no rows for
    _upload(at, foreign, "foreign.csv")
    start(at)
    assert len(started) == 2 and started[-1]["scenario"] is None  # the trainer's defaults for a foreign label set
    assert at.session_state["lab_priced"][1].startswith("1 harm unit per misroute and no critical intents")


def test_a_scenario_for_another_label_set_is_not_passed_for_the_generated_data(started):
    import numpy as np
    import pandas as pd

    from engine import sources
    from engine.decision import cube

    labels = [f"intent_{i:02d}" for i in range(12)]
    y = np.arange(600) % 12
    rows = pd.DataFrame({"true": np.array(labels)[y], "teacher_pred": np.array(labels)[y]})
    rows["student_pred"] = rows.teacher_pred
    at = lab()
    at.session_state["evidence"] = sources.Evidence(cube.from_rows(rows, intents=labels), None, "12 intents")
    for key in ("assumptions", "scenario_note"):
        del at.session_state[key]
    at.run()
    assert not at.exception, at.exception
    said = "priced with the **seed scenario (the current one has no rows for the MangaAssist intents)**"
    assert said in note(at)
    start(at)
    assert started[-1]["scenario"] is None  # the trainer prices MangaAssist's intents with the seed scenario itself


def test_a_finished_runs_view_names_the_scenario_it_was_started_with(tmp_path):
    from engine.data import seed
    from engine.decision import scenario
    from ui import run_view

    path = scenario.save(seed.load_assumptions().replace(requests_per_month=5e6), tmp_path / "scenario.json")
    config = {"labels": list(seed.INTENTS), "scenario": str(path)}
    assert run_view.run_volume(config) == (5e6, "the dashboard's scenario when it started, scenario.json")
    assert run_view.run_volume({"labels": list(seed.INTENTS), "scenario": None})[1] == "seed scenario"
