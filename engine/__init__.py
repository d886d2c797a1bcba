"""Distill Decide engine: a pure Python library (never imports streamlit).

The decision modules (scenario, cube, costs, sweeps, uncertainty, rollout)
never import torch; distillation and serving import it lazily.
"""

__version__ = "0.1.0"
