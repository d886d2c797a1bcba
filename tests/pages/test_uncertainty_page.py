"""Uncertainty page (AppTest): decide now or label more, an uncertain critical price, a bad distribution, a
hypothetical what-if, and the Overview's sentence. One app session (each page load costs seconds on 2 cores)."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def _boxes(at):
    return [b.value for kind in (at.info, at.success, at.warning) for b in kind]


def _titles(at):
    return [c.proto.spec for c in at.get("plotly_chart")]


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
    assert metrics["Perfect information is worth"] == "$23.25/month"  # docs/uncertainty.md, to the cent
    assert any("Decide now: more evaluation costs more than it is worth" in s for s in _titles(at))
    # every chart keeps its own 14 px near-black text (Streamlit's theme would shrink and grey it)
    assert all(c.proto.theme == "" for c in at.get("plotly_chart"))
    # the what-if says it is hypothetical; the seed student's critical $7,560 −20% adds $1,512 to the $1,122
    assert any(b.startswith("Hypothetical, not evidence") and "$2,634/month" in b for b in _boxes(at))
    # the break-even is hypothetical too, and the banner's verdict (stored evidence) is untouched by the what-if
    # docs/uncertainty.md: `voi --break-even-at 2` says 0.9%; "hypothetical" once, at the start of the box
    assert (
        "Hypothetical break-even: at $2.00 per critical event, the student wins once the student's critical "
        "misroutes fall by 0.9%."
    ) in _boxes(at)
    before = at.session_state["assumptions"]
    at.slider(key="wi_pct").set_value(-50).run()  # −50%: $7,560 × 0.5 = $3,780 more saved, $4,902
    assert any(b.startswith("Hypothetical, not evidence") and "$4,902/month" in b for b in _boxes(at))
    assert any("saves $1,122/month" in b for b in _boxes(at))  # the banner's verdict never moves
    assert at.session_state["assumptions"] == before

    # a bad distribution is refused naming what is wrong, and changes nothing
    at.selectbox(key="unc_name").set_value("usd_per_harm_unit").run()
    at.text_input(key="unc_spec:usd_per_harm_unit").set_value("uniform:0.02,0.01")  # a form: one run
    at.button(key="unc_use").click().run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "uncertain.usd_per_harm_unit" in shown and "low 0.02 > high 0.01" in shown and "Fix" in shown
    assert at.session_state["assumptions"].uncertain == ()

    # the critical price lognormal(P10 $0.90, P90 $2.40) at $0.10 per label: label 5,477 more (docs/uncertainty.md)
    at.selectbox(key="unc_name").set_value("usd_per_critical_event").run()
    at.text_input(key="unc_spec:usd_per_critical_event").set_value("lognormal:0.9,2.4")  # a form: one run
    at.button(key="unc_use").click().run()
    assert not at.exception, at.exception
    assert dict(at.session_state["assumptions"].uncertain) == {"usd_per_critical_event": "lognormal:0.9,2.4"}
    assert at.query_params["uncertain"] == '{"usd_per_critical_event":"lognormal:0.9,2.4"}'  # a link keeps it
    said = " ".join([m.value for m in at.markdown] + _boxes(at))
    assert "$ per critical event lognormal, P10 $0.90, P90 $2.40 (mean $1.58)" in said  # in words, not a spec
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Perfect information is worth"], metrics["Best number of requests to label"]) == (
        "$346.45/month", "5,477"
    )  # fmt: skip
    assert metrics["Net value of labelling them"] == "+$180"
    # the page and the banner give the same dollars: $728 over 12 months against $548, the price worth $190/month
    page = next(b for b in _boxes(at) if b.startswith("Label 5,477 more requests"))
    assert "worth $728 over 12 months, costs $548, net $180" in page
    assert "knowing it is worth up to $190/month ($2,281 over 12 months)" in page
    banner = next(b for b in _boxes(at) if b.startswith("**Lean student"))
    assert "worth $728 over 12 months against $548" in banner and "(up to $190/month)" in banner
    worth = next(df.value for df in at.dataframe if "What is learned" in df.value.columns).set_index("What is learned")
    assert worth.to_dict("index") == {
        "the evaluation sample": {"Worth per month": "$180.79/month", "Worth over 12 months": "$2,169"},
        "$ per critical event": {"Worth per month": "$190.10/month", "Worth over 12 months": "$2,281"},
    }
    # fixing the sample removes 54% of the variance, fixing the price 53%: a tie, not "most comes from"
    assert any(
        "The evaluation sample and the $ per critical event explain about equal shares" in s for s in _titles(at)
    )
    # the acceptability curve names the banner's break-even ($1.93) beside its own 50% crossing
    assert any("(the point estimate breaks even at $1.93)" in s for s in _titles(at))
    # neither value-of-sampling line wears a model's colour (teacher blue, student orange)
    vos = next(s for s in _titles(at) if "Label 5,477 more requests" in s)
    assert "#1f5fa8" not in vos and "#e07b00" not in vos

    # another $ per label: the page says the banner keeps $0.10 over 12 months
    at.number_input(key="voi_label").set_value(0.05).run()
    assert any("the verdict at the top of every page keeps $0.10 over 12 months" in c.value for c in at.caption)
    assert at.query_params["p.uncertainty.usd_per_label"] == "0.05"  # a reload or a link keeps it
    assert at.query_params["p.uncertainty.what_if_pct"] == "-50"


def test_a_link_reopens_the_pages_own_choices(db):
    """The $ per label, horizon, what-if and break-even price travel as p.uncertainty.*; a bad one is named."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(
        {
            "uncertain": '{"usd_per_critical_event":"lognormal:0.9,2.4"}',
            "p.uncertainty.usd_per_label": "0.05",
            "p.uncertainty.what_if_pct": "-50",
            "p.uncertainty.break_even_at": "2.5",
            "p.uncertainty.horizon_months": "0",  # below the 1-month minimum: the default, said once
        }
    )
    at.run().switch_page("app_pages/uncertainty.py").run()
    assert not at.exception, at.exception
    assert (at.number_input(key="voi_label").value, at.number_input(key="voi_horizon").value) == (0.05, 12.0)
    assert (at.slider(key="wi_pct").value, at.number_input(key="wi_at").value) == (-50, 2.5)
    assert any("'p.uncertainty.horizon_months=0': outside 1 to 1200" in w.value for w in at.warning)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Best number of requests to label"] == "13,332"  # cheaper labels buy more (the walk's figure)
    assert any(b.startswith("Hypothetical, not evidence") and "$4,902/month" in b for b in _boxes(at))


def test_a_range_typed_on_the_assumptions_page_is_the_uncertainty_pages(db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("app_pages/assumptions.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="unc_name").set_value("requests_per_month").run()
    at.text_input(key="unc_spec:requests_per_month").set_value("uniform:1e6,1.8e6")  # a form: one run
    at.button(key="unc_use").click().run()
    assert not at.exception, at.exception
    assert dict(at.session_state["assumptions"].uncertain) == {"requests_per_month": "uniform:1000000,1800000"}
    assert "requests_per_month" in at.query_params["uncertain"]
    at.switch_page("app_pages/uncertainty.py").run()
    said = " ".join(m.value for m in at.markdown)
    assert "Drawn now: requests per month uniform, low 1,000,000, high 1,800,000 (mean 1,400,000)" in said
    assert any("stay the verdict's point estimate" in c.value for c in at.caption)
