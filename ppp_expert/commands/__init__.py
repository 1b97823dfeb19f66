"""Larger CLI commands, one module each, registered on the main group in cli.py."""
