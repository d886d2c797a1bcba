"""Rollout CLI commands: JSON contracts and one-line errors."""

import json

import pytest

from tests.conftest import run_cli
from tests.engine.rollout.test_cascade_drift_checkpoints import SEED_002


def test_canary_json():
    r = run_cli("canary", "--baseline", "0.90", "--target", "0.895", "--share", "0.05", "--json")
    d = json.loads(r.stdout)
    assert d["equal_allocation"]["n_per_arm"] == 57_763
    assert (d["canary_arm"], d["control_arm"]) == (30_162, 573_078)
    assert d["days_to_collect"] == pytest.approx(13.1, abs=0.05)
    # the seed's critical-misroute rates (34 and 45 per 10,000) and the rule of three over the canary arm
    cm = d["critical_misroutes"]
    assert (cm["teacher_rate"], cm["student_rate"]) == (pytest.approx(0.0034), pytest.approx(0.0045))
    assert cm["n_per_arm_to_detect"] == pytest.approx(51_000, rel=0.01)
    assert cm["upper95_rate_if_none_in_canary_arm"] == pytest.approx(3 / 30_162)
    r = run_cli("canary", "--baseline", "0.90", "--target", "0.895", "--share", "0.10", "--daily", "500000", "--json")
    assert json.loads(r.stdout)["days_to_collect"] == pytest.approx(0.637, abs=0.001)


def test_gates_and_decide_state():
    d = json.loads(run_cli("gates", "--json").stdout)
    assert d["blocked"] is False and len(d["gates"]) == 5
    assert d["canary_guardrail"]["already_breached"] is True
    out = json.loads(run_cli("decide", "--json", "--bootstrap", "500").stdout)
    assert out["verdict"]["state"] == "lean" and out["gates"]["blocked"] is False


def test_quality_cascade_drift_checkpoints(tmp_path):
    q = json.loads(run_cli("quality", "--json").stdout)
    assert q["mcnemar"]["teacher_right_student_wrong"] == 200 and q["calibration"]["temperature"] > 0
    c = json.loads(run_cli("cascade", "--steps", "101", "--json").stdout)
    assert c["beats_both"] is True and len(c["rows"]) == 101
    d = json.loads(run_cli("drift", "--json").stdout)
    assert any(a["rule"] == "agreement_below_gate" for a in d)
    p = tmp_path / "epochs.csv"
    SEED_002.to_csv(p, index=False)
    k = json.loads(run_cli("checkpoints", "--epochs", str(p), "--json").stdout)
    assert k["chosen_epoch"] == 5 and k["tie_within_noise"] is True


@pytest.mark.parametrize(
    "args, words",
    [
        (("canary", "--baseline", "1.5", "--target", "0.9"), "baseline"),
        (("canary", "--baseline", "0.9", "--target", "0.89", "--share", "0"), "share"),
        (("checkpoints", "--epochs", "missing.csv"), "not found"),
        (("drift", "--cycles", "missing.csv"), "not found"),
    ],
)
def test_bad_input(args, words):
    r = run_cli(*args)
    assert r.returncode == 2 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_epoch_table(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("Epoch,Hallucination\n1,abc\n")
    r = run_cli("checkpoints", "--epochs", str(p))
    assert r.returncode == 2 and "hallucination_rate: has values that are not numbers (abc)" in r.stderr
