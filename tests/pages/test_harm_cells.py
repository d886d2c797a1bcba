"""The harm matrix a person can use (issue 12): counts per 10K and $/month beside every cell, critical rows priced
per critical event, never-observed cells greyed, a search for big label sets. Seed counts checked by hand: the 10,000
seed rows are at the seed mix, so per 10K is the raw count (chitchat → faq: teacher 18, student 60)."""

import numpy as np
import pandas as pd
import pytest

from engine.decision import cube
from engine.decision.cube import Evidence
from tests.pages.test_inputs import app


def _cell_list(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "$/mo per unit" in d.value.columns)


def test_every_cell_has_its_counts_and_dollars(db):
    at = app("assumptions")
    cells = _cell_list(at)
    assert len(cells) == 72  # 8 non-critical rows × 9 predicted intents
    row = cells[(cells["True intent"] == "chitchat") & (cells["Predicted as"] == "faq")].iloc[0]
    assert (row["Teacher /10K"], row["Student /10K"]) == (18, 60)
    assert row["$/mo per unit"] == pytest.approx((18 - 60) * 0.013 * 140)  # one harm unit × $0.013 × 1.4M/10K
    assert set(cells["True intent"]).isdisjoint({"escalation", "return_request"})  # priced per event, not here
    crit = next(d.value for d in at.dataframe if "Teacher $/mo" in d.value.columns and "Harm units" not in d.value)
    assert set(crit["True intent"]) == {"escalation", "return_request"}
    assert any("priced per critical event, $1.20 each" in m.value for m in at.markdown)
    assert any("48 greyed (never observed: they move $0)" in c.value for c in at.caption)


def test_search_and_observed_filter(db):
    at = app("assumptions")
    at.text_input(key="harm_find").set_value("chitchat").run()
    cells = _cell_list(at)
    assert len(cells) == 9 + 7  # chitchat's row (9 cells) and its column in the other 7 non-critical rows
    assert ((cells["True intent"] == "chitchat") | (cells["Predicted as"] == "chitchat")).all()
    crit = next(d.value for d in at.dataframe if "Teacher $/mo" in d.value.columns and "Harm units" not in d.value)
    assert len(crit) > 0 and (crit["Predicted as"] == "chitchat").all()  # the search filters critical rows too
    at.checkbox(key="harm_observed_only").check().run()
    seen = _cell_list(at)
    assert 0 < len(seen) < len(cells)
    assert ((seen["Teacher /10K"] > 0) | (seen["Student /10K"] > 0)).all()


def test_80_intents_list_is_searchable_and_the_grid_is_not_drawn(db):
    names = [f"intent_{k:02d}" for k in range(80)]
    rng = np.random.default_rng(1)
    true = rng.choice(names, 2_000)
    rows = pd.DataFrame(
        {
            "request_id": np.arange(2_000),
            "true": true,
            "teacher_pred": np.where(rng.random(2_000) < 0.9, true, rng.choice(names, 2_000)),
            "student_pred": np.where(rng.random(2_000) < 0.85, true, rng.choice(names, 2_000)),
        }
    )
    at = app()
    at.session_state["evidence"] = Evidence(cube.from_rows(rows), rows, "rows 80 intents")
    for k in ("assumptions", "baseline_assumptions"):
        if k in at.session_state:
            del at.session_state[k]
    at.switch_page("app_pages/assumptions.py").run()
    assert not at.exception, at.exception
    cells = _cell_list(at)
    seen = {
        (t, p) for m in ("teacher_pred", "student_pred") for t, p in zip(rows["true"], rows[m]) if t != p
    }  # the distinct misroutes either model made
    assert len(cells) == len(seen)  # observed only, by default, for a big label set
    assert not any(d.value.shape == (80, 80) for d in at.dataframe)  # no 80 × 80 grid editor
    at.text_input(key="harm_find").set_value("intent_07").run()
    found = _cell_list(at)
    assert len(found) > 0
    assert ((found["True intent"] == "intent_07") | (found["Predicted as"] == "intent_07")).all()
