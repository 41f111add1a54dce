"""Hypothesis settings and strategies shared by the property tests (`test_*_properties.py`).

Each property states one invariant and lets hypothesis look for an input that breaks it: odd Unicode,
control characters, markup, digit soup, very long texts, and texts generated from a small
schedule grammar whose hours the generator knows. Examples are random on every run; the example
database is off, so a run depends on nothing left over from an earlier one.
"""

import os
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: `IOPDIR_FUZZ_SCALE=20 pytest tests -k properties` runs twenty times the examples, for a deeper search.
SCALE = float(os.environ.get("IOPDIR_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """Settings of every property: `examples` random examples (times SCALE), no deadline, no example database."""
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


Draw = Callable[[st.SearchStrategy[Any]], Any]
