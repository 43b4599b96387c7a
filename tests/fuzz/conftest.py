"""Settings of the decoder fuzzing.

Tests marked ``fuzz`` are the long campaign: they run only when asked, ``pytest -m fuzz``
(``ARROWIO_FUZZ_EXAMPLES`` sets their hypothesis examples per format). The CLI tests' in-process
runner (``cli_helpers.run_in_process``, in tests/helpers) is shared, not copied.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "fuzz" in (config.option.markexpr or ""):
        return
    campaign = [item for item in items if item.get_closest_marker("fuzz")]
    if campaign:
        config.hook.pytest_deselected(items=campaign)
        items[:] = [item for item in items if not item.get_closest_marker("fuzz")]
