"""mlplat: one YAML spec to a whole MLOps platform."""

__version__ = "0.1.0"
