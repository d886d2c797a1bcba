"""``python -m engine review record|list|show|diff|cycles|timeline`` and ``python -m engine report``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine import reviews
from engine import validate as v
from engine.errors import require
from engine.present.money import usd

PRODUCTION = "production"  # the stored cycle series the review timeline reads by default


def _out(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=str))


def cmd_record(args) -> int:
    from engine.cli import main as cli_main
    from engine.rollout import gates

    ev, a, note = cli_main._load(args)
    gate_list = gates.gates_or_default(args.gates)
    r, created = reviews.record(
        ev,
        a,
        scenario_label=reviews.scenario_words(note, a),
        review_date=args.date,
        author=args.author,
        note=args.note,
        gate_list=gate_list,
        B=args.bootstrap,
        seed=args.seed,
    )
    if args.json:
        _out({"created": created, **reviews.summary([r]).iloc[0].to_dict()})
        return 0
    what = "recorded" if created else "already recorded (nothing written)"
    print(f"review #{r['review_id']} of {r['review_date']} {what}: {r['decision']['verdict']['sentence']}")
    return 0


def cmd_list(args) -> int:
    from engine import store

    table = reviews.summary(store.list_reviews())
    if args.json:
        _out(table.to_dict(orient="records"))
    elif table.empty:
        print("no review is stored yet: record one with `python -m engine review record`")
    else:
        for r in table.to_dict(orient="records"):
            m, lo, hi = (float(r[k]) for k in ("margin_usd", "margin_ci95_low_usd", "margin_ci95_high_usd"))
            print(
                f"#{r['review_id']}  {r['date']}  {r['evidence']}  {r['scenario']}  margin {usd(m)} "
                f"[{usd(lo)}, {usd(hi)}]  {r['verdict']}  (by {r['by']})"
            )
    return 0


def cmd_show(args) -> int:
    from engine import store

    r = store.load_review(args.id or "latest")
    if args.json:
        _out(r)
        return 0
    d = r["decision"]
    lo, hi = d["bootstrap"]["margin_ci95"]
    print(f"review #{r['review_id']} of {r['review_date']}, recorded by {r['author']} at {r['recorded_at']}")
    print(f"evidence: {r['evidence']} (cube {r['cube_hash']}); scenario: {r['scenario']} ({r['scenario_key']})")
    print(f"{d['verdict']['sentence']}")
    print(
        f"margin {usd(d['margin_usd'])}/month, 95% interval [{usd(lo)}, {usd(hi)}], "
        f"P(student cheaper) {d['bootstrap']['p_student_cheaper']:.3f}"
    )
    for c, x in d["components"].items():
        print(f"  {c:<16} teacher {usd(x['teacher_usd']):>10}  student {usd(x['student_usd']):>10}")
    return 0


def cmd_diff(args) -> int:
    from engine import store

    dd = reviews.diff(store.load_review(args.a or "previous"), store.load_review(args.b or "latest"))
    if args.json:
        _out(dd)
        return 0
    from engine.present.review_report import diff_sentence

    print(diff_sentence(dd))
    for c in dd["causes"]:
        print(f"  {usd(c['usd'], signed=True, cents=True):>12}  {c['words']}")
    print(f"  {usd(dd['total_change_usd'], signed=True, cents=True):>12}  total change of the margin")
    return 0


def cmd_cycles(args) -> int:
    from engine import store
    from engine.decision.cube import read_table
    from engine.rollout import drift

    frame = drift.validate_cycles(read_table(args.path))
    reviews.timeline([], frame)  # every cycle must have a date before anything is stored
    n = store.save_cycles(args.series, frame)
    print(f"stored {n} production cycles as series {args.series!r} (the review timeline reads them)")
    return 0


def cmd_timeline(args) -> int:
    t = reviews.review_timeline(args.cycles)
    if args.json:
        _out({"timeline": t.frame.to_dict(orient="records"), "failure_tree": [b.__dict__ for b in t.branches]})
        return 0
    for row in t.frame.itertuples():
        m = getattr(row, "margin_usd", None)
        print(f"{row.date}  {row.kind:<10}  {row.cycle}" + (f"  margin {usd(m)}" if m == m and m is not None else ""))
    for b in t.branches:
        print(f"[{b.status}] {b.symptom}" + (f" — {b.detail}. Action: {b.action}" if b.cycles else ""))
    return 0


def cmd_report(args) -> int:
    from engine.present import review_report

    out = Path(args.out)
    require(out.suffix.lower() in (".html", ".htm"), "--out", f"{out.name} is not .html", "give e.g. review.html")
    html = review_report.build(reviews.report_inputs(args.review, args.cycles))
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out} ({len(html) / 1e6:.1f} MB, self-contained)")
    return 0


def add_commands(sub) -> None:
    from engine.cli import main as cli_main

    p = sub.add_parser("review", help="stored weekly reviews: record, list, show, diff, production cycles, timeline")
    rs = p.add_subparsers(dest="review_command", required=True)
    r = rs.add_parser("record", help="decide and store this week's review (once per date, evidence, scenario)")
    cli_main._evidence_args(r)
    r.add_argument("--date", help="review date YYYY-MM-DD (default today)")
    r.add_argument("--author", type=v.as_flag(reviews.AUTHOR), help="who records it (default: your user name)")
    r.add_argument("--note", default="", type=v.as_flag(reviews.NOTE))
    r.add_argument("--bootstrap", type=v.as_flag(v.BOOTSTRAP), default=10_000, help="resamples B (default 10,000)")
    r.add_argument("--seed", type=v.as_flag(v.SEED), default=0, help="bootstrap random seed")
    r.add_argument("--gates", help="JSON list of gates (default: the seeds' gates)")
    r.set_defaults(func=cmd_record)
    r = rs.add_parser("list", help="every stored review, oldest first")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_list)
    r = rs.add_parser("show", help="one stored review (default: the latest)")
    r.add_argument("id", nargs="?", help="a review id, latest or previous")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_show)
    r = rs.add_parser("diff", help="what changed between two reviews, in dollars by cause (default: previous latest)")
    r.add_argument("a", nargs="?")
    r.add_argument("b", nargs="?")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_diff)
    r = rs.add_parser("cycles", help="store weekly production stats (CSV/parquet) on the review timeline")
    r.add_argument("path")
    r.add_argument("--series", default=PRODUCTION, type=v.as_flag(v.NAME))
    r.set_defaults(func=cmd_cycles)
    r = rs.add_parser("timeline", help="reviews and production cycles by date, with the failure-mode tree")
    r.add_argument("--cycles", default=PRODUCTION, help="stored cycle series on the timeline (default production)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_timeline)
    p = sub.add_parser("report", help="the weekly review as one dated, self-contained HTML file")
    p.add_argument("--review", default="latest", help="a review id or latest (default)")
    p.add_argument("--cycles", default=PRODUCTION, help="stored cycle series on the timeline (default production)")
    p.add_argument("--out", required=True, help="the HTML file to write")
    p.set_defaults(func=cmd_report)
