"""One verdict look (colour, box, icon) for the dashboard and the report; one glossary for every screen."""

import pytest

from engine.present import glossary, looks

REQUIRED_TERMS = (
    "harm unit",
    "critical event",
    "ms-month",
    "95% interval",
    "lean vs ship",
    "break-even",
    "evidence",
    "cube hash",
    "oracle router",
    "ECE",
    "McNemar",
    "KL",
    "agreement",
    "canary",
    "guardrail",
    "margin",
    "weighted error",
    "P95 latency",
    "cascade / fallback",
)


@pytest.mark.parametrize(  # the banner's looks before they moved here from ui/verdict.py (STYLES, BADGES)
    "state, model, box, icon, colour, words",
    [
        ("ship", "student", "success", ":material/bolt:", "green", "Ship the student"),
        ("ship", "teacher", "info", ":material/school:", "blue", "Ship the teacher"),
        ("lean", "student", "warning", ":material/bolt:", "orange", "Lean student"),
        ("lean", "teacher", "warning", ":material/school:", "orange", "Lean teacher"),
        ("blocked", "student", "error", ":material/block:", "red", "Blocked: keep the teacher"),
        ("blocked", "teacher", "error", ":material/block:", "red", "Blocked: keep the teacher"),
    ],
)
def test_the_looks(state, model, box, icon, colour, words):
    lk = looks.look(state, model)
    assert (lk.box, lk.icon, lk.colour.name) == (box, icon, colour)
    assert looks.badge_words(state, model) == words


def test_glossary_defines_every_word_the_pages_use():
    for term in REQUIRED_TERMS:
        text = glossary.define(term)
        assert len(text) > 40 and "_" not in text.replace("return_request", ""), term  # words, not code names
    assert "harm units × the $ per harm unit" in glossary.define("weighted error")
    assert "$12,112 − $10,990 = $1,122" in glossary.define("margin")  # the seed's totals and margin
    assert "**McNemar**: McNemar's exact test" in glossary.markdown()
