"""Uncertainty page (AppTest): decide now or label more, an uncertain critical price, a bad distribution, a
hypothetical what-if, and the Overview's sentence. One app session (each page load costs seconds on 2 cores)."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def _boxes(at):
    return [b.value for kind in (at.info, at.success, at.warning) for b in kind]


def test_value_of_information_on_the_uncertainty_page_and_the_overview(db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()  # the Overview, seed: lean student
    # one statement of whether more evaluation pays: the banner's verdict prices the 8,037 requests it asks for
    # (8,037 × $0.10 = $803.70 against EVPI $23.25/month × 12 = $279: decide now), no second sentence beside it
    said = " ".join([m.value for m in at.markdown] + _boxes(at))
    assert "evaluate about 8,037 more requests (18,037 in total); at $0.10 a label those requests are worth" in said
    assert "against $804 to label: decide now" in said and "Decide now: more evaluation" not in said
    at.switch_page("app_pages/uncertainty.py").run()
    assert not at.exception, at.exception
    assert any(b.startswith("Decide now: more evaluation") for b in _boxes(at))  # the page agrees: decide now
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Best number of requests to label"] == "0"  # the seed at points: decide now
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Decide now: more evaluation costs more than it is worth" in s for s in charts)
    # the what-if says it is hypothetical; the seed student's critical $7,560 −20% adds $1,512 to the $1,122
    assert any(b.startswith("Hypothetical, not evidence") and "$2,634/month" in b for b in _boxes(at))

    # a bad distribution is refused naming what is wrong, and changes nothing
    at.selectbox(key="unc_name").set_value("usd_per_harm_unit").run()
    at.text_input(key="unc_spec:usd_per_harm_unit").set_value("uniform:0.02,0.01").run()
    at.button(key="unc_use").click().run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "low 0.02 > high 0.01" in shown and "Fix" in shown
    assert at.session_state["assumptions"].uncertain == ()

    # the critical price lognormal(P10 $0.90, P90 $2.40) at $0.10 per label: label some more
    at.selectbox(key="unc_name").set_value("usd_per_critical_event").run()
    at.text_input(key="unc_spec:usd_per_critical_event").set_value("lognormal:0.9,2.4").run()
    at.button(key="unc_use").click().run()
    assert not at.exception, at.exception
    assert dict(at.session_state["assumptions"].uncertain) == {"usd_per_critical_event": "lognormal:0.9,2.4"}
    assert any(b.startswith("Label ") and "more requests" in b for b in _boxes(at))
    worth = at.dataframe[-1].value.set_index("What is learned")
    assert set(worth.index) == {"the evaluation sample", "$ per critical event"}
    assert (worth["Worth ($/month)"] > 0).all()
