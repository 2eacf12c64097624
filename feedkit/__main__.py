"""``python -m feedkit``: the same as the ``feedkit`` command."""

from feedkit.cli import main

main()
