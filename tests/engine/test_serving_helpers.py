"""The Latency page's and the Lab's engine helpers: capacity over volume, the price gap, the assumed throughput,
time left in words, and reading a steps file while it is written."""

import math

import pytest

from engine.decision import capacity
from engine.errors import DistillDecideError
from engine.runs import rundir
from engine.runs.progress import duration_words, eta_words


def test_assumed_throughput_is_one_request_at_a_time_at_the_p95():
    assert capacity.assumed_throughput_rps(12.0) == pytest.approx(83.333, abs=1e-3)  # 1,000 ms ÷ 12 ms
    assert capacity.assumed_throughput_rps(5.0) == 200.0
    with pytest.raises(DistillDecideError, match="P95 latency"):
        capacity.assumed_throughput_rps(0.0)


def test_capacity_curve_by_hand():
    # 10 req/s per replica at 60% = 6 req/s; peak = 3 × volume ÷ (30.4 × 86,400 s)
    curve = capacity.capacity_curve(
        [1.4e6, 5e6, 20e6], throughput_rps=10, instance_usd_per_hour=0.5, days_per_month=30.4
    )
    expected = [math.ceil(3 * v / (30.4 * 86_400) / 6) for v in (1.4e6, 5e6, 20e6)]
    assert expected == [1, 1, 4]  # 1.60, 5.71 and 22.84 req/s at peak
    assert [c.replicas for c in curve] == expected
    assert curve[2].monthly_usd == pytest.approx(4 * 0.5 * 730) and curve[2].usd_per_request == pytest.approx(
        1_460 / 20e6
    )


def test_price_gap_is_the_larger_over_the_smaller():
    assert capacity.price_gap(0.0038, 130.305 / 1.4e6) == pytest.approx(40.83, abs=0.01)  # the seed teacher
    assert capacity.price_gap(1.0, 4.0) == capacity.price_gap(4.0, 1.0) == 4.0
    assert capacity.price_gap(0.0, 1e-6) == math.inf and capacity.price_gap(0.0, 0.0) == 1.0


@pytest.mark.parametrize(
    "eta, words",
    [
        (170, "about 3 min left"),
        (44, "about 45 s left"),
        (3, "a few seconds left"),
        (90, "about 2 min left"),
        (3_930, "about 1 h 6 min left"),
        (None, ""),
        (float("nan"), ""),
        (-5, ""),
        (True, ""),
    ],
)
def test_eta_in_words(eta, words):
    assert eta_words(eta) == words


def test_durations_in_words():
    assert [duration_words(s) for s in (7, 92, 3_600, 7_260)] == ["7 s", "2 min", "1 h", "2 h 1 min"]


def test_steps_read_while_the_trainer_appends(tmp_path):
    (tmp_path / "steps.jsonl").write_text(
        '{"phase": "teacher", "epoch": 1, "global_step": 10, "total_loss": 2.0}\n'
        "not json\n"
        '{"phase": "teacher", "epoch": 1, "global_step": 20}\n'  # no loss: skipped
        '{"phase": "student", "epoch": 1, "global_step": 10, "total_loss": 1.5}\n'
        '{"phase": "stu'  # half-written
    )
    steps = rundir.read_steps(tmp_path)
    assert steps[["phase", "global_step", "total_loss"]].values.tolist() == [["teacher", 10, 2.0], ["student", 10, 1.5]]
    assert rundir.read_steps(tmp_path / "nothing").empty


def test_planned_epochs_from_config(tmp_path):
    assert rundir.planned_epochs(tmp_path) is None
    (tmp_path / "config.json").write_text('{"epochs": 3}')
    assert rundir.planned_epochs(tmp_path) == 3
    (tmp_path / "config.json").write_text('["not", "an", "object"]')
    assert rundir.planned_epochs(tmp_path) is None
