"""The verdict's look in one place: box kind, icon, colour and badge words per (state, model).

Copied from ``ui/verdict.py`` (STYLES and BADGES), which will import them from here: ship student green,
ship teacher blue, lean amber (Streamlit's ``orange``), blocked red. The dashboard maps ``box`` to
``st.success`` / ``st.info`` / ``st.warning`` / ``st.error`` and ``colour`` to a ``:colour-badge[…]``; the HTML
report uses the hex values of the same colours (Streamlit's light-theme text, accent and background), so the
verdict heading in the file reads in the same colour as the banner on screen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Colour:
    name: str  # Streamlit's colour name (a badge ``:green-badge[…]``, a ``:green[…]`` text)
    text_hex: str  # text on a light background
    accent_hex: str  # a border or a bar
    background_hex: str


GREEN = Colour("green", "#0C5A44", "#079464", "#F1FBF6")
BLUE = Colour("blue", "#244FB4", "#3B82F6", "#EDF5FF")
AMBER = Colour("orange", "#9B4519", "#E0682B", "#FFF6ED")  # "lean": Streamlit calls it orange
RED = Colour("red", "#9E303B", "#D94A57", "#FFF1F2")


@dataclass(frozen=True)
class Look:
    box: str  # "success" | "info" | "warning" | "error": the Streamlit box the banner uses
    icon: str  # a Streamlit material icon
    colour: Colour


# state/model -> look: four looks, the same on every page and in the report
LOOKS: dict[tuple[str, str], Look] = {
    ("ship", "student"): Look("success", ":material/bolt:", GREEN),
    ("ship", "teacher"): Look("info", ":material/school:", BLUE),
    ("lean", "student"): Look("warning", ":material/bolt:", AMBER),
    ("lean", "teacher"): Look("warning", ":material/school:", AMBER),
    ("blocked", "teacher"): Look("error", ":material/block:", RED),
    ("blocked", "student"): Look("error", ":material/block:", RED),
}
BADGES = {"ship": "Ship the {m}", "lean": "Lean {m}", "blocked": "Blocked: keep the teacher"}


def look(state: str, model: str) -> Look:
    """The look of a verdict (``Verdict.state``, ``Verdict.model``)."""
    return LOOKS[(state, model)]


def badge_words(state: str, model: str) -> str:
    """The verdict in a few words: "Lean student", "Ship the teacher", "Blocked: keep the teacher"."""
    return BADGES[state].format(m=model)
