"""Fixtures for every test folder: headless-Chromium browser tests (``browser``,
``page``, ``steps`` from ``tests/browser_support.py``, which sits beside this file)."""

pytest_plugins = ["browser_support"]
