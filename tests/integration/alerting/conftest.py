"""The alerting tests import their stack and the BIRD helpers by name."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parents[1] / "unit" / "bird", HERE.parents[1]):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
