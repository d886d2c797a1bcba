"""Plain definitions of the words the dashboard and the report use, in one place.

The Overview shows them in an expander, the HTML report in a section, and the Model quality page uses the
same sentences as its help tooltips (ECE, McNemar, KL, agreement), so a word never means two things.
"""

from __future__ import annotations

import html

GLOSSARY: dict[str, str] = {
    "Margin": (
        "The teacher's total monthly cost minus the student's (every component included). Above $0 the student "
        "is cheaper by that much a month; below $0 the teacher is (seed: $12,112 − $10,990 = $1,122)."
    ),
    "Weighted error": (
        "The monthly cost of non-critical misroutes: each wrong routing's harm units × the $ per harm unit, "
        "summed over a month's requests. Critical misroutes are priced separately, per critical event."
    ),
    "P95 latency": (
        "The response time that 95 of 100 requests beat (the 95th percentile), in milliseconds. Latency is "
        "priced per ms of P95 above the baseline, and the cascade must keep its P95 under the latency budget."
    ),
    "Cascade / fallback": (
        "A cascade sends every request to the student first and falls back to the teacher when the student is "
        "unsure (its confidence is under a threshold). The fallback share is the % of requests that also go to "
        "the teacher: they pay both models' price and latency."
    ),
    "Harm unit": (
        "How bad one wrong routing is, from the harm matrix (1 = a typical misroute, 0 = harmless). "
        "Harm units are priced at the $ per harm unit; critical misroutes are priced separately."
    ),
    "Critical event": (
        "A request whose true intent is on the critical list (in the seed: escalation, return_request) that a "
        "model routes to the wrong intent. Each one is priced at the $ per critical event."
    ),
    "ms-month": (
        "One millisecond of P95 latency for a month: the $ per ms-month is what each millisecond the slower model "
        "adds costs per month at the latency reference volume; it scales with traffic."
    ),
    "95% interval": (
        "The range that holds the true monthly margin in 95 of 100 repeats of the evaluation, from 10,000 paired "
        "resamples of the evaluated requests (a paired bootstrap). If it includes $0, the data cannot yet tell "
        "which model is cheaper."
    ),
    "Lean vs ship": (
        "Ship: the whole 95% interval favours one model, so the saving is clear. Lean: only the point estimate "
        "favours it; the interval still includes $0, so evaluate more requests before switching."
    ),
    "Break-even": (
        "The value of one assumption (volume, $ per critical event, $ per ms-month, $ per harm unit) at which both "
        "models cost the same; on the other side the other model is cheaper."
    ),
    "Evidence": (
        "The evaluated requests the dollars come from: each request's true intent and both models' predictions "
        "(the seed's 10,000 requests, a training run, or your own upload)."
    ),
    "Cube hash": (
        "A short fingerprint of the evidence (its counts per segment, true intent and both predictions). The "
        "same hash means the same data, so two reports with one hash used identical evidence."
    ),
    "Oracle router": (
        "An ideal cascade that sends to the teacher exactly the requests where the teacher is cheaper. No real "
        "router can do better, so it marks the most a cascade could save."
    ),
    "ECE": (
        "Expected calibration error: the average gap between how confident the model says it is and how often "
        "it is right (0% = confidence matches accuracy exactly; lower is better)."
    ),
    "McNemar": (
        "McNemar's exact test looks only at requests where exactly one model is right. A small p-value "
        "(below 0.05) says the accuracy difference is unlikely to be chance."
    ),
    "KL": (
        "KL divergence (at temperature 3): how far the student's probabilities are from the teacher's, in nats "
        "(0 = identical; lower means the student imitates the teacher more closely)."
    ),
    "Agreement": "Top-1 agreement: the share of requests where the teacher and the student predict the same intent.",
    "Canary": (
        "A small share of live traffic sent to the student first, with its outcomes labelled, to confirm the "
        "offline estimate before a full rollout."
    ),
    "Guardrail": (
        "A limit watched during the canary (here: growth of critical-error cost, in $ per month); crossing it "
        "stops the rollout."
    ),
}


def define(term: str) -> str:
    """The definition of ``term`` (a key of :data:`GLOSSARY`, case-insensitive)."""
    by_lower = {k.lower(): v for k, v in GLOSSARY.items()}
    return by_lower[term.lower()]


def markdown() -> str:
    """The glossary as a Markdown list: **term**: definition."""
    return "\n".join(f"- **{term}**: {text}" for term, text in GLOSSARY.items())


def html_list() -> str:
    """The glossary as an HTML definition list."""
    items = "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(x)}</dd>" for t, x in GLOSSARY.items())
    return f"<dl class='glossary'>{items}</dl>"
