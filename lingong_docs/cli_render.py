"""CLI commands of the render stage (registered in cli.py through COMMANDS)."""

COMMANDS: list = []
