"""Lean verdicts price their advice (issue 15): are the requests they ask for worth labelling, or which uncertain
assumption should be pinned down instead? Bounds and sums a reader can check by hand."""

import json

import numpy as np
import pytest

from engine.cli import main as cli
from engine.decision import uncertainty, verdict, voi
from engine.present.money import usd
from engine.quality import report as quality_report

LOGNORMAL = (("usd_per_critical_event", "lognormal:0.9,2.4"),)


@pytest.fixture(scope="module")
def seed_draws(seed_ev):
    return uncertainty.draw(seed_ev.cube, 10_000, 0)  # the default B: the seed's 8,037 more requests


@pytest.fixture(scope="module")
def decide(seed_ev, seed_a, seed_draws):
    q = quality_report.report(seed_ev.cube, seed_ev.rows, critical_intents=seed_a.critical_intents, draws=seed_draws)
    return lambda a, **kw: verdict.decide(seed_ev, a, draws=seed_draws, quality=q, confirm_B=0, **kw)


def _quick(n, evsi, evppi_eval=40.0, chosen=False, **evppi):
    return voi.Quick(
        chosen=chosen,
        choice="student",
        evpi_usd_per_month=max([evppi_eval, *evppi.values()]) + 10,
        evppi_usd_per_month={voi.EVALUATION: evppi_eval, **evppi},
        n=n,
        evsi_usd_per_month=evsi,
        usd_per_label=0.10,
        horizon_months=12.0,
    )


def test_the_clause_from_hand_made_figures():
    # 8,000 × $0.10 = $800 to label; $5/month × 12 = $60 worth: decide now
    assert verdict.value_clause(_quick(8_000, 5.0)) == (
        "; at $0.10 a label those requests are worth $60 over 12 months against $800 to label: decide now"
    )
    # an uncertain price worth $45/month to learn, more than the sample's $40: say which to pin down
    assert verdict.value_clause(_quick(8_000, 5.0, usd_per_critical_event=45.0)).endswith(
        ": decide now or pin down the $ per critical event (knowing it is worth up to $45/month)"
    )
    # $100/month × 12 = $1,200 > $800: labelling pays
    assert verdict.value_clause(_quick(8_000, 100.0)) == (
        "; at $0.10 a label those requests are worth $1,200 over 12 months against $800 to label, "
        "so labelling them pays"
    )
    # no sample size settles it: what an exactly known sample is worth at most, then the assumption
    assert verdict.value_clause(_quick(None, None, usd_per_critical_event=45.0)) == (
        "; even an exactly known evaluation sample is worth at most $40/month: pin down the $ per critical event "
        "instead (knowing it is worth up to $45/month)"
    )
    assert verdict.value_clause(_quick(None, None)).endswith("worth at most $40/month: decide now")
    # no sample size settles it, but the best net value's n (5,000 × $0.10 = $500) still pays: $60 × 12 = $720
    assert verdict.value_clause(_quick(5_000, 60.0, chosen=True, usd_per_critical_event=45.0)) == (
        "; labelling 5,000 more requests is still worth $720 over 12 months against $500 at $0.10 a label, so "
        "labelling them pays; knowing the $ per critical event is worth more (up to $45/month)"
    )
    assert verdict.value_clause(None) == ""


def test_seed_at_points_prices_the_8037_requests_and_says_decide_now(decide, seed_a):
    d = decide(seed_a)
    q, s = d.value_of_information, d.verdict.sentence
    assert q is not None and q.n == d.projection.additional_requests == 8_037
    assert "evaluate about 8,037 more requests (18,037 in total)" in s  # the sentence it extends is kept
    assert q.label_cost_usd == pytest.approx(803.70)  # 8,037 × $0.10
    # every assumption a point: the sample is the only uncertainty, so EVPI is its EVPPI and bounds the EVSI;
    # EVPI ≈ $23/month, so even perfect information over 12 months (≤ $300) is worth less than the $804 labels
    assert q.evppi_usd_per_month == {voi.EVALUATION: q.evpi_usd_per_month}
    assert 0 < q.evsi_usd_per_month <= q.evpi_usd_per_month < 803.70 / 12
    assert (
        f"; at $0.10 a label those requests are worth {usd(q.evsi_usd_per_month * 12)} over 12 months against $804 "
        "to label: decide now; flips to the teacher above $1.93 per critical event." in s
    )
    assert not q.pays and q.pin_down is None


def test_free_labels_pay_and_dear_labels_say_decide_now(decide, seed_a):
    free = decide(seed_a, usd_per_label=0.0)
    assert free.value_of_information.pays and "against $0 to label, so labelling them pays" in free.verdict.sentence
    dear = decide(seed_a, usd_per_label=1_000.0)  # 8,037 × $1,000 = $8,037,000
    assert "against $8,037,000 to label: decide now" in dear.verdict.sentence


def test_longer_horizon_scales_the_worth(decide, seed_a):
    q12, q24 = decide(seed_a).value_of_information, decide(seed_a, horizon=24).value_of_information
    assert q24.worth_usd == pytest.approx(2 * q12.worth_usd)  # the same EVSI, twice the months
    assert "over 24 months" in decide(seed_a, horizon=24).verdict.sentence


def test_an_uncertain_price_prices_the_best_n_and_names_the_price(decide, seed_a, seed_ev, seed_draws):
    a = seed_a.replace(uncertain=LOGNORMAL)
    d = decide(a)
    q = d.value_of_information
    assert d.projection.additional_requests is None  # the price range alone spans zero: no n settles the interval
    page = voi.analyse(seed_draws, seed_ev.cube, a)  # the Uncertainty page's figures: same draws, same seed
    assert q.evppi_usd_per_month == page.evppi_usd_per_month and q.evpi_usd_per_month == page.evpi_usd_per_month
    ev = q.evppi_usd_per_month
    assert ev["usd_per_critical_event"] > ev[voi.EVALUATION] > 0 and q.pin_down == "usd_per_critical_event"
    # the n the verdict prices is the page's best n (5,477 of the grid), its worth the page's curve there exactly
    assert q.chosen and q.n == page.best_n == 5_477 and q.label_cost_usd == pytest.approx(547.70)
    i = int(np.searchsorted(page.n_grid, q.n))
    assert q.evsi_usd_per_month == page.evsi_usd_per_month[i] and q.pays  # one number on the banner and the page
    assert (
        f"; labelling 5,477 more requests is still worth {usd(q.worth_usd)} over 12 months against $548 at $0.10 "
        f"a label, so labelling them pays; knowing the $ per critical event is worth more (up to "
        f"{usd(ev['usd_per_critical_event'])}/month)" in d.verdict.sentence
    )
    # labels at $1 each: no n pays, so the sentence says what perfect evaluation is worth and names the price
    dear = decide(a, usd_per_label=1.0).verdict.sentence
    assert (
        f"even an exactly known evaluation sample is worth at most {usd(ev[voi.EVALUATION])}/month: pin down the "
        f"$ per critical event instead (knowing it is worth up to {usd(ev['usd_per_critical_event'])}/month)" in dear
    )


def test_ship_and_near_break_even_verdicts(decide, seed_a):
    ship = decide(seed_a.replace(usd_per_ms_month=100))
    assert ship.verdict.state == "ship" and ship.value_of_information is None and "a label" not in ship.verdict.sentence
    near = decide(seed_a.replace(usd_per_critical_event=1.93))  # at the break-even, no uncertain assumption
    assert near.verdict.near_break_even and "more requests" not in near.verdict.sentence
    assert "pin down" not in near.verdict.sentence and "a label" not in near.verdict.sentence
    # the same point price drawn lognormal: the price's EVPPI ($190/month) tops the sample's ($181): pin it down
    uncertain = decide(seed_a.replace(usd_per_critical_event=1.93, uncertain=LOGNORMAL))
    ev = uncertain.value_of_information.evppi_usd_per_month
    assert uncertain.verdict.near_break_even and ev["usd_per_critical_event"] > ev[voi.EVALUATION]
    assert uncertain.verdict.sentence.endswith(
        f"; pin down the $ per critical event (knowing it is worth up to {usd(ev['usd_per_critical_event'])}/month)."
    )


def test_decide_json_carries_the_figures(capsys):
    assert cli.main(["decide", "--json", "--seed", "0"]) == 0
    d = json.loads(capsys.readouterr().out)
    v = d["value_of_information"]
    assert v["n"] == d["bootstrap"]["additional_requests"] == 8_037
    assert v["label_cost_usd"] == pytest.approx(803.70) and v["usd_per_label"] == 0.1 and v["horizon_months"] == 12
    assert v["net_value_usd"] == pytest.approx(v["worth_usd"] - v["label_cost_usd"])
    assert v["worth_usd"] == pytest.approx(12 * v["evsi_usd_per_month"]) and v["pays"] is False
    assert set(v["evppi"]) == {"evaluation sample"}
