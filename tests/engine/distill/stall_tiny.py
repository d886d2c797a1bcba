"""`python -m engine train ARGS…` that stalls at one training step, so a test can SIGKILL it mid-run.

Usage: ``python stall_tiny.py MARKER PHASE EPOCH STEP -- ARGS…``. When ``PHASE`` reaches ``EPOCH``,
``STEP`` it writes ``MARKER`` and sleeps (heartbeat still beating, every 0.2 s here) until killed.
Everything else is the real CLI: see tests/engine/reliability/test_training_faults.py.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from engine.cli import main
from engine.distill import trainer
from engine.runs import progress

marker, phase, epoch, step = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
argv = sys.argv[sys.argv.index("--") + 1 :]
progress.HEARTBEAT_S = 0.2
real_step = trainer._train_step


def stalling_step(ph, e, s, b):
    if (ph.name, e, s) == (phase, epoch, step):
        Path(marker).write_text("stalled\n")
        time.sleep(600)
    return real_step(ph, e, s, b)


trainer._train_step = stalling_step
sys.exit(main.main(argv))
