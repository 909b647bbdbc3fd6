"""Built-in pattern sets (TOML data); installed as the package leakscan.patterns."""
