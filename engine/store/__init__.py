"""The only package that writes SQL: one embedded DuckDB file, versioned schema.

``db`` owns connections (short-lived, retried on the file's lock), transactions and
the numbered migrations; each other module owns one group of tables. The store takes
and returns frames and JSON-able dicts and imports no domain module: turning stored
data into a cube or an ``Assumptions`` is ``engine.sources``'s job. Every value is a
bound parameter; the only identifiers ever placed in SQL text are fixed table and
column names, or names a user typed that were first checked against the catalogue
(or, for a new table, a plain-identifier pattern) and quoted.
"""

from engine.store.cubes import (
    cube_counts_from_parquet,
    cube_counts_from_rows,
    cube_counts_from_table,
    list_cubes,
    load_cube,
    save_cube,
)
from engine.store.cycles import list_cycle_series, load_cycles, save_cycles
from engine.store.db import LOCK_WAIT_S, MIGRATIONS, connect, migrate, transaction
from engine.store.reviews import list_reviews, load_review, save_review
from engine.store.rows import list_sources, load_rows, read_table_frame, save_rows, source_labels, write_rows_table
from engine.store.runs import ingest_latency, ingest_run, list_ingested_runs, load_run_log, run_labels
from engine.store.scenarios import list_scenarios, load_scenario, save_scenario, scenario_history

__all__ = [
    "LOCK_WAIT_S",
    "MIGRATIONS",
    "connect",
    "cube_counts_from_parquet",
    "cube_counts_from_rows",
    "cube_counts_from_table",
    "ingest_latency",
    "ingest_run",
    "list_cubes",
    "list_cycle_series",
    "list_ingested_runs",
    "list_scenarios",
    "list_reviews",
    "list_sources",
    "source_labels",
    "load_cube",
    "load_cycles",
    "load_review",
    "load_rows",
    "load_run_log",
    "load_scenario",
    "migrate",
    "read_table_frame",
    "run_labels",
    "save_cube",
    "save_cycles",
    "save_review",
    "save_rows",
    "save_scenario",
    "scenario_history",
    "transaction",
    "write_rows_table",
]
