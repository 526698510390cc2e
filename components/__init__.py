"""Pulumi components, one concern each. They consume the typed spec, never YAML."""
