"""Uncertain assumptions: specs, P10/P90 round trip, validation, scenario files, and the old critical-price range."""

import math

import numpy as np
import pytest

from engine.data import seed
from engine.decision import distributions as D
from engine.decision import scenario, uncertainty
from engine.errors import DistillDecideError


def test_lognormal_p10_p90_round_trip():
    d = D.parse("lognormal:0.9,2.4", "usd_per_critical_event")
    assert d.quantile(0.1) == pytest.approx(0.9, rel=1e-12)
    assert d.quantile(0.9) == pytest.approx(2.4, rel=1e-12)
    assert d.quantile(0.5) == pytest.approx(math.sqrt(0.9 * 2.4), rel=1e-12)  # the median is the geometric mean
    x = d.sample(np.random.default_rng(0), 200_000)
    assert np.mean(x < 0.9) == pytest.approx(0.10, abs=0.003)
    assert np.mean(x < 2.4) == pytest.approx(0.90, abs=0.003)
    assert x.mean() == pytest.approx(d.mean(), rel=0.01)


@pytest.mark.parametrize(
    "spec, mean, var",
    [
        ("point:1.2", 1.2, 0.0),
        ("1.2", 1.2, 0.0),
        ("uniform:1,3", 2.0, 4 / 12),
        ("triangular:0,1,2", 1.0, (0 + 4 + 1 - 0 - 0 - 2) / 18),
    ],
)
def test_means_and_variances_by_hand(spec, mean, var):
    d = D.parse(spec, "usd_per_harm_unit")
    assert d.mean() == pytest.approx(mean)
    assert d.variance() == pytest.approx(var)


@pytest.mark.parametrize(
    "name, spec, words",
    [
        ("usd_per_critical_event", "uniform:3,1", "low 3 > high 1"),
        ("usd_per_critical_event", "uniform:-1,1", "negative"),
        ("usd_per_critical_event", "lognormal:2.4,0.9", "not below P90"),
        ("usd_per_critical_event", "lognormal:0,1", "not above 0"),
        ("usd_per_critical_event", "triangular:1,5,2", "outside"),
        ("usd_per_critical_event", "gamma:1,2", "not a known distribution"),
        ("usd_per_critical_event", "uniform:1", "takes 2"),
        ("usd_per_critical_event", "uniform:a,b", "not a number"),
        ("not_an_assumption", "point:1", "is not an assumption that can be uncertain"),
    ],
)
def test_bad_specs_name_the_assumption(name, spec, words):
    with pytest.raises(DistillDecideError) as e:
        D.parse(spec, name)
    assert e.value.field == f"uncertain.{name}"
    assert words in e.value.problem


def test_scenario_file_round_trip_and_validation():
    data = seed.load_assumptions().to_dict()
    assert "uncertain" not in data  # nothing uncertain: the file is unchanged
    data["uncertain"] = {"requests_per_month": "uniform:1e6,1.8e6", "usd_per_critical_event": "lognormal:0.9,2.4"}
    a = scenario.Assumptions.from_dict(data)
    assert dict(a.uncertain) == {
        "usd_per_critical_event": "lognormal:0.9,2.4",
        "requests_per_month": "uniform:1000000,1800000",
    }
    assert scenario.loads_json(scenario.dumps_json(a)) == a
    assert D.means(a)["requests_per_month"] == 1.4e6
    data["uncertain"] = {"usd_per_harm_unit": "uniform:0.02,0.01"}
    with pytest.raises(DistillDecideError, match="uncertain.usd_per_harm_unit"):
        scenario.Assumptions.from_dict(data)


def test_the_critical_price_range_is_the_triangular_special_case():
    a = seed.load_assumptions().replace(usd_per_critical_event_range=(0.8, 2.4))
    d = D.specs(a)["usd_per_critical_event"]
    assert d == D.Dist("triangular", (0.8, 1.2, 2.4))
    # the same numbers as the range always drew: one triangular stream from the generator
    same = np.random.default_rng(5).triangular(0.8, 1.2, 2.4, size=1000)
    assert np.array_equal(uncertainty.critical_prices(a, 1000, np.random.default_rng(5)), same)
    # an explicit spec for the price wins over the range
    b = a.replace(uncertain=(("usd_per_critical_event", "uniform:1,2"),))
    assert D.specs(b)["usd_per_critical_event"] == D.Dist("uniform", (1.0, 2.0))


def test_merge_adds_replaces_and_a_point_removes():
    base = (("usd_per_critical_event", "uniform:1,2"),)
    assert D.merge(base, [("requests_per_month", "uniform:1,2")]) == (
        ("usd_per_critical_event", "uniform:1,2"),
        ("requests_per_month", "uniform:1,2"),
    )
    assert D.merge(base, [("usd_per_critical_event", "point:1")]) == ()
    assert D.parse_assignment("usd_per_critical_event=lognormal:0.9,2.4") == (
        "usd_per_critical_event",
        "lognormal:0.9,2.4",
    )
    with pytest.raises(DistillDecideError, match="--uncertain"):
        D.parse_assignment("lognormal:0.9,2.4")
