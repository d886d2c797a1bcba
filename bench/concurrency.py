"""The dashboard, CLI writes and a training ingest against one DuckDB file at the same time (issue 13).

    python bench/concurrency.py                      # 10 browser sessions, 20 + 10 CLI writes, 5 ingests
    python bench/concurrency.py --sessions 4 --cli-saves 6 --cube-imports 3 --ingests 2

What runs at once, all on one fresh store file:

- ``--sessions`` real browser sessions (one headless chromium, one context each, driven concurrently with
  playwright's async API) against one ``streamlit run app.py``: each opens the Scenarios page, types a new
  "$ per critical event" in the sidebar and waits for the hand-computed verdict (2,969.92 − 1,540 × c at 1.4M
  requests), then saves the scenario under its own name and waits for "Saved NAME as version";
  ``--saves`` times. Every rerun also reads the store (the page's scenario list and the store check);
- ``python -m engine scenario save cli-I`` ``--cli-saves`` times and ``python -m engine cube import`` of
  ``--cube-imports`` distinct counts files, each its own process, in two loops;
- one process ingesting ``--ingests`` fabricated finished runs of ``--rows`` predictions each with
  ``store.ingest_run`` (what a training process does when it finishes).

Printed per kind: operations acknowledged, failures (a non-zero exit, an exception, a message that is not the
expected one, a traceback), lock retries (every process appends a line to $DISTILL_DECIDE_LOCK_LOG each time it
found the file locked and waited: engine/store/db.py), rows acknowledged, found afterwards and lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.present.money import usd  # noqa: E402
from engine.store.db import LOCK_LOG_ENV  # noqa: E402

LABELS = ["faq", "order_tracking"]


@dataclass
class Kind:
    """What one kind of writer did: operations acknowledged, failures, the names (or keys) it was told were stored."""

    name: str
    ops: int = 0
    failures: list[str] = field(default_factory=list)
    stored: dict[str, int] = field(default_factory=dict)  # key -> rows acknowledged
    pids: set[int] = field(default_factory=set)
    found: int = 0
    retries: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.stored.values())

    @property
    def lost(self) -> int:
        return self.rows - self.found


def _env(root: Path) -> dict[str, str]:
    return dict(
        os.environ,
        DISTILL_DECIDE_DB=str(root / "store.duckdb"),
        DISTILL_DECIDE_RUNS=str(root / "runs"),
        **{LOCK_LOG_ENV: str(root / "lock-waits.log")},
    )


def _cli(kind: Kind, env: dict, argv: list[str], key: str, rows: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", *argv], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    kind.pids.add(proc.pid)
    out, err = proc.communicate(timeout=300)
    if proc.returncode != 0:
        kind.failures.append(f"{' '.join(argv[:3])}: exit {proc.returncode}: {err.decode()[-300:]}")
        return
    kind.ops += 1
    kind.stored[key or out.decode().split()[2].rstrip(":")] = rows


def _cli_saves(kind: Kind, env: dict, n: int) -> None:
    t0 = time.perf_counter()
    for i in range(n):
        _cli(kind, env, ["scenario", "save", f"cli-{i}", "--author", "bench", "--note", f"write {i}"], f"cli-{i}", 1)
    kind.seconds = time.perf_counter() - t0


def _counts_file(root: Path, i: int) -> Path:
    """A small counts file whose cube hash differs by ``i`` (one cell's count)."""
    p = root / f"counts-{i}.csv"
    cells = [("all", t, a, b) for t in LABELS for a in LABELS for b in LABELS]
    lines = ["segment,true,teacher_pred,student_pred,n"] + [
        f"{s},{t},{a},{b},{10 + (i if j == 0 else j)}" for j, (s, t, a, b) in enumerate(cells)
    ]
    p.write_text("\n".join(lines) + "\n")
    return p


def _cube_imports(kind: Kind, env: dict, root: Path, n: int) -> None:
    t0 = time.perf_counter()
    for i in range(n):
        _cli(kind, env, ["cube", "import", str(_counts_file(root, i))], "", 8)  # 8 cells each
    kind.seconds = time.perf_counter() - t0


INGEST = """
import json, sys, time
sys.path.insert(0, {root!r})
from engine import store
t0, done = time.perf_counter(), []
for d in {dirs!r}:
    try:
        done.append([store.ingest_run(d), None])
    except Exception as exc:
        done.append([d, f"{{type(exc).__name__}}: {{exc}}"])
print(json.dumps({{"done": done, "seconds": time.perf_counter() - t0}}))
"""


def make_run(root: Path, run_id: str, n: int) -> Path:
    """A finished run directory (what training leaves): config, summary, logs, ``n`` predictions, DONE."""
    import pandas as pd

    d = root / "runs" / run_id
    d.mkdir(parents=True)
    (d / "config.json").write_text(json.dumps({"run_id": run_id, "labels": LABELS}))
    (d / "summary.json").write_text(json.dumps({"selection": {"student": {"epoch": 2}}}))
    steps = [{"phase": "student", "epoch": 1, "global_step": s, "total_loss": 1.0 / s} for s in range(1, 51)]
    (d / "steps.jsonl").write_text("".join(json.dumps(s) + "\n" for s in steps))
    epochs = [{"phase": "student", "epoch": e, "val_accuracy": 0.5 + e / 10} for e in (1, 2)]
    (d / "epochs.jsonl").write_text("".join(json.dumps(e) + "\n" for e in epochs))
    true = [LABELS[i % 2] for i in range(n)]
    frame = pd.DataFrame({"request_id": [f"r{i}" for i in range(n)], "true": true, "teacher_pred": true})
    frame["student_pred"] = [LABELS[(i + 1) % 2] if i % 3 == 0 else t for i, t in enumerate(true)]
    for model in ("teacher", "student"):
        for label in LABELS:
            frame[f"p_{model}_{label}"] = 0.5
    frame.to_parquet(d / "predictions.parquet")
    (d / "DONE").write_text("bench\n")
    return d


def _ingests(kind: Kind, env: dict, root: Path, n: int, rows: int) -> None:
    dirs = [str(make_run(root, f"bench-{i}", rows)) for i in range(n)]
    code = INGEST.format(root=str(ROOT), dirs=dirs)
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kind.pids.add(proc.pid)
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        kind.failures.append(f"ingest process: exit {proc.returncode}: {err.decode()[-300:]}")
        return
    report = json.loads(out.decode().strip().splitlines()[-1])
    kind.seconds = report["seconds"]
    for run_id, problem in report["done"]:
        if problem:
            kind.failures.append(f"ingest {run_id}: {problem}")
        else:
            kind.ops += 1
            kind.stored[run_id] = rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    argv = ["streamlit", "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1"]
    proc = subprocess.Popen(
        # no file watcher, as in a deployment: a source file edited mid-run (this repo is shared) would make
        # Streamlit drop modules from sys.modules while another session imports them (KeyError 'engine.sources')
        [sys.executable, "-m", *argv, "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy in 120 s")


def _margin_text(c: float) -> str:
    """The verdict's saving at $c per critical event (seed, 1.4M requests): 2,969.92 − 1,540 × c."""
    return f"saves {usd(abs(2_969.92 - 1_540 * c))}/month"


BROKEN = "error message is redacted|Traceback|busy in another process"


async def _shows(page, expected: str) -> str:
    """Wait until the page shows ``expected`` (a regular expression) or a broken page; the text it shows."""
    said = page.get_by_text(re.compile(f"{expected}|{BROKEN}")).first
    await said.wait_for(timeout=180_000)
    text = await said.inner_text()
    if re.search(BROKEN, text):
        raise RuntimeError(text[:200])
    return text


async def _session(browser, url: str, s: int, saves: int, kind: Kind) -> None:
    ctx = await browser.new_context(viewport={"width": 1440, "height": 900})
    ctx.set_default_timeout(180_000)  # every action waits as long as a step may (2 shared cores, 10 sessions)
    page = await ctx.new_page()
    step = "open"
    try:
        await page.goto(url + "/scenarios", wait_until="domcontentloaded")
        await _shows(page, re.escape(_margin_text(1.20)))
        for k in range(saves):
            c, name = round(1.0 + 0.1 * k + 0.01 * s, 2), f"dash-{s}-{k}"
            step = f"edit {c:.2f}"
            crit = page.get_by_label("$ per critical event", exact=True)
            await crit.fill(f"{c:.2f}")
            await crit.press("Enter")
            await _shows(page, re.escape(_margin_text(c)))
            step = f"save {name}"
            box = page.get_by_label("Scenario name")
            await box.fill(name)
            await box.press("Enter")
            await page.get_by_role("button", name="Save", exact=True).click(timeout=180_000)
            await _shows(page, rf"Saved {name} as version \d+")
            kind.ops += 1
            kind.stored[name] = 1
    except Exception as exc:  # a broken page, or a timeout: the page never showed what the step waits for
        kind.failures.append(f"session {s}, {step}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await ctx.close()


async def _sessions(url: str, n: int, saves: int, kind: Kind) -> None:
    from playwright.async_api import async_playwright

    chromium = next(shutil.which(x) for x in ("chromium", "chromium-browser", "google-chrome") if shutil.which(x))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=["--no-sandbox"], headless=True)
        try:
            await asyncio.gather(*(_session(browser, url, s, saves, kind) for s in range(n)))
        finally:
            await browser.close()


def _dashboard(kind: Kind, env: dict, sessions: int, saves: int, log: Path) -> None:
    proc, url = _server(env, log)
    kind.pids.add(proc.pid)
    try:
        t0 = time.perf_counter()
        asyncio.run(_sessions(url, sessions, saves, kind))
        kind.seconds = time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _count_found(db: Path, kinds: dict[str, Kind]) -> None:
    """Rows found afterwards for every acknowledged key (at most what was acknowledged: a duplicate is no find),
    read through the store's own functions (the only SQL is in engine/store)."""
    from engine import store

    sc = store.list_scenarios(db)
    named = dict(zip(sc["name"], sc["versions"].astype(int)))
    cells = {h: len(store.load_cube(h, db)[1]) for h in store.list_cubes(db)["cube_hash"]}
    src = store.list_sources(db)
    runs = {s[4:]: int(n) for s, n in zip(src["source"], src["requests"]) if s.startswith("run:")}
    for kind, table in (
        (kinds["dashboard"], named),
        (kinds["cli"], named),
        (kinds["cube"], cells),
        (kinds["ingest"], runs),
    ):
        kind.found = sum(min(int(table.get(k, 0)), v) for k, v in kind.stored.items())


def run(
    root: Path, *, sessions: int, saves: int, cli_saves: int, cube_imports: int, ingests: int, rows: int
) -> dict[str, Kind]:
    """Everything at once against ``root/store.duckdb``; what each kind did, with rows found and lock retries."""
    from engine.store import db

    env = _env(root)
    (root / "runs").mkdir(exist_ok=True)
    db.migrate(root / "store.duckdb")  # the schema exists before the writers start
    kinds = {
        "dashboard": Kind(f"dashboard: {sessions} browser sessions × {saves} edit + save"),
        "cli": Kind("CLI: scenario save (one process each)"),
        "cube": Kind("CLI: cube import (one process each)"),
        "ingest": Kind(f"training ingest: runs of {rows:,} predictions"),
    }
    jobs = [
        threading.Thread(target=_cli_saves, args=(kinds["cli"], env, cli_saves)),
        threading.Thread(target=_cube_imports, args=(kinds["cube"], env, root, cube_imports)),
        threading.Thread(target=_ingests, args=(kinds["ingest"], env, root, ingests, rows)),
    ]
    if sessions:
        dash = (kinds["dashboard"], env, sessions, saves, root / "server.log")
        jobs.append(threading.Thread(target=_dashboard, args=dash))
    for j in jobs:
        j.start()
    for j in jobs:
        j.join()
    _count_found(root / "store.duckdb", kinds)
    log = root / "lock-waits.log"
    waits = [int(x) for x in log.read_text().split()] if log.exists() else []
    for kind in kinds.values():
        kind.retries = sum(1 for pid in waits if pid in kind.pids)
    return kinds


def report(kinds: dict[str, Kind]) -> str:
    head = f"{'':56} {'ops':>5} {'fail':>5} {'lock retries':>13} {'rows':>7} {'found':>7} {'lost':>5} {'s':>6}"
    lines = [head]
    for k in kinds.values():
        lines.append(
            f"{k.name:56} {k.ops:>5} {len(k.failures):>5} {k.retries:>13} {k.rows:>7} {k.found:>7} {k.lost:>5}"
            f" {k.seconds:>6.0f}"
        )
        lines += [f"    failure: {f}" for f in k.failures[:5]]
    total = list(kinds.values())
    lines.append(
        f"{'total':56} {sum(k.ops for k in total):>5} {sum(len(k.failures) for k in total):>5} "
        f"{sum(k.retries for k in total):>13} {sum(k.rows for k in total):>7} {sum(k.found for k in total):>7} "
        f"{sum(k.lost for k in total):>5}"
    )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--saves", type=int, default=3, help="edit + save rounds per browser session")
    ap.add_argument("--cli-saves", type=int, default=20)
    ap.add_argument("--cube-imports", type=int, default=10)
    ap.add_argument("--ingests", type=int, default=5)
    ap.add_argument("--rows", type=int, default=20_000, help="predictions per ingested run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        kinds = run(
            Path(tmp),
            sessions=args.sessions,
            saves=args.saves,
            cli_saves=args.cli_saves,
            cube_imports=args.cube_imports,
            ingests=args.ingests,
            rows=args.rows,
        )
        print(report(kinds))
        if kinds["dashboard"].failures and (Path(tmp) / "server.log").exists():
            print("server log (last 3,000 characters):\n" + (Path(tmp) / "server.log").read_text()[-3000:])
        print(f"wall {time.perf_counter() - t0:.0f} s on {os.cpu_count()} CPU cores, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
