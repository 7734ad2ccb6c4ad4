"""The version of lingong-docs: read by setup.cfg, the CLI and the package stage (its manifest),
without importing the API or any stage."""

__version__ = "0.2.0"
