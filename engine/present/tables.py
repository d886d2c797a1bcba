"""Engine frames as a person reads them: column names in words with units, shares as percentages.

The pages show these frames (st.dataframe, so every table has the toolbar's CSV download) and format money
with :func:`engine.present.money.usd_cell`; the numbers stay numbers, so a downloaded table holds the values
with its headers in words (a share of 30% downloads as 30.0 under "… (%)", not 0.3).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import pandas as pd

from engine.present.figures import COMPONENT_LABELS

MONEY = " ($/month)"
MODEL_NAMES = {"teacher": "Teacher", "student": "Student", "pair": "Both (paired)"}
METRIC_LABELS = {  # metric -> (label, unit, decimals): "%" metrics are shown ×100
    "agreement": ("Top-1 agreement", "%", 1),
    "accuracy": ("Accuracy", "%", 1),
    "macro_f1": ("Macro-F1 (mean over intents)", "%", 1),
    "critical_rate": ("Critical-error rate", "%", 2),
    "rare_class_accuracy": ("Rare-intent accuracy", "%", 1),
    "kl_t3": ("KL divergence, teacher to student (T = 3)", "nats", 3),
    "ece": ("Calibration error (ECE, 15 bins)", "%", 1),
}


def plain_name(code: str) -> str:
    """A code name in words: ``usd_per_critical_event`` → "$ per critical event", ``teacher.x_y`` → "Teacher x y"."""
    words = code.replace(".", " ").replace("_", " ").split()
    words = ["$" if w == "usd" else ("%" if w == "pct" else w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def plain_value(x: object) -> str:
    """A scenario value as text: 1,400,000 / 2.5 / a, b / yes — never ``np.float64(2.5)``."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, numbers.Integral):
        return f"{int(x):,}"
    if isinstance(x, numbers.Real):
        v = float(x)
        return f"{v:,.0f}" if v.is_integer() and abs(v) >= 1000 else f"{v:,.6g}"
    if x is None:
        return "none"
    if isinstance(x, Mapping):
        return ", ".join(f"{k}: {plain_value(v)}" for k, v in x.items()) or "none"
    if isinstance(x, list | tuple):
        if x and isinstance(x[0], list | tuple):
            return f"{len(x)} × {len(x[0])} table"
        return ", ".join(plain_value(v) for v in x) or "none"
    return str(x)


def _model(col: pd.Series) -> pd.Series:
    return col.map(lambda m: MODEL_NAMES.get(m, str(m).capitalize()))


def confusion_costs(cc: pd.DataFrame) -> pd.DataFrame:
    """The most expensive confusions: who, true → predicted, misroutes and their error dollars per month."""
    return pd.DataFrame(
        {
            "Model": _model(cc["model"]),
            "True intent": cc["true"],
            "Predicted as": cc["pred"],
            "Misroutes / month": cc["misroutes_per_month"],
            "Critical / month": cc["critical_per_month"],
            "Error cost" + MONEY: cc["usd_per_month"],
        }
    )


def segment_costs(seg: pd.DataFrame) -> pd.DataFrame:
    """Per segment and model: the total first, then the components that are not zero everywhere."""
    out = pd.DataFrame(
        {
            "Segment": seg["segment"],
            "Model": _model(seg["model"]),
            "Total" + MONEY: seg["total_usd"],
        }
    )
    for comp, label in COMPONENT_LABELS.items():
        col = f"{comp}_usd"
        if col in seg and (seg[col] != 0).any():
            out[label + MONEY] = seg[col]
    return out


def segment_traffic(seg: pd.DataFrame) -> pd.DataFrame:
    """Per segment: its share of the volume, requests and each model's critical events per month."""
    crit = seg.pivot(index="segment", columns="model", values="critical_events_per_month")
    first = seg.drop_duplicates("segment").set_index("segment")
    return pd.DataFrame(
        {
            "Segment": first.index,
            "Share of volume (%)": first["volume_share"].to_numpy() * 100,
            "Requests / month": first["requests_per_month"].to_numpy(),
            "Teacher critical events / month": crit.loc[first.index, "teacher"].to_numpy(),
            "Student critical events / month": crit.loc[first.index, "student"].to_numpy(),
        }
    )


def money_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.endswith(MONEY)]


def quality_metrics(t: pd.DataFrame) -> pd.DataFrame:
    """Metric, model, value and 95% interval in the metric's unit (percentages ×100), and the unit."""
    rows = []
    for r in t.to_dict("records"):
        label, unit, _ = METRIC_LABELS.get(str(r["metric"]), (plain_name(str(r["metric"])), "", 3))
        k = 100.0 if unit == "%" else 1.0
        scaled = [None if pd.isna(r[c]) else float(r[c]) * k for c in ("point", "ci95_low", "ci95_high")]
        rows.append(
            {
                "Metric": label,
                "Model": MODEL_NAMES.get(str(r["model"]), str(r["model"])),
                "Value": scaled[0],
                "95% interval, low": scaled[1],
                "95% interval, high": scaled[2],
                "Unit": unit,
            }
        )
    return pd.DataFrame(rows)


def quality_formats(shown: pd.DataFrame) -> list[tuple[list[int], str]]:
    """Row groups of :func:`quality_metrics` and their format ("92.1%", "0.085 nats")."""
    groups: dict[str, list[int]] = {}
    by_label = {label: (unit, dec) for label, unit, dec in METRIC_LABELS.values()}
    for i, label in enumerate(shown["Metric"]):
        unit, dec = by_label.get(label, ("", 3))
        fmt = f"{{:.{dec}f}}%" if unit == "%" else f"{{:.{dec}f}} {unit}".rstrip()
        groups.setdefault(fmt, []).append(i)
    return [(rows, fmt) for fmt, rows in groups.items()]


def per_class(pc: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Intent": pc["intent"],
            "Requests evaluated": pc["support"],
            "Teacher accuracy (%)": pc["teacher_accuracy"] * 100,
            "Student accuracy (%)": pc["student_accuracy"] * 100,
            "Student 95% low (%)": pc["student_ci95_low"] * 100,
            "Student 95% high (%)": pc["student_ci95_high"] * 100,
            "Rare": pc["rare"].map({True: "rare", False: ""}),
        }
    )


def per_segment(ps: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Segment": ps["segment"],
            "Model": _model(ps["model"]),
            "Requests evaluated": ps["requests"],
            "Accuracy (%)": ps["accuracy"] * 100,
            "Accuracy 95% low (%)": ps["accuracy_ci95_low"] * 100,
            "Accuracy 95% high (%)": ps["accuracy_ci95_high"] * 100,
            "Critical-error rate (%)": ps["critical_rate"] * 100,
            "Agreement (%)": ps["agreement"] * 100,
        }
    )


def percent_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.endswith("(%)")]


def scorecard(scored: pd.DataFrame, criteria: tuple[str, ...]) -> pd.DataFrame:
    """The candidate-fix scorecard: the score at your weights first, the seed's outcome, then each criterion 0–10."""
    out = pd.DataFrame({"Candidate fix": scored["candidate"], "Your score (0–10)": scored["score"]})
    if "weighted_outcome" in scored:
        out["Seed's outcome (0–10)"] = scored["weighted_outcome"]
    for c in criteria:
        out[f"{c.capitalize()} (0–10)"] = scored[c]
    return out


def with_unit(label: str, text: str) -> str:
    """A field's shown number with the unit its label names: "$2.50" for a "$ …" field (a true minus before
    the dollar sign), "35.0 ms" for "(ms)"; anything else as it is ("1,400,000" under "(requests)")."""
    if "$" in label:
        return f"−${text[1:]}" if text.startswith("-") else f"${text}"
    if label.endswith("(ms)"):
        return f"{text} ms"
    return text


def changes(diff: Mapping[str, tuple[object, object]], fields: Mapping | None = None, *, before="Before", now="Now"):
    """What changed, one row per assumption: its label and both values in words.

    ``fields`` maps a path to an object with ``label``, ``scale`` and ``text(shown)`` (``ui.fields.BY_PATH``):
    its label, number format and unit win ("Teacher price ($ per 10K requests)": $38.00, not 0.0038).
    """
    rows = []
    for key, (old, new) in diff.items():
        f = (fields or {}).get(key)
        if f is not None and all(isinstance(v, numbers.Real) for v in (old, new)):
            shown = [with_unit(f.label, f.text(float(v) / f.scale)) for v in (old, new)]  # type: ignore[arg-type]
            rows.append({"Assumption": f.label, before: shown[0], now: shown[1]})
        else:
            rows.append({"Assumption": plain_name(key), before: plain_value(old), now: plain_value(new)})
    return pd.DataFrame(rows, columns=["Assumption", before, now])
