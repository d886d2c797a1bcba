"""The bad inputs of tests/engine/reliability/test_bad_inputs.py: files to write, and (argv, field) cases.

Each case is what a careless user or an attacker would type; ``field`` is the text the one error line must
contain (the flag, file field or column, in the user's words). Files are written once into the case folder
and named relative to it.
"""

from __future__ import annotations

import gzip
import json

SEED_SCENARIO = "data/seed/scenario.json"  # read from the repository (see scenario_with)


def _seed_scenario() -> dict:
    from tests.conftest import ROOT

    return json.loads((ROOT / SEED_SCENARIO).read_text(encoding="utf-8"))


def scenario_with(**changes) -> str:
    """The seed scenario as JSON text with some fields changed (None deletes one)."""
    data = _seed_scenario()
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return json.dumps(data)


def overflowing(text: str) -> str:
    """JSON text where the string "1e400" becomes the bare number 1e400 (json reads it as infinity)."""
    return text.replace('"1e400"', "1e400")


def _model_with(model: str, **changes) -> str:
    data = _seed_scenario()
    data[model] = {**data[model], **changes}
    return json.dumps(data)


def _toml_scenario(**changes) -> str:
    import tomli_w

    return tomli_w.dumps({**_seed_scenario(), **changes})


GOOD_GATE = {"name": "agree", "metric": "agreement", "comparator": ">=", "threshold": 0.95, "group": "quality"}


def _gates(*items) -> str:
    return json.dumps(list(items))


COUNTS_HEAD = "segment,true,teacher_pred,student_pred,n\n"
EPOCHS_HEAD = "epoch,val_loss,human_win_rate,teacher_preference_match,hallucination_rate\n"
CYCLES_HEAD = "cycle,agreement,kl_t3\n"

FILES: dict[str, str | bytes] = {
    # scenarios
    "s_latin1.json": '{"name": "caf\xe9"}'.encode("latin-1"),
    "s_latin1.toml": "name = 'caf\xe9'\n".encode("latin-1"),
    "s_syntax.json": "{not json",
    "s_syntax.toml": "name = = 'x'",
    "s_nested.json": "[" * 100_000 + "]" * 100_000,
    "s_nested_shallow.json": '{"name": ' + "[" * 40 + "]" * 40 + "}",
    "s_nested.toml": "a = " + "[" * 5_000 + "]" * 5_000 + "\n",
    "s_nested_mid.toml": "a = " + "[" * 50 + "]" * 50 + "\n",
    "s_nan.json": scenario_with().replace('"usd_per_harm_unit": 0.013', '"usd_per_harm_unit": NaN'),
    "s_infinity.json": scenario_with().replace('"usd_per_harm_unit": 0.013', '"usd_per_harm_unit": Infinity'),
    "s_1e400.json": scenario_with().replace('"usd_per_harm_unit": 0.013', '"usd_per_harm_unit": 1e400'),
    "s_inf.toml": _toml_scenario(usd_per_harm_unit=float("inf")),
    "s_volume_text.json": scenario_with(requests_per_month="lots"),
    "s_volume_numeric_text.json": scenario_with(requests_per_month="1400000"),
    "s_volume_1e300.json": scenario_with(requests_per_month=1e300),
    "s_volume_bool.json": scenario_with(requests_per_month=True),
    "s_volume_list.json": scenario_with(requests_per_month=[1400000]),
    "s_critical_1e308.json": scenario_with(usd_per_critical_event=1e308),
    "s_latency_1e308.json": scenario_with(usd_per_ms_month=1e308),
    "s_intents_int.json": scenario_with(intents=5),
    "s_intents_text.json": scenario_with(intents="order_tracking"),
    "s_intents_nested.json": scenario_with(intents=[["a", "b"]]),
    "s_critical_int.json": scenario_with(critical_intents=3),
    "s_harm_text.json": scenario_with(harm_matrix="lots"),
    "s_harm_cell_text.json": scenario_with(
        harm_matrix={"order_tracking": {"faq": "lots"}}, critical_intents=["escalation"]
    ),
    "s_harm_row_int.json": scenario_with(harm_matrix={"order_tracking": 5}),
    "s_harm_cell_inf.json": overflowing(scenario_with(harm_matrix={"order_tracking": {"faq": "1e400"}})),
    "s_harm_cell_huge.json": scenario_with(harm_matrix={"order_tracking": {"faq": 1e300}}),
    "s_teacher_int.json": scenario_with(teacher=5),
    "s_teacher_price_text.json": _model_with("teacher", usd_per_10k_requests="38"),
    "s_teacher_price_huge.json": _model_with("teacher", usd_per_10k_requests=1e300),
    "s_student_latency_inf.json": overflowing(_model_with("student", p95_latency_ms="1e400")),
    "s_student_source.json": _model_with("student", price_source="rumour"),
    "s_range_text.json": scenario_with(usd_per_critical_event_range=["lots", 2]),
    "s_range_int.json": scenario_with(usd_per_critical_event_range=5),
    "s_range_inf.json": overflowing(scenario_with(usd_per_critical_event_range=[1, "1e400"])),
    "s_days.json": scenario_with(days_per_month=45),
    "s_days_text.json": scenario_with(days_per_month="thirty"),
    "s_mix_text.json": scenario_with(production_segment_mix={"new": "lots"}),
    "s_mult_huge.json": scenario_with(critical_multiplier_by_segment={"vip": 1e30}),
    "s_name_int.json": scenario_with(name=42),
    "s_reference_zero.json": scenario_with(latency_reference_requests_per_month=0),
    "s_unknown.json": scenario_with(bogus_field=1),
    "s_top_list.json": "[1, 2, 3]",
    "s_top_number.json": "42",
    "s_no_intents.json": scenario_with(intents=None),
    "s_too_many_intents.json": scenario_with(intents=[f"i{k}" for k in range(1_001)], harm_matrix=None),
    "s_huge.json": '{"name": "' + "x" * 5_100_000 + '"}',
    "s_empty.json": "",
    # gates
    "g_latin1.json": '[{"name": "caf\xe9"}]'.encode("latin-1"),
    "g_syntax.json": "[{",
    "g_nested.json": "[" * 50_000 + "]" * 50_000,
    "g_nan.json": '[{"name": "a", "metric": "agreement", "comparator": ">=", "threshold": NaN, "group": "quality"}]',
    "g_infinity.json": _gates({**GOOD_GATE, "threshold": float("inf")}),
    "g_1e400.json": overflowing(_gates({**GOOD_GATE, "threshold": "1e400"})),
    "g_threshold_text.json": _gates({**GOOD_GATE, "threshold": "lots"}),
    "g_threshold_huge.json": _gates({**GOOD_GATE, "threshold": 1e300}),
    "g_int.json": "5",
    "g_object.json": json.dumps(GOOD_GATE),
    "g_empty_list.json": "[]",
    "g_item_text.json": '["agreement >= 0.95"]',
    "g_comparator.json": _gates({**GOOD_GATE, "comparator": ">>"}),
    "g_group.json": _gates({**GOOD_GATE, "group": "misc"}),
    "g_use.json": _gates({**GOOD_GATE, "use": "median"}),
    "g_missing.json": _gates({k: v for k, v in GOOD_GATE.items() if k != "threshold"}),
    "g_unknown.json": _gates({**GOOD_GATE, "weight": 2}),
    "g_duplicate.json": _gates(GOOD_GATE, GOOD_GATE),
    "g_blank_name.json": _gates({**GOOD_GATE, "name": "  "}),
    "g_name_int.json": _gates({**GOOD_GATE, "name": 7}),
    # counts
    "c_inf.csv": COUNTS_HEAD + "all,faq,faq,faq,inf\n",
    "c_1e30.csv": COUNTS_HEAD + "all,faq,faq,faq,1e30\nall,faq,faq,chitchat,3\n",
    "c_nan.csv": COUNTS_HEAD + "all,faq,faq,faq,nan\n",
    "c_blank.csv": COUNTS_HEAD + "all,faq,faq,faq,\n",
    "c_negative.csv": COUNTS_HEAD + "all,faq,faq,faq,-4\n",
    "c_fraction.csv": COUNTS_HEAD + "all,faq,faq,faq,2.5\n",
    "c_text.csv": COUNTS_HEAD + "all,faq,faq,faq,lots\n",
    "c_total.csv": COUNTS_HEAD + "all,faq,faq,faq,600000000000\nall,chitchat,faq,faq,600000000000\n",
    "c_blank_label.csv": COUNTS_HEAD + "all, ,faq,faq,3\n",
    "c_missing_col.csv": "true,teacher_pred,n\nfaq,faq,3\n",
    "c_header_only.csv": COUNTS_HEAD,
    "c_zeros.csv": COUNTS_HEAD + "all,faq,faq,faq,0\n",
    "c_latin1.csv": (COUNTS_HEAD + "all,caf\xe9,caf\xe9,caf\xe9,3\n").encode("latin-1"),
    "c_garbage.parquet": b"PAR1 this is not parquet at all",
    "c_broken.csv.gz": gzip.compress((COUNTS_HEAD + "all,faq,faq,faq,3\n").encode())[:25],
    "c_unknown_intent.csv": COUNTS_HEAD + "all,faq,faq,refund_now,3\n",
    "c_empty.csv": "",
    "c_counts.txt": COUNTS_HEAD + "all,faq,faq,faq,3\n",
    "c_binary.csv": bytes(range(256)) * 4,
    # per-request rows
    "r_missing_col.csv": "true,teacher_pred\nfaq,faq\n",
    "r_blank_label.csv": "true,teacher_pred,student_pred\nfaq,,faq\n",
    "r_latin1.csv": "true,teacher_pred,student_pred\ncaf\xe9,faq,faq\n".encode("latin-1"),
    # epochs
    "e_blank_epoch.csv": EPOCHS_HEAD + "1,1.8,0.48,0.72,0.078\n,1.3,0.57,0.79,0.059\n",
    "e_1e30.csv": EPOCHS_HEAD + "1,1.8,0.48,0.72,0.078\n1e30,1.3,0.57,0.79,0.059\n",
    "e_fraction.csv": EPOCHS_HEAD + "1,1.8,0.48,0.72,0.078\n2.5,1.3,0.57,0.79,0.059\n",
    "e_negative.csv": EPOCHS_HEAD + "-1,1.8,0.48,0.72,0.078\n",
    "e_text_epoch.csv": EPOCHS_HEAD + "one,1.8,0.48,0.72,0.078\n",
    "e_duplicate.csv": EPOCHS_HEAD + "1,1.8,0.48,0.72,0.078\n1,1.3,0.57,0.79,0.059\n",
    "e_inf.csv": EPOCHS_HEAD + "1,inf,0.48,0.72,0.078\n2,1.3,0.57,0.79,0.059\n",
    "e_nan.csv": EPOCHS_HEAD + "1,nan,0.48,0.72,0.078\n2,1.3,0.57,0.79,0.059\n",
    "e_blank_metric.csv": EPOCHS_HEAD + "1,1.8,,0.72,0.078\n2,1.3,0.57,0.79,0.059\n",
    "e_text_metric.csv": "Epoch,Hallucination\n1,abc\n",
    "e_huge_metric.csv": EPOCHS_HEAD + "1,1e300,0.48,0.72,0.078\n",
    "e_no_epoch.csv": "val_loss,human_win_rate\n1.8,0.48\n",
    "e_header_only.csv": EPOCHS_HEAD,
    "e_latin1.csv": (EPOCHS_HEAD + "1,1.8,0.48,0.72,0.078 caf\xe9\n").encode("latin-1"),
    "e_no_scored.csv": "epoch,val_loss\n1,1.8\n2,1.3\n",
    # cycles
    "y_missing_col.csv": "cycle,kl_t3\nw1,0.08\n",
    "y_text.csv": CYCLES_HEAD + "w1,lots,0.08\n",
    "y_inf.csv": CYCLES_HEAD + "w1,inf,0.08\n",
    "y_over_one.csv": CYCLES_HEAD + "w1,1.5,0.08\n",
    "y_blank_value.csv": CYCLES_HEAD + "w1,,0.08\n",
    "y_blank_cycle.csv": CYCLES_HEAD + "w1,0.97,0.08\n,0.96,0.09\n",
    "y_duplicate.csv": CYCLES_HEAD + "w1,0.97,0.08\nw1,0.96,0.09\n",
    "y_kl_negative.csv": CYCLES_HEAD + "w1,0.97,-1\n",
    "y_volume_huge.csv": "cycle,agreement,requests_per_month\nw1,0.97,1e300\n",
    "y_price_nan.csv": "cycle,agreement,usd_per_critical_event\nw1,0.97,nan\n",
    "y_header_only.csv": CYCLES_HEAD,
    "y_latin1.csv": (CYCLES_HEAD + "caf\xe9,0.97,0.08\n").encode("latin-1"),
    "y_good.csv": CYCLES_HEAD + "w1,0.97,0.08\nw2,0.96,0.09\n",
}


def _flag_cases() -> list[tuple[str, tuple[str, ...], str]]:
    """Numbers typed into flags: not numbers, not finite, out of range, not whole."""
    cases = []
    for flag, values in {
        "--volume": ["1e300", "1e308", "1e400", "inf", "-inf", "nan", "lots", "-5", "", "1e13"],
        "--critical-cost": ["1e308", "nan", "inf", "-1", "lots", "1e7"],
        "--latency-cost-per-ms": ["1e308", "nan", "-0.5", "lots"],
    }.items():
        cases += [(f"decide {flag}={v!r}", ("decide", flag, v), flag) for v in values]
    for v in ["1000000000", "1000001", "99", "0", "-5", "2.5", "lots", "1e400"]:
        cases.append((f"decide --bootstrap={v}", ("decide", "--bootstrap", v), "--bootstrap"))
    for v in ["-1", "1.5", "lots", "1e20", "4294967296"]:
        cases.append((f"decide --seed={v}", ("decide", "--seed", v), "--seed"))
    cases += [
        ("decide range low > high", ("decide", "--critical-cost-range", "3", "1"), "usd_per_critical_event_range"),
        ("decide range inf", ("decide", "--critical-cost-range", "1", "inf"), "--critical-cost-range"),
        ("decide range one value", ("decide", "--critical-cost-range", "1"), "--critical-cost-range"),
        ("decide unknown flag", ("decide", "--bogus"), "--bogus"),
        ("decide two sources", ("decide", "--rows", "a.csv", "--counts", "b.csv"), "--counts"),
        ("decide flag without value", ("decide", "--volume"), "--volume"),
    ]
    for v in ["10000000000", "0", "1", "100001", "2.5", "lots", "nan"]:
        cases.append((f"sweep --steps={v}", ("sweep", "volume", "--steps", v), "--steps"))
    cases += [
        ("sweep unknown parameter", ("sweep", "bogus"), "what"),
        ("sweep to below from", ("sweep", "volume", "--from", "5", "--to", "1"), "--to"),
        ("sweep from negative", ("sweep", "volume", "--from", "-1"), "--from"),
        ("sweep to inf", ("sweep", "volume", "--to", "inf"), "--to"),
        ("sweep to nan", ("sweep", "critical-cost", "--to", "nan"), "--to"),
        ("sweep volume to 1e300", ("sweep", "volume", "--to", "1e300"), "--to"),
        ("sweep volume above its range", ("sweep", "volume", "--to", "2e12"), "--to"),
        ("sweep critical cost above its range", ("sweep", "critical-cost", "--to", "2e6"), "--to"),
        ("sweep harm cost above its range", ("sweep", "harm-cost", "--to", "1e7"), "--to"),
        ("sweep latency from text", ("sweep", "latency", "--from", "lots"), "--from"),
    ]
    return cases


def _canary_cases() -> list[tuple[str, tuple[str, ...], str]]:
    base = ("canary", "--baseline", "0.9", "--target", "0.92")
    cases = [(f"canary --baseline={v}", ("canary", "--baseline", v, "--target", "0.92"), "--baseline") for v in
             ["1.5", "0", "1", "nan", "-0.1", "lots", "inf"]]  # fmt: skip
    cases += [
        ("canary baseline missing", ("canary", "--target", "0.9"), "--baseline"),
        ("canary target too close", ("canary", "--baseline", "0.9", "--target", "0.8999999"), "target"),
        ("canary target equals baseline", ("canary", "--baseline", "0.9", "--target", "0.9"), "target"),
        ("canary no target", ("canary", "--baseline", "0.9"), "target"),
        ("canary daily 1e-9", (*base, "--daily", "1e-9"), "target"),
        ("canary daily 1", (*base, "--daily", "1"), "target"),
        ("canary NI margin tiny", ("canary", "--baseline", "0.9", "--non-inferiority-margin", "1e-9"), "margin"),
        (
            "canary NI cannot be shown",
            ("canary", "--baseline", "0.9", "--non-inferiority-margin", "0.01", "--expected", "0.5"),
            "expected",
        ),
    ]
    for flag, values in {
        "--daily": ["0", "-5", "inf", "1e13", "nan"],
        "--share": ["0", "1", "1.5", "nan"],
        "--alpha": ["0", "0.5", "nan"],
        "--power": ["1", "0", "lots"],
        "--non-inferiority-margin": ["0", "-0.01", "nan"],
        "--expected": ["2", "inf"],
        "--usd-per-label": ["-1", "inf", "1e300"],
    }.items():
        cases += [(f"canary {flag}={v}", (*base, flag, v), flag) for v in values]
    return cases


def _rollout_cases() -> list[tuple[str, tuple[str, ...], str]]:
    cases = [(f"cascade --steps={v}", ("cascade", "--steps", v), "--steps") for v in
             ["0", "1", "1e9", "100001", "lots", "2.5"]]  # fmt: skip
    cases += [
        ("quality --seed=-1", ("quality", "--seed", "-1"), "--seed"),
        ("quality --seed=lots", ("quality", "--seed", "lots"), "--seed"),
        ("quality unknown run", ("quality", "--run", "no-such-run"), "run"),
        ("gates unknown run", ("gates", "--run", "../../etc"), "run"),
    ]
    cases += [(f"checkpoints --tie-tolerance={v}", ("checkpoints", "--epochs", "e_inf.csv", "--tie-tolerance", v),
               "--tie-tolerance") for v in ["nan", "-1", "inf", "2", "lots"]]  # fmt: skip
    epochs = {
        "missing.csv": "not found",
        "e_blank_epoch.csv": "epoch",
        "e_1e30.csv": "epoch",
        "e_fraction.csv": "epoch",
        "e_negative.csv": "epoch",
        "e_text_epoch.csv": "epoch",
        "e_duplicate.csv": "epoch",
        "e_inf.csv": "val_loss",
        "e_nan.csv": "val_loss",
        "e_blank_metric.csv": "human_win_rate",
        "e_text_metric.csv": "hallucination_rate",
        "e_huge_metric.csv": "val_loss",
        "e_no_epoch.csv": "epoch",
        "e_header_only.csv": "epochs",
        "e_latin1.csv": "e_latin1.csv",
        "e_no_scored.csv": "epochs",
        "c_empty.csv": "file",
        "c_garbage.parquet": "file",
    }
    cases += [(f"checkpoints {f}", ("checkpoints", "--epochs", f), w) for f, w in epochs.items()]
    cycles = {
        "missing.csv": "not found",
        "y_missing_col.csv": "agreement",
        "y_text.csv": "agreement",
        "y_inf.csv": "agreement",
        "y_over_one.csv": "agreement",
        "y_blank_value.csv": "agreement",
        "y_blank_cycle.csv": "cycle",
        "y_duplicate.csv": "cycle",
        "y_kl_negative.csv": "kl_t3",
        "y_volume_huge.csv": "requests_per_month",
        "y_price_nan.csv": "usd_per_critical_event",
        "y_header_only.csv": "cycles",
        "y_latin1.csv": "y_latin1.csv",
        "c_binary.csv": "file",
    }
    cases += [(f"drift {f}", ("drift", "--cycles", f), w) for f, w in cycles.items()]
    cases += [
        ("drift stored series missing", ("drift", "--cycles", "stored:nope"), "series"),
        ("drift save name with path", ("drift", "--cycles", "y_good.csv", "--save", "../escape"), "--save"),
        ("drift save name blank", ("drift", "--cycles", "y_good.csv", "--save", " "), "--save"),
        ("drift save name too long", ("drift", "--cycles", "y_good.csv", "--save", "x" * 101), "--save"),
        ("drift save bad cycles", ("drift", "--cycles", "y_inf.csv", "--save", "weekly"), "agreement"),
    ]
    return cases


def _file_cases() -> list[tuple[str, tuple[str, ...], str]]:
    scenario_files = {
        "missing.json": "not found",
        "s_latin1.json": "UTF-8",
        "s_latin1.toml": "UTF-8",
        "s_syntax.json": "not valid JSON",
        "s_syntax.toml": "not valid TOML",
        "s_nested.json": "nests",
        "s_nested_shallow.json": "nests",
        "s_nested.toml": "nests",
        "s_nested_mid.toml": "nests",
        "s_nan.json": "NaN",
        "s_infinity.json": "Infinity",
        "s_1e400.json": "usd_per_harm_unit",
        "s_inf.toml": "usd_per_harm_unit",
        "s_volume_text.json": "requests_per_month",
        "s_volume_numeric_text.json": "requests_per_month",
        "s_volume_1e300.json": "requests_per_month",
        "s_volume_bool.json": "requests_per_month",
        "s_volume_list.json": "requests_per_month",
        "s_critical_1e308.json": "usd_per_critical_event",
        "s_latency_1e308.json": "usd_per_ms_month",
        "s_intents_int.json": "intents",
        "s_intents_text.json": "intents",
        "s_intents_nested.json": "intents",
        "s_critical_int.json": "critical_intents",
        "s_harm_text.json": "harm_matrix",
        "s_harm_cell_text.json": "harm_matrix[order_tracking][faq]",
        "s_harm_row_int.json": "harm_matrix[order_tracking]",
        "s_harm_cell_inf.json": "harm_matrix[order_tracking][faq]",
        "s_harm_cell_huge.json": "harm_matrix[order_tracking][faq]",
        "s_teacher_int.json": "teacher",
        "s_teacher_price_text.json": "teacher.usd_per_10k_requests",
        "s_teacher_price_huge.json": "teacher.usd_per_10k_requests",
        "s_student_latency_inf.json": "student.p95_latency_ms",
        "s_student_source.json": "student.price_source",
        "s_range_text.json": "usd_per_critical_event_range",
        "s_range_int.json": "usd_per_critical_event_range",
        "s_range_inf.json": "usd_per_critical_event_range",
        "s_days.json": "days_per_month",
        "s_days_text.json": "days_per_month",
        "s_mix_text.json": "production_segment_mix.new",
        "s_mult_huge.json": "critical_multiplier_by_segment.vip",
        "s_name_int.json": "name",
        "s_reference_zero.json": "latency_reference_requests_per_month",
        "s_unknown.json": "bogus_field",
        "s_top_list.json": "scenario",
        "s_top_number.json": "scenario",
        "s_no_intents.json": "intents",
        "s_too_many_intents.json": "intents",
        "s_huge.json": "5 MB",
        "s_empty.json": "not valid JSON",
    }
    cases = [(f"scenario save {f}", ("scenario", "save", "x", "--file", f), w) for f, w in scenario_files.items()]
    cases += [
        (f"decide --scenario {f}", ("decide", "--scenario", f), w)
        for f, w in list(scenario_files.items())[:12:3]  # the same files reach decide through the same loader
    ]
    cases += [
        ("scenario save name with path", ("scenario", "save", "../escape"), "name"),
        ("scenario save name with slash", ("scenario", "save", "a/b"), "name"),
        ("scenario save blank name", ("scenario", "save", "  "), "name"),
        ("scenario save no name", ("scenario", "save"), "name"),
        ("scenario save author too long", ("scenario", "save", "x", "--author", "a" * 101), "--author"),
        ("scenario show unknown", ("scenario", "show", "nope"), "scenario"),
        ("scenario unknown action", ("scenario", "delete", "x"), "action"),
    ]
    gate_files = {
        "missing.json": "not found",
        "g_latin1.json": "UTF-8",
        "g_syntax.json": "not valid JSON",
        "g_nested.json": "nests",
        "g_nan.json": "NaN",
        "g_infinity.json": "Infinity",
        "g_1e400.json": "gate 1.threshold",
        "g_threshold_text.json": "gate 1.threshold",
        "g_threshold_huge.json": "gate 1.threshold",
        "g_int.json": "gates file",
        "g_object.json": "gates file",
        "g_empty_list.json": "gates file",
        "g_item_text.json": "gate 1",
        "g_comparator.json": "gate 1.comparator",
        "g_group.json": "gate 1.group",
        "g_use.json": "gate 1.use",
        "g_missing.json": "gate 1.threshold",
        "g_unknown.json": "weight",
        "g_duplicate.json": "agree",
        "g_blank_name.json": "gate 1.name",
        "g_name_int.json": "gate 1.name",
    }
    cases += [(f"gates {f}", ("gates", "--gates", f), w) for f, w in gate_files.items()]
    cases += [(f"decide --gates {f}", ("decide", "--gates", f), w) for f, w in list(gate_files.items())[1:8:3]]
    counts = {
        "c_inf.csv": "n",
        "c_1e30.csv": "n",
        "c_nan.csv": "n",
        "c_blank.csv": "n",
        "c_negative.csv": "n",
        "c_fraction.csv": "n",
        "c_text.csv": "n",
        "c_total.csv": "counts",
        "c_blank_label.csv": "true",
        "c_missing_col.csv": "student_pred",
        "c_header_only.csv": "counts",
        "c_zeros.csv": "counts",
        "c_latin1.csv": "c_latin1.csv",
        "c_garbage.parquet": "c_garbage.parquet",
        "c_broken.csv.gz": "c_broken.csv.gz",
        "c_empty.csv": "empty",
        "c_counts.txt": "not CSV or parquet",
        "c_binary.csv": "c_binary.csv",
        "missing.csv": "not found",
    }
    cases += [(f"cube import {f}", ("cube", "import", f), w) for f, w in counts.items()]
    cases += [(f"decide --counts {f}", ("decide", "--counts", f), w) for f, w in list(counts.items())[:8:2]]
    cases += [
        ("decide --counts unknown intent", ("decide", "--counts", "c_unknown_intent.csv"), "intents"),
        ("decide --rows missing column", ("decide", "--rows", "r_missing_col.csv"), "student_pred"),
        ("decide --rows blank label", ("decide", "--rows", "r_blank_label.csv"), "teacher_pred"),
        ("decide --rows not UTF-8", ("decide", "--rows", "r_latin1.csv"), "r_latin1.csv"),
        ("decide --cube unknown", ("decide", "--cube", "deadbeef"), "cube"),
        ("cube import no path", ("cube", "import"), "path"),
        ("cube build nothing", ("cube", "build"), "cube build"),
        ("cube build unknown table", ("cube", "build", "--table", "no_such"), "table"),
        ("cube build table injection", ("cube", "build", "--table", "cubes; DROP TABLE cubes"), "table"),
        ("cube build no parquet", ("cube", "build", "--parquet", "nomatch*.parquet"), "parquet"),
        ("cube unknown action", ("cube", "delete"), "action"),
    ]
    return cases


def _serving_cases() -> list[tuple[str, tuple[str, ...], str]]:
    """The serving commands' numbers, refused by argparse before any run is opened or torch imported."""
    flags = {
        ("bench-latency", "--requests"): ["-5", "0", "1e9", "lots", "nan"],
        ("bench-latency", "--threads"): ["0", "-1", "1e6", "2.5"],
        ("price", "--volume"): ["-1", "inf", "1e300"],
        ("price", "--utilisation"): ["0", "1.5", "nan"],
        ("price", "--peak-to-average"): ["0.5", "inf"],
        ("price", "--min-replicas"): ["0", "-3", "lots"],
        ("price", "--instance-usd-per-hour"): ["-0.1", "inf"],
    }
    return [
        (f"{cmd} {flag}={x}", (cmd, "--run", "default", flag, x), flag) for (cmd, flag), xs in flags.items() for x in xs
    ]


def _other_cases() -> list[tuple[str, tuple[str, ...], str]]:
    return [
        ("no command", (), "command"),
        ("unknown command", ("bogus",), "command"),
        ("seed-errors unknown flag", ("seed-errors", "--bogus"), "--bogus"),
        ("seed-errors extra argument", ("seed-errors", "extra"), "extra"),
    ]


CASES = _flag_cases() + _canary_cases() + _rollout_cases() + _file_cases() + _serving_cases() + _other_cases()
