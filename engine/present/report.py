"""The HTML pieces every report shares: the style sheet, the code version, and the verdict in its look's colour.

The report a user downloads or writes (`python -m engine report`, the Weekly review page) is the review:
:mod:`engine.present.review_report`.
"""

from __future__ import annotations

import html
import subprocess

import engine
from engine.paths import REPO_ROOT
from engine.present import looks

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


def verdict_html(state: str, model: str, sentence: str, tag: str = "h2") -> str:
    """A verdict sentence in its look's colour: the same colour as the dashboard's banner and badge."""
    c = looks.look(state, model).colour
    style = f"color:{c.text_hex};background:{c.background_hex};border-left:6px solid {c.accent_hex};padding:.5em .8em"
    words = looks.badge_words(state, model)
    return (
        f"<{tag} class='verdict verdict-{c.name}' style='{style}' title='{html.escape(words)}'>"
        f"{html.escape(sentence)}</{tag}>"
    )
