"""What the latency benches share: the percentile they print."""

from __future__ import annotations

import numpy as np


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` (numpy's linear interpolation); NaN for none."""
    return float(np.percentile(values, q * 100)) if len(values) else float("nan")
