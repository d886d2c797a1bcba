"""DuckDB store: migrations, parameterised writes that land whole or not at all, concurrent CLI use."""

import subprocess
import sys
import textwrap

import duckdb
import pandas as pd
import pytest

from engine import sources, store
from engine.decision import cube
from engine.errors import DistillDecideError
from tests.conftest import ROOT, run_cli


def test_migrate_is_idempotent(db):
    latest = store.MIGRATIONS[-1][0]
    assert store.migrate() == latest == 7  # 7: the candidates of a stored source
    assert store.migrate() == latest
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == latest


def test_scenario_versions_are_a_change_log(db, seed_a):
    v1 = store.save_scenario("plan", seed_a.to_dict(), author="sam", note="seed")
    v2 = store.save_scenario("plan", seed_a.replace(usd_per_critical_event=2.0).to_dict(), author="aiko", note="CSAT")
    assert v2 > v1
    assert store.load_scenario("plan")["usd_per_critical_event"] == 2.0
    assert store.load_scenario(v1)["usd_per_critical_event"] == 1.2
    # the store returns plain fields; sources turns them back into the same Assumptions
    assert sources.stored_scenario("plan").usd_per_critical_event == 2.0
    assert sources.stored_scenario(v1).to_dict() == seed_a.to_dict()
    hist = store.scenario_history("plan")
    assert list(hist.author) == ["sam", "aiko"]
    listed = store.list_scenarios()
    assert listed.versions.tolist() == [2]
    with pytest.raises(DistillDecideError, match="not stored"):
        store.load_scenario("nope")
    with pytest.raises(DistillDecideError, match="JSON-able"):
        store.save_scenario("plan", {"intents": {"a", "b"}})  # a set is not JSON
    assert store.scenario_history("plan").version_id.tolist() == [v1, v2]  # nothing half-written


def test_rows_round_trip_and_group_by(db, seed_rows, seed_cube, seed_a):
    assert store.save_rows("seed", seed_rows, intents=seed_a.intents) == 10_000
    back = store.load_rows("seed")
    assert len(back) == 10_000 and len(back.teacher_probs[0]) == 10
    counts = store.cube_counts_from_rows("seed")
    assert cube.from_counts(counts, intents=seed_a.intents).hash == seed_cube.hash


def test_failed_write_leaves_previous_rows(db, seed_rows, seed_a):
    store.save_rows("seed", seed_rows.head(100), intents=seed_a.intents)
    dup = pd.concat([seed_rows.head(5), seed_rows.head(5)])
    with pytest.raises(DistillDecideError, match="duplicates"):
        store.save_rows("seed", dup, intents=seed_a.intents)
    bad = seed_rows.head(10).drop(columns=["true"])
    with pytest.raises(DistillDecideError, match="missing"):
        store.save_rows("seed", bad, intents=seed_a.intents)
    assert len(store.load_rows("seed")) == 100


def test_transaction_rolls_back(db):
    store.migrate()
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute("INSERT INTO scenario_versions (name, assumptions_json) VALUES (?, ?)", ["x", "{}"])
        raise RuntimeError("interrupted")
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM scenario_versions").fetchone()[0] == 0


def test_cube_save_load(db, seed_cube):
    h = sources.store_cube(seed_cube)
    sources.store_cube(seed_cube)  # idempotent
    meta, counts = store.load_cube(h)
    assert meta["n"] == 10_000 and len(counts) == seed_cube.n_cells == 212 and counts.n.sum() == 10_000
    assert meta["intents"] == list(seed_cube.intents) and meta["source"] == seed_cube.source
    assert sources.stored_cube_evidence(h).cube.hash == seed_cube.hash
    assert store.list_cubes().cube_hash.tolist() == [h]


def test_cube_from_table_and_injection_refused(db, seed_rows):
    store.migrate()
    with duckdb.connect(str(db)) as con:
        con.register("r", seed_rows[["segment", "true", "teacher_pred", "student_pred"]])
        con.execute("CREATE TABLE logs AS SELECT * FROM r")
    counts = store.cube_counts_from_table("logs")
    assert counts.n.sum() == 10_000
    with pytest.raises(DistillDecideError, match="table"):
        store.cube_counts_from_table("logs; DROP TABLE logs")
    with pytest.raises(DistillDecideError, match="column"):
        store.cube_counts_from_table("logs", columns={"true": 'label" OR 1=1'})


def test_partitioned_parquet_read_in_place(tmp_path, seed_rows, seed_cube):
    root = tmp_path / "logs"
    for seg, part in seed_rows.groupby("segment"):
        d = root / f"segment={seg}"
        d.mkdir(parents=True)
        part.drop(columns=["segment"]).to_parquet(d / "part-0.parquet")
    counts = store.cube_counts_from_parquet(str(root / "**" / "*.parquet"))
    assert cube.from_counts(counts, intents=seed_cube.intents).hash == seed_cube.hash
    with pytest.raises(DistillDecideError, match="could not be read"):
        store.cube_counts_from_parquet(str(tmp_path / "nothing" / "*.parquet"))


def test_cli_writes_while_another_process_reads(db, seed_a):
    """A 'dashboard' process keeps opening short read-only connections while the CLI writes."""
    store.save_scenario("warm", seed_a.to_dict())
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from engine import store
        reads = 0
        end = time.time() + 6
        while time.time() < end:
            reads += len(store.list_scenarios(path={str(db)!r}))
        print(reads)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    for i in range(3):
        r = run_cli("scenario", "save", f"cli-{i}", env_db=db)
        assert r.returncode == 0, r.stderr
    out, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0 and int(out) > 0
    assert set(store.list_scenarios().name) == {"warm", "cli-0", "cli-1", "cli-2"}


def test_lock_held_too_long_gives_clear_error(db):
    store.migrate()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import duckdb, time, sys
        con = duckdb.connect({str(db)!r})
        print("held", flush=True)
        time.sleep(5)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(DistillDecideError, match="busy in another process"), store.connect(wait_s=0.5):
        pass
    holder.wait(timeout=30)


def test_cycles_round_trip_and_cli(db, tmp_path):
    from engine.rollout import drift

    ex = drift.example_cycles()
    assert store.save_cycles("weekly", ex) == 12
    back = store.load_cycles("weekly")
    assert list(back.cycle) == list(ex.cycle) and back.agreement.tolist() == ex.agreement.tolist()
    assert store.list_cycle_series() == ["weekly"]
    r = run_cli("drift", "--cycles", "stored:weekly", "--json", env_db=db)
    assert r.returncode == 0 and any(a["rule"] == "agreement_below_gate" for a in __import__("json").loads(r.stdout))
    bad = tmp_path / "bad.csv"
    bad.write_text("cycle,agreement\n1,high\n")
    r = run_cli("drift", "--cycles", str(bad), "--save", "broken", env_db=db)
    assert r.returncode == 2 and "agreement" in r.stderr
    assert store.list_cycle_series() == ["weekly"]  # nothing half-written


def test_old_schema_is_upgraded(db, monkeypatch):
    from engine.store import db as store_db

    monkeypatch.setattr(store_db, "MIGRATIONS", store.MIGRATIONS[:1])
    assert store.migrate() == 1
    monkeypatch.undo()
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(db))
    assert store.migrate() == 7
    assert store.load_run_log("nothing-yet").empty  # the run log tables exist after the upgrade
    assert store.list_cycle_series() == [] and store.list_reviews() == []  # and the reviews table


def test_store_loads_no_domain_module():
    """The store takes and returns frames and dicts: importing it loads none of decision, quality, rollout, ..."""
    code = "import sys, engine.store; print(' '.join(sorted(m for m in sys.modules if m.startswith('engine'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    allowed = ("engine.errors", "engine.paths", "engine.runs", "engine.store")
    loaded = out.split()
    assert "engine.store.runs" in loaded
    assert [m for m in loaded if m != "engine" and not m.startswith(allowed)] == []
