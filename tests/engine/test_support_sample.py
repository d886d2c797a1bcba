"""The hand-written help-desk sample (data/samples): it loads with every split, no text on two sides, every intent
in train, the imbalance its README states, the committed CSV is its build script's output, and its scenario
prices exactly its labels (critical set, harm matrix, the cost-aware weights by hand)."""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import sources
from engine.data import byo
from engine.decision import scenario
from engine.distill import cost_weights

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
CSV = SAMPLES / "support_intents.csv"
SCENARIO = SAMPLES / "support_scenario.json"


@pytest.fixture(scope="module")
def sample():
    return byo.load(CSV)


def test_sample_loads_with_every_split_and_no_text_on_two_sides(sample):
    assert CSV.stat().st_size < 300_000
    assert len(sample) == 1496 and sample.intent.nunique() == 20
    assert sample.attrs["notes"] == []  # the file's own split kept: nothing carved, nothing dropped
    counts = sample.split.value_counts().to_dict()
    assert counts == {"train": 903, "test": 367, "val": 226}
    key = byo.text_key(sample.text)
    assert not key.duplicated().any()  # deduplicated across the whole file, so across splits too
    for split in ("val", "test"):
        assert set(sample.intent[sample.split == split]) == set(sample.intent[sample.split == "train"])


def test_sample_is_imbalanced_as_the_readme_says(sample):
    share = sample.intent.value_counts(normalize=True)
    assert share.index[:3].tolist() == ["playback_problem", "billing_charge_question", "login_problem"]
    assert share.iloc[0] == pytest.approx(260 / 1496)  # 17.4%
    rare = share[share < 0.03].index
    assert len(rare) == 10 and {"fraud_report", "account_locked", "data_privacy_request"} <= set(rare)
    assert share["change_email"] == pytest.approx(18 / 1496)  # the smallest, 1.2%


def test_the_committed_csv_is_the_build_output():
    spec = importlib.util.spec_from_file_location("build_support_intents", SAMPLES / "build_support_intents.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = build.build()
    committed = pd.read_csv(CSV, keep_default_na=False)
    assert list(committed.itertuples(index=False, name=None)) == rows
    assert json.loads(SCENARIO.read_text()) == json.loads(json.dumps(build.scenario()))


def test_scenario_prices_exactly_the_sample_labels(sample):
    a = scenario.load(SCENARIO)
    assert set(a.intents) == set(sample.intent)
    assert a.critical_intents == ("fraud_report", "account_locked", "cancel_subscription", "data_privacy_request")
    assert set(a.critical_intents) <= set(sample.intent)
    assert (a.requests_per_month, a.usd_per_harm_unit, a.usd_per_critical_event) == (250_000, 0.6, 12.0)
    found, where = sources.scenario_for_labels(sorted(sample.intent.unique()), str(SCENARIO))
    assert found == a and where == "scenario file support_scenario.json"
    harm = np.asarray(a.harm_matrix)
    assert harm.shape == (20, 20) and np.all(np.diag(harm) == 0)
    i = a.intents.index
    assert harm[i("billing_charge_question"), i("fraud_report")] == 2.0  # into a specialist queue
    assert harm[i("billing_charge_question"), i("refund_request")] == 0.5  # one agent settles both
    assert harm[i("refund_request"), i("billing_charge_question")] == 0.5
    assert harm[i("change_plan"), i("human_agent")] == 1.0


def test_cost_aware_weights_of_the_sample_by_hand():
    a = scenario.load(SCENARIO)
    usd = dict(zip(a.intents, cost_weights.misroute_usd(list(a.intents), a)))
    assert usd["fraud_report"] == 12.0 and usd["cancel_subscription"] == 12.0  # critical: $ per critical event
    # playback_problem's row: 3 specialist queues at 2, device / subtitles / downloads at 0.5, 13 others at 1
    assert usd["playback_problem"] == pytest.approx((3 * 2 + 3 * 0.5 + 13) / 19 * 0.6)  # $0.647
    # human_agent's row: 3 specialist queues at 2, 16 others at 1
    assert usd["human_agent"] == pytest.approx((3 * 2 + 16) / 19 * 0.6)  # $0.695


def test_a_tiny_model_trains_on_the_sample_priced_by_its_scenario(env):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from engine.distill import trainer
    from tests.engine.distill.test_trainer import logits_cache, tiny_factory

    cfg = trainer.TrainConfig(
        data=str(CSV), scenario=str(SCENARIO), device="cpu", threads=1, mode="finetune", epochs=1,
        run_id="sample-tiny", logits_cache=logits_cache(), max_len=32,
    )  # fmt: skip
    run_dir = trainer.run(cfg, model_factory=tiny_factory(), ingest=False)
    summary = json.loads((run_dir / "summary.json").read_text())
    config = json.loads((run_dir / "config.json").read_text())
    assert (run_dir / "DONE").exists() and config["n"] == {"train": 903, "val": 226, "test": 367}
    assert math.isfinite(summary["student"]["error_usd_per_request"])  # priced: the scenario knows every label
