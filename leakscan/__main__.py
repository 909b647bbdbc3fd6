"""``python -m leakscan`` is the ``leakscan`` command."""

from .cli import main

main()
