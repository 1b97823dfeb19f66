"""`ppp-expert ask` (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command()
def ask() -> None:
    """Not available yet."""
    raise click.ClickException("'ask' is not implemented yet")
