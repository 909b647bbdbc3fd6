"""``python -m leakscan.gateway`` is ``leakscan smtp-filter``."""

from .command import smtp_filter

smtp_filter()
