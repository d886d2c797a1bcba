"""The run-directory schema: what `runs import DIR` checks before anything in DIR is read or stored.

A run directory may come from another machine, so it is data to check, not a layout to trust. Every
entry is looked at with ``lstat`` (nothing is followed, nothing is opened before its size is known):

* only the names below, each a plain file of an expected kind, within its size limit; the folders
  ``checkpoints/<phase>-epoch<N>/`` (only model.safetensors, train_state.pt, meta.json) and ``onnx/``;
  no symbolic links, sockets or devices anywhere, no other names (so no path components either);
* required: DONE, config.json, summary.json, predictions.parquet;
* JSON and JSON-lines files decode as UTF-8, parse (bounded size and nesting), and hold the expected
  keys with the expected types; the run id the store will use is a valid run id;
* binary files carry their format's signature: parquet ``PAR1`` (and a footer within limits, with the
  per-request columns), safetensors a JSON header whose offsets fit the file, ``train_state.pt`` a zip.

The first problem raises :class:`DistillDecideError` naming the file and the fix. Nothing imports torch.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import DistillDecideError, require
from engine.runs import rundir

MB = 1_000_000
MAX_ENTRIES = 10_000
MAX_ROWS = 10_000_000
MAX_COLUMNS = 10_000
PER_REQUEST = ("request_id", "true", "teacher_pred", "student_pred")
FIX = "copy the whole run directory again from the machine that made it (or re-run it)"
NUMBER = (int, float)
PHASES = rundir.PHASES
PHASE_WORDS = f"{', '.join(PHASES[:-1])} or {PHASES[-1]}"


@dataclass(frozen=True)
class FileRule:
    """One kind of file: how it is checked, its size limit, and for JSON the keys it must or may hold."""

    kind: str  # json | jsonl | parquet | text | log | safetensors | zip | onnx
    max_bytes: int
    required: bool = False
    keys: dict[str, tuple] = field(default_factory=dict)  # key → allowed types (None for null)
    required_keys: tuple[str, ...] = ()


CONFIG_KEYS: dict[str, tuple] = {
    "labels": (list,),
    "run_id": (str,),
    "mode": (str,),
    "profile": (str,),
    "teacher": (str,),
    "teacher_run": (str, type(None)),
    "seed": (int,),
    "epochs": (int, type(None)),
    "student_layers": (int,),
    "max_len": (int,),
    "n": (dict,),
    "data_hash": (str,),
}
SUMMARY_KEYS: dict[str, tuple] = {
    "run_id": (str,),
    "mode": (str,),
    "chosen_student_epoch": (int, type(None)),
    "chosen_teacher_epoch": (int, type(None)),
    "selection": (dict,),
    "teacher": (dict,),
    "student": (dict,),
    "seconds": (*NUMBER, type(None)),
}
METRICS = (
    "batch_size", "hard_ce", "kd_kl_t2", "total_loss", "grad_norm", "lr", "throughput_samples_per_sec",
    "train_loss", "val_loss", "val_accuracy", "val_macro_f1", "val_rare_class_accuracy", "val_ece",
    "val_critical_rate", "val_agreement", "val_kl_t3", "val_error_usd_per_request", "val_ece_calibrated",
    "val_temperature", "cost_weighted_ce",
)  # fmt: skip
LOG_KEYS: dict[str, tuple] = {
    "phase": (str,),
    "epoch": (int,),
    "global_step": (int,),
    "checkpoint": (str,),
    "early_stop": (dict, type(None)),
    "checkpoint_promotable": (bool, type(None)),
    **dict.fromkeys(METRICS, (*NUMBER, type(None))),  # the store's numeric log columns
}
TOP: dict[str, FileRule] = {
    "DONE": FileRule("text", 4_096, required=True),
    "config.json": FileRule("json", 1 * MB, True, CONFIG_KEYS, ("labels",)),
    "summary.json": FileRule("json", 16 * MB, True, SUMMARY_KEYS),
    "predictions.parquet": FileRule("parquet", 4_000 * MB, required=True),
    "epochs.jsonl": FileRule("jsonl", 64 * MB, keys=LOG_KEYS, required_keys=("phase", "epoch")),
    "steps.jsonl": FileRule("jsonl", 1_000 * MB, keys=LOG_KEYS, required_keys=("phase", "global_step")),
    "progress.json": FileRule("json", 1 * MB),
    "launch.json": FileRule("json", 1 * MB),
    "scenario.json": FileRule("json", 5 * MB),  # the launcher's: the scenario the run was priced with
    "export.json": FileRule("json", 1 * MB),
    "latency.json": FileRule("json", 16 * MB),
    "price.json": FileRule("json", 1 * MB),  # `price --run`: capacity price per request, read by decide --run
    "latency.parquet": FileRule("parquet", 1_000 * MB),
    "process.log": FileRule("log", 256 * MB),
}
CHECKPOINT = {
    "model.safetensors": FileRule("safetensors", 16_000 * MB),
    "train_state.pt": FileRule("zip", 32_000 * MB),
    "meta.json": FileRule("json", 1 * MB, keys=LOG_KEYS),
}
CHECKPOINT_DIR = re.compile(r"(teacher|student|baseline)-epoch[1-9][0-9]{0,3}")
ONNX_FILE = re.compile(r"(teacher|student)(\.int8)?\.onnx(\.data)?")
ONNX = FileRule("onnx", 16_000 * MB)


def check_run_dir(run_dir: Path) -> None:
    """Refuse ``run_dir`` unless it matches the run schema (module docstring); reads only what it checks."""
    d = Path(run_dir)
    require(d.is_dir(), f"run {d.name}", "is not a directory", "give the run directory")
    entries = _walk(d)
    for name, rule in TOP.items():
        if rule.required and name not in entries:
            unfinished = "the run is not finished (or its copy is incomplete)" if name == "DONE" else "is missing"
            fix = "wait for it to finish or resume it, or " + FIX if name == "DONE" else FIX
            raise DistillDecideError(f"run {d.name}/{name}", unfinished, fix)
    parsed = {}
    for rel, (rule, size) in sorted(entries.items()):
        parsed[rel] = _check_file(d, rel, rule, size)
    _check_together(d, parsed)


def _walk(d: Path) -> dict[str, tuple[FileRule, int]]:
    """Every entry under ``d`` against the layout: relative name → (its rule, its size in bytes)."""
    out: dict[str, tuple[FileRule, int]] = {}
    count = 0
    for entry in _entries(d, ""):
        count += 1
        require(count <= MAX_ENTRIES, f"run {d.name}", f"holds over {MAX_ENTRIES:,} entries", FIX)
        rel, st = entry
        parts = rel.split("/")
        if stat.S_ISDIR(st.st_mode):
            _check_folder(d, parts)
            continue
        rule = _rule_for(parts)
        if parts == ["FAILED"]:
            raise DistillDecideError(
                _field(d, rel), "marks a run that failed", "resume or re-run it, then copy it again"
            )
        if rule is None:
            raise DistillDecideError(_field(d, rel), "is not a file a run directory holds", _where(parts))
        require(stat.S_ISREG(st.st_mode), _field(d, rel), "is not a regular file", "remove it, then " + FIX)
        require(
            st.st_size <= rule.max_bytes,
            _field(d, rel),
            f"is {_size(st.st_size)}, over the {_size(rule.max_bytes)} a run's {parts[-1]} may be",
            FIX,
        )
        out[rel] = (rule, st.st_size)
    return out


def _entries(d: Path, prefix: str):
    """(relative name, lstat) of every entry, depth first; links are refused, never followed."""
    with os.scandir(d / prefix if prefix else d) as it:
        items = sorted(itertools.islice(it, MAX_ENTRIES + 1), key=lambda e: e.name)
    require(len(items) <= MAX_ENTRIES, f"run {d.name}", f"holds over {MAX_ENTRIES:,} entries", FIX)
    for e in items:
        rel = f"{prefix}/{e.name}" if prefix else e.name
        st = e.stat(follow_symlinks=False)
        if stat.S_ISLNK(st.st_mode):
            raise DistillDecideError(
                _field(d, rel),
                "is a symbolic link (a run directory is copied whole: links are never followed)",
                "replace the link with the file itself, or " + FIX,
            )
        yield rel, st
        if stat.S_ISDIR(st.st_mode) and rel.count("/") < 2:
            yield from _entries(d, rel)


def _size(n: int) -> str:
    return f"{n:,} bytes" if n < MB else f"{n / MB:,.1f} MB"


def _check_folder(d: Path, parts: list[str]) -> None:
    ok = (parts[0] in ("checkpoints", "onnx") and len(parts) == 1) or (
        parts[0] == "checkpoints" and len(parts) == 2 and CHECKPOINT_DIR.fullmatch(parts[1]) is not None
    )
    require(ok, _field(d, "/".join(parts)), "is not a folder a run directory holds", _where(parts))


def _rule_for(parts: list[str]) -> FileRule | None:
    if len(parts) == 1:
        return TOP.get(parts[0])
    if parts[0] == "onnx" and len(parts) == 2:
        return ONNX if ONNX_FILE.fullmatch(parts[1]) else None
    if parts[0] == "checkpoints" and len(parts) == 3 and CHECKPOINT_DIR.fullmatch(parts[1]):
        return CHECKPOINT.get(parts[2])
    return None


def _where(parts: list[str]) -> str:
    if parts[0] == "checkpoints":
        return (
            "a checkpoint folder is checkpoints/<teacher|student|baseline>-epoch<N>/ and holds only model.safetensors, "
            "train_state.pt and meta.json: remove the rest, or " + FIX
        )
    if parts[0] == "onnx":
        return "onnx/ holds only teacher/student[.int8].onnx[.data]: remove the rest, or " + FIX
    return f"a run directory holds only {', '.join(TOP)}, checkpoints/ and onnx/: remove it, or " + FIX


def _field(d: Path, rel: str) -> str:
    return f"run {d.name}/{rel[:160]!r}" if not rel.isprintable() else f"run {d.name}/{rel[:160]}"


def _check_file(d: Path, rel: str, rule: FileRule, size: int):
    """The file's content against its kind; parsed JSON (or None) for the cross-file checks."""
    f, name = d / rel, _field(d, rel)
    if rule.kind in ("json", "jsonl"):
        text = _text(f, name)
        if rule.kind == "json":
            return _json_object(_parse(text, name), name, rule)
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                record = _json_object(_parse(line, f"{name} line {i}"), f"{name} line {i}", rule)
                phase = record["phase"]
                require(phase in PHASES, f"{name} line {i}: phase", f"{phase[:40]!r} is not {PHASE_WORDS}", FIX)
        return None
    if rule.kind == "text":
        _text(f, name)
    elif rule.kind == "parquet":
        _check_parquet(f, name, size, rel)
    elif rule.kind == "safetensors":
        _check_safetensors(f, name, size)
    elif rule.kind == "zip":
        require(_head(f, 4) == b"PK\x03\x04", name, "is not a torch checkpoint (zip) file", FIX)
    return None


def _text(f: Path, name: str) -> str:
    try:
        return f.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise DistillDecideError(name, "is not UTF-8 text", FIX) from None
    except OSError as exc:
        raise DistillDecideError(name, f"cannot be read ({exc.strerror})", "check its permissions") from None


def _parse(text: str, name: str):
    try:
        return json.loads(text)
    except RecursionError:
        raise DistillDecideError(name, "is nested too deeply to be a run file", FIX) from None
    except ValueError as exc:
        raise DistillDecideError(name, f"is not valid JSON ({exc})", FIX) from None


def _json_object(data, name: str, rule: FileRule) -> dict:
    require(isinstance(data, dict), name, "is not a JSON object", FIX)
    absent = [k for k in rule.required_keys if k not in data]
    require(not absent, name, f"has no {', '.join(absent)}", FIX)
    for key, types in rule.keys.items():
        if key not in data:
            continue
        value = data[key]
        wrong = not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
        shown = " or ".join("null" if t is type(None) else t.__name__ for t in types)
        require(not wrong, f"{name}: {key}", f"is {type(value).__name__}, not {shown}", FIX)
    return data


def _head(f: Path, n: int) -> bytes:
    with f.open("rb") as fh:
        return fh.read(n)


def _check_parquet(f: Path, name: str, size: int, rel: str) -> None:
    with f.open("rb") as fh:
        head = fh.read(4)
        fh.seek(max(0, size - 4))
        tail = fh.read(4)
    require(size >= 12 and head == b"PAR1" and tail == b"PAR1", name, "is not a parquet file (torn or foreign)", FIX)
    try:
        import pyarrow.parquet as pq

        meta = pq.read_metadata(f)
    except Exception as exc:  # a crafted footer: say which file, never a traceback
        raise DistillDecideError(name, f"has an unreadable parquet footer ({type(exc).__name__})", FIX) from None
    require(meta.num_rows <= MAX_ROWS, name, f"has {meta.num_rows:,} rows, over {MAX_ROWS:,}", FIX)
    require(meta.num_columns <= MAX_COLUMNS, name, f"has {meta.num_columns:,} columns, over {MAX_COLUMNS:,}", FIX)
    if rel == "predictions.parquet":
        columns = set(meta.schema.names)
        missing = [c for c in PER_REQUEST if c not in columns]
        require(not missing, name, f"has no column(s) {', '.join(missing)}", FIX)


def _check_safetensors(f: Path, name: str, size: int) -> None:
    """The header a safetensors reader trusts: its length, its JSON, and tensor offsets inside the file."""
    with f.open("rb") as fh:
        raw = fh.read(8)
        n = int.from_bytes(raw, "little") if len(raw) == 8 else -1
        require(0 < n <= min(100 * MB, size - 8), name, "is not a safetensors file (bad header length)", FIX)
        header = _parse(_decoded(fh.read(n), name), name)
    require(isinstance(header, dict), name, "is not a safetensors file (header is not a JSON object)", FIX)
    body, end = size - 8 - n, 0
    for key, info in header.items():
        if key == "__metadata__":
            continue
        offsets = info.get("data_offsets") if isinstance(info, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(x) is int for x in offsets)):
            offsets = [-1, -1]
        start, stop = offsets
        require(0 <= start <= stop <= body, name, f"tensor {str(key)[:80]!r} lies outside the file", FIX)
        end = max(end, stop)
    require(end == body, name, f"holds {body - end:,} bytes no tensor accounts for", FIX)


def _decoded(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DistillDecideError(name, "is not a safetensors file (header is not UTF-8)", FIX) from None


def _check_together(d: Path, parsed: dict) -> None:
    """Facts across files: the labels, the run id the store will use, the summary's and the log's run."""
    config, summary = parsed["config.json"], parsed["summary.json"]
    labels = config["labels"]
    ok = (
        len(labels) >= 2
        and all(isinstance(x, str) and 0 < len(x) <= 200 for x in labels)
        and len(set(labels)) == len(labels)
    )
    require(ok, f"run {d.name}/config.json: labels", "are not 2 or more distinct names", FIX)
    run_id = config.get("run_id", d.name)
    try:
        rundir.check_run_id(run_id, f"run {d.name}/config.json: run_id")
    except DistillDecideError as exc:
        raise DistillDecideError(exc.field, exc.problem, FIX) from None
    require(
        summary.get("run_id", run_id) == run_id,
        f"run {d.name}/summary.json: run_id",
        f"{str(summary.get('run_id'))[:100]!r} is not config.json's {run_id!r}",
        FIX,
    )
