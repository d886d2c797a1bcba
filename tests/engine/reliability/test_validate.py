"""engine.validate: the constraints say what they accept in words, refuse what they should, and the stated
ranges are safe (every field at its largest accepted value still prices to finite dollars)."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
import pytest

from engine import validate as v
from engine.errors import DistillDecideError


@pytest.mark.parametrize(
    "constraint, words",
    [
        (v.Interval(Real, 0, 1e6, unit="$ per critical event"), "a number from 0 to 1,000,000 ($ per critical event)"),
        (v.Interval(Integral, 100, 1_000_000), "a whole number from 100 to 1,000,000"),
        (v.Interval(Real, 0, 1, closed="neither"), "a number strictly between 0 and 1"),
        (v.Interval(Real, 0, 1e12, closed="right"), "a number > 0 and ≤ 1e+12"),
        (v.Interval(Real, 1, None), "a number ≥ 1"),
        (v.Interval(Real, None, None), "a finite number"),
        (v.Options((">=", "<=")), "one of >=, <="),
        (v.Text(100), "non-blank text of at most 100 characters"),
    ],
)
def test_constraints_say_what_they_accept(constraint, words):
    assert constraint.describe() == words


@pytest.mark.parametrize(
    "value, problem",
    [
        (float("nan"), "nan is not a finite number"),
        (float("inf"), "inf is not a finite number"),
        (1e300, "1e+300 is too large"),
        (-2, "-2 is negative"),
        ("3", "'3' (text) is not a number"),
        (True, "True (true/false) is not a number"),
        ([1], "[1] (a list) is not a number"),
        (None, "None (empty) is not a number"),
    ],
)
def test_check_refuses_with_the_value_in_the_message(value, problem):
    with pytest.raises(DistillDecideError) as exc:
        v.LIMITS["usd_per_critical_event"].check(value, "usd_per_critical_event")
    assert exc.value.field == "usd_per_critical_event" and exc.value.problem == problem
    assert exc.value.fix.startswith("give a number from 0 to 1,000,000")


def test_parse_reads_typed_text_and_whole_numbers():
    assert v.LIMITS["requests_per_month"].parse(" 1.4e6 ", "--volume") == 1_400_000.0
    assert v.BOOTSTRAP.parse("1e6", "--bootstrap") == 1_000_000 and isinstance(v.BOOTSTRAP.parse("200", "B"), int)
    with pytest.raises(DistillDecideError, match="not a whole number"):
        v.SEED.parse("2.5", "--seed")
    with pytest.raises(DistillDecideError, match="'1e400' is not a finite number"):
        v.LIMITS["requests_per_month"].parse("1e400", "--volume")


def test_names_refuse_path_parts():
    assert v.NAME.check(" Q3 plan (high volume) ", "name") == "Q3 plan (high volume)"
    for bad in ("../x", "a/b", "a\\b", "..", "tab\there"):
        with pytest.raises(DistillDecideError, match="characters a name may not have"):
            v.NAME.check(bad, "name")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_is_bounded_without_recursion():
    assert v.parse_structured(_nested(v.MAX_NESTING), "f", name="ok.json") is not None
    for depth in (v.MAX_NESTING + 1, 100_000):
        with pytest.raises(DistillDecideError, match="nests more than 32 levels deep"):
            v.parse_structured(_nested(depth), "f", name="deep.json")
    with pytest.raises(DistillDecideError, match="nests more than 32 levels deep"):
        v.parse_structured("a = " + _nested(5_000), "f", name="deep.toml", toml=True)
    # brackets inside strings are text, not nesting
    assert v.parse_structured('{"a": "' + "[" * 100 + '"}', "f", name="s.json") == {"a": "[" * 100}


def test_json_constants_that_are_not_numbers_are_refused():
    for text in ('{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}'):
        with pytest.raises(DistillDecideError, match="is not a number"):
            v.parse_structured(text, "scenario", name="s.json")


def test_read_text_names_the_first_byte_that_is_not_utf8(tmp_path):
    p = tmp_path / "s.json"
    p.write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(DistillDecideError) as exc:
        v.read_text(p, "scenario")
    assert exc.value.problem == "s.json is not UTF-8 text (byte 0xe9 at position 13)"
    p.write_bytes(b'\xef\xbb\xbf{"a": 1}')  # a byte-order mark, as Windows editors write
    assert v.read_text(p, "scenario") == '{"a": 1}'


def test_column_names_the_first_bad_row_and_counts_the_rest():
    frame = pd.DataFrame({"agreement": [0.97, "lots", np.inf, 0.96]})
    with pytest.raises(DistillDecideError) as exc:
        v.column(frame, "agreement", v.RATE, where="cycles")
    assert exc.value.field == "cycles column agreement"
    assert exc.value.problem == "row 2 has 'lots' (and 1 more row(s))"
    assert v.column(pd.DataFrame({"x": [1.0, None]}), "x", v.RATE, blank_ok=True)[0] == 1.0


def test_the_largest_accepted_scenario_still_prices_to_finite_dollars(seed_cube, seed_a):
    """Every field at the top of its stated range: costs, the margin and its bootstrap stay finite."""
    from engine.decision import costs, uncertainty

    top = {k: lim.right for k, lim in v.LIMITS.items() if k in seed_a.to_dict() and k != "days_per_month"}
    model_top = {f"{m}.{k}": v.LIMITS[k].right for m in ("teacher", "student") for k in
                 ("usd_per_request", "ops_usd_per_month", "ops_usd_per_request", "kwh_per_request")}  # fmt: skip
    a = seed_a.replace(
        **top,
        **model_top,
        **{"teacher.p95_latency_ms": 1e6, "critical_multiplier_by_segment": (("vip", 1e6),)},
        harm_matrix=tuple(tuple(0.0 if i == j else 1e6 for j in range(10)) for i in range(10)),
    )
    b = costs.decompose(seed_cube, a)
    assert math.isfinite(b.teacher.total_usd) and math.isfinite(b.student.total_usd) and math.isfinite(b.margin_usd)
    r = uncertainty.reprice(uncertainty.draw(seed_cube, 200, 0), seed_cube, a)
    assert all(math.isfinite(x) for x in (*r.margin_ci95_usd, r.margin_se_usd))


def test_work_limits_in_the_engine(seed_cube, seed_a):
    from engine.decision import sweeps, uncertainty

    with pytest.raises(DistillDecideError, match="too large"):
        uncertainty.draw(seed_cube, v.MAX_BOOTSTRAP + 1, 0)
    with pytest.raises(DistillDecideError, match="is negative"):
        uncertainty.draw(seed_cube, 100, -1)
    with pytest.raises(DistillDecideError, match="sweep at most 100,000 values"):
        sweeps.sweep(seed_cube, seed_a, "requests_per_month", np.linspace(0, 1e6, v.MAX_SWEEP_STEPS + 1))
    with pytest.raises(DistillDecideError, match="goes up to 1e\\+13"):
        sweeps.sweep(seed_cube, seed_a, "requests_per_month", [0, 1e13])


def test_a_canary_that_could_never_collect_gives_up_in_words():
    from engine.rollout import canary

    with pytest.raises(DistillDecideError) as exc:
        canary.plan(baseline=0.9, target=0.8999999, daily_requests=46_053)
    assert exc.value.field == "target" and exc.value.problem.startswith(canary.TOO_SMALL)
    # 10% canary of 500,000/day (seed 002 §19, seed error 13) is well inside a year
    p = canary.plan(baseline=0.90, target=0.895, share=0.10, daily_requests=500_000)
    assert p.canary_arm == 31_866 and round(p.days_to_collect, 2) == 0.64
    # the ramp search stops at a year instead of looping for ever
    assert canary.days_along_ramp(baseline=0.9, target=0.92, daily_requests=1e-3) is None
