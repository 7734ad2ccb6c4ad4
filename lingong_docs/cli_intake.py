"""CLI commands of the intake stage (registered in cli.py through COMMANDS)."""

COMMANDS: list = []
