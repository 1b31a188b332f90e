"""The built-in protocol templates (TOML files read by domain.protocols.builtin_templates)."""
