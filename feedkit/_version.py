"""The one place feedkit's version is written (``pyproject.toml`` reads it from here)."""

__version__ = "0.1.0"
"""feedkit's version (PEP 440); ``feedkit --version`` and the wheel's metadata show the same."""
