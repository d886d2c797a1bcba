"""ONNX export with a parity check, INT8 dynamic quantisation, and ONNX Runtime sessions (torch imported here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from engine.errors import DistillDecideError, require

PARITY_MAX_ABS_LOGIT = 1e-4


class _Logits(torch.nn.Module):
    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def export(model, path: Path, *, seq_len: int = 16) -> Path:
    """Export with dynamic batch and sequence axes (torch.export-based exporter)."""
    from torch.export import Dim

    model.eval()
    x = torch.randint(100, 1000, (2, seq_len))
    mask = torch.ones_like(x)
    b, s = Dim("batch", min=1, max=1024), Dim("sequence", min=2, max=512)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        _Logits(model).eval(),
        (x, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_shapes={"input_ids": {0: b, 1: s}, "attention_mask": {0: b, 1: s}},
        dynamo=True,
    )
    return path


def session(path: Path, threads: int = 1):
    import onnxruntime as ort

    require(threads >= 1, "threads", f"{threads}", "use at least 1 thread")
    require(Path(path).exists(), "onnx model", f"{path} not found", "run `python -m engine export --run RUN` first")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise DistillDecideError(
            "onnx model",
            f"{Path(path).name} could not be loaded ({str(exc)[:120]})",
            "re-export it with `python -m engine export --run RUN`",
        ) from None


def run_session(sess, batch: dict) -> np.ndarray:
    return sess.run(["logits"], {k: v.numpy() if hasattr(v, "numpy") else v for k, v in batch.items()})[0]


def parity(model, sess, batches: list[dict]) -> dict:
    """Max |Δlogit| and top-1 agreement between torch and ONNX Runtime on real batches."""
    model.eval()
    worst, agree, n = 0.0, 0, 0
    with torch.no_grad():
        for b in batches:
            ref = _Logits(model)(**b).numpy()
            got = run_session(sess, b)
            worst = max(worst, float(np.abs(ref - got).max()))
            agree += int((ref.argmax(1) == got.argmax(1)).sum())
            n += len(ref)
    return {"max_abs_logit_diff": worst, "top1_agreement": agree / max(n, 1), "requests": n}


def check_parity(result: dict) -> None:
    if result["max_abs_logit_diff"] > PARITY_MAX_ABS_LOGIT or result["top1_agreement"] < 1.0:
        raise DistillDecideError(
            "onnx export",
            f"parity failed: max |Δlogit| {result['max_abs_logit_diff']:.2e}, "
            f"top-1 agreement {result['top1_agreement']:.2%}",
            "do not serve this file; report the model family and opset",
        )


def quantize_int8(src: Path, dst: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
    return dst
