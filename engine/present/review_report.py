"""The weekly review as one dated, self-contained HTML file a team can mail or archive.

Built from stored reviews only (``engine.reviews.report_inputs``): the title carries the review's date and
verdict; then go / no-go, this week against last week, what changed and why (dollars by cause, summing to
the change), the margin trend with its interval band, the failure-mode tree and the gates with their status,
the cost table with units, the sources of every number, and the reproduce block folded at the end. Plotly's
JavaScript is embedded once, so the file opens with no network. A print stylesheet keeps each section and
chart on one page for the browser's print-to-PDF.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from engine.present import figures, glossary, rollout_gates
from engine.present import figures_review as fr
from engine.present.money import usd
from engine.present.report import STYLE, code_version, verdict_html

PRINT = (
    "@page{margin:14mm 12mm}.printonly{display:none}"
    "@media print{body{max-width:none;font-size:11pt;padding:0}details{display:none}.printonly{display:block}"
    ".chart,table,tr,.go,.verdict{break-inside:avoid;page-break-inside:avoid}h2,h3{break-after:avoid;page-break-after:avoid}"
    ".modified{border:2px solid #b00020}.noprint{display:none}.chart{max-width:100%;overflow:hidden}"
    "pre.short{white-space:pre-wrap;word-break:break-all;font-size:8.5pt}}"
)
EXTRA = (
    ".go{font-size:1.3em;font-weight:700;padding:.4em .8em;border-radius:4px;display:inline-block}"
    ".go-go{background:#e6f4ea;color:#0b5d1e}.go-hold{background:#fff4e5;color:#7a4100;border-left:6px solid #e07b00}"
    ".go-canary{background:#e8f0fb;color:#163f73}"
    ".go-nogo{background:#fde8e8;color:#8a1010}.modified{background:#fde8e8;color:#8a1010;padding:.6em 1em;"
    "border-left:6px solid #b00020;font-weight:600}.src{color:#555;font-size:.9em}"
    ".words td,.words th{text-align:left!important;vertical-align:top}"
    ".takeaway{font-weight:600;margin:.6em 0 .2em}"
)
STATUS_WORDS = {"fires": "FIRES", "fired earlier": "fired earlier", "quiet": "quiet", "no data": "no data"}


def plain(md: str) -> str:
    """A Rollout sentence without its markdown (bold markers, line breaks)."""
    return md.replace("**", "").replace("  \n", " ")


def go_no_go(review: dict[str, Any], branches) -> tuple[str, str]:
    """("go" | "canary" | "hold" | "nogo", one sentence, headline first): NO-GO when the verdict keeps the teacher
    or the Rollout page's go / no-go (gates and canary guardrail, stored with the review) blocks; HOLD when a
    failure branch fires now; else GO (shipping verdict) or GO TO CANARY ONLY (lean verdict)."""
    d = review["decision"]
    v, ro = d["verdict"], d.get("rollout")
    firing = [b for b in branches if b.status == "fires"]
    hold = "; ".join(f"{b.symptom} ({b.action.split(':')[0]})" for b in firing)
    if v["state"] == "blocked" or v["model"] == "teacher":
        word, text = "nogo", "NO-GO for the student: keep the teacher"
    elif ro is not None and not ro["go"]:
        word, text = "nogo", "NO-GO: " + plain(ro["sentence"]).removeprefix("No-go: ")
    elif firing:
        return "hold", f"HOLD: a failure-mode branch fires this week: {hold}. Act on it before any rollout."
    elif v["state"] == "ship":
        word, text = "go", "GO: promote the student (canary 5% → 25% over 2 weeks, seed 000 §7)"
    else:
        word, text = "canary", "GO TO CANARY ONLY: the student is cheaper but the interval includes $0"
    if firing:
        text += f" Also on HOLD: {hold}."
    return word, text


def guardrail_row(review: dict[str, Any]) -> dict[str, str] | None:
    """The canary guardrail as a gates-table row (the Rollout page's check, stored with the review)."""
    g = review["decision"].get("guardrail")
    if g is None:
        return None
    limit, est = usd(g["limit_usd_per_month"]), usd(g["offline_estimate_usd_per_month"], signed=True)
    lo, hi = g["estimate_ci95_usd"]
    if g["already_breached"]:
        ev = f"offline estimate {est}/month is above the {limit}/month limit: trips before the canary starts"
        ev += f" (a limit that holds: {usd(g['proposed_limit_usd_per_month'])}/month)"
    else:
        ev = f"offline estimate {est}/month is under the {limit}/month limit: holds"
    return {
        "Gate": f"Canary guardrail: critical-error cost grows at most {limit}/month",
        "Status": "FAIL" if g["already_breached"] else "pass",
        "Evidence": f"{ev}; 95% interval {usd(lo)} to {usd(hi)}/month",
        "Source": "seed 000 §7 rollout plan; the Rollout page's check",
    }


def diff_sentence(dd: dict[str, Any]) -> str:
    """The change in one sentence (CLI, page and report): "Since 2026-11-24 the margin moved −$385 …"."""
    causes = "; ".join(f"{c['words']}: {usd(c['usd'], signed=True)}" for c in dd["causes"]) or "nothing changed"
    return (
        f"Since {dd['from']['date']} the margin moved {usd(dd['total_change_usd'], signed=True)} "
        f"(from {usd(dd['margin_before_usd'])} to {usd(dd['margin_after_usd'])}/month): {causes}."
    )


def _table(df: pd.DataFrame, words: bool = False) -> str:
    """An HTML table; ``words`` tables (symptoms, actions, gates) read left-aligned like text."""
    return df.to_html(index=False, border=0, classes="t words" if words else "t", escape=True)


def this_vs_last(review: dict[str, Any], previous: dict[str, Any] | None) -> pd.DataFrame:
    """This review beside the one before it: margin, interval, chance, totals, critical misroutes, agreement."""

    def col(r):
        d = r["decision"]
        lo, hi = d["bootstrap"]["margin_ci95"]
        return [
            usd(d["margin_usd"]),
            f"[{usd(lo)}, {usd(hi)}]",
            f"{d['bootstrap']['p_student_cheaper']:.1%}",
            usd(d["teacher"]["total_usd"]),
            usd(d["student"]["total_usd"]),
            f"{d['teacher']['critical_events_per_month']:,.0f} / {d['student']['critical_events_per_month']:,.0f}",
            f"{d['cycle']['agreement']:.1%}",
            d["verdict"]["sentence"],
        ]

    rows = [
        "Margin ($/month, teacher − student)",
        "95% interval of the margin ($/month)",
        "Chance the student is cheaper",
        "Teacher total ($/month)",
        "Student total ($/month)",
        "Critical misroutes/month (teacher / student)",
        "Top-1 agreement",
        "Verdict",
    ]
    rid = lambda r: "" if r["review_id"] in (None, "now") else f" #{r['review_id']}"
    out = pd.DataFrame({"": rows, f"This review{rid(review)} ({review['review_date']})": col(review)})
    if previous is not None:
        out[f"Last review{rid(previous)} ({previous['review_date']})"] = col(previous)
    return out


def cost_table(review: dict[str, Any]) -> pd.DataFrame:
    """The stored review's cost by component and in total, $ per month (unrounded; shown to the cent)."""
    d, comps = review["decision"], review["decision"]["components"]
    return pd.DataFrame(
        {
            "Component": [figures.COMPONENT_LABELS.get(c, c.capitalize()) for c in comps] + ["Total"],
            "Teacher ($/month)": [x["teacher_usd"] for x in comps.values()] + [d["teacher"]["total_usd"]],
            "Student ($/month)": [x["student_usd"] for x in comps.values()] + [d["student"]["total_usd"]],
            "Student − teacher ($/month)": [x["student_minus_teacher_usd"] for x in comps.values()]
            + [-d["margin_usd"]],
        }
    )


def cost_csv(review: dict[str, Any]) -> str:
    """The cost table as CSV, dollars rounded to the cent."""
    return cost_table(review).to_csv(index=False, float_format="%.2f")


def _money(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in (c for c in out.columns if c.endswith("($/month)")):
        out[c] = out[c].map(lambda x: usd(float(x), cents=True))
    return out


def tree_table(branches) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Symptom (seed 000 §6, 001 §4)": b.symptom,
                "Status": STATUS_WORDS[b.status],
                "Judged on": b.on.capitalize(),
                "Last fired": b.cycles[-1] if b.cycles else "",
                "What the numbers were": b.detail,
                "Action": b.action,
            }
            for b in branches
        ],
        columns=[
            "Symptom (seed 000 §6, 001 §4)",
            "Status",
            "Judged on",
            "Last fired",
            "What the numbers were",
            "Action",
        ],
    )


def gates_table(review: dict[str, Any]) -> pd.DataFrame:
    """Every promotion gate with its status in words, then the canary guardrail."""
    g = review["decision"]["gates"]["gates"]
    rows = [
        {
            "Gate": x["name"],
            "Status": rollout_gates.gate_word(x["passed"], x.get("source")),
            "Evidence": x["evidence"],
            "Source": x["note"],
        }
        for x in g
    ]
    guard = guardrail_row(review)
    return pd.DataFrame(rows + ([guard] if guard else []), columns=["Gate", "Status", "Evidence", "Source"])


def _section(title: str, *body: str) -> str:
    return f"<section><h3>{html.escape(title)}</h3>{''.join(body)}</section>"


def _sources(r: dict[str, Any]) -> str:
    d = r["decision"]
    items = [
        f"Evidence: {r['evidence']}, cube {r['cube_hash']} ({d.get('cube_n', 0):,} evaluated requests).",
        f"Assumptions: {r['scenario']}, version {r['scenario_key']} (every dollar is priced with them).",
        f"Interval and chance: paired bootstrap, B = {d['bootstrap']['B']:,}, seed {d.get('bootstrap_seed', 0)}.",
        (
            f"Recorded by {r['author']} on {str(r['recorded_at'])[:16]} UTC"
            if r["review_id"] not in (None, "now")
            else f"Not recorded as a review (inputs on screen, by {r['author']})"
        )
        + (f" — note: {r['note']}" if r.get("note") else "."),
        f"Code version {code_version()}.",
    ]
    return "<ul class='src'>" + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ul>"


def _reproduce(inp) -> str:
    r = inp.review
    seed = r["decision"].get("bootstrap_seed", 0)
    if r["review_id"] in (None, "now"):  # a what-if: nothing stored to show yet
        cmds = [
            f"python -m engine decide --cube {r['cube_hash']} --seed {seed} --json --scenario scenario.json"
            "   # the assumptions below saved as scenario.json",
            f"python -m engine review record --evidence cube:{r['cube_hash']} --scenario scenario.json  # to keep it",
        ]
        return _fold(cmds, r)
    cmds = [
        f"python -m engine review show {r['review_id']} --json",
        f"python -m engine decide --cube {r['cube_hash']} --seed {r['decision'].get('bootstrap_seed', 0)} --json"
        "   # with the assumptions below saved as scenario.json: --scenario scenario.json",
    ]
    if inp.previous is not None:
        cmds.append(f"python -m engine review diff {inp.previous['review_id']} {r['review_id']} --json")
    cmds.append(f"python -m engine report --review {r['review_id']} --out review.html")
    return _fold(cmds, r)


def _fold(cmds: list[str], r: dict[str, Any]) -> str:
    meta = {"review": {k: v for k, v in r.items() if k != "decision"}, "code_version": code_version()}
    text = html.escape("\n".join(cmds) + "\n\n" + json.dumps(meta, indent=2, default=str))
    key = f"Scenario {r['scenario']}, version {r['scenario_key']}; cube {r['cube_hash']}; code {code_version()}."
    short = html.escape("\n".join(cmds) + "\n\n" + key)
    return (  # the full JSON on screen, folded; on paper only the commands and the keys they need
        f"<details><summary>Reproduce these numbers</summary><pre>{text}</pre></details>"
        f"<section class='printonly'><h3>Reproduce these numbers</h3><pre class='short'>{short}</pre>"
        "<p class='src'>The full assumptions (harm matrix included) are in the HTML file's folded block and in "
        "<code>review show --json</code>.</p></section>"
    )


PRINT_WIDTH = 690  # px: an A4 page less 12 mm margins is 703 CSS px, so each chart prints whole


def _figs(inp) -> list[str]:
    """Each chart as HTML, its one-line takeaway above it as text (never clipped by the plot's toolbar), drawn at
    a width an A4 page holds (plotly's SVG does not reflow when printed)."""
    frame = inp.timeline.frame
    gate = next((g["threshold"] for g in inp.review["decision"]["gates"]["gates"] if g["metric"] == "agreement"), None)
    figs = [(fr.margin_takeaway(frame), fr.margin_trend(frame))]
    if inp.diff:
        figs.append((fr.waterfall_takeaway(inp.diff), fr.change_waterfall(inp.diff)))
    figs.append((fr.agreement_takeaway(frame, gate), fr.agreement_trend(frame, gate)))
    return [
        f"<div class='chart'><p class='takeaway'>{html.escape(words)}</p>"
        + pio.to_html(
            f.update_layout(width=PRINT_WIDTH),
            include_plotlyjs="inline" if i == 0 else False,
            full_html=False,
            config={"displaylogo": False},
        )
        + "</div>"
        for i, (words, f) in enumerate(figs)
    ]


def build(inp, *, modified: list[str] | None = None) -> str:
    """The report of ``inp`` (``engine.reviews.ReportInputs``); ``modified`` lists inputs that differ from the
    stored review (a what-if, not a recorded review: said in a banner at the top)."""
    r, v = inp.review, inp.review["decision"]["verdict"]
    title = f"Weekly review {r['review_date']} — {v['sentence'].split(':')[0]}"
    word, go_text = go_no_go(r, inp.timeline.branches)
    charts = _figs(inp)
    changed = "<p>This is the first stored review: nothing to compare with yet.</p>"
    if inp.diff is not None:
        rows = [{"Cause": c["words"], "$/month": usd(c["usd"], signed=True, cents=True)} for c in inp.diff["causes"]]
        rows.append(
            {
                "Cause": "Total change of the margin",
                "$/month": usd(inp.diff["total_change_usd"], signed=True, cents=True),
            }
        )
        changed = f"<p>{html.escape(diff_sentence(inp.diff))}</p>" + _table(pd.DataFrame(rows)) + charts[1]
    banner = ""
    if modified:
        banner = (
            "<p class='modified'>MODIFIED — these numbers are a what-if, not the stored review: "
            + html.escape("; ".join(modified))
            + "</p>"
        )
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{STYLE}{EXTRA}{PRINT}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>",
        banner,
        f"<h1>Distill Decide — weekly review of {html.escape(r['review_date'])}</h1>",
        verdict_html(v["state"], v["model"], v["sentence"]),
        f"<p class='go go-{word}'>{html.escape(go_text)}</p>",
        _section("This week against last week", _table(this_vs_last(r, inp.previous))),
        _section("What changed since the last review, and why", changed),
        _section("The margin across reviews", charts[0]),
        _section("Drift and the failure-mode tree", _table(tree_table(inp.timeline.branches), words=True), charts[-1]),
        _section("Promotion gates", _table(gates_table(r), words=True)),
        _section("Cost by component ($ per month)", _table(_money(cost_table(r)))),
        _section("Sources of every number", _sources(r)),
        _section("Glossary: what these words mean", glossary.html_list()),
        _reproduce(inp),
        "</body></html>",
    ]
    return "\n".join(parts)
