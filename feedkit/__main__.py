"""``python -m feedkit``: the same as the ``feedkit`` command."""

from .cli import main

main()
