"""Assumptions: conversion once, load/save, and every bad value named with its fix."""

import json

import pytest

from engine.decision import scenario
from engine.errors import DistillDecideError


def minimal(**over):
    data = {"intents": ["a", "b", "c"], "teacher": {"usd_per_request": 0.004}, "student": {"usd_per_request": 0.001}}
    data.update(over)
    return data


def test_prices_converted_once(seed_a):
    assert seed_a.teacher.usd_per_request == pytest.approx(0.0038)  # $38 per 10K (seed error 1)
    assert seed_a.student.usd_per_request == pytest.approx(0.0016)
    a = scenario.Assumptions.from_dict(minimal(teacher={"usd_per_1k_requests": 3.8}))
    assert a.teacher.usd_per_request == pytest.approx(0.0038)


def test_defaults_without_harm_matrix():
    a = scenario.Assumptions.from_dict(minimal())
    assert a.harm_matrix == ((0, 1, 1), (1, 0, 1), (1, 1, 0))
    assert a.critical_intents == ()
    assert a.days_per_month == 30.4 and a.latency_reference_requests_per_month == 1_400_000


def test_baseline_defaults_to_faster_model(seed_a):
    assert seed_a.baseline_ms == 5.0
    assert seed_a.replace(latency_baseline_ms=3.0).baseline_ms == 3.0


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_round_trip(seed_a, tmp_path, suffix):
    p = scenario.save(seed_a, tmp_path / f"s{suffix}")
    assert scenario.load(p) == seed_a


def test_harm_matrix_as_table():
    a = scenario.Assumptions.from_dict(minimal(harm_matrix={"a": {"b": 2.5}}, critical_intents=["c"]))
    assert a.harm_matrix[0] == (0.0, 2.5, 0.0)


@pytest.mark.parametrize(
    "data, field, words",
    [
        (minimal(teacher={"usd_per_request": -1}), "teacher.usd_per_request", "negative"),
        (minimal(teacher={"usd_per_request": "abc"}), "teacher.usd_per_request", "not a number"),
        (minimal(teacher={"usd_per_request": float("nan")}), "teacher.usd_per_request", "not a finite"),
        (minimal(teacher={}), "teacher.usd_per_request", "no price"),
        (minimal(teacher={"usd_per_request": 1, "usd_per_10k_requests": 2}), "teacher.usd_per_request", "several"),
        (minimal(harm_matrix=[[0, 1], [1, 0]]), "harm_matrix", "not 3×3"),
        (minimal(harm_matrix=[[1, 1, 1], [1, 0, 1], [1, 1, 0]]), "harm_matrix[a][a]", "correct route"),
        (minimal(harm_matrix={"zzz": {"a": 1}}), "harm_matrix", "unknown intent"),
        (minimal(critical_intents=["refund"]), "critical_intents", "unknown intent"),
        (minimal(production_intent_mix={"a": 0.5, "b": 0.4}), "production_intent_mix", "sum to 0.9"),
        (minimal(production_intent_mix={"a": 0.5, "x": 0.5}), "production_intent_mix", "unknown intent"),
        (minimal(requests_per_month=-3), "requests_per_month", "negative"),
        (minimal(days_per_month=45), "days_per_month", "not a month length"),
        (minimal(intents=["a", "a"]), "intents", "repeat"),
        (minimal(usd_per_critical_event_range=[3, 1]), "usd_per_critical_event_range", "low 3 > high 1"),
        (minimal(bogus=1), "scenario", "unknown field"),
    ],
)
def test_bad_values_name_field_and_fix(data, field, words):
    with pytest.raises(DistillDecideError) as exc:
        scenario.Assumptions.from_dict(data)
    assert exc.value.field == field
    assert words in exc.value.problem
    assert exc.value.fix


def test_replace_validates(seed_a):
    with pytest.raises(DistillDecideError, match="student.usd_per_request"):
        seed_a.replace(**{"student.usd_per_request": -0.1})


def test_bad_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DistillDecideError, match="not valid JSON"):
        scenario.load(bad)
    with pytest.raises(DistillDecideError, match="not found"):
        scenario.load(tmp_path / "missing.json")
    wrong_type = tmp_path / "t.json"
    wrong_type.write_text(json.dumps(minimal(harm_matrix="abc")))
    with pytest.raises(DistillDecideError, match="harm_matrix"):
        scenario.load(wrong_type)


def test_changed_fields_names_model_fields(seed_a):
    from engine.decision import scenario

    after = seed_a.replace(usd_per_critical_event=2.0, **{"teacher.p95_latency_ms": 13.0})
    assert scenario.changed_fields(seed_a, after) == {
        "usd_per_critical_event": (1.2, 2.0),
        "teacher.p95_latency_ms": (12.0, 13.0),
    }
    assert scenario.changed_fields(seed_a, seed_a) == {}
