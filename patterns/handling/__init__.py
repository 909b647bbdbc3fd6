"""Built-in handling rules, liabilities and the default policy (TOML data)."""
