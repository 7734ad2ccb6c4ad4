"""CLI commands of the validate stage (registered in cli.py through COMMANDS)."""

COMMANDS: list = []
