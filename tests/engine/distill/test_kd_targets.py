"""--kd-targets calibrated: the KD term sees the teacher's logits ÷ its validation-fitted temperature, then ÷ T."""

import json
from dataclasses import replace
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from engine.distill import config, losses, step_loss, trainer  # noqa: E402
from engine.errors import DistillDecideError  # noqa: E402
from engine.runs import rundir  # noqa: E402
from tests.engine.distill.test_trainer import cfg, tiny_factory  # noqa: E402


def _phase(kd_tau: float, loss: str = "kd", intent_w=None):
    run = SimpleNamespace(cfg=trainer.TrainConfig(loss=loss, temperature=3.0, alpha=0.7))
    return SimpleNamespace(run=run, kd_tau=kd_tau, class_w=torch.ones(3), intent_w=intent_w)


STUDENT = torch.tensor([[1.0, 0.0, -1.0], [0.2, 0.4, 0.1]])
TEACHER = torch.tensor([[0.6, 0.1, 0.0], [0.0, 0.5, 0.2]])  # an under-confident teacher: close logits
LABELS = torch.tensor([0, 1])


@pytest.mark.parametrize("loss", ["kd", "rare-hybrid"])
def test_a_teacher_temperature_of_one_is_the_raw_loss(loss):
    raw, raw_terms = (
        losses.hybrid_rare_loss(STUDENT, TEACHER, LABELS, torch.ones(3), temperature=3.0)
        if (loss == "rare-hybrid")
        else losses.distillation_loss(STUDENT, TEACHER, LABELS, temperature=3.0, alpha=0.7)
    )
    got, terms = step_loss.logit_loss(_phase(1.0, loss), STUDENT, TEACHER, LABELS)
    assert got.item() == raw.item() and terms == raw_terms


def test_a_hand_set_temperature_divides_the_teacher_logits_before_t():
    tau, t = 0.4, 3.0
    total, terms = step_loss.logit_loss(_phase(tau), STUDENT, TEACHER, LABELS)
    # by hand: T²·KL(softmax(teacher/τ/T) ‖ softmax(student/T)), mean over the 2 rows
    p = torch.softmax(TEACHER / tau / t, dim=1)
    log_q = torch.log_softmax(STUDENT / t, dim=1)
    kl = (p * (torch.log(p) - log_q)).sum(1).mean() * t**2
    assert terms["kd_kl_t2"] == pytest.approx(kl.item(), rel=1e-5)
    assert terms["kd_kl_t2"] == pytest.approx(losses.kd_loss(STUDENT, TEACHER / tau, t).item(), rel=1e-5)
    ce = torch.nn.functional.cross_entropy(STUDENT, LABELS).item()  # the hard term does not see the teacher
    assert total.item() == pytest.approx(0.7 * kl.item() + 0.3 * ce, rel=1e-5)
    # τ = 0.4 sharpens an under-confident teacher: its soft targets at T = 3 are further from uniform
    assert p[0].max() > torch.softmax(TEACHER[0] / t, dim=0).max()


def test_cost_aware_sees_the_divided_teacher_too():
    w = torch.tensor([2.0, 0.5, 0.5])
    got, terms = step_loss.logit_loss(_phase(0.5, "cost-aware", w), STUDENT, TEACHER, LABELS)
    want, want_terms = losses.cost_aware_loss(STUDENT, TEACHER / 0.5, LABELS, w, temperature=3.0, alpha=0.7)
    assert got.item() == pytest.approx(want.item(), rel=1e-5) and terms["kd_kl_t2"] == want_terms["kd_kl_t2"]


def test_bad_value_is_refused_and_old_runs_resume_raw():
    with pytest.raises(DistillDecideError) as exc:
        trainer.TrainConfig(kd_targets="sharp").resolved()
    assert exc.value.field == "--kd-targets"
    assert config.LATER_FIELDS["kd_targets"] == "raw" and trainer.TrainConfig().kd_targets == "raw"


def test_a_tiny_kd_cached_run_with_calibrated_targets_records_the_teacher_temperature(env):
    c = cfg("tiny-kd-cal", epochs=1, baseline=False, kd_targets="calibrated")
    run_dir = trainer.run(c, model_factory=tiny_factory(), ingest=False)
    assert (run_dir / "DONE").exists()
    stored = json.loads((run_dir / "config.json").read_text())
    assert stored["kd_targets"] == "calibrated"
    why = stored["chosen"]["kd_teacher_temperature"]
    tau = float(why.split(":")[0])
    assert 0.05 <= tau <= 20 and "fitted on 60 validation rows" in why and "then ÷ T = 3" in why
    assert config.resume_config("tiny-kd-cal").kd_targets == "calibrated"


def test_kd_online_with_feature_losses_and_calibrated_targets_reaches_done(env):
    c = cfg("tiny-kd-cal-online", mode="kd-online", feature_loss=True, epochs=1, baseline=False)
    run_dir = trainer.run(replace(c, kd_targets="calibrated"), model_factory=tiny_factory(), ingest=False)
    assert (run_dir / "DONE").exists()
    step = [s for s in rundir.read_jsonl(run_dir / "steps.jsonl") if s["phase"] == "student"][-1]
    assert {"kd_kl_t2", "hidden_mse", "attention_mse"} <= set(step)
    assert "kd_teacher_temperature" in json.loads((run_dir / "config.json").read_text())["chosen"]
