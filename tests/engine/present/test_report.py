"""The HTML report: the verdict heading in the banner's colour, the glossary, the seed's hand-checkable totals."""

import html
import re

import pytest

from engine.decision import verdict
from engine.present import glossary, looks, report


@pytest.fixture(scope="module")
def seed_decision(seed_ev, seed_a):
    return verdict.decide(seed_ev, seed_a, B=2_000, rng=0, confirm_B=0)


@pytest.fixture(scope="module")
def page(seed_decision, seed_ev, seed_a):
    """The report without its embedded plotly.js and chart JSON (what a reader sees as text)."""
    full = report.build_html(d=seed_decision, a=seed_a, cube=seed_ev.cube, evidence_label="seed", bootstrap_seed=0)
    return re.sub(r"<script.*?</script>", "", full, flags=re.S)


def test_verdict_heading_has_the_lean_colour(seed_decision, page):
    assert (seed_decision.verdict.state, seed_decision.verdict.model) == ("lean", "student")
    amber = looks.look("lean", "student").colour
    assert amber.name == "orange"  # the dashboard's :orange-badge[Lean student]
    heading = next(line for line in page.splitlines() if line.startswith("<h2"))
    assert f"color:{amber.text_hex}" in heading and amber.accent_hex in heading
    assert "Lean student: saves $1,122/month" in heading


def test_seed_totals_in_words_and_dollars(page):
    for shown in ("Teacher $12,112/month", "student $10,990/month", "(teacher − student) $1,122"):
        assert shown in page
    # the table: component names in words, money with a true minus before the dollar sign, to the cent
    assert "<td>Total</td>\n      <td>$12,111.84</td>\n      <td>$10,989.92</td>\n      <td>−$1,121.92</td>" in page
    assert "<td>Inference</td>" in page and "−$3,080.00" in page
    assert "teacher_usd" not in page and "weighted_error</td>" not in page and "$-" not in page


def test_report_carries_the_glossary(page):
    assert "Glossary: what these words mean" in page
    for term, text in glossary.GLOSSARY.items():
        assert f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>" in page, term


def test_cost_csv_headers_in_words_values_to_the_cent(seed_decision):
    lines = report.cost_csv(seed_decision).splitlines()
    assert lines[0] == "Component,Teacher ($/month),Student ($/month),Student − teacher ($/month)"
    assert lines[-1] == "Total,12111.84,10989.92,-1121.92"  # 12,111.84 − 10,989.92 = 1,121.92
