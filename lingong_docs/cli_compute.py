"""CLI commands of the compute stage (registered in cli.py through COMMANDS)."""

COMMANDS: list = []
