"""The Lab's view of a finished run (teacher, KD student and fine-tune-only baseline; KD − FT-only in words;
temperatures with ECE before → after), an older run without those fields, and the launcher's new choices
(cost-aware loss, no baseline, JSON / JSONL data). AppTest over fabricated run folders in the test's runs folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from engine.runs import rundir
from tests.conftest import ROOT
from ui import run_view

VOLUME = 1_400_000  # the seed scenario's requests per month: every $/month below is per request × this
LABELS = ["order_tracking", "recommendation", "faq"]  # a subset of the seed's intents: priced with the seed
KD_VS_FT = {
    "n": {"requests": 1000, "B": 2000},
    "accuracy": {"a": 0.85, "b": 0.87, "diff": -0.02, "ci95": [-0.035, -0.005]},
    "error_usd_per_month": {"a": 112_000.0, "b": 98_000.0, "diff": 14_000.0, "ci95": [5_000.0, 23_000.0]},
    "critical_per_month": {"a": 28_000.0, "b": 21_000.0, "diff": 7_000.0, "ci95": [2_000.0, 12_000.0]},
}


def fit(t: float, before: float, after: float) -> dict:
    return {"temperature": t, "ece_before": before, "ece_after": after, "n_fit": 300, "fitted_on": "validation"}


NEW_SUMMARY = {
    "mode": "kd-cached",
    "loss": "kd",
    "teacher": {"accuracy": 0.9, "error_usd_per_request": 0.05, "critical_rate": 0.01},  # $70,000 · 14,000
    "student": {"accuracy": 0.85, "error_usd_per_request": 0.08, "critical_rate": 0.02},  # $112,000 · 28,000
    "baseline": {"accuracy": 0.87, "error_usd_per_request": 0.07, "critical_rate": 0.015},  # $98,000 · 21,000
    "calibration": {"teacher": fit(1.5, 0.12, 0.03), "student": fit(2.0, 0.2, 0.05), "baseline": fit(0.8, 0.1, 0.04)},
    "kd_vs_finetune": KD_VS_FT,
}


def done_run(runs: Path, run_id: str, summary: dict) -> Path:
    d = runs / run_id
    d.mkdir(parents=True)
    rundir.write_json(d / "summary.json", summary)
    rundir.write_json(d / "config.json", {"run_id": run_id, "labels": LABELS, "scenario": None})
    rundir.write_json(d / "progress.json", {"state": "done", "fraction": 1.0, "seconds": 60.0})
    (d / "DONE").write_text("x\n")
    return d


def lab() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("app_pages/lab.py").run()
    assert not at.exception, at.exception
    return at


def models(at: AppTest) -> pd.DataFrame:
    return next(t.value for t in at.dataframe if "Model" in t.value.columns).set_index("Model")


def test_a_finished_run_shows_its_three_models_the_paired_differences_and_calibration(env):
    done_run(env / "runs", "r-new", NEW_SUMMARY)
    at = lab()
    t = models(at)
    assert list(t.index) == ["Teacher", "KD student", "Fine-tune-only student"]
    assert t["Accuracy"].tolist() == ["90.0%", "85.0%", "87.0%"]
    assert t["Error $/month"].tolist() == ["$70,000", "$112,000", "$98,000"]  # 0.05, 0.08, 0.07 × 1,400,000
    assert t["Critical misroutes/month"].tolist() == ["14,000", "28,000", "21,000"]  # 1%, 2%, 1.5% × 1,400,000
    assert t["Temperature"].tolist() == ["1.500", "2.000", "0.800"]
    assert t["ECE before → after"].tolist() == ["0.120 → 0.030", "0.200 → 0.050", "0.100 → 0.040"]
    said = next(m.value for m in at.markdown if "fine-tune-only**" in m.value)
    assert "paired on the same 1,000 test requests" in said
    assert "KD is 2.0 points less accurate than fine-tuning alone [−3.5, −0.5]" in said
    assert "costs $14,000/month more [+$5,000, +$23,000]" in said
    assert "makes 7,000 more critical misroutes a month [+2,000, +12,000]" in said
    assert said.endswith(": distillation did not help here.")
    captions = " ".join(c.value for c in at.caption)
    assert "per month at 1,400,000 requests/month (seed scenario)" in captions
    assert "fitted on the run's 300 validation requests" in captions
    past = next(t.value for t in at.dataframe if "State" in t.value.columns)
    assert past["FT-only accuracy"].tolist() == [87.0]


def test_an_old_run_without_baseline_or_calibration_says_not_recorded(env):
    done_run(env / "runs", "r-old", {"teacher": {"accuracy": 0.912}, "student": {"accuracy": 0.89}})
    at = lab()
    t = models(at)
    assert t.loc["Teacher", "Accuracy"] == "91.2%" and t.loc["KD student", "Accuracy"] == "89.0%"
    assert t.loc["Teacher", "Error $/month"] == "—"  # that run kept no $ either
    assert set(t.loc["Fine-tune-only student"]) == {"—"} and set(t["Temperature"]) == {"—"}
    captions = " ".join(c.value for c in at.caption)
    assert "Fine-tune-only student: not recorded for this run" in captions
    assert "—: not recorded for this run" in captions  # the teacher's and student's $ and calibration
    assert any("paired differences: not recorded for this run" in i.value for i in at.info)
    assert "ECE before → after: not recorded for this run" in captions


def test_the_picker_shows_a_cost_aware_run_without_its_baseline(env):
    done_run(env / "runs", "r-a", NEW_SUMMARY)
    cost = {k: v for k, v in NEW_SUMMARY.items() if k not in ("baseline", "kd_vs_finetune")} | {"loss": "cost-aware"}
    done_run(env / "runs", "r-b", cost)  # listed first (newest name first)
    at = lab()
    assert list(models(at).index) == ["Teacher", "Cost-aware KD student", "Fine-tune-only student"]
    at.selectbox(key="lab_view_run").set_value("r-a").run()
    assert not at.exception, at.exception
    assert list(models(at).index)[1] == "KD student"


def test_the_verdict_words_follow_which_intervals_exclude_zero():
    def words(acc, usd, crit) -> str:
        k = {"accuracy": acc, "error_usd_per_month": usd, "critical_per_month": crit}
        return run_view.kd_vs_finetune_words({"loss": "cost-aware", "kd_vs_finetune": k}) or ""

    up = {"diff": 0.03, "ci95": [0.01, 0.05]}
    cheaper = {"diff": -10_000.0, "ci95": [-18_000.0, -2_000.0]}
    noise = {"diff": 100.0, "ci95": [-50.0, 250.0]}
    helped = words(up, cheaper, noise)
    assert helped.startswith("Cost-aware KD is 3.0 points more accurate than fine-tuning alone [+1.0, +5.0]")
    assert "costs $10,000/month less [−$18,000, −$2,000]" in helped and helped.endswith("distillation helped here.")
    worse = {"diff": 900.0, "ci95": [300.0, 1_500.0]}
    assert words(up, cheaper, worse).endswith("mixed: distillation helped on accuracy and error $ and hurt on "
                                              "critical misroutes.")  # fmt: skip
    flat = {"diff": 0.0, "ci95": [-0.01, 0.01]}
    assert "is as accurate as fine-tuning alone" in words(flat, noise, noise)
    assert words(flat, noise, noise).endswith("(every interval includes 0).")
    assert run_view.kd_vs_finetune_words({"kd_vs_finetune": {"accuracy": {"diff": "x"}}}) is None  # malformed


def started(env, monkeypatch) -> list[list[str]]:
    """Every command the launcher would spawn (nothing is run)."""
    from engine.runs import launcher

    cmds: list[list[str]] = []
    monkeypatch.setattr(launcher, "_spawn", lambda log_dir, cmd, **kw: cmds.append(cmd) or os.getpid())
    return cmds


def start(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Start training in the background").click().run()
    assert not at.exception, at.exception
    return at


def test_the_launcher_passes_cost_aware_and_no_baseline_when_chosen(env, monkeypatch):
    cmds = started(env, monkeypatch)
    at = lab()
    assert at.selectbox(key="lab_loss").options == ["kd", "rare-hybrid", "cost-aware"]
    assert at.checkbox(key="lab_baseline").value is True
    start(at)
    assert "--no-baseline" not in cmds[0] and cmds[0][cmds[0].index("--loss") + 1] == "kd"
    at = lab()
    at.selectbox(key="lab_loss").set_value("cost-aware")
    at.checkbox(key="lab_baseline").uncheck()
    start(at)
    assert cmds[1][cmds[1].index("--loss") + 1] == "cost-aware" and "--no-baseline" in cmds[1]


def test_a_jsonl_upload_is_stored_under_a_generated_name_and_passed_to_the_trainer(env, monkeypatch):
    cmds = started(env, monkeypatch)
    rows = [{"text": f"where is my order {i}", "label": "order_tracking"} for i in range(20)]
    rows += [{"text": f"recommend a manga like {i}", "label": "recommendation"} for i in range(20)]
    at = lab()
    body = "\n".join(json.dumps(r) for r in rows).encode()
    at.file_uploader(key="lab_data").set_value(("../../mine.jsonl", body, "application/jsonl"))
    start(at)
    data = Path(cmds[0][cmds[0].index("--data") + 1])
    try:
        assert data.suffix == ".jsonl" and data.parent.name == "uploads" and len(data.stem) == 32  # uuid4 hex
        assert data.read_bytes() == body
    finally:
        data.unlink(missing_ok=True)


def test_a_malformed_jsonl_upload_names_its_line_and_starts_nothing(env, monkeypatch):
    cmds = started(env, monkeypatch)
    at = lab()
    at.file_uploader(key="lab_data").set_value(("bad.jsonl", b'{"text": "hi", "label": "faq"}\n{oops\n', "x"))
    start(at)
    shown = next(e.value for e in at.error if "line 2" in e.value)
    assert "not valid JSON" in shown and cmds == []
