"""Server-side recompute of a dashboard page after an input change (Streamlit AppTest, no browser).

    python bench/dashboard.py

Baseline measured in the same run: the same rerun with the bootstrap-draw cache cleared
first (what every slider move would cost without draw-once-reprice-many).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DISTILL_DECIDE_DB", str(Path(tempfile.mkdtemp()) / "bench.duckdb"))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402


def rerun_times(page: str, values, clear_cache: bool) -> list[float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(f"app_pages/{page}.py").run()
    times = []
    for v in values:
        if clear_cache:
            st.cache_resource.clear()
        at.number_input(key="in:usd_per_critical_event").set_value(v)
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception
    return times


def main() -> None:
    values = [1.0 + 0.1 * i for i in range(12)]
    for page in ("assumptions",):
        cached = rerun_times(page, values, clear_cache=False)
        cold = rerun_times(page, values[:5], clear_cache=True)
        m_c, m_n = statistics.median(cached[2:]), statistics.median(cold)
        print(
            f"{page} page, $ per critical event changed (verdict, decomposition, gates, re-priced bootstrap; "
            f"applied in the input's on_change callback, one rerun): median {m_c * 1e3:.0f} ms server-side "
            f"(target < 300 ms); with the draw cache cleared each time {m_n * 1e3:.0f} ms: "
            f"{m_n / m_c:.1f}× faster with cached draws"
        )


if __name__ == "__main__":
    main()
