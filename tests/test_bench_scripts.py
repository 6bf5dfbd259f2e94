"""The benchmark scripts run with their own directory first on ``sys.path``, so a script
named like a standard-library module (``platform.py``) shadows it for every bench script,
and numpy's own ``import platform`` then fails."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_no_bench_script_shadows_a_standard_library_module() -> None:
    names = {path.stem for path in BENCH.glob("*.py")}
    assert names, "no bench scripts found"
    assert names & set(sys.stdlib_module_names) == set()
