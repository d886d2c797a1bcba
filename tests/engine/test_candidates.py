"""N candidates on one plane: three students against one teacher on the same 10,000 seed requests."""

import json

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as cli
from engine.errors import DistillDecideError
from engine.rollout import candidates

COLUMNS = {"2layer": "s2_pred", "4layer": "s4_pred", "int8": "int8_pred"}


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    """The seed rows with two more candidates: the teacher's routes with 30% / 60% of requests taken from the
    seed student (so each is a blend between the two models the seed prices)."""
    from engine.data import seed

    r = seed.load_rows()[["request_id", "segment", "true", "teacher_pred", "student_pred"]].copy()
    rng = np.random.default_rng(1)
    for col, share in (("s4_pred", 0.3), ("int8_pred", 0.6)):
        r[col] = np.where(rng.random(len(r)) < share, r["student_pred"], r["teacher_pred"])
    r = r.rename(columns={"student_pred": "s2_pred"})
    d = tmp_path_factory.mktemp("candidates")
    r.to_csv(d / "candidates.csv", index=False)
    for col in COLUMNS.values():  # one two-model file per candidate: what a pairwise run prices
        pair = r.drop(columns=[c for c in COLUMNS.values() if c != col]).rename(columns={col: "student_pred"})
        pair.to_csv(d / f"pair_{col}.csv", index=False)
    return d


def _json(capsys, *args):
    rc = cli.main(["decide", *map(str, args), "--json", "--bootstrap", "10000", "--seed", "0"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def test_three_candidates_give_three_paired_intervals_that_agree_with_pairwise_runs(rows, capsys):
    spec = ",".join(f"{k}={v}" for k, v in COLUMNS.items())
    comp = _json(capsys, "--rows", rows / "candidates.csv", "--candidates", spec)
    assert list(comp["candidates"]) == list(COLUMNS)
    for name, col in COLUMNS.items():
        pair = _json(capsys, "--rows", rows / f"pair_{col}.csv")
        got = comp["candidates"][name]
        assert got["cube_hash"] == pair["cube_hash"]  # the same two-model cube
        assert got["margin_usd"] == pytest.approx(pair["margin_usd"], abs=0.005)  # to the cent
        assert got["student_total_usd"] == pytest.approx(pair["student"]["total_usd"], abs=0.005)
        assert comp["teacher_total_usd"] == pytest.approx(pair["teacher"]["total_usd"], abs=0.005)
        # the intervals come from other random resamples of the same requests: equal within Monte Carlo noise
        # (the upper tail is lumpy: a few rare critical misroutes move it by ~$150 at the 97.5th percentile)
        lo, hi = got["margin_ci95"]
        plo, phi = pair["bootstrap"]["margin_ci95"]
        assert abs(lo - plo) < 0.1 * (phi - plo) and abs(hi - phi) < 0.1 * (phi - plo), (name, got, pair)
    # the seed student is the seed's $1,122; the blends sit between it and the teacher's routes
    assert round(comp["candidates"]["2layer"]["margin_usd"]) == 1122
    m = {k: v["margin_usd"] for k, v in comp["candidates"].items()}
    assert comp["best"] == max(m, key=m.__getitem__) == "4layer" and comp["runner_up"] == "int8"
    assert comp["lead_usd"] == pytest.approx(m["4layer"] - m["int8"])
    lo, hi = comp["lead_ci95"]
    assert lo < comp["lead_usd"] < hi and 0.5 < comp["p_best_cheaper"] < 1
    assert comp["sentence"].startswith("Best candidate: 4layer, which saves $2,363/month vs the teacher")
    assert "cheaper than the runner-up int8" in comp["sentence"]


def test_candidates_are_refused_in_one_line(rows, capsys):
    with pytest.raises(DistillDecideError, match="name two or more"):
        candidates.parse("only=s2_pred")
    with pytest.raises(DistillDecideError, match="named twice"):
        candidates.parse("a=s2_pred,a=s4_pred")
    frame = pd.read_csv(rows / "candidates.csv")
    with pytest.raises(DistillDecideError, match=r"candidates column\(s\) \['nope'\]"):
        candidates.joint_cells(frame, {"a": "s2_pred", "b": "nope"})
    rc = cli.main(["decide", "--candidates", "a=s2_pred,b=s4_pred"])
    assert rc == 2 and capsys.readouterr().err.startswith("error: --candidates: needs --rows or --counts")


def test_a_candidate_priced_on_its_own_moves_only_its_margin(rows, capsys):
    spec = ",".join(f"{k}={v}" for k, v in COLUMNS.items())
    plain = _json(capsys, "--rows", rows / "candidates.csv", "--candidates", spec)
    own = _json(capsys, "--rows", rows / "candidates.csv", "--candidates", spec, "--candidate-costs", "int8=0.0012")
    # by hand: $0.0016 → $0.0012 per request saves $0.0004 × 1,400,000 = $560/month, nothing else moves
    gain = own["candidates"]["int8"]["margin_usd"] - plain["candidates"]["int8"]["margin_usd"]
    assert gain == pytest.approx(560.0, abs=0.005)
    for other in ("2layer", "4layer"):
        assert own["candidates"][other]["margin_usd"] == plain["candidates"][other]["margin_usd"]
    assert own["best"] == "int8" and own["runner_up"] == "4layer"
    with pytest.raises(DistillDecideError, match="is not a candidate"):
        candidates.parse_costs("int9=0.001", list(COLUMNS))
    with pytest.raises(DistillDecideError, match="is negative"):
        candidates.parse_costs("int8=0.001/-3", list(COLUMNS))
