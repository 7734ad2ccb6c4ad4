"""CLI commands of the build stage (registered in cli.py through COMMANDS)."""

COMMANDS: list = []
