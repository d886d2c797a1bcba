"""A self-contained HTML report: the verdict, its tables and charts, and everything needed to reproduce it.

Plotly's JavaScript is embedded once (no network needed to open the file); the
assumptions JSON, cube hash, evidence label, bootstrap seed and code version are
written into the page.
"""

from __future__ import annotations

import html
import json
import subprocess
from datetime import UTC, datetime

import pandas as pd
import plotly.io as pio

import engine
from engine.decision.verdict import Decision
from engine.paths import REPO_ROOT
from engine.present import figures, glossary, looks
from engine.present.money import usd

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:1em}"
    ".t{border-collapse:collapse}.t td,.t th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}"
    ".t td:first-child,.t th:first-child{text-align:left}.glossary dt{font-weight:600;margin-top:.5em}"
    ".glossary dd{margin-left:1.5em}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}"
)


def code_version() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{engine.__version__}" + (f"+{sha}" if sha else "")


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, border=0, classes="t", float_format=lambda x: f"{x:,.2f}")


def cost_table(d: Decision) -> pd.DataFrame:
    """The cost by component in words, $ per month unrounded (the CSV download and the report's numbers)."""
    t = d.breakdown.table()
    return pd.DataFrame(
        {
            "Component": t["component"].map(lambda c: figures.COMPONENT_LABELS.get(c, str(c).capitalize())),
            "Teacher ($/month)": t["teacher_usd"],
            "Student ($/month)": t["student_usd"],
            "Student − teacher ($/month)": t["student_minus_teacher_usd"],
        }
    )


def _money_table(df: pd.DataFrame) -> pd.DataFrame:
    """Money columns as "$12,111.84" / "−$3,080.00" (a true minus before the dollar sign)."""
    out = df.copy()
    for c in out.columns:
        if c.endswith("($/month)"):
            out[c] = out[c].map(lambda x: usd(float(x), cents=True))
    return out


def verdict_heading(d: Decision) -> str:
    """The verdict sentence in its look's colour: the same colour as the dashboard's banner and badge."""
    return verdict_html(d.verdict.state, d.verdict.model, d.verdict.sentence)


def verdict_html(state: str, model: str, sentence: str, tag: str = "h2") -> str:
    """A verdict sentence (a stored review's, or a live decision's) in its look's colour."""
    c = looks.look(state, model).colour
    style = f"color:{c.text_hex};background:{c.background_hex};border-left:6px solid {c.accent_hex};padding:.5em .8em"
    words = looks.badge_words(state, model)
    return (
        f"<{tag} class='verdict verdict-{c.name}' style='{style}' title='{html.escape(words)}'>"
        f"{html.escape(sentence)}</{tag}>"
    )


def _reproduce(d: Decision, a, cube, evidence_label: str, bootstrap_seed: int) -> dict:
    """Everything needed to recompute the report's numbers."""
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": code_version(),
        "evidence": evidence_label,
        "cube_hash": cube.hash,
        "requests_evaluated": cube.n,
        "bootstrap": {"B": d.bootstrap.B, "seed": bootstrap_seed},
        "assumptions": a.to_dict(),
    }


def build_html(
    *,
    d: Decision,
    a,
    cube,
    evidence_label: str,
    bootstrap_seed: int,
    extra_tables=None,
    title: str = "Distill Decide — weekly review",
) -> str:
    b = d.breakdown
    figs = [
        figures.cost_bars(b),
        figures.waterfall(b),
        figures.margin_histogram(d.bootstrap.margins_usd, d.bootstrap.margin_ci95_usd, d.bootstrap.margin_point_usd),
    ]
    body = [pio.to_html(f, include_plotlyjs="inline" if i == 0 else False, full_html=False) for i, f in enumerate(figs)]
    tables = {"Cost by component": _money_table(cost_table(d))} | (extra_tables or {})
    meta = _reproduce(d, a, cube, evidence_label, bootstrap_seed)
    lo, hi = d.bootstrap.margin_ci95_usd
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        verdict_heading(d),
        f"<p>Teacher {usd(b.teacher.total_usd)}/month, student {usd(b.student.total_usd)}/month; margin "
        f"(teacher − student) {usd(b.margin_usd)}, 95% interval [{usd(lo)}, {usd(hi)}], chance the "
        f"student is cheaper {d.bootstrap.p_student_cheaper:.1%}. Critical misroutes per month: teacher "
        f"{b.teacher.critical_events_per_month:,.0f}, student {b.student.critical_events_per_month:,.0f}.</p>",
    ]
    for name, df in tables.items():
        parts += [f"<h3>{html.escape(name)}</h3>", _table(df)]
    parts += body
    parts += ["<h3>Glossary: what these words mean</h3>", glossary.html_list()]
    parts += ["<h3>Reproduce</h3><pre>" + html.escape(json.dumps(meta, indent=2)) + "</pre></body></html>"]
    return "\n".join(parts)


def cost_csv(d: Decision) -> str:
    """The cost table as CSV: headers in words with units, dollars to the cent (−3080.0, not "−$3,080")."""
    return cost_table(d).round(2).to_csv(index=False)
