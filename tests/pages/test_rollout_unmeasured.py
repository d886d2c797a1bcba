"""The browser walk of issue 17 (AppTest): with a 12-intent label set that is not MangaAssist's, the Rollout
page's latency and cost gates read "not measured" (the seed's figures, nobody measured them for these models),
the sidebar badge of a blocked verdict says the student would save the money, and the canary planner opens on a
metric it can size, saying why the critical rate cannot be; with three candidates on the seed, the table gives
the real reason a candidate is only "lean", and the banner's comparison is named beside the best candidate."""

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.data import seed
from engine.decision import cube as cube_mod
from engine.decision import verdict
from engine.present.money import usd
from tests.conftest import ROOT
from tests.engine.test_unmeasured_gates import foreign_rows
from tests.pages.test_label_defaults_and_candidates import _upload  # the Lab's upload and "use these rows"
from ui import verdict as ui_verdict

GATES = ("Student P95 ≤ 15 ms", "Inference cost per request ≥ 50% lower")


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def _gate_table(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "Result" in df.value.columns).set_index("Gate")


@pytest.fixture()
def foreign(db):
    at = _app()
    _upload(at, foreign_rows())
    at.switch_page("app_pages/rollout.py").run()
    assert not at.exception, at.exception
    return at


def test_the_foreign_rollout_gates_are_not_measured_and_the_seed_still_passes(foreign, db):
    t = _gate_table(foreign)
    for name in GATES:
        assert tuple(t.loc[name, ["Measured", "Result"]]) == ("not measured", "not measured"), name
    (warn,) = [w.value for w in foreign.warning if "Not measured for these models" in w.value]
    assert "python -m engine bench-latency --run RUN" in warn and "python -m engine price --run RUN" in warn
    box = [b.value for b in [*foreign.error, *foreign.success] if "Go:**" in b.value or "No-go:**" in b.value]
    assert len(box) == 1 and "Every gate passes" not in box[0]
    assert f"**Not measured** (neither pass nor block): '{GATES[0]}', '{GATES[1]}'" in box[0]
    foreign.switch_page("app_pages/review.py").run()  # the weekly review's gates: the same words
    assert not foreign.exception, foreign.exception
    review = next(df.value for df in foreign.dataframe if "Status" in df.value.columns and "Gate" in df.value.columns)
    review = review.set_index("Gate")
    for name in GATES:
        assert review.loc[name, "Status"] == "not measured" and review.loc[name, "Evidence"].startswith("not measured")
    seed_page = _app()
    seed_page.switch_page("app_pages/rollout.py").run()
    s = _gate_table(seed_page)
    assert tuple(s.loc[GATES[0], ["Measured", "Result"]]) == ("5.0 ms", "pass")
    assert tuple(s.loc[GATES[1], ["Measured", "Result"]]) == ("57.9%", "pass")
    assert not [w.value for w in seed_page.warning if "Not measured for these models" in w.value]


def test_a_blocked_sidebar_badge_says_the_student_would_save_the_money(foreign):
    d = foreign.session_state["_decision"][1]
    assert d.verdict.state == "blocked" and d.breakdown.margin_usd > 0
    want = f"(the student would save {usd(d.breakdown.margin_usd)}/month)"
    (badge,) = [m.value for m in foreign.sidebar.markdown if "Blocked: keep the teacher" in m.value]
    assert badge == f":red-badge[Blocked: keep the teacher] {want}"
    assert "teacher] saves" not in badge


def test_badge_words_for_each_state(seed_ev, seed_a):
    blocked = verdict.decide(seed_ev, seed_a.replace(**{"student.p95_latency_ms": 20.0}), B=300, confirm_B=0)
    assert ui_verdict.badge(blocked) == ":red-badge[Blocked: keep the teacher] (the student would save $1,122/month)"
    dearer = seed_a.replace(**{"student.p95_latency_ms": 20.0, "student.usd_per_request": 0.0038})
    d = verdict.decide(seed_ev, dearer, B=300, confirm_B=0)
    assert d.breakdown.margin_usd < 0  # same price, more misroutes: the student costs more
    assert ui_verdict.badge(d) == (
        f":red-badge[Blocked: keep the teacher] (the student would cost {usd(-d.breakdown.margin_usd)}/month more)"
    )
    lean = verdict.decide(seed_ev, seed_a, B=300, confirm_B=0)
    assert ui_verdict.badge(lean) == ":orange-badge[Lean student] saves $1,122/month"


def test_the_canary_planner_without_critical_intents_opens_on_the_margin(foreign):
    radio = next(r for r in foreign.radio if r.label == "Size the canary on")
    assert radio.value == "margin"
    assert not [e.value for e in foreign.error if "critical rate" in e.value]
    assert any(m.label == "Canary arm (requests)" for m in foreign.metric)  # the margin plan is sized
    radio.set_value("critical-rate").run()
    assert not foreign.exception, foreign.exception
    assert not [e.value for e in foreign.error if "critical rate" in e.value]
    (said,) = [i.value for i in foreign.info if "cannot be sized" in i.value]
    assert "no critical intents set: name them on the Assumptions page" in said
    assert "Name the critical intents" in [p.label for p in foreign.get("page_link")]


def test_the_seed_canary_planner_still_opens_on_the_critical_rate(db):
    at = _app()
    at.switch_page("app_pages/rollout.py").run()
    assert next(r for r in at.radio if r.label == "Size the canary on").value == "critical-rate"


@pytest.fixture(scope="module")
def three():
    """The seed rows with two more candidates (as tests/pages/test_label_defaults_and_candidates.py): the
    teacher's routes with 30% (s4) / 60% (int8) of requests taken from the seed student."""
    r = seed.load_rows()[["request_id", "segment", "true", "teacher_pred", "student_pred"]].copy()
    rng = np.random.default_rng(1)
    for col, share in (("s4_pred", 0.3), ("int8_pred", 0.6)):
        r[col] = np.where(rng.random(len(r)) < share, r["student_pred"], r["teacher_pred"])
    return r


def test_the_candidates_table_gives_the_reason_and_names_the_banners_comparison(db, three):
    at = _app()
    _upload(at, three)
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    shown = next(df.value for df in at.dataframe if "Candidate" in df.value.columns).set_index("Candidate")
    s4 = shown.loc["s4 (best)"]
    lo, hi = (
        float(x.replace("$", "").replace(",", "").replace("−", "-"))
        for x in s4["95% interval (paired)"][1:-1].split(", ")
    )
    assert lo > 0  # the interval excludes zero: "small sample" alone read as a contradiction
    assert "small sample" not in " ".join(shown["Verdict"])
    # by hand: verdict.small_sample on s4's own two-model cube, the reason it is only lean
    pair = three[["segment", "true", "teacher_pred", "s4_pred"]].rename(columns={"s4_pred": "student_pred"})
    k = verdict.discordant_critical_requests(cube_mod.from_rows(pair, intents=seed.INTENTS), seed.load_assumptions())
    assert k < verdict.MIN_DISCORDANT_CRITICAL
    assert s4["Verdict"] == f"Lean s4: {k} critical disagreements, under 10"
    why = f"only {k} critical requests misrouted by one model but not the other (fewer than 10)"
    assert any(f"**s4** is only “lean”: {why}, too few to ship on" in c.value for c in at.caption)
    (note,) = [i.value for i in at.info if "compares the teacher with `student_pred`" in i.value]
    assert "(candidate student: margin $1,122/month, [−$385, $2,474])" in note  # the banner's figures
    assert f"The best candidate here is **s4**: margin {s4['Margin (teacher − it)']}/month, " in note
