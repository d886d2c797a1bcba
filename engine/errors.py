"""The one exception type a user can cause.

Every message names the field that is wrong and says how to fix it, so the CLI
prints one line and the dashboard shows it without a traceback.
"""

from __future__ import annotations


class DistillDecideError(ValueError):
    """Bad input a user can produce (file, flag, slider, upload).

    Parameters
    ----------
    field : str
        The field, column, flag or file at fault, as the user knows it.
    problem : str
        What is wrong with it, including the offending value.
    fix : str
        What to do instead.
    """

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}. Fix: {fix}")


def require(condition: bool, field: str, problem: str, fix: str) -> None:
    """Raise :class:`DistillDecideError` unless ``condition`` holds."""
    if not condition:
        raise DistillDecideError(field, problem, fix)
