"""One truth across a reload: the seed's requests uploaded in the Lab, then the link reloaded, give the seed's
verdict and interval to the dollar (the stored upload comes back in the scenario's label order; before, it came
back sorted, the cube's hash did not change and the cached resamples of the other layout priced it: 'Ship the
student … [−$17,626, −$9,948]' for a +$1,122 margin)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from engine.data import seed
from engine.decision import uncertainty
from engine.errors import DistillDecideError
from tests.conftest import ROOT
from tests.pages.test_label_defaults_and_candidates import _upload

SEED_SENTENCE = "Lean student: saves $1,122/month, but the 95% interval [−$385, $2,474] includes zero"


def _verdict(at: AppTest) -> str:
    return next(b.value for kind in (at.info, at.success, at.warning, at.error) for b in kind if "/month" in b.value)


def test_a_reloaded_upload_of_the_seed_rows_is_the_seed_verdict(db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    assert SEED_SENTENCE in _verdict(at)
    _upload(at, seed.load_rows()[["request_id", "segment", "true", "teacher_pred", "student_pred"]])
    at.switch_page("app_pages/overview.py").run()
    assert at.session_state["evidence"].label == "upload" and SEED_SENTENCE in _verdict(at)
    link = dict(at.query_params)
    assert link["evidence"].startswith("upload:")
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for k, v in link.items():
        again.query_params[k] = v
    again.run()
    assert not again.exception, again.exception
    ev = again.session_state["evidence"]
    assert ev.label.startswith("stored upload:") and ev.cube.intents == seed.load_assumptions().intents
    assert SEED_SENTENCE in _verdict(again)


def test_draws_of_one_label_order_refuse_a_cube_in_another(seed_ev):
    """The same requests in another label order hash alike; their resamples' columns do not line up."""
    sorted_cube = seed_ev.cube.reorder(sorted(seed_ev.cube.intents))
    assert sorted_cube.hash == seed_ev.cube.hash
    draws = uncertainty.draw(seed_ev.cube, 200, 0)
    from engine import sources

    a, _ = sources.scenario_for(seed_ev.cube, None)
    with pytest.raises(DistillDecideError, match="label order"):
        uncertainty.reprice(draws, sorted_cube, a)
