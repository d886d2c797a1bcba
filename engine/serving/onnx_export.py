"""ONNX export with a parity check, INT8 dynamic quantisation, and ONNX Runtime sessions (torch imported here).

The exported graph carries the model's temperature (fitted on the run's validation split,
``engine.quality.temperature``): its ``logits`` output is the raw logits divided by T, so softmax of what any
ONNX runtime returns is the calibrated probability every gate, the ECE and the cascade threshold read. T is a
positive scalar, so argmax (every prediction, accuracy and dollar) is unchanged. T is also written into the
file's metadata (``temperature``), so the raw logits are ``logits × T`` for whoever wants them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from engine.errors import DistillDecideError, require

PARITY_MAX_ABS_LOGIT = 1e-4
TEMPERATURE_KEY = "temperature"  # ONNX metadata_props: the T the graph divides the logits by
LOGITS_NOTE = "logits = raw logits / temperature (softmax of them is the calibrated probability)"


def check_temperature(t, where: str = "temperature") -> float:
    """A temperature a graph may divide by: a finite number above 0."""
    ok = isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t) and t > 0
    fix = "re-train the run (its temperature is fitted on validation)"
    require(ok, where, f"{t!r} is not a finite number above 0", fix)
    return float(t)


class _Logits(torch.nn.Module):
    """The model's logits divided by its temperature (1: the raw logits)."""

    def __init__(self, model, temperature: float = 1.0) -> None:
        super().__init__()
        self.model = model
        self.temperature = check_temperature(temperature)

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits / self.temperature


def export(model, path: Path, *, seq_len: int = 16, temperature: float = 1.0) -> Path:
    """Export with dynamic batch and sequence axes (torch.export-based exporter); the ``logits`` output is the
    raw logits divided by ``temperature``, which is recorded in the file's metadata."""
    from torch.export import Dim

    temperature = check_temperature(temperature)
    model.eval()
    x = torch.randint(100, 1000, (2, seq_len))
    mask = torch.ones_like(x)
    b, s = Dim("batch", min=1, max=1024), Dim("sequence", min=2, max=512)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        _Logits(model, temperature).eval(),
        (x, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_shapes={"input_ids": {0: b, 1: s}, "attention_mask": {0: b, 1: s}},
        dynamo=True,
    )
    stamp_temperature(path, temperature)
    return path


def stamp_temperature(path: Path, temperature: float) -> None:
    """Write T into the ONNX file's metadata (its weights, inline or in a .data file beside it, untouched)."""
    import onnx

    m = onnx.load(str(path), load_external_data=False)
    kept = [p for p in m.metadata_props if p.key not in (TEMPERATURE_KEY, "logits")]
    del m.metadata_props[:]
    m.metadata_props.extend(kept)
    for key, value in ((TEMPERATURE_KEY, repr(float(temperature))), ("logits", LOGITS_NOTE)):
        entry = m.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(m, str(path))


def temperature_of(sess) -> float:
    """The temperature an exported file's graph divides by (1 for a file exported before T was recorded)."""
    meta = sess.get_modelmeta().custom_metadata_map
    if TEMPERATURE_KEY not in meta:
        return 1.0
    try:
        value = float(meta[TEMPERATURE_KEY])
    except ValueError:
        value = float("nan")
    return check_temperature(value, "onnx model temperature")


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


def parity(model, sess, batches: list[dict], *, temperature: float = 1.0) -> dict:
    """Max |Δlogit| and top-1 agreement between torch (logits / ``temperature``) and ONNX Runtime on real batches."""
    model.eval()
    worst, agree, n = 0.0, 0, 0
    with torch.no_grad():
        for b in batches:
            ref = _Logits(model, temperature)(**b).numpy()
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
    stamp_temperature(dst, temperature_of(session(src)))  # the same division by T, the same metadata
    return dst
