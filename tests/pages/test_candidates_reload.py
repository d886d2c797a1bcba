"""Issue 17, item 5: a rows upload with two extra candidate columns, reopened from its link (a new session that
reads the stored upload), shows the same candidates with the same paired intervals on the Overview."""

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from engine.data import seed
from tests.conftest import ROOT


def _app(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at.run()


def _three() -> pd.DataFrame:
    r = seed.load_rows()[["request_id", "segment", "true", "teacher_pred", "student_pred"]].copy()
    rng = np.random.default_rng(1)
    for col, share in (("s4_pred", 0.3), ("int8_pred", 0.6)):
        r[col] = np.where(rng.random(len(r)) < share, r["student_pred"], r["teacher_pred"])
    return r


def _candidates_table(at: AppTest) -> pd.DataFrame:
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    return next(df.value for df in at.dataframe if "Candidate" in df.value.columns)


def _upload(at: AppTest, frame: pd.DataFrame) -> dict:
    at.switch_page("app_pages/lab.py").run()
    csv = frame.to_csv(index=False).encode()
    at.file_uploader(key="rows_upload").set_value(("rows.csv", csv, "text/csv")).run()
    at.button(key="use_rows").click().run()
    assert not at.exception, at.exception
    return {k: at.query_params[k] for k in at.query_params}


def test_a_reloaded_upload_shows_the_same_candidates_and_intervals(db):
    at = _app()
    url = _upload(at, _three())
    before = _candidates_table(at)
    assert list(before["Candidate"]) == ["student", "s4 (best)", "int8"]
    assert url["evidence"].startswith("upload:")
    again = _app(url)  # the link reopened: the rows come back from the store
    assert not again.session_state["evidence"].label.startswith("upload")  # read from the store, not the session
    after = _candidates_table(again)
    pd.testing.assert_frame_equal(after, before)  # same names, totals, margins and intervals, to the cent
    # by hand: the seed student is the seed verdict ($1,122 [−$385, $2,474]); s4 saves $2,363
    assert tuple(after.iloc[0, 2:4]) == ("$1,122", "[−$385, $2,474]") and after.iloc[1, 2] == "$2,363"


def test_the_same_two_models_with_other_candidates_are_another_link(db):
    at = _app()
    three = _upload(at, _three())["evidence"]
    two = _upload(at, _three().drop(columns=["int8_pred"]))["evidence"]
    one = _upload(at, _three().drop(columns=["int8_pred", "s4_pred"]))["evidence"]
    h = at.session_state["evidence"].cube.hash  # the teacher and student are the same in all three
    assert three.startswith(f"upload:{h}-") and two.startswith(f"upload:{h}-") and three != two
    assert one == f"upload:{h}"  # one student: the two-model link as before
    assert list(_candidates_table(_app({"evidence": two}))["Candidate"]) == ["student", "s4 (best)"]
    assert list(_candidates_table(_app({"evidence": three}))["Candidate"]) == ["student", "s4 (best)", "int8"]
