"""A cube where every teacher error is also a student error (seed error 4's best case)."""

import pandas as pd

from engine.decision import cube, scenario


def nested_cube_and_assumptions():
    # x: an ordinary intent, y: another, c: critical. Rates equal the seed's: teacher 0.0312 harm units and
    # 0.0034 critical per request, student 0.0356 and 0.0045, with the student's errors a superset.
    df = pd.DataFrame(
        [
            ("x", "x", "x", 9050),
            ("x", "y", "y", 756),  # both wrong, 312 harm units in all
            ("y", "y", "x", 149),  # student only, 44 harm units in all
            ("c", "x", "x", 34),  # both miss a critical request
            ("c", "c", "x", 11),  # student only misses one
        ],
        columns=["true", "teacher_pred", "student_pred", "n"],
    )
    c = cube.from_counts(df, intents=["x", "y", "c"])
    a = scenario.Assumptions.from_dict(
        {
            "intents": ["x", "y", "c"],
            "critical_intents": ["c"],
            "harm_matrix": {"x": {"y": 312 / 756}, "y": {"x": 44 / 149}},
            "teacher": {"usd_per_10k_requests": 38, "ops_usd_per_month": 512},
            "student": {"usd_per_10k_requests": 16, "ops_usd_per_month": 542},
        }
    )
    return c, a
