"""Money on screen: a true minus before the dollar sign everywhere (issue 12: "$-3,080" beside "−$385")."""

import numpy as np
import pandas as pd

from engine.present.money import usd, usd_cell


def test_negative_dollars_read_minus_dollar():
    assert usd(-3_080) == "−$3,080" and usd(1_122.4) == "$1,122" and usd(80.08, signed=True) == "+$80"
    assert f"${-3_080:,.0f}" == "$-3,080"  # the format string the tables used before


def test_table_cells():
    assert usd_cell(np.float64(-3_080.0)) == "−$3,080" and usd_cell(np.int64(5)) == "$5"
    assert usd_cell(float("nan")) == "" and usd_cell(None) == ""
    html = pd.DataFrame({"Student − teacher": [-3_080.0, 80.0]}).style.format(usd_cell).to_html()
    assert "−$3,080" in html and "$80" in html and "$-" not in html


def test_a_value_that_rounds_to_zero_has_no_sign():
    # the Uncertainty histogram's bin "−$96 to −$0" (walk, issue 12): −0.4 rounds to $0 and reads so
    assert usd(-0.4) == "$0" and usd(0.4, signed=True) == "$0" and usd(-0.004, cents=True) == "$0.00"
    assert usd(-0.6) == "−$1" and usd(-0.006, cents=True) == "−$0.01"
