"""A finished run in the Lab: its teacher, KD student and fine-tune-only baseline side by side, the paired
KD − FT-only differences in words, and each model's temperature with its ECE before → after scaling; and, for a
run about to start, the scenario it will be priced with (the dashboard's current one, named as the pages name it).

Everything shown comes from the run's ``summary.json`` (and its ``config.json`` for the scenario it was priced
under); a run folder may be copied from anywhere, so every field is read as possibly missing or malformed, and an
older run without a baseline or a calibration says "not recorded for this run" instead of failing.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import streamlit as st

from engine import reviews, sources
from engine.data import seed
from engine.decision import scenario
from engine.errors import DistillDecideError
from engine.paths import runs_dir
from engine.present.money import usd
from engine.runs import rundir
from ui import state
from ui.fields import BY_PATH

NOT_RECORDED = "not recorded for this run"
MISSING = "—"  # a cell the run did not record (the caption says so in words)
MINUS = "−"  # the typographic minus the money format writes
MODEL_ROWS = (("teacher", "Teacher"), ("student", None), ("baseline", "Fine-tune-only student"))
GENERATED_LABELS = seed.INTENTS  # the generated MangaAssist data's intents (a run without a file trains on them)
MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~$])")
COLUMNS = ["Model", "Accuracy", "Error $/month", "Critical misroutes/month", "Temperature", "ECE before → after"]


def plain(text: str) -> str:
    """Text shown as written: Markdown's special characters escaped (a column named ``*label*`` stays so)."""
    return MARKDOWN.sub(r"\\\1", text)


def scenario_words(a) -> str:
    """The current scenario as the other pages name it: "seed scenario", or, as the review words it
    (:func:`engine.reviews.scenario_words`), "seed scenario, modified ($ per critical event $1.20 → $2.50)" with
    the values edited on the Assumptions page or in the sidebar; another base names the fields edited."""
    note = st.session_state.get(state.Keys.NOTE) or f"scenario {a.name}"
    said = reviews.scenario_words(note, a)
    changed = scenario.changed_fields(state.base(), a)
    if said != note or not changed or note.lower().startswith("seed"):
        return said
    names = [BY_PATH[k].noun if k in BY_PATH else k.replace("_", " ") for k in changed]
    return f"{note}, modified ({', '.join(names)})"


def training_scenario(a, labels) -> tuple[scenario.Assumptions | None, str]:
    """The scenario a run on ``labels`` is priced with: the current one when it has a row for every label, else
    the trainer's default (None), each with how the page names it."""
    if set(labels) <= set(a.intents):
        return a, scenario_words(a)
    if set(labels) <= set(GENERATED_LABELS):
        return None, "seed scenario (the current one has no rows for the MangaAssist intents)"
    return None, "1 harm unit per misroute and no critical intents (the current scenario has no rows for its labels)"


def scenario_note(a, uploaded: bool) -> None:
    """Above the form: which scenario a run started here is priced with, and what that scenario decides."""
    words = scenario_words(a) if uploaded else training_scenario(a, GENERATED_LABELS)[1]
    where = "Runs on your file" if uploaded else "Runs on the generated MangaAssist data"
    text = (
        f"{where} are priced with the **{plain(words)}**: its harm matrix, critical intents and \\$ per critical "
        "event choose the epoch each model keeps and weight the cost-aware loss."
    )
    if uploaded:
        text += (
            " A file with an intent it has no row for is priced with its own label set's defaults instead (1 harm "
            "unit per misroute, no critical intents), as the run says when it starts."
        )
    st.caption(text)


def num(x: object) -> float | None:
    """``x`` as a finite float, or None (a copied run's summary may hold anything)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return float(x) if math.isfinite(x) else None


def section(obj: object, key: str) -> dict:
    """``obj[key]`` when it is a JSON object, else {}."""
    got = obj.get(key) if isinstance(obj, dict) else None
    return got if isinstance(got, dict) else {}


def student_name(summary: dict) -> str:
    """What the run's student is called: by its loss, or fine-tuned alone in a finetune run."""
    if summary.get("mode") == "finetune":
        return "Student (fine-tuned, no teacher)"
    return "Cost-aware KD student" if summary.get("loss") == "cost-aware" else "KD student"


def kd_name(summary: dict) -> str:
    return "Cost-aware KD" if summary.get("loss") == "cost-aware" else "KD"


def run_volume(config: dict) -> tuple[float | None, str]:
    """Requests per month of the scenario the run was priced under, and that scenario in words."""
    labels, name = config.get("labels"), config.get("scenario")
    if not isinstance(labels, list) or not (name is None or isinstance(name, str)):
        return None, ""
    try:
        a, where = sources.scenario_for_labels([str(x) for x in labels], name)
    except (DistillDecideError, OSError, ValueError, TypeError, KeyError):
        return None, ""
    if name is not None and Path(name).name == rundir.SCENARIO_FILE:  # launcher.start(scenario=…) wrote it
        where = f"the dashboard's scenario when it started, {rundir.SCENARIO_FILE}"
    return float(a.requests_per_month), where.split(":")[0]


def _signed(x: float, unit: str = "", digits: int = 1) -> str:
    shown = f"{abs(x):,.{digits}f}"
    zero = shown.strip("0.,") == ""
    return ("" if zero else (MINUS if x < 0 else "+")) + unit + shown


def money_cell(per_request: float | None, volume: float | None) -> str:
    if per_request is None:
        return MISSING
    return f"{usd(per_request * volume)}" if volume else f"${per_request:,.4f} per request"


def critical_cell(rate: float | None, volume: float | None) -> str:
    if rate is None:
        return MISSING
    return f"{rate * volume:,.0f}" if volume else f"{rate:.1%} of requests"


def calibration_cells(fit: dict) -> tuple[str, str]:
    t, before, after = num(fit.get("temperature")), num(fit.get("ece_before")), num(fit.get("ece_after"))
    shown_t = f"{t:.3f}" if t is not None else MISSING
    shown_e = f"{before:.3f} → {after:.3f}" if before is not None and after is not None else MISSING
    return shown_t, shown_e


def models_table(summary: dict, volume: float | None) -> pd.DataFrame:
    """One row per model the run trained (the baseline row says when it was not trained), as text."""
    rows = []
    for key, label in MODEL_ROWS:
        m = section(summary, key)
        if not m and key != "baseline":
            continue
        name = label or student_name(summary)
        if not m:
            rows.append([name] + [MISSING] * (len(COLUMNS) - 1))
            continue
        acc = num(m.get("accuracy"))
        temp, ece = calibration_cells(section(section(summary, "calibration"), key))
        rows.append(
            [
                name,
                f"{acc:.1%}" if acc is not None else MISSING,
                money_cell(num(m.get("error_usd_per_request")), volume),
                critical_cell(num(m.get("critical_rate")), volume),
                temp,
                ece,
            ]
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _gaps(table: pd.DataFrame) -> str:
    """What the table's dashes mean, in words: a model the run did not train, or a figure it did not record."""
    cells = table.set_index("Model")
    absent = [m for m, row in cells.iterrows() if set(row) == {MISSING}]
    said = [f" {m}: {NOT_RECORDED} (trained without the baseline, or before baselines were trained)." for m in absent]
    if (cells.drop(index=absent) == MISSING).to_numpy().any():
        said.append(f" —: {NOT_RECORDED}.")
    return "".join(said)


def _interval(metric: dict) -> tuple[float, float, float] | None:
    """(diff, low, high) of one paired metric, or None when any is missing."""
    ci = metric.get("ci95")
    got = [num(metric.get("diff"))] + ([num(x) for x in ci] if isinstance(ci, list) and len(ci) == 2 else [None])
    return None if any(x is None for x in got) else (got[0], got[1], got[2])  # type: ignore[return-value]


def _clauses(k: dict, who: str) -> list[tuple[str, str, bool, bool]]:
    """(metric, clause, favourable, unfavourable) for each paired metric recorded; the flags say whether its 95%
    interval excludes 0 on KD's good or bad side."""
    out = []
    acc = _interval(section(k, "accuracy"))
    if acc:
        d, lo, hi = (x * 100 for x in acc)
        how = "as accurate as" if abs(d) < 0.05 else f"{abs(d):.1f} points {'more' if d > 0 else 'less'} accurate than"
        text = f"{who} is {how} fine-tuning alone [{_signed(lo)}, {_signed(hi)}]"
        out.append(("accuracy", text, lo > 0, hi < 0))
    money = _interval(section(k, "error_usd_per_month"))
    if money:
        d, lo, hi = money
        how = f"costs {usd(abs(d))}/month {'more' if d > 0 else 'less'}"
        text = f"{how} [{usd(lo, signed=True)}, {usd(hi, signed=True)}]"
        out.append(("error $", text, hi < 0, lo > 0))
    crit = _interval(section(k, "critical_per_month"))
    if crit:
        d, lo, hi = crit
        how = f"makes {abs(d):,.0f} {'more' if d > 0 else 'fewer'} critical misroutes a month"
        text = f"{how} [{_signed(lo, digits=0)}, {_signed(hi, digits=0)}]"
        out.append(("critical misroutes", text, hi < 0, lo > 0))
    return out


def verdict_words(clauses: list[tuple[str, str, bool, bool]]) -> str:
    """Whether distillation helped, from which intervals exclude 0 and on which side."""
    better = [m for m, _, good, _ in clauses if good]
    worse = [m for m, _, _, bad in clauses if bad]
    if worse and not better:
        return "distillation did not help here"
    if better and not worse:
        return "distillation helped here"
    if better and worse:
        return f"mixed: distillation helped on {' and '.join(better)} and hurt on {' and '.join(worse)}"
    return "no difference these test requests can tell apart (every interval includes 0)"


def kd_vs_finetune_words(summary: dict) -> str | None:
    """The paired KD − FT-only differences as one sentence, or None when the run recorded none."""
    clauses = _clauses(section(summary, "kd_vs_finetune"), kd_name(summary))
    if not clauses:
        return None
    parts = [c[1] for c in clauses]
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{said}: {verdict_words(clauses)}."


def _differences(summary: dict) -> None:
    said = kd_vs_finetune_words(summary)
    if said is None:
        why = "this run's student is itself fine-tuned alone" if summary.get("mode") == "finetune" else NOT_RECORDED
        st.info(
            f"{kd_name(summary)} − fine-tune-only paired differences: {why} (no fine-tune-only baseline was trained "
            "beside it)."
        )
        return
    n = section(section(summary, "kd_vs_finetune"), "n")
    on = f" on the same {int(n['requests']):,} test requests" if num(n.get("requests")) else ""
    boot = f" ({int(n['B']):,} resamples)" if num(n.get("B")) else ""
    st.markdown(f"**{kd_name(summary)} − fine-tune-only**, paired{on}: {said}")
    st.caption(
        f"In brackets: the 95% paired bootstrap interval{boot} of {kd_name(summary)} minus fine-tune-only. An "
        "interval that excludes 0 is a difference these test requests can tell apart; dollars under the run's "
        "scenario. Two runs (plain KD against cost-aware KD): `python -m engine runs compare A B`."
    )


def _calibration_note(summary: dict) -> None:
    fits = section(summary, "calibration")
    if not fits:
        st.caption(f"Temperature scaling and ECE before → after: {NOT_RECORDED} (trained before temperature scaling).")
        return
    n = next((num(section(fits, m).get("n_fit")) for m in fits if num(section(fits, m).get("n_fit"))), None)
    on = f" on the run's {int(n):,} validation requests" if n else " on validation requests"
    st.caption(
        f"Each model's temperature was fitted{on}; ECE is on the test requests, before → after dividing the "
        "logits by it (the accuracy does not change)."
    )


def show(run_id: str, d: Path | None = None) -> None:
    """A finished run's models, their paired differences and their calibration."""
    d = d if d is not None else runs_dir() / run_id
    try:
        summary = rundir.read_run_json(d, "summary.json", "train the run again")
    except DistillDecideError as exc:
        st.warning(f"**{run_id}**: {exc.field} {exc.problem}.")
        return
    try:
        config = rundir.read_run_json(d, "config.json", "train the run again")
    except DistillDecideError:
        config = {}
    volume, where = run_volume(config)
    priced = f"per month at {volume:,.0f} requests/month ({where})" if volume else "per request (scenario not found)"
    table = models_table(summary, volume)
    st.dataframe(table, hide_index=True, key=f"lab_models_{run_id}")
    st.caption(f"On the run's test requests; error $ and critical misroutes {priced}.{_gaps(table)}")
    _differences(summary)
    _calibration_note(summary)


def pick_and_show(done: list[str], followed: str | None) -> None:
    """A picker over the finished runs (the one followed here first) and the picked run's view."""
    if not done:
        return
    st.subheader("Teacher, KD student and fine-tune-only baseline")
    start = done.index(followed) if followed in done else 0
    run_id = st.selectbox("Finished run", done, index=start, key="lab_view_run")
    show(run_id)
