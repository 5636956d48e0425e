"""The slow end-to-end tests: every test in this folder is marked ``slow``.

``make test`` runs them; ``make test-fast`` (``-m "not slow"``) leaves them out.
Their support module (``notebook_support``) is imported by name from this folder.
"""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.slow)
