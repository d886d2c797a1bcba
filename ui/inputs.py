"""Assumption widgets: each bound to its own key with an ``on_change`` that writes the one stored value.

A widget's key is set from the stored ``Assumptions`` before it is drawn (:func:`ui.state.sync_widget`), so a
number box and a slider for the same assumption always agree, and a rerun started by another widget cannot
bring back a stale value (issue 12: a typed 2.50 snapped back to the slider's 1.20). The stored value is also
passed as the widget's default: when a rerun interrupts the one that first drew a widget, the browser builds
it from its default, and with none it would start (and later send back) an empty list or 0.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from engine import validate
from engine.errors import DistillDecideError
from ui import state
from ui.fields import BY_PATH, Field

CRIT_SLIDER = "crit_slider"


def _changed(path: str, widget_key: str) -> None:
    """``on_change`` of any widget of a numeric assumption: validate, then store or keep the error beside it."""
    f = BY_PATH[path]
    typed = st.session_state.get(widget_key)
    errors = state.errors()
    problem = f.problem(typed)
    if problem is not None or typed is None:
        errors[path] = problem or f"{f.noun} needs a number"
        return
    a, shown = state.assumptions(), float(typed)
    value, before = f.stored(shown), float(a.get(path))
    if value == before:
        errors.pop(path, None)
        return
    try:
        new = a.replace(**{path: value})
    except DistillDecideError as exc:
        errors[path] = f.engine_problem(exc)
        return
    errors.pop(path, None)
    state.set_assumptions(new, f"{f.noun}: {f.text(before / f.scale)} → {f.text(shown)}")


def _show_error(f: Field, where: Any) -> None:
    msg = state.errors().get(f.path)
    if msg:
        last = f.text(f.shown(state.assumptions()))
        fix = "" if "Fix:" in msg else " Fix: type a new value."  # an engine message carries its own fix
        where.error(
            f"**{msg}.**{fix} Until then every page keeps the last good value, {last}.",
            icon=":material/error:",
        )


def _bound(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:,g}"


def range_help(f: Field) -> str:
    """The field's help with its accepted range (the engine's limit in the units shown, within the field's own).

    The range is said here rather than set as the widget's ``max_value``: Streamlit's browser side then refuses
    an out-of-range number itself, behind a tooltip, and the plain message under the field would never come.
    A number the browser cannot hold (1e400) never reaches the server at all: Chromium's number box reads it as
    empty and Streamlit puts back the last good value, so this text is where that limit is stated.
    """
    lim = validate.limit(f.path)
    lo = max(f.min_value, (lim.left or 0.0) / f.scale)
    hi = lim.right / f.scale if lim.right is not None else None
    if f.max_value is not None:
        hi = f.max_value if hi is None else min(hi, f.max_value)
    low = f"more than {_bound(lo)}" if f.positive and lo == 0 else f"from {_bound(lo)}"
    accepted = f"Accepted: {low} to {_bound(hi)}." if hi is not None else f"Accepted: {low} up."
    kept = (
        "Outside it, the last good value stays in use. A number too large for the browser (such as 1e400) "
        "is dropped by the browser itself: the box goes back to the last good value."
    )
    return " ".join(x for x in (f.help, accepted, kept) if x)


def number_field(f: Field, where: Any = st) -> None:
    """One number box for one assumption, with its error (if any) directly under it."""
    now = f.shown(state.assumptions())
    state.sync_widget(f.key, now, f.path)
    where.number_input(
        f.label,
        value=now,  # also the widget's default: a browser that never drew it starts here, not at 0
        key=f.key,
        step=f.step,
        format=f.fmt,
        help=range_help(f),
        on_change=_changed,
        args=(f.path, f.key),
    )
    _show_error(f, where)


def critical_slider(where: Any = st) -> None:
    """A slider for $ per critical event, bound to the same stored value as the sidebar's number box."""
    f = BY_PATH["usd_per_critical_event"]
    now = f.shown(state.assumptions())
    top = max(20.0, float(int(now) + 1))  # a fixed range keeps the slider's identity (and its state) stable
    state.sync_widget(CRIT_SLIDER, min(now, top))
    where.slider(
        "$ per critical event (drag)",
        0.0,
        top,
        min(now, top),
        step=0.05,
        key=CRIT_SLIDER,
        on_change=_changed,
        args=(f.path, CRIT_SLIDER),
        help="Sets the same assumption as the “$ per critical event” box in the sidebar.",
    )


def choice_changed(path: str, widget_key: str, convert: Any) -> None:
    """``on_change`` of a non-numeric assumption widget (critical intents, segment multipliers)."""
    a = state.assumptions()
    try:
        new_value = convert(a, st.session_state[widget_key])
        if new_value == a.get(path):
            return
        state.set_assumptions(a.replace(**{path: new_value}), f"{path.replace('_', ' ').capitalize()} changed")
        state.errors().pop(path, None)
    except DistillDecideError as exc:
        state.errors()[path] = f"{exc.problem}. Fix: {exc.fix}"


def critical_intents(a: Any) -> None:
    """Which intents' misroutes are priced per critical event."""
    key = "in:critical"
    state.sync_widget(key, list(a.critical_intents), "critical_intents")
    st.multiselect(
        "Critical intents (misroutes priced per critical event)",
        a.intents,
        default=list(a.critical_intents),
        key=key,
        on_change=choice_changed,
        args=("critical_intents", key, lambda _a, v: tuple(v)),
    )


def _multiplier_changed(seg: str, key: str) -> None:
    v = st.session_state.get(key)
    if v is None or v < 0:
        state.errors()[f"mult:{seg}"] = f"The critical-cost multiplier for {seg} must be ≥ 0"
        return
    state.errors().pop(f"mult:{seg}", None)
    a = state.assumptions()
    mults = a.critical_multipliers | {seg: float(v)}
    new = tuple((s, m) for s, m in mults.items() if m != 1.0)
    if new != a.critical_multiplier_by_segment:
        state.set_assumptions(a.replace(critical_multiplier_by_segment=new), f"Critical-cost multiplier {seg} → {v:g}")


def segment_multipliers(segments: tuple[str, ...], a: Any) -> None:
    """A critical event's cost multiplier per customer segment (e.g. VIP 3×)."""
    for c, seg in zip(st.columns(max(1, len(segments))), segments):
        key = f"in:mult:{seg}"
        state.sync_widget(key, float(a.critical_multipliers.get(seg, 1.0)), f"mult:{seg}")
        c.number_input(
            f"Critical-cost multiplier: {seg}",
            value=float(a.critical_multipliers.get(seg, 1.0)),
            step=0.5,
            key=key,
            on_change=_multiplier_changed,
            args=(seg, key),
        )
        if msg := state.errors().get(f"mult:{seg}"):
            c.error(f"**{msg}.** Every page keeps the last good value.", icon=":material/error:")
