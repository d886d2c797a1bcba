"""Run under torchrun: the tiny trainer with 2 gloo processes (see test_ddp_two_processes_on_cpu)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from engine.distill import trainer
from tests.engine.distill.test_trainer import cfg, tiny_factory

# the runs folder and the logit cache beside it come from DISTILL_DECIDE_RUNS (set by the test; see cfg)
trainer.run(cfg("ddp-rank-id-is-ignored", mode="kd-cached"), model_factory=tiny_factory(), ingest=False)
