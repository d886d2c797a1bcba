"""The review report's words and dollars: the verdict heading in the banner's colour, the glossary, the seed's
hand-checkable totals, the cost CSV to the cent (built from a draft review: no store needed)."""

import html
import re

import pytest

from engine import reviews
from engine.decision import verdict
from engine.present import glossary, looks, review_report


@pytest.fixture(scope="module")
def seed_review(seed_ev, seed_a):
    d = verdict.decide(seed_ev, seed_a, B=2_000, rng=0, confirm_B=0)
    return reviews.draft(seed_ev, seed_a, d, scenario_label="seed scenario", review_date="2026-12-01", author="pm")


@pytest.fixture(scope="module")
def page(seed_review):
    """The report without its embedded plotly.js and chart JSON (what a reader sees as text)."""
    full = review_report.build(reviews.report_of(seed_review))
    return re.sub(r"<script.*?</script>", "", full, flags=re.S)


def test_verdict_heading_has_the_lean_colour(seed_review, page):
    v = seed_review["decision"]["verdict"]
    assert (v["state"], v["model"]) == ("lean", "student")
    amber = looks.look("lean", "student").colour
    assert amber.name == "orange"  # the dashboard's :orange-badge[Lean student]
    heading = next(line for line in page.splitlines() if line.startswith("<h2"))
    assert f"color:{amber.text_hex}" in heading and amber.accent_hex in heading
    assert "Lean student: saves $1,122/month" in heading
    assert "<title>Weekly review 2026-12-01 — Lean student</title>" in page


def test_seed_totals_in_words_and_dollars(page):
    # this week against last week: the totals and the margin in dollars
    assert "<td>Teacher total ($/month)</td>\n      <td>$12,112</td>" in page
    assert "<td>Margin ($/month, teacher − student)</td>\n      <td>$1,122</td>" in page
    # the cost table: component names in words, money with a true minus before the dollar sign, to the cent
    assert "<td>Total</td>\n      <td>$12,111.84</td>\n      <td>$10,989.92</td>\n      <td>−$1,121.92</td>" in page
    assert "<td>Inference</td>" in page and "−$3,080.00" in page
    assert "teacher_usd" not in page and "weighted_error</td>" not in page and "$-" not in page


def test_report_carries_the_glossary(page):
    assert "Glossary: what these words mean" in page
    for term, text in glossary.GLOSSARY.items():
        assert f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>" in page, term


def test_a_what_if_report_says_it_is_modified(seed_review):
    full = review_report.build(reviews.report_of(seed_review), modified=["$ per critical event $1.20 → $2.50"])
    assert "<p class='modified'>MODIFIED — these numbers are a what-if, not the stored review: $ per critical" in full


def test_cost_csv_headers_in_words_values_to_the_cent(seed_review):
    lines = review_report.cost_csv(seed_review).splitlines()
    assert lines[0] == "Component,Teacher ($/month),Student ($/month),Student − teacher ($/month)"
    assert lines[-1] == "Total,12111.84,10989.92,-1121.92"  # 12,111.84 − 10,989.92 = 1,121.92
