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
)


def test_looks_are_the_dashboards_banner_styles():
    from ui import verdict as verdict_ui  # the banner's own table, until it imports looks

    assert set(looks.LOOKS) == set(verdict_ui.STYLES)
    for key, (box, icon, colour) in verdict_ui.STYLES.items():
        lk = looks.LOOKS[key]
        assert (lk.box, lk.icon, lk.colour.name) == (box.__name__, icon, colour), key
    assert looks.BADGES == verdict_ui.BADGES


@pytest.mark.parametrize(
    "state, model, colour, words",
    [
        ("ship", "student", "green", "Ship the student"),
        ("ship", "teacher", "blue", "Ship the teacher"),
        ("lean", "student", "orange", "Lean student"),
        ("lean", "teacher", "orange", "Lean teacher"),
        ("blocked", "student", "red", "Blocked: keep the teacher"),
    ],
)
def test_four_looks(state, model, colour, words):
    assert looks.look(state, model).colour.name == colour
    assert looks.badge_words(state, model) == words


def test_glossary_defines_every_word_the_pages_use():
    for term in REQUIRED_TERMS:
        text = glossary.define(term)
        assert len(text) > 40 and "_" not in text.replace("return_request", ""), term  # words, not code names
    assert "**McNemar**: McNemar's exact test" in glossary.markdown()
